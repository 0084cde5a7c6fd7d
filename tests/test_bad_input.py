"""Bad input is a clear 4xx, never a 500 (issue 13, item 13).

PostgreSQL refuses NUL in text, so a NUL anywhere in a request (address, query,
header, form field, JSON string) is refused before it reaches a query; addresses
longer than 4096 characters are 414; the forms that crashed on odd values (a
review sent back with errors, a quick-order quantity, a search over 200
characters) answer with a message. Every test runs with ``DEBUG=False``, as
production does. ``tests/test_url_walker.py`` walks every URL the same way.
"""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from oscar.core.loading import get_model

from erp import urls as project_urls
from tests.factories import CompanyFactory, ProductFactory, UserFactory, buyer_for

NUL_IN_ADDRESS = "The address contains a NUL character (%00), which no field accepts."


def _raise_a_data_error(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::integer", ["not a number"])
    return HttpResponse("unreachable")


def _fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug, not bad input")


# the project's URLs and error handlers, plus views whose query PostgreSQL refuses
# or that have a bug (for the tests marked with this module as their urls)
urlpatterns = [
    path("refused-value/", _raise_a_data_error),
    path("api/v1/broken/", _fail),
    path("broken/", _fail),
    *project_urls.urlpatterns,
]
handler400 = project_urls.handler400
handler500 = project_urls.handler500


@pytest.fixture(autouse=True)
def production(settings: Any) -> None:
    settings.DEBUG = False


@pytest.fixture
def anonymous(db: None) -> Client:
    return Client(raise_request_exception=False)


@pytest.fixture
def customer(db: None) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="nora"))
    return client


@pytest.fixture
def superuser(db: None) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def _api_error(response: Any) -> dict[str, Any]:
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


# --- NUL: refused before any view, in the API's shape under /api/ -------------------


def test_a_nul_in_an_order_number_of_an_api_url_is_a_400_in_the_error_shape(
    customer: Client,
) -> None:
    for url in ("/api/v1/orders/100001%00/", "/api/v1/invoices/INV%00/pdf/"):
        response = customer.get(url)

        assert response.status_code == 400
        assert _api_error(response) == {"code": "invalid", "detail": NUL_IN_ADDRESS, "fields": {}}


def test_a_nul_in_the_status_filter_of_the_api_order_list_names_the_field(
    customer: Client,
) -> None:
    response = customer.get("/api/v1/orders/?status=%00")

    assert response.status_code == 400
    assert _api_error(response) == {
        "code": "invalid",
        "detail": "The query field “status”: This value contains a NUL character (%00), "
        "which no field accepts.",
        "fields": {
            "status": ["This value contains a NUL character (%00), which no field accepts."]
        },
    }


def test_a_nul_in_an_order_or_invoice_number_of_an_account_url_is_a_400_page_saying_so(
    customer: Client,
) -> None:
    for url in (
        "/accounts/orders/100001%00/",
        "/accounts/orders/100001%00/cancel/",
        "/accounts/invoices/INV%00/pdf/",
    ):
        response = customer.get(url)

        assert response.status_code == 400
        assert response["Content-Type"] == "text/html; charset=utf-8"
        assert NUL_IN_ADDRESS in response.content.decode()


def test_a_nul_in_an_admin_changelist_filter_or_search_is_a_400_page(superuser: Client) -> None:
    for url in (
        "/admin/order/order/?status=%00",
        "/admin/order/order/?q=%00",
        "/admin/accounting/invoice/?q=abc%00",
        "/admin/catalogue/category/children/1/?status=%00",
    ):
        response = superuser.get(url)

        assert response.status_code == 400
        assert "contains a NUL character (%00)" in response.content.decode()


def test_a_nul_in_a_form_field_is_a_400_naming_the_field(customer: Client) -> None:
    urlencoded = customer.post("/accounts/quick-order/", {"lines": "SKU-1\x00 2"})
    multipart = customer.post(
        "/accounts/quick-order/",
        {"lines": "SKU-1 2", "note": "a\x00b"},
        format="multipart",
    )

    assert urlencoded.status_code == 400
    assert "The form field “lines”: This value contains a NUL" in urlencoded.content.decode()
    assert multipart.status_code == 400
    assert "The form field “note”: This value contains a NUL" in multipart.content.decode()


def test_a_nul_in_a_header_is_a_400_also_in_the_token_header(anonymous: Client) -> None:
    response = anonymous.get("/api/v1/orders/", HTTP_AUTHORIZATION="Token abc\x00def")

    assert response.status_code == 400
    assert _api_error(response)["detail"] == (
        "The request header Authorization contains a NUL character (%00), which no field accepts."
    )


