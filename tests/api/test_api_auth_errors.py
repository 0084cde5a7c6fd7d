"""Token login, throttling and the one error shape across the API: every error is
``{"code", "detail", "fields"}`` with the right status, never a 500 for bad input."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from rest_framework.test import APIClient

from accounting.services import Customer, InvoiceLineData, invoice_issue
from erp.api.views import LoginThrottle
from tests.api.conftest import assert_error, client_for
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
INVOICES = "/api/v1/invoices/"
PASSWORD = "correct-horse-battery"  # UserFactory's


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """Login attempts are counted in the shared cache; every test starts from none."""
    cache.clear()
    caches["shared"].clear()
    yield
    cache.clear()
    caches["shared"].clear()


@pytest.fixture
def erika():
    user = UserFactory(username="erika", email="erika@example.com")
    invoice_issue(
        source="test:auth-erika",
        customer=Customer(email=user.email, name="Erika", address="Köln", user=user),
        lines=[
            InvoiceLineData(description="Tent", quantity=Decimal("1"), unit_price=Decimal("10"))
        ],
        day=date(2025, 3, 1),
    )
    return user


def login_attempts_allowed() -> int:
    """``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"]``, as the throttle reads it."""
    rates: Any = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    allowed = LoginThrottle().num_requests
    assert allowed == int(rates["login"].split("/")[0])
    return int(allowed)


def test_a_good_login_gives_a_token_that_opens_the_invoices(api: APIClient, erika):
    response = api.post(TOKEN, {"username": "erika", "password": PASSWORD}, format="json")

    assert response.status_code == 200
    token = response.json()["token"]
    assert list(response.json()) == ["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    invoices = api.get(INVOICES)
    assert invoices.status_code == 200
    assert invoices.json()["count"] == 1


def test_logging_in_twice_gives_the_same_token(api: APIClient, erika):
    first = api.post(TOKEN, {"username": "erika", "password": PASSWORD}, format="json")
    second = api.post(TOKEN, {"username": "erika", "password": PASSWORD}, format="json")

    assert first.json() == second.json()


def test_a_form_encoded_login_is_415_the_api_takes_json_only(api: APIClient, erika):
    response = api.post(TOKEN, {"username": "erika", "password": PASSWORD}, format="multipart")

    assert_error(response, 415, "unsupported_media_type")


def test_a_bad_password_is_400_in_the_error_shape(api: APIClient, erika):
    response = api.post(TOKEN, {"username": "erika", "password": "wrong"}, format="json")

    body = assert_error(response, 400, "invalid")
    assert body == {
        "code": "invalid",
        "detail": "Unable to log in with provided credentials.",
        "fields": {},
    }


def test_an_inactive_user_cannot_log_in(api: APIClient, erika):
    erika.is_active = False
    erika.save(update_fields=["is_active"])

    response = api.post(TOKEN, {"username": "erika", "password": PASSWORD}, format="json")

    assert_error(response, 400, "invalid")


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, ["username", "password"]),
        ({"username": "erika"}, ["password"]),
        ({"username": ["erika"], "password": PASSWORD}, ["username"]),
        ({"username": "erika", "password": {"x": 1}}, ["password"]),
        ({"username": "ünï☃\x00", "password": PASSWORD}, ["username"]),
    ],
)
def test_a_login_with_missing_or_mistyped_fields_is_400_with_fields(
    api: APIClient, erika, payload, fields
):
    body = assert_error(api.post(TOKEN, payload, format="json"), 400, "invalid")

    assert sorted(body["fields"]) == sorted(fields)


def test_logins_are_throttled_with_429_after_the_allowed_attempts(api: APIClient, erika):
    # good logins, so that the lockout after failed ones (tests/test_login_lockout.py)
    # does not refuse first: the throttle counts every request from the address
    allowed = login_attempts_allowed()
    for _ in range(allowed):
        good = api.post(TOKEN, {"username": "erika", "password": PASSWORD}, format="json")
        assert good.status_code == 200

    response = api.post(TOKEN, {"username": "erika", "password": PASSWORD}, format="json")

    body = assert_error(response, 429, "throttled")
    assert body["fields"] == {}
    assert int(response["Retry-After"]) > 0


def test_every_web_process_counts_the_same_login_attempts(api: APIClient, erika):
    allowed = login_attempts_allowed()
    for _ in range(allowed - 1):
        api.post(TOKEN, {"username": "erika", "password": PASSWORD}, format="json")

    # another worker process has its own memory, but reads the same table
    other_process = DatabaseCache("kontor_shared_cache", {})
    assert isinstance(LoginThrottle.cache, DatabaseCache)
    key = LoginThrottle.cache_format % {"scope": "login", "ident": "127.0.0.1"}
    assert len(other_process.get(key)) == allowed - 1
    other_process.set(key, other_process.get(key) * 2)  # its attempts add up with ours

    response = api.post(TOKEN, {"username": "erika", "password": PASSWORD}, format="json")
    assert_error(response, 429, "throttled")


