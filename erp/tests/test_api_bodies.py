"""Request bodies the API reads: JSON only, bounded in depth and size, every refusal
in the one error shape (``{"code", "detail", "fields"}``), never a 500."""

import json
import uuid

import pytest
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from erp.api.parsers import MAX_JSON_DEPTH, json_depth_exceeds
from tests.api.conftest import assert_error, client_for
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
ORDERS = "/api/v1/orders/"
RECEIPTS = "/api/v1/inventory/receipts/"
SHIPMENTS = "/api/v1/shipments/"


def nested(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


def post_raw(client: APIClient, url: str, body: bytes, content_type: str = "application/json"):
    # orders and receipts check the Idempotency-Key header before they read the body
    return client.generic(
        "POST", url, body, content_type=content_type, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )


def body_writers() -> dict[str, APIClient]:
    """A client allowed to post to each endpoint that takes a body."""
    customer = client_for(UserFactory(username="body-customer"))
    manager = client_for(StaffFactory(username="body-manager", role="Manager"))
    return {TOKEN: APIClient(), ORDERS: customer, RECEIPTS: manager, SHIPMENTS: manager}


def test_json_nested_100000_levels_deep_on_the_unauthenticated_token_endpoint_is_a_400():
    response = post_raw(APIClient(), TOKEN, nested(100_000))

    body = assert_error(response, 400, "invalid")
    assert body["detail"] == (
        f"JSON parse error - the body is nested more than {MAX_JSON_DEPTH} levels deep."
    )


def test_json_nested_too_deeply_is_a_400_on_every_endpoint_that_takes_a_body():
    for url, client in body_writers().items():
        for body in (nested(100_000), b'{"lines": ' + nested(MAX_JSON_DEPTH) + b"}"):
            response = post_raw(client, url, body)

            assert_error(response, 400, "invalid")
            assert "nested more than 64 levels" in response.json()["detail"], url


def test_json_nested_as_deep_as_the_limit_is_parsed_and_judged_by_the_endpoint():
    response = post_raw(APIClient(), TOKEN, b'{"username": ' + nested(MAX_JSON_DEPTH - 1) + b"}")

    body = assert_error(response, 400, "invalid")
    assert "JSON parse error" not in body["detail"]
    assert set(body["fields"]) == {"username", "password"}


def test_the_depth_scan_ignores_brackets_inside_strings_and_escaped_quotes():
    deep_in_a_string = json.dumps({"note": "[" * 1000 + '\\"{' * 1000})

    assert json_depth_exceeds(deep_in_a_string, 2) is False
    assert json_depth_exceeds('{"a": [[1]]}', 3) is False
    assert json_depth_exceeds('{"a": [[[1]]]}', 3) is True
    assert json_depth_exceeds('"unterminated \\" [[[[', 1) is False
    assert json_depth_exceeds("[" * 100_000, MAX_JSON_DEPTH) is True


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"username=erika&password=x", "application/x-www-form-urlencoded"),
        (
            b'--b\r\nContent-Disposition: form-data; name="username"\r\n\r\nerika\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
        ),
        (b"username: erika", "text/plain"),
    ],
)
def test_a_body_that_is_not_json_is_a_415_on_every_endpoint_that_takes_a_body(body, content_type):
    for url, client in body_writers().items():
        response = post_raw(client, url, body, content_type)

        error = assert_error(response, 415, "unsupported_media_type")
        assert error["detail"] == f'Unsupported media type "{content_type}" in request.', url


