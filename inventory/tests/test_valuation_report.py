"""The inventory valuation report: per product at moving-average cost, the total
checked against the inventory account, CSV, a category filter, constant queries."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_model

from accounting.services import credit, debit, journal_entry_post
from erp.permissions import SYSTEM
from inventory import services
from tests.factories import CategoryFactory, ProductFactory, StaffFactory, WarehouseFactory

pytestmark = pytest.mark.django_db
URL = "/warehouse/valuation/"
Category = get_model("catalogue", "Category")
ProductCategory = get_model("catalogue", "ProductCategory")


@pytest.fixture
def warehouse_client(client: Client) -> Client:
    client.force_login(StaffFactory(username="wes", role="Warehouse"))
    return client


@pytest.fixture
def berlin():
    return WarehouseFactory(code="BER-1")


def received(title: str, upc: str, *receipts: tuple[int, str], warehouse) -> object:
    product = ProductFactory(title=title, upc=upc)
    for quantity, unit_cost in receipts:
        services.stock_receive(
            user=SYSTEM,
            product=product,
            warehouse=warehouse,
            quantity=quantity,
            unit_cost=Decimal(unit_cost),
        )
    return product


@pytest.fixture
def stock(berlin):
    lantern = received("Basalt Lantern", "4000000000501", (4, "6"), (4, "10"), warehouse=berlin)
    tent = received("Alpine Tent", "4000000000502", (3, "99.99"), warehouse=berlin)
    ProductFactory(title="Never Received", upc="4000000000503")
    return lantern, tent


def test_each_product_with_its_average_cost_and_value(warehouse_client, stock):
    response = warehouse_client.get(URL)

    assert response.status_code == 200
    rows = [(r.sku, r.title, r.quantity, r.average_cost, r.value) for r in response.context["rows"]]
    assert rows == [
        ("SKU-4000000000502", "Alpine Tent", 3, Decimal("99.9900"), Decimal("299.97")),
        ("SKU-4000000000501", "Basalt Lantern", 8, Decimal("8.0000"), Decimal("64.00")),
    ]
    assert response.context["total"] == Decimal("363.97")
    assert response.context["total_quantity"] == 11
    assert response.context["account_balance"] == Decimal("363.97")
    page = response.content.decode()
    assert "The stock is worth 363.97, the same as the 1500 Inventory account." in page


def test_a_difference_from_the_inventory_account_is_flagged(warehouse_client, stock):
    journal_entry_post(
        source="manual:1",
        kind="test",
        description="Booked to inventory by mistake",
        postings=[debit("inventory", 10), credit("equity", 10)],
        day=date(2025, 1, 1),
    )

    response = warehouse_client.get(URL)

    assert response.context["difference"] == Decimal("-10.00")
    assert (
        "The stock is worth 363.97 but the 1500 Inventory account says 373.97: "
        "they differ by -10.00." in response.content.decode()
    )


def test_csv_download(warehouse_client, stock):
    response = warehouse_client.get(URL, {"format": "csv"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="inventory-valuation-')
    assert response.content.decode().splitlines() == [
        "sku,title,quantity,average_cost,value",
        "SKU-4000000000502,Alpine Tent,3,99.9900,299.97",
        "SKU-4000000000501,Basalt Lantern,8,8.0000,64.00",
        ",Total,11,,363.97",
    ]
    assert 'href="?format=csv"' in warehouse_client.get(URL).content.decode()


def test_the_category_filter_includes_subcategories(warehouse_client, stock):
    lantern, tent = stock
    outdoor = CategoryFactory(name="Outdoor")
    shelter = Category.objects.add_child(outdoor, {"name": "Shelter"})
    lighting = CategoryFactory(name="Lighting")
    ProductCategory.objects.create(product=tent, category=shelter)
    ProductCategory.objects.create(product=lantern, category=lighting)

    response = warehouse_client.get(URL, {"category": outdoor.pk})
    csv = warehouse_client.get(URL, {"category": outdoor.pk, "format": "csv"})

    assert [r.title for r in response.context["rows"]] == ["Alpine Tent"]
    assert response.context["total"] == Decimal("299.97")
    # the check against the books is always on all stock
    assert response.context["stock_total"] == response.context["account_balance"]
    assert response.context["difference"] == 0
    assert f'<option value="{outdoor.pk}" selected>Outdoor</option>' in response.content.decode()
    assert f'href="?category={outdoor.pk}&amp;format=csv"' in response.content.decode()
    assert csv.content.decode().splitlines()[1:] == [
        "SKU-4000000000502,Alpine Tent,3,99.9900,299.97",
        ",Total,3,,299.97",
    ]


@pytest.mark.parametrize("category", ["banana", "999999", "<b>"])
def test_an_unknown_category_is_explained_and_everything_shown(warehouse_client, stock, category):
    response = warehouse_client.get(URL, {"category": category})

    assert response.status_code == 200
    assert len(response.context["rows"]) == 2
    shown = "&lt;b&gt;" if category == "<b>" else category
    assert f"There is no category “{shown}”; showing every product." in (response.content.decode())


def test_query_count_is_the_same_for_1_and_20_products(warehouse_client, berlin):
    category = CategoryFactory(name="Gear")

    def queries(params: dict) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert warehouse_client.get(URL, params).status_code == 200
        return len(captured)

    first = received("Product 0", "5000000000000", (1, "2.50"), warehouse=berlin)
    ProductCategory.objects.create(product=first, category=category)
    one = [queries({}), queries({"category": category.pk}), queries({"format": "csv"})]
    for number in range(1, 20):
        product = received(
            f"Product {number}", f"50000000000{number:02d}", (2, "3"), warehouse=berlin
        )
        ProductCategory.objects.create(product=product, category=category)
    twenty = [queries({}), queries({"category": category.pk}), queries({"format": "csv"})]

    assert one == twenty == [9, 10, 6]


def test_warehouse_and_accounting_staff_see_it_others_do_not(client: Client):
    anonymous = client.get(URL)
    seen = {}
    for role in ("Warehouse", "Accounting", "Manager", "HR"):
        client.force_login(StaffFactory(username=role.lower(), role=role))
        seen[role] = (client.get(URL).status_code, client.get(URL, {"format": "csv"}).status_code)
    client.force_login(StaffFactory(username="nobody"))
    seen["no role"] = (client.get(URL).status_code, client.get(URL, {"format": "csv"}).status_code)

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/admin/login/?next=/warehouse/valuation/")
    assert seen == {
        "Warehouse": (200, 200),
        "Accounting": (200, 200),
        "Manager": (200, 200),
        "HR": (403, 403),
        "no role": (403, 403),
    }
