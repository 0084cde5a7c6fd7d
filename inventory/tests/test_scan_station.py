"""The scan station: receive by barcode, clear errors, nothing changed on bad input."""

from decimal import Decimal

import pytest
from django.test import Client

from erp.permissions import SYSTEM
from inventory import selectors, services
from inventory.models import StockMove
from tests.factories import ProductFactory, StaffFactory, WarehouseFactory

pytestmark = pytest.mark.django_db
URL = "/warehouse/scan/"


@pytest.fixture
def warehouse_client(client: Client) -> Client:
    client.force_login(StaffFactory(username="wes", role="Warehouse"))
    return client


@pytest.fixture
def berlin():
    return WarehouseFactory(code="BER-1")


@pytest.fixture
def lamp(berlin):
    product = ProductFactory(title="Basalt Lantern", upc="4000000000501")
    services.stock_receive(
        user=SYSTEM, product=product, warehouse=berlin, quantity=4, unit_cost=Decimal("6")
    )
    return product


def test_a_scan_receives_and_confirms_the_new_on_hand(warehouse_client, berlin, lamp):
    response = warehouse_client.post(
        URL, {"warehouse": berlin.pk, "quantity": "3", "barcode": "4000000000501"}, follow=True
    )

    assert response.status_code == 200
    assert selectors.on_hand(lamp.pk, berlin.pk) == 7
    confirmation = "Received 3 × Basalt Lantern into BER-1: now 7 on hand there."
    assert confirmation in response.content.decode()
    move = StockMove.objects.latest("pk")
    assert (move.kind, move.quantity, move.unit_cost, move.reference) == (
        "receipt",
        3,
        Decimal("6.0000"),
        "scan station",
    )
    assert move.user is not None
    assert move.user.username == "wes"
    # the warehouse is remembered for the next scan
    assert response.context["form"].initial["warehouse"] == berlin.pk


def test_a_sku_scan_with_a_new_cost_updates_the_average(warehouse_client, berlin, lamp):
    warehouse_client.post(
        URL,
        {"warehouse": berlin.pk, "quantity": "4", "barcode": f"sku-{lamp.upc}", "unit_cost": "10"},
    )

    assert selectors.on_hand(lamp.pk, berlin.pk) == 8
    assert selectors.average_cost(lamp.pk) == Decimal("8.0000")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"barcode": "0000000000000"}, "Unknown barcode “0000000000000”"),
        ({"quantity": "0"}, "Quantity must be at least 1."),
        ({"quantity": "abc"}, "Quantity must be a whole number"),
        ({"quantity": "-2"}, "Quantity must be at least 1."),
        ({"quantity": "99999"}, "Quantity can be at most 10,000 per scan."),
        ({"barcode": ""}, "Scan or type a barcode."),
        ({"unit_cost": "cheap"}, "Unit cost must be a number"),
        ({"warehouse": "999999"}, "Select a valid choice"),
    ],
)
def test_bad_input_gets_a_clear_error_and_changes_nothing(
    warehouse_client, berlin, lamp, data, message
):
    moves_before = StockMove.objects.count()
    payload = {"warehouse": berlin.pk, "quantity": "1", "barcode": lamp.upc, **data}

    response = warehouse_client.post(URL, payload)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert StockMove.objects.count() == moves_before
    assert selectors.on_hand(lamp.pk, berlin.pk) == 4
    assert response.context["form"]["barcode"].value() == ""


def test_a_product_never_received_needs_a_unit_cost(warehouse_client, berlin):
    product = ProductFactory(title="New Tarp", upc="4000000000999")

    refused = warehouse_client.post(
        URL, {"warehouse": berlin.pk, "quantity": "2", "barcode": "4000000000999"}
    )
    accepted = warehouse_client.post(
        URL,
        {"warehouse": berlin.pk, "quantity": "2", "barcode": "4000000000999", "unit_cost": "3.5"},
    )

    assert "“New Tarp” has never been received: enter its unit cost." in refused.content.decode()
    assert accepted.status_code == 302
    assert selectors.on_hand(product.pk, berlin.pk) == 2


def test_only_staff_with_the_receive_permission_may_scan(client: Client, berlin, lamp):
    anonymous = client.get(URL)
    client.force_login(StaffFactory(username="sam", role="Sales"))
    sales_get = client.get(URL)
    sales_post = client.post(URL, {"warehouse": berlin.pk, "quantity": "5", "barcode": lamp.upc})

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/admin/login/?next=/warehouse/scan/")
    assert (sales_get.status_code, sales_post.status_code) == (403, 403)
    assert selectors.on_hand(lamp.pk, berlin.pk) == 4