def test_a_nul_in_a_json_string_or_key_is_a_400_from_the_api_parser(
    anonymous: Client, customer: Client
) -> None:
    nested = {"lines": [{"sku": "SKU-1", "note": "a\x00"}], "reference": "PO-1"}
    in_value = customer.post(
        "/api/v1/orders/", nested, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    in_key = anonymous.post(
        "/api/v1/auth/token/", '{"a\\u0000": 1}', content_type="application/json"
    )
    in_array = anonymous.post("/api/v1/auth/token/", ["\x00"], content_type="application/json")

    assert in_value.status_code == 400
    assert _api_error(in_value) == {
        "code": "invalid",
        "detail": "Some fields are not valid; see fields.",
        "fields": {
            "lines": ["This value contains the NUL character (\\u0000), which no field accepts."]
        },
    }
    assert in_key.status_code == 400
    assert _api_error(in_key) == {
        "code": "invalid",
        "detail": "JSON keys may not contain the NUL character (\\u0000).",
        "fields": {},
    }
    assert in_array.status_code == 400
    assert _api_error(in_array)["detail"] == (
        "JSON strings may not contain the NUL character (\\u0000)."
    )


def test_a_request_that_is_not_utf8_is_a_400(customer: Client) -> None:
    # gunicorn passes the address as sent in RAW_URI; Django's own path is re-escaped
    path_ = customer.get("/accounts/orders/%FF/", RAW_URI="/accounts/orders/%FF/")
    query = customer.get("/search/?q=%C3%28")
    form = customer.post(
        "/accounts/quick-order/",
        "lines=SKU%FF+1",
        content_type="application/x-www-form-urlencoded",
    )

    assert path_.status_code == 400
    assert "The address is not valid UTF-8 text." in path_.content.decode()
    assert query.status_code == 400
    assert "The query field “q”: This value is not valid UTF-8 text." in query.content.decode()
    assert form.status_code == 400
    assert "The form field “lines”: This value is not valid UTF-8 text." in form.content.decode()


def test_an_address_longer_than_4096_characters_is_a_414(anonymous: Client) -> None:
    page = anonymous.get("/catalogue/" + "9" * 5000 + "/")
    api = anonymous.get("/api/v1/products/", {"q": "x" * 5000})

    assert page.status_code == 414
    assert "The address is longer than 4096 characters." in page.content.decode()
    assert api.status_code == 414
    assert _api_error(api) == {
        "code": "uri_too_long",
        "detail": "The address is longer than 4096 characters.",
        "fields": {},
    }


def test_the_400_page_needs_no_database(anonymous: Client, django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        response = anonymous.get("/catalogue/?q=%00")

    assert response.status_code == 400


# --- what still reaches the database or a form --------------------------------------


@pytest.mark.urls("tests.test_bad_input")
def test_a_value_the_database_refuses_is_a_400_not_a_500(anonymous: Client) -> None:
    response = anonymous.get("/refused-value/")

    assert response.status_code == 400
    assert "A value in this request cannot be stored" in response.content.decode()


@pytest.mark.urls("tests.test_bad_input")
def test_a_bug_is_a_500_in_the_api_error_shape_and_a_plain_page_elsewhere(
    anonymous: Client,
) -> None:
    api = anonymous.get("/api/v1/broken/")
    page = anonymous.get("/broken/")

    assert api.status_code == 500
    assert _api_error(api) == {
        "code": "server_error",
        "detail": "Something went wrong on our side; it has been logged.",
        "fields": {},
    }
    assert page.status_code == 500
    assert "<h1>Something went wrong on our side</h1>" in page.content.decode()
    assert '<a id="error_home_link" class="btn btn-primary btn-lg" href="/">Go to the shop</a>' in (
        page.content.decode()
    )


def test_a_form_body_over_the_upload_limit_is_a_413_page(customer: Client, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = customer.post("/accounts/quick-order/", {"lines": "SKU-1 1\n" * 200})

    assert response.status_code == 413
    assert "The request body is larger than the server accepts." in response.content.decode()


def test_a_nul_in_an_uploaded_quick_order_file_is_a_message_not_a_500(warehouse_buyer) -> None:
    client, basket_lines = warehouse_buyer
    upload = SimpleUploadedFile("order.csv", b"SKU-1\x00 2\n", content_type="text/csv")

    response = client.post("/accounts/quick-order/", {"lines": "", "file": upload})

    assert response.status_code == 200
    messages = [str(message) for message in response.context["messages"]]
    assert messages == ["The lines contain a NUL character; type SKUs and quantities only."]
    assert basket_lines() == []


def test_quick_order_quantities_that_are_no_plain_number_are_reported(warehouse_buyer) -> None:
    client, basket_lines = warehouse_buyer
    product = ProductFactory(stock=10)
    sku = f"SKU-{product.upc}"

    response = client.post(
        "/accounts/quick-order/",
        {"lines": f"{sku} ²\n{sku} {'9' * 5000}\n{sku} 1000000"},
    )

    assert response.status_code == 200
    messages = [str(message) for message in response.context["messages"]]
    assert len(messages) == 3
    assert all(
        "the quantity must be a whole number above zero (at most 999,999)" in m for m in messages
    )
    assert basket_lines() == []


@pytest.fixture
def warehouse_buyer(db: None) -> tuple[Client, Callable[[], list[Any]]]:
    client = Client(raise_request_exception=False)
    user = buyer_for(CompanyFactory(), "bea")
    client.force_login(user)
    Line = get_model("basket", "Line")

    def basket_lines() -> list[Any]:
        return list(Line.objects.filter(basket__owner=user).values_list("quantity", flat=True))

    return client, basket_lines


def test_a_review_sent_back_with_errors_is_shown_again_not_a_500(customer: Client) -> None:
    product = ProductFactory(title="Granite Tent")
    url = f"/catalogue/{product.slug}_{product.pk}/reviews/add/"

    missing_title = customer.post(url, {"score": "3", "title": "", "body": "Sturdy."})
    bad_score = customer.post(url, {"score": "abc", "title": "Good", "body": "Sturdy."})

    assert missing_title.status_code == 200
    assert missing_title.context["form"].errors == {"title": ["This field is required."]}
    assert 'class="star-rating Three"' in missing_title.content.decode()
    assert bad_score.status_code == 200
    assert list(bad_score.context["form"].errors) == ["score"]
    assert get_model("reviews", "ProductReview").objects.count() == 0


# --- search: a text that cannot be searched finds nothing and says why --------------


def test_a_storefront_search_over_200_characters_lists_nothing_and_says_why(
    anonymous: Client,
) -> None:
    ProductFactory(title="Granite Tent")
    for url in ("/search/", "/catalogue/"):
        response = anonymous.get(url, {"q": "tent" * 51})

        assert response.status_code == 200
        assert list(response.context["products"]) == []
        assert [str(message) for message in response.context["messages"]] == [
            "Search: Ensure this value has at most 200 characters (it has 204)."
        ]


def test_a_valid_search_still_finds_and_an_unknown_sort_falls_back(anonymous: Client) -> None:
    tent = ProductFactory(title="Granite Tent")
    ProductFactory(title="Basalt Lamp")

    response = anonymous.get("/search/", {"q": "tent", "sort_by": "nonsense"})

    assert response.status_code == 200
    assert list(response.context["products"]) == [tent]


def test_the_api_refuses_a_search_over_200_characters_or_with_a_nul(anonymous: Client) -> None:
    ProductFactory(title="Granite Tent")

    too_long = anonymous.get("/api/v1/products/", {"q": "x" * 201})
    nul = anonymous.get("/api/v1/products/?q=tent%00")

    assert too_long.status_code == 400
    assert _api_error(too_long)["fields"] == {
        "q": ["Ensure this field has no more than 200 characters."]
    }
    assert nul.status_code == 400
    assert _api_error(nul)["fields"] == {
        "q": ["This value contains a NUL character (%00), which no field accepts."]
    }


def test_a_search_with_a_nul_is_a_400_page(anonymous: Client) -> None:
    response = anonymous.get("/search/?q=tent%00")

    assert response.status_code == 400
    assert "The query field “q”: This value contains a NUL character" in response.content.decode()


# --- odd ids and filters elsewhere ----------------------------------------------------


def test_an_admin_children_list_filtered_on_an_unknown_field_is_a_400(superuser: Client) -> None:
    response = superuser.get("/admin/catalogue/category/children/1/?page=abc")

    assert response.status_code == 400
    assert "cannot be filtered or sorted by what the address asks for" in response.content.decode()


def test_a_wish_list_for_a_product_that_does_not_exist_says_so(customer: Client) -> None:
    response = customer.get("/accounts/wishlists/create/with-product/999999/", follow=True)

    assert response.redirect_chain == [("/accounts/wishlists/create/", 302)]
    assert [str(message) for message in response.context["messages"]] == [
        "The requested product no longer exists"
    ]


def test_storefront_records_cannot_be_added_half_filled_in_the_admin(superuser: Client) -> None:
    vote = superuser.post("/admin/reviews/vote/add/", {"delta": "1"})
    address = superuser.post("/admin/address/useraddress/add/", {"line1": "Heidestraße 17"})
    benefit = superuser.post("/admin/offer/benefit/add/", {"value": "10"})
    basket_line = superuser.post("/admin/basket/line/add/", {})
    voucher_use = superuser.post("/admin/voucher/voucherapplication/add/", {})

    assert vote.status_code == 200
    assert vote.context["adminform"].form.errors["review"] == ["This field is required."]
    assert address.status_code == 200
    assert address.context["adminform"].form.errors["user"] == ["This field is required."]
    assert benefit.status_code == 200
    assert benefit.context["adminform"].form.errors["__all__"] == [
        "Choose a type (or give a custom class)."
    ]
    assert basket_line.status_code == 403
    assert voucher_use.status_code == 403
