"""The receiving station: a scanned barcode finds the open purchase-order line
for the product at the warehouse; unknown barcodes, goods no order brings and
over-receipts are refused with a message and receive nothing; a resubmitted scan
books the goods once; the incoming-goods page lists what is still to come."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from erp.permissions import SYSTEM
from inventory.models import Stock
from purchasing.models import PurchaseOrder, Receipt
from purchasing.services import ReceiptLineRequest, purchase_order_receive
from purchasing.tests.factories import SupplierFactory, sent_order
from tests.factories import ProductFactory, StaffFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

STATION = "/warehouse/purchasing/receive/"


@pytest.fixture
def main():
    return WarehouseFactory(code="MAIN", priority=1)


@pytest.fixture
def tent():
    return ProductFactory(title="Granite Tent", upc="4006381333931")


@pytest.fixture
def warehouse_user(client):
    user = StaffFactory(username="wes", role="Warehouse")
    client.force_login(user)
    return user


def scan(client, warehouse, barcode, quantity=1, token="t-1"):  # noqa: S107 - a form token
    return client.post(
        STATION,
        {"warehouse": warehouse.pk, "barcode": barcode, "quantity": quantity, "token": token},
        follow=True,
    )


def errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors()) + list(
        response.context["form"].errors.get("barcode", [])
    )


def test_a_scan_books_the_goods_on_the_order_expected_first(client, warehouse_user, main, tent):
    later = sent_order((tent, 5, Decimal("40")), warehouse=main)
    sooner = sent_order((tent, 5, Decimal("40")), warehouse=main)
    PurchaseOrder.objects.filter(pk=later.pk).update(
        expected_date=timezone.localdate() + timedelta(days=30)
    )

    response = scan(client, main, "4006381333931", quantity=3)

    receipt = Receipt.objects.get()
    assert receipt.order_id == sooner.pk
    assert receipt.received_by == warehouse_user
    assert Stock.objects.get(product=tent, warehouse=main).on_hand == 3
    assert [str(m) for m in response.context["messages"]] == [
        f"{receipt.number}: received 3 × Granite Tent on {sooner.number} "
        f"({sooner.supplier.code}) into MAIN."
    ]
    assert PurchaseOrder.objects.get(pk=sooner.pk).status == "partially_received"


def test_the_sku_works_as_well_as_the_ean(client, warehouse_user, main, tent):
    sent_order((tent, 5, Decimal("40")), warehouse=main)

    scan(client, main, tent.stockrecords.get().partner_sku.lower(), quantity=2)

    assert Stock.objects.get(product=tent, warehouse=main).on_hand == 2


def test_an_unknown_barcode_is_refused_and_the_field_emptied(client, warehouse_user, main):
    response = scan(client, main, "000000")

    assert errors(response) == [
        "Unknown barcode “000000”: no product has this EAN/UPC or SKU. Nothing was received."
    ]
    assert response.context["form"].data["barcode"] == ""
    assert not Receipt.objects.exists()


def test_goods_no_open_order_brings_to_the_warehouse_are_refused(
    client, warehouse_user, main, tent
):
    elsewhere = WarehouseFactory(code="HAM-1")
    sent_order((tent, 5, Decimal("40")), warehouse=elsewhere)

    response = scan(client, main, "4006381333931")

    assert errors(response) == [
        "No open purchase order brings “Granite Tent” to MAIN. Nothing was received: check "
        "the delivery note, or receive it on the scan station without an order."
    ]
    assert not Receipt.objects.exists()


def test_an_over_receipt_is_refused_with_what_the_order_still_allows(
    client, warehouse_user, main, tent
):
    order = sent_order((tent, 5, Decimal("40")), warehouse=main)
    scan(client, main, "4006381333931", quantity=4, token="first")

    response = scan(client, main, "4006381333931", quantity=2, token="second")

    assert errors(response) == [
        f"“Granite Tent”: 5 ordered on {order.number}, 4 received already; 2 more is more "
        "than the order allows (at most 1 more, with a 0 % over-receipt tolerance). "
        "Nothing was received."
    ]
    assert Stock.objects.get(product=tent, warehouse=main).on_hand == 4


def test_a_resubmitted_scan_books_the_goods_once(client, warehouse_user, main, tent):
    sent_order((tent, 5, Decimal("40")), warehouse=main)

    scan(client, main, "4006381333931", quantity=2, token="same")
    again = scan(client, main, "4006381333931", quantity=2, token="same")

    receipt = Receipt.objects.get()
    assert [str(m) for m in again.context["messages"]] == [
        f"{receipt.number} was booked already by this form: nothing more was received."
    ]
    assert Stock.objects.get(product=tent, warehouse=main).on_hand == 2


def test_the_station_lists_the_open_orders_of_the_chosen_warehouse(
    client, warehouse_user, main, tent
):
    here = sent_order((tent, 5, Decimal("40")), warehouse=main)
    sent_order((tent, 5, Decimal("40")), warehouse=WarehouseFactory(code="HAM-1"))

    page = client.get(f"{STATION}?warehouse={main.pk}")

    assert [order.number for order in page.context["orders"]] == [here.number]
    assert f'href="/warehouse/purchasing/receive/{here.pk}/"' in page.content.decode()


def test_counting_a_picked_orders_lines_receives_them_all(client, warehouse_user, main, tent):
    lamp = ProductFactory(title="Basalt Lantern")
    order = sent_order((tent, 5, Decimal("40")), (lamp, 8, Decimal("6")), warehouse=main)
    lines = {line.product_id: line.pk for line in order.lines.all()}

    response = client.post(
        f"{STATION}{order.pk}/",
        {f"qty-{lines[tent.pk]}": "5", f"qty-{lines[lamp.pk]}": "3", "token": "count-1"},
    )

    assert response.status_code == 302
    assert response["Location"] == f"{STATION}?warehouse={main.pk}"
    on_hand = dict(Stock.objects.filter(warehouse=main).values_list("product__title", "on_hand"))
    assert on_hand == {"Granite Tent": 5, "Basalt Lantern": 3}


def test_the_scan_station_links_to_the_receiving_station(client, warehouse_user, main):
    page = client.get("/warehouse/scan/").content.decode()

    assert f'href="{STATION}" id="receive-on-po"' in page


def test_roles_without_the_receipt_permission_get_403_and_visitors_the_login(client, main):
    client.force_login(StaffFactory(username="pat", role="Purchasing"))
    refused = client.get(STATION)
    client.logout()
    anonymous = client.get(STATION)

    assert refused.status_code == 403
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/admin/login/")


def test_incoming_goods_lists_open_quantities_per_warehouse_soonest_first(client, main, tent):
    hamburg = WarehouseFactory(code="HAM-1")
    supplier = SupplierFactory(code="ALPINE")
    first = sent_order((tent, 10, Decimal("40")), warehouse=main, supplier=supplier)
    second = sent_order((tent, 4, Decimal("40")), warehouse=hamburg, supplier=supplier)
    PurchaseOrder.objects.filter(pk=second.pk).update(
        expected_date=timezone.localdate() + timedelta(days=60)
    )
    client.force_login(StaffFactory(username="pat", role="Purchasing"))
    purchase_order_receive(user=SYSTEM, order=first, lines=[ReceiptLineRequest(tent, 3)])

    every = client.get("/warehouse/purchasing/incoming/").context["lines"]
    at_hamburg = client.get(f"/warehouse/purchasing/incoming/?warehouse={hamburg.pk}")

    assert [(line.order.number, line.order.warehouse.code, line.open_units) for line in every] == [
        (first.number, "MAIN", 7),
        (second.number, "HAM-1", 4),
    ]
    assert [line.order.number for line in at_hamburg.context["lines"]] == [second.number]


def test_the_incoming_page_costs_the_same_queries_for_one_line_and_many(client, main):
    client.force_login(StaffFactory(username="pat", role="Purchasing"))
    sent_order((ProductFactory(), 2, Decimal("3")), warehouse=main)
    client.get("/warehouse/purchasing/incoming/")  # the session, warmed

    with CaptureQueriesContext(connection) as one:
        client.get("/warehouse/purchasing/incoming/")
    for _ in range(6):
        sent_order((ProductFactory(), 2, Decimal("3")), warehouse=main)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/warehouse/purchasing/incoming/")

    assert len(response.context["lines"]) == 7
    assert len(one) == len(many)


def test_the_stock_list_links_to_incoming_goods_for_roles_that_may_open_it(client, main):
    links = {}
    for role in ("Warehouse", "Sales"):
        client.force_login(StaffFactory(username=f"stock-{role.lower()}", role=role))
        page = client.get(f"/admin/inventory/stock/?warehouse__id__exact={main.pk}")
        links[role] = f'href="/warehouse/purchasing/incoming/?warehouse={main.pk}"' in (
            page.content.decode()
        )

    assert links == {"Warehouse": True, "Sales": False}