def test_logins_from_another_address_are_counted_separately(erika):
    crowded, other = APIClient(REMOTE_ADDR="10.0.0.1"), APIClient(REMOTE_ADDR="10.0.0.2")
    for _ in range(login_attempts_allowed() + 1):  # guesses at another account
        crowded.post(TOKEN, {"username": "someone", "password": "guess"}, format="json")
    refused = crowded.post(TOKEN, {"username": "erika", "password": PASSWORD}, format="json")
    assert refused.status_code == 429

    response = other.post(TOKEN, {"username": "erika", "password": PASSWORD}, format="json")

    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        INVOICES,
        f"{INVOICES}INV-2025-000001/",
        f"{INVOICES}INV-2025-000001/pdf/",
        "/api/v1/inventory/stock/?sku=X",
        "/api/v1/accounting/trial-balance/",
    ],
)
def test_protected_endpoints_are_401_in_the_error_shape_without_credentials(api: APIClient, url):
    response = api.get(url)

    body = assert_error(response, 401, "not_authenticated")
    assert body["detail"] == "Authentication credentials were not provided."
    assert response["WWW-Authenticate"] == "Token"


def test_a_wrong_token_is_401_in_the_error_shape(api: APIClient, erika):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    body = assert_error(api.get(INVOICES), 401, "not_authenticated")

    assert body["detail"] == "Invalid token."


@pytest.mark.parametrize(
    "header",
    [
        "Token",
        "Token a b",
        "Token \u2603".encode().decode("latin-1"),  # as WSGI hands over non-ASCII bytes
        "Bearer abc",
        "Basic Zm9vOmJhcg==",
    ],
)
def test_odd_authorization_headers_never_fail(api: APIClient, erika, header):
    api.credentials(HTTP_AUTHORIZATION=header)

    assert api.get(INVOICES).status_code == 401
    assert api.get("/api/v1/products/").status_code in (200, 401)


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (TOKEN, "{not json"),
        (TOKEN, '{"username": "erika", '),
        (TOKEN, "\xff\xfe"),
        ("/api/v1/inventory/receipts/", "{not json"),
    ],
)
def test_a_malformed_json_body_is_400_in_the_error_shape(api: APIClient, erika, url, body):
    if url != TOKEN:
        api = client_for(StaffFactory(username="walt", role="Warehouse"))

    response = api.generic("POST", url, body.encode("latin-1"), content_type="application/json")

    body_json = assert_error(response, 400, "invalid")
    assert "JSON parse error" in body_json["detail"]


def test_a_wrong_method_is_405_in_the_error_shape(api: APIClient):
    assert api.get("/api/v1/products/").status_code == 200
    assert_error(api.delete("/api/v1/products/"), 405, "method_not_allowed")
    assert_error(api.get(TOKEN), 405, "method_not_allowed")


def test_the_schema_documents_these_endpoints_and_their_errors(api: APIClient):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    expected = {
        "/api/v1/products/": ("get", {"200", "400", "404"}),
        "/api/v1/products/{sku}/": ("get", {"200", "404"}),
        "/api/v1/invoices/": ("get", {"200", "401"}),
        "/api/v1/invoices/{number}/": ("get", {"200", "401", "404"}),
        "/api/v1/invoices/{number}/pdf/": ("get", {"200", "401", "404"}),
        "/api/v1/inventory/stock/": ("get", {"200", "400", "401", "403", "404"}),
        "/api/v1/inventory/receipts/": ("post", {"201", "400", "401", "403"}),
        "/api/v1/accounting/trial-balance/": ("get", {"200", "400", "401", "403"}),
    }
    for path, (method, statuses) in expected.items():
        assert statuses <= set(paths[path][method]["responses"]), path
    pdf = paths["/api/v1/invoices/{number}/pdf/"]["get"]["responses"]["200"]["content"]
    assert list(pdf) == ["application/pdf"]


def test_the_token_of_a_user_deactivated_since_is_refused(api: APIClient, erika):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=erika)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get(INVOICES).status_code == 200

    erika.is_active = False
    erika.save()

    body = assert_error(api.get(INVOICES), 401, "not_authenticated")
    assert body["detail"] == "User inactive or deleted."


def test_a_token_is_checked_with_one_query_and_gives_its_own_user(erika):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from erp.api.authentication import TokenAuthentication

    other = UserFactory(username="other")
    Token.objects.create(user=other)
    token = Token.objects.create(user=erika)
    with CaptureQueriesContext(connection) as queries:
        user, found = TokenAuthentication().authenticate_credentials(token.key)
    assert len(queries) == 1
    assert (user.pk, user.username, found.key, found.user is user) == (
        erika.pk,
        "erika",
        token.key,
        True,
    )
    stored = type(erika).objects.get(pk=erika.pk)
    assert {f.attname: getattr(user, f.attname) for f in user._meta.concrete_fields} == {
        f.attname: getattr(stored, f.attname) for f in stored._meta.concrete_fields
    }