def test_a_json_body_over_the_upload_limit_is_a_413_in_the_error_shape(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    too_big = json.dumps({"username": "erika", "password": "x" * 1000}).encode()

    for url, client in body_writers().items():
        response = post_raw(client, url, too_big)

        body = assert_error(response, 413, "payload_too_large")
        assert body["detail"] == (
            "The request body is larger than 1000 bytes, the most the API accepts."
        )
        assert body["fields"] == {}


def test_a_json_body_over_the_default_upload_limit_is_a_413(settings):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert limit == 2_621_440  # Django's default, which the settings keep
    too_big = json.dumps({"username": "erika", "password": "x" * limit}).encode()

    response = post_raw(APIClient(), TOKEN, too_big)

    assert_error(response, 413, "payload_too_large")


def test_a_form_body_over_the_upload_limit_from_a_logged_in_page_is_json_not_an_html_400(
    settings,
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    browser = APIClient(enforce_csrf_checks=True)  # a logged-in page calling the API
    browser.force_login(UserFactory(username="session-customer"))
    browser.cookies["csrftoken"] = "a" * 32  # the CSRF check then reads the form

    response = post_raw(
        browser, ORDERS, b"lines=" + b"x" * 2000, "application/x-www-form-urlencoded"
    )

    assert response["Content-Type"] == "application/json"
    assert_error(response, 415, "unsupported_media_type")


class ReadsTheRawBody(APIView):
    """A view that reads the body itself (say, to check a signature over it)."""

    permission_classes = [AllowAny]

    def post(self, request: Request) -> Response:
        return Response({"length": len(request._request.body)})


def test_a_body_over_the_upload_limit_read_by_a_view_itself_is_a_413_in_the_error_shape(
    settings,
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    factory = APIRequestFactory()

    small = ReadsTheRawBody.as_view()(
        factory.post("/api/v1/x/", b"x" * 1000, content_type="text/plain")
    )
    response = ReadsTheRawBody.as_view()(
        factory.post("/api/v1/x/", b"x" * 1001, content_type="text/plain")
    )

    assert small.data == {"length": 1000}
    assert response.status_code == 413
    assert response.data == {
        "code": "payload_too_large",
        "detail": "The request body is larger than 1000 bytes, the most the API accepts.",
        "fields": {},
    }


def test_a_body_in_a_charset_that_is_not_text_is_a_400():
    response = post_raw(APIClient(), TOKEN, b"{}", "application/json; charset=bz2_codec")

    body = assert_error(response, 400, "invalid")
    assert body["detail"] == 'Unsupported charset "bz2_codec" in the Content-Type header.'


def test_a_json_body_in_utf16_as_its_content_type_says_is_read():
    erika = UserFactory(username="erika")
    text = json.dumps({"username": erika.username, "password": "correct-horse-battery"})

    response = post_raw(
        APIClient(), TOKEN, text.encode("utf-16"), "application/json; charset=utf-16"
    )

    assert response.status_code == 200, response.content
    assert set(response.json()) == {"token"}


def test_the_schema_documents_json_only_and_request_models_without_read_only_fields(
    api: APIClient,
):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]

    with_body = {
        f"{method.upper()} {path}": operation
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if "requestBody" in operation
    }

    assert sorted(with_body) == [
        "POST /api/v1/auth/token/",
        "POST /api/v1/inventory/receipts/",
        "POST /api/v1/orders/",
        "POST /api/v1/purchase-orders/",
        "POST /api/v1/purchase-orders/{number}/bills/",
        "POST /api/v1/purchase-orders/{number}/receipts/",
        "POST /api/v1/shipments/",
        "POST /api/v1/suppliers/",
        "POST /api/v1/suppliers/{code}/items/",
    ]
    for name, operation in with_body.items():
        content = operation["requestBody"]["content"]
        assert list(content) == ["application/json"], name
        request_model = components[content["application/json"]["schema"]["$ref"].split("/")[-1]]
        read_only = [
            field for field, spec in request_model["properties"].items() if spec.get("readOnly")
        ]
        assert read_only == [], name
        assert {"413", "415"} <= set(operation["responses"]), name
    login = components["AuthTokenRequest"]
    assert sorted(login["properties"]) == sorted(login["required"]) == ["password", "username"]
    assert components["Token"]["required"] == ["token"]
