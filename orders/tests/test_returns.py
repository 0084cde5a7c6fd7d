"""Returns: request within the window, authorise, receive into a chosen warehouse, refund."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from oscar.core.loading import get_model

from erp.permissions import SYSTEM
from inventory import selectors as stock
from inventory.services import stock_receive
from orders import statuses
from orders.models import Carrier, ReturnRequest, Shipment
from orders.services import (
    OrderError,
    order_mark_paid,
    return_authorise,
    return_receive,
    return_reject,
    return_request_create,
    shipment_pack,
    shipment_ship,
)
from orders.services.returns import ReturnItem
from tests.factories import ProductFactory, WarehouseFactory, place_order

Transaction = get_model("payment", "Transaction")
pytestmark = pytest.mark.django_db


@pytest.fixture
def berlin():
    return WarehouseFactory(code="BER-1", priority=1)


@pytest.fixture
def quarantine():
    return WarehouseFactory(code="RET-Q", is_sellable=False, priority=99)


def shipped_order(berlin, quantity=3, payment_method="test_card"):
    product = ProductFactory(title="Heath Jacket", listing=Decimal("80.00"))
    stock_receive(
        user=SYSTEM, product=product, warehouse=berlin, quantity=10, unit_cost=Decimal("30")
    )
    order = place_order([(product, quantity)], payment_method=payment_method)
    if payment_method == "bank_transfer":
        order_mark_paid(user=SYSTEM, order=order, reference="transfer")
    line = order.lines.get()
    shipment = shipment_pack(
        user=SYSTEM, order=order, warehouse=berlin, quantities={line.pk: quantity}
    )
    shipment_ship(
        user=SYSTEM,
        shipment=shipment,
        carrier=Carrier.objects.get(code="dpd"),
        tracking_number="T1",
    )
    order.refresh_from_db()
    return order, line, product


def test_a_return_restocks_the_chosen_warehouse_and_refunds_the_card(berlin, quarantine):
    order, line, product = shipped_order(berlin)

    request = return_request_create(
        user=SYSTEM, order=order, items=[ReturnItem(line.pk, 2, "damaged", "torn seam")]
    )
    order.refresh_from_db()
    assert order.status == statuses.RETURN_REQUESTED
    return_authorise(user=SYSTEM, return_request=request)
    return_receive(user=SYSTEM, return_request=request, warehouse=quarantine)

    request.refresh_from_db()
    order.refresh_from_db()
    assert (request.status, request.refund_status, request.refund_amount) == (
        "received",
        "refunded",
        Decimal("160.00"),
    )
    assert order.status == statuses.RETURNED
    assert stock.on_hand(product.pk, quarantine.pk) == 2
    assert stock.available_to_promise([product.pk]) == {product.pk: 7}  # quarantine is not sold
    refund = Transaction.objects.get(source__order=order, txn_type="Refund")
    assert refund.amount == Decimal("160.00")
    call_command("inventory_audit")


def test_return_into_sellable_stock_and_bank_transfer_refund_is_due(berlin):
    order, line, product = shipped_order(berlin, payment_method="bank_transfer")
    request = return_request_create(
        user=SYSTEM, order=order, items=[ReturnItem(line.pk, 1, "no_longer_needed")]
    )
    return_authorise(user=SYSTEM, return_request=request)

    return_receive(user=SYSTEM, return_request=request, warehouse=berlin)

    request.refresh_from_db()
    assert (request.refund_status, request.refund_amount) == ("due", Decimal("80.00"))
    assert stock.available_to_promise([product.pk]) == {product.pk: 8}


def test_cannot_return_more_than_shipped_or_twice(berlin):
    order, line, _ = shipped_order(berlin, quantity=2)

    with pytest.raises(OrderError, match="at most 2 of “Heath Jacket”"):
        return_request_create(user=SYSTEM, order=order, items=[ReturnItem(line.pk, 3, "damaged")])
    return_request_create(user=SYSTEM, order=order, items=[ReturnItem(line.pk, 2, "damaged")])
    with pytest.raises(OrderError, match="at most 0"):
        return_request_create(user=SYSTEM, order=order, items=[ReturnItem(line.pk, 1, "damaged")])
    with pytest.raises(OrderError, match="Choose a reason"):
        return_request_create(user=SYSTEM, order=order, items=[ReturnItem(line.pk, 1, "because")])
    assert ReturnRequest.objects.count() == 1


def test_nothing_before_shipping_and_nothing_after_the_window(berlin, settings):
    product = ProductFactory()
    stock_receive(user=SYSTEM, product=product, warehouse=berlin, quantity=3, unit_cost=Decimal(1))
    unshipped = place_order([(product, 1)])
    with pytest.raises(OrderError, match="nothing can be returned yet"):
        return_request_create(
            user=SYSTEM, order=unshipped, items=[ReturnItem(unshipped.lines.get().pk, 1, "damaged")]
        )

    order, line, _ = shipped_order(berlin)
    settings.RETURN_WINDOW_DAYS = 14
    Shipment.objects.filter(order=order).update(shipped_at=timezone.now() - timedelta(days=15))
    with pytest.raises(OrderError, match="14-day return window for order"):
        return_request_create(user=SYSTEM, order=order, items=[ReturnItem(line.pk, 1, "damaged")])


def test_a_rejected_return_puts_the_order_back_and_frees_the_quantity(berlin):
    order, line, _ = shipped_order(berlin)
    request = return_request_create(
        user=SYSTEM, order=order, items=[ReturnItem(line.pk, 3, "other")]
    )

    return_reject(user=SYSTEM, return_request=request, note="used and worn")

    order.refresh_from_db()
    assert order.status == statuses.SHIPPED
    with pytest.raises(OrderError, match="authorise it first"):
        return_receive(user=SYSTEM, return_request=request, warehouse=berlin)
    again = return_request_create(
        user=SYSTEM, order=order, items=[ReturnItem(line.pk, 3, "damaged")]
    )
    assert again.lines.get().quantity == 3
