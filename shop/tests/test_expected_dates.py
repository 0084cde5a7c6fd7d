"""A sold-out product that is on a sent purchase order tells customers when it
is expected back, on its tile and its page, at no query per product."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from erp.permissions import SYSTEM
from purchasing.models import PurchaseOrder
from purchasing.services import (
    PurchaseLineRequest,
    ReceiptLineRequest,
    purchase_order_create,
    purchase_order_receive,
)
from purchasing.tests.factories import SupplierFactory, sent_order
from shop.tests.test_availability import tile_for
from tests.factories import ProductFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


def expected_on(order: PurchaseOrder, days: int) -> str:
    day = timezone.localdate() + timedelta(days=days)
    PurchaseOrder.objects.filter(pk=order.pk).update(expected_date=day)
    return f"Expected around {day.day} {day:%b %Y}"


def test_a_sold_out_product_on_a_sent_order_shows_the_earliest_expected_date(client: Client):
    main = WarehouseFactory(code="MAIN", priority=1)
    tent = ProductFactory(title="Granite Tent")
    later = sent_order((tent, 5, Decimal("40")), warehouse=main)
    sooner = sent_order((tent, 5, Decimal("40")), warehouse=main)
    expected_on(later, 20)
    text = expected_on(sooner, 9)

    tile = tile_for(client.get("/catalogue/"), "Granite Tent")
    page = client.get(tent.get_absolute_url()).content.decode()

    assert "Out of stock" in tile
    assert text in tile
    assert text in page


def test_no_date_for_products_in_stock_on_drafts_only_or_not_ordered(client: Client):
    main = WarehouseFactory(code="MAIN", priority=1)
    in_stock = ProductFactory(title="Plenty", stock=10)
    drafted = ProductFactory(title="Drafted")
    ProductFactory(title="Never ordered")
    sent_order((in_stock, 5, Decimal("4")), warehouse=main)
    purchase_order_create(
        user=SYSTEM,
        supplier=SupplierFactory(),
        warehouse=main,
        lines=[PurchaseLineRequest(drafted, 3, Decimal("4"))],
    )

    page = client.get("/catalogue/")

    for title in ("Plenty", "Drafted", "Never ordered"):
        assert "Expected around" not in tile_for(page, title), title


def test_once_the_goods_arrive_the_product_is_in_stock_and_no_longer_expected(client: Client):
    main = WarehouseFactory(code="MAIN", priority=1)
    lamp = ProductFactory(title="Basalt Lantern")
    order = sent_order((lamp, 4, Decimal("9")), warehouse=main)
    text = expected_on(order, 5)
    before = client.get(lamp.get_absolute_url()).content.decode()

    purchase_order_receive(user=SYSTEM, order=order, lines=[ReceiptLineRequest(lamp, 4)])
    after = client.get(lamp.get_absolute_url()).content.decode()

    assert text in before
    assert "Only 4 left" in after
    assert "Expected around" not in after


def test_expected_dates_come_with_the_list_page_query_however_many_products(client: Client):
    main = WarehouseFactory(code="MAIN", priority=1)

    def add(count: int) -> None:
        for _ in range(count):
            product = ProductFactory()
            sent_order((product, 2, Decimal("3")), warehouse=main)

    def queries() -> tuple[int, int]:
        client.get("/catalogue/")  # warm per-process caches
        with CaptureQueriesContext(connection) as captured:
            body = client.get("/catalogue/").content.decode()
        return len(captured), body.count("Expected around")

    add(1)
    one = queries()
    add(15)
    many = queries()

    assert one == (11, 1)  # the catalogue page's own count: no query for the dates
    assert many == (11, 16)
