"""The pages every deployment must serve. CI also runs these on an external
PostgreSQL server (``-m smoke`` with ``DATABASE_URL``)."""

import pytest
from django.db import connection
from django.test import Client

from tests.factories import ProductFactory, StaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


def test_database_is_postgresql():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        (version,) = cursor.fetchone()
    assert int(version) >= 150000


def test_home_redirects_to_the_catalogue_which_lists_products(client: Client):
    ProductFactory(title="Granite Dome Tent 2P")
    ProductFactory(title="Basalt Headlamp 400 lm")

    home = client.get("/")
    page = client.get("/catalogue/")

    assert home.status_code == 302
    assert home["Location"] == "/catalogue/"
    assert page.status_code == 200
    assert [p.title for p in page.context["products"]] == [
        "Basalt Headlamp 400 lm",
        "Granite Dome Tent 2P",
    ]
    assert b"Granite Dome Tent 2P" in page.content
    assert b"Kontor Demo Store" in page.content


def test_product_page_shows_title_price_and_add_to_basket(client: Client):
    product = ProductFactory(title="Fjord Rain Jacket Pro 3L", listing="249.95", stock=12)

    response = client.get(product.get_absolute_url())

    assert response.status_code == 200
    body = response.content.decode()
    assert "Fjord Rain Jacket Pro 3L" in body
    assert "249.95" in body
    assert 'id="add_to_basket_form"' in body


def test_search_finds_products_by_stemmed_word_and_by_sku(client: Client):
    tent = ProductFactory(title="Moraine Tunnel Tent 3P")
    ProductFactory(title="Heath Camp Lantern Solar")

    by_word = client.get("/search/", {"q": "tents"})
    by_sku = client.get("/search/", {"q": f"SKU-{tent.upc}"})

    assert by_word.status_code == 200
    assert [p.title for p in by_word.context["page_obj"].object_list] == ["Moraine Tunnel Tent 3P"]
    assert [p.pk for p in by_sku.context["page_obj"].object_list] == [tent.pk]


def test_admin_login_page_renders_with_the_back_office_header(client: Client):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert b"Kontor back office" in response.content


def test_staff_on_the_storefront_get_back_office_links_not_oscar_dashboard(client: Client):
    staff = StaffFactory(username="mia", role="Manager")
    product = ProductFactory()
    client.force_login(staff)

    page = client.get(product.get_absolute_url())

    assert page.status_code == 200
    body = page.content.decode()
    assert f"/admin/catalogue/product/{product.pk}/change/" in body
    assert 'href="/admin/"' in body
    assert "/dashboard/" not in body


def test_staff_signing_in_on_the_storefront_land_in_the_back_office(client: Client):
    StaffFactory(username="mia", email="mia@example.com")

    response = client.post(
        "/accounts/login/",
        {
            "login-username": "mia@example.com",
            "login-password": "correct-horse-battery",
            "login_submit": "1",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/admin/"


def test_api_root_links_schema_docs_and_health(client: Client):
    response = client.get("/api/v1/")

    assert response.status_code == 200
    root = response.json()
    assert {key: root[key] for key in ("version", "schema", "docs", "health")} == {
        "version": "v1",
        "schema": "http://testserver/api/schema/",
        "docs": "http://testserver/api/docs/",
        "health": "http://testserver/healthz",
    }
    assert set(root["endpoints"]) == {
        "token",
        "products",
        "orders",
        "invoices",
        "stock",
        "receipts",
        "shipments",
        "trial_balance",
        "suppliers",
        "purchase_orders",
    }


def test_openapi_schema_and_docs_are_served_locally(client: Client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "Kontor API"
    assert "/api/v1/" in schema.json()["paths"]
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"cdn.jsdelivr" not in docs.content


def test_healthz_reports_database_and_broker(client: Client):
    client.force_login(StaffFactory(username="ops", role="Manager"))
    response = client.get("/healthz")

    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "ok"
    assert report["database"]["ok"] is True
    assert report["database"]["vendor"] == "postgresql"
    assert report["broker"]["ok"] is True
    assert response["Cache-Control"].startswith("max-age=0")
