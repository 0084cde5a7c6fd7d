"""The Content-Security-Policy header: no inline script on storefront, back-office
and API docs pages, except the scripts that carry the page's own nonce."""

import re

import pytest
from django.test import Client

from tests.factories import ProductFactory, StaffFactory, UserFactory, place_order

pytestmark = pytest.mark.django_db


def policy(script_nonce: str | None = None) -> dict[str, str]:
    """The directives every response carries; a nonce only where the page has
    a script that needs it."""
    script_sources = "'self'" + (f" 'nonce-{script_nonce}'" if script_nonce else "")
    return {
        "default-src": "'self'",
        "script-src": script_sources,
        "script-src-attr": "'none'",
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data:",
        "font-src": "'self' data:",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }


SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-zA-Z][^<>]*?\son[a-z]+\s*=", re.IGNORECASE)


def directives(response) -> dict[str, str]:
    # django-csp writes the directives in no fixed order
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def nonce_of(response) -> str:
    return directives(response)["script-src"].split("'nonce-")[1].rstrip("'")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_scripts_allowed_by_the_policy(response) -> None:
    """Every script is a file or carries the nonce the header names; no handlers."""
    body = response.content.decode()
    nonce = nonce_of(response)
    for attributes in SCRIPT_TAG.findall(body):
        assert "src=" in attributes or f'nonce="{nonce}"' in attributes, attributes
    assert EVENT_HANDLER.findall(body) == []


def test_a_storefront_page_forbids_inline_script_except_its_nonced_start_up_script():
    product = ProductFactory(stock=3)

    response = Client().get(product.get_absolute_url())

    assert response.status_code == 200
    nonce = nonce_of(response)
    assert len(nonce) == 24
    assert directives(response) == policy(script_nonce=nonce)
    assert f'<script nonce="{nonce}">' in response.content.decode()
    assert_scripts_allowed_by_the_policy(response)


def test_every_page_gets_a_new_nonce():
    first = Client().get("/catalogue/")
    second = Client().get("/catalogue/")

    assert nonce_of(first) != nonce_of(second)


def test_the_customers_order_page_asks_before_cancelling_without_an_inline_handler():
    customer = UserFactory()
    order = place_order([(ProductFactory(stock=3), 1)], user=customer)

    response = logged_in(customer).get(f"/accounts/orders/{order.number}/")

    assert response.status_code == 200
    assert 'data-confirm="Cancel this order? This cannot be undone."' in response.content.decode()
    assert_scripts_allowed_by_the_policy(response)


def test_back_office_pages_forbid_inline_script():
    staff = logged_in(StaffFactory(username="root", is_superuser=True))
    order = place_order([(ProductFactory(stock=3), 1)], user=UserFactory())

    pages = [
        staff.get("/admin/"),
        staff.get("/admin/offer/conditionaloffer/add/"),
        staff.get(f"/admin/order/order/{order.pk}/fulfil/"),
    ]

    assert [page.status_code for page in pages] == [200, 200, 200]
    for page in pages:
        assert directives(page) == policy()
        body = page.content.decode()
        assert all("src=" in attributes for attributes in SCRIPT_TAG.findall(body))
        assert EVENT_HANDLER.findall(body) == []


def test_the_back_office_login_page_forbids_inline_script():
    response = Client().get("/admin/login/")

    assert directives(response) == policy()


def test_the_api_answers_with_the_policy():
    ProductFactory(stock=3)

    response = Client().get("/api/v1/products/")

    assert response.status_code == 200
    assert directives(response) == policy()


def test_the_api_docs_run_swagger_ui_from_files_and_one_nonced_script():
    response = Client().get("/api/docs/")

    assert response.status_code == 200
    nonce = nonce_of(response)
    assert directives(response) == policy(script_nonce=nonce)
    body = response.content.decode()
    assert [attributes.strip() for attributes in SCRIPT_TAG.findall(body)] == [
        'src="/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"',
        'src="/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js"',
        f'nonce="{nonce}"',
    ]
