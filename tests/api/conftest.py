"""Helpers of the API contract tests (here and in each app's ``tests/``): a DRF
client logged in by token, and the check of the one error shape. The plain
``api`` client fixture is in the root ``conftest.py``, so every app's API tests
have it."""

from typing import Any

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def client_for(user: Any) -> APIClient:
    """A client that sends ``Authorization: Token <token>`` for ``user``."""
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def assert_error(response: Any, status: int, code: str) -> dict:
    """The one error shape: ``{"code", "detail", "fields"}`` with a readable detail."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and body["detail"], body
    assert isinstance(body["fields"], dict), body
    return body
