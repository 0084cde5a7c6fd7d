"""Stock screens of the back office: filters, search, forms that call services."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from erp.permissions import SYSTEM
from inventory import selectors, services
from inventory.models import Stock, StockMove
from tests.factories import ProductFactory, StaffFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client: Client) -> Client:
    client.force_login(StaffFactory(username="wes", role="Warehouse"))
    return client


@pytest.fixture
def berlin():
    return WarehouseFactory(code="BER-1", priority=10)


@pytest.fixture
def hamburg():
    return WarehouseFactory(code="HAM-1", priority=20)


def receive(product, warehouse, quantity):
    services.stock_receive(
        user=SYSTEM, product=product, warehouse=warehouse, quantity=quantity, unit_cost=Decimal(2)
    )


def test_warehouse_staff_get_the_transfer_count_and_adjust_links(staff, berlin):
    receive(ProductFactory(title="Tent"), berlin, 3)
    row = Stock.objects.get()

    page = staff.get("/admin/inventory/stock/").content.decode()

    for name in ("transfer", "count", "adjust"):
        assert f'<a href="/admin/inventory/stock/{row.pk}/{name}/">{name}</a>' in page


def test_stock_list_filters_by_warehouse_and_low_stock_and_searches_sku(staff, berlin, hamburg):
    tent, lamp = ProductFactory(title="Tent"), ProductFactory(title="Lamp")
    receive(tent, berlin, 50)
    receive(tent, hamburg, 2)
    receive(lamp, berlin, 3)

    by_warehouse = staff.get("/admin/inventory/stock/", {"warehouse__id__exact": hamburg.pk})
    low = staff.get("/admin/inventory/stock/", {"level": "low"})
    by_sku = staff.get("/admin/inventory/stock/", {"q": f"SKU-{lamp.upc}"})

    def rows(response):
        return sorted(
            (s.product.title, s.warehouse.code) for s in response.context["cl"].result_list
        )

    assert rows(by_warehouse) == [("Tent", "HAM-1")]
    assert rows(low) == [("Lamp", "BER-1"), ("Tent", "HAM-1")]
    assert rows(by_sku) == [("Lamp", "BER-1")]


def test_stock_list_runs_the_same_queries_for_one_row_and_many(staff, berlin):
    receive(ProductFactory(), berlin, 5)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert staff.get("/admin/inventory/stock/").status_code == 200
        return len(queries)

    one = count()
    for _ in range(15):
        receive(ProductFactory(), berlin, 5)
    assert count() == one


def test_transfer_form_moves_stock_through_the_service(staff, berlin, hamburg):
    tent = ProductFactory(title="Tent")
    receive(tent, berlin, 10)
    row = Stock.objects.get(product=tent, warehouse=berlin)

    response = staff.post(
        f"/admin/inventory/stock/{row.pk}/transfer/",
        {"destination": hamburg.pk, "quantity": "4", "reason": "rebalance"},
        follow=True,
    )

    assert "Moved 4 to HAM-1." in response.content.decode()
    assert selectors.on_hand(tent.pk, berlin.pk) == 6
    assert selectors.on_hand(tent.pk, hamburg.pk) == 4


def test_transfer_of_too_much_is_refused_with_the_figure(staff, berlin, hamburg):
    tent = ProductFactory(title="Tent")
    receive(tent, berlin, 3)
    row = Stock.objects.get(product=tent, warehouse=berlin)

    response = staff.post(
        f"/admin/inventory/stock/{row.pk}/transfer/", {"destination": hamburg.pk, "quantity": "5"}
    )

    assert response.status_code == 200
    assert "Only 3 of “Tent in BER-1” available" in response.content.decode()
    assert selectors.on_hand(tent.pk, berlin.pk) == 3


def test_count_and_adjust_forms(staff, berlin):
    tent = ProductFactory(title="Tent")
    receive(tent, berlin, 10)
    row = Stock.objects.get(product=tent, warehouse=berlin)

    counted = staff.post(f"/admin/inventory/stock/{row.pk}/count/", {"counted": "8"}, follow=True)
    adjusted = staff.post(
        f"/admin/inventory/stock/{row.pk}/adjust/",
        {"quantity": "-1", "reason": "dropped"},
        follow=True,
    )
    bad = staff.post(f"/admin/inventory/stock/{row.pk}/adjust/", {"quantity": "x", "reason": ""})

    assert "on hand corrected by -2" in counted.content.decode()
    assert "Adjusted on hand by -1." in adjusted.content.decode()
    assert bad.status_code == 200
    assert "Enter a whole number." in bad.content.decode()
    assert selectors.on_hand(tent.pk, berlin.pk) == 7
    assert list(StockMove.objects.order_by("pk").values_list("kind", flat=True)) == [
        "receipt",
        "count",
        "adjustment",
    ]


def test_the_ledger_is_read_only_even_for_managers(client: Client, berlin):
    client.force_login(StaffFactory(username="mia", role="Manager"))
    receive(ProductFactory(), berlin, 1)
    move = StockMove.objects.get()

    assert client.get("/admin/inventory/stockmove/").status_code == 200
    assert client.get("/admin/inventory/stockmove/?kind__exact=receipt").status_code == 200
    assert client.get("/admin/inventory/stockmove/add/").status_code == 403
    assert (
        client.post(f"/admin/inventory/stockmove/{move.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert StockMove.objects.count() == 1


def test_sales_can_see_stock_but_not_change_it(client: Client, berlin, hamburg):
    client.force_login(StaffFactory(username="sam", role="Sales"))
    tent = ProductFactory(title="Tent")
    receive(tent, berlin, 10)
    row = Stock.objects.get(product=tent, warehouse=berlin)

    listed = client.get("/admin/inventory/stock/")
    assert listed.status_code == 200
    assert "/transfer/" not in listed.content.decode()  # no link to a page that answers 403
    for name, data in [
        ("transfer", {"destination": hamburg.pk, "quantity": "1"}),
        ("count", {"counted": "0"}),
        ("adjust", {"quantity": "-10", "reason": "x"}),
    ]:
        assert client.post(f"/admin/inventory/stock/{row.pk}/{name}/", data).status_code == 403
    assert (
        client.post(f"/admin/inventory/stock/{row.pk}/change/", {"reorder_level": "1"}).status_code
        == 403
    )
    assert selectors.on_hand(tent.pk, berlin.pk) == 10
