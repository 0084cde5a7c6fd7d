"""Order to delivery: payment, pick, pack, ship (partial), tracking e-mail, cancel."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from oscar.core.loading import get_model

from erp.models import OutboxEvent
from erp.permissions import SYSTEM
from inventory import selectors as stock
from inventory.models import Stock
from orders import payment_gateways, statuses
from orders.models import Carrier, Shipment
from orders.services import (
    OrderError,
    order_cancel,
    order_mark_paid,
    order_start_picking,
    payments,
    shipment_deliver,
    shipment_pack,
    shipment_ship,
)
from orders.tasks import send_tracking_email
from tests.factories import (
    ProductFactory,
    StaffFactory,
    UserFactory,
    WarehouseFactory,
    place_order,
)

Order = get_model("order", "Order")
Transaction = get_model("payment", "Transaction")
pytestmark = pytest.mark.django_db


@pytest.fixture
def berlin():
    return WarehouseFactory(code="BER-1", priority=1)


@pytest.fixture
def tent(berlin):
    from inventory.services import stock_receive

    product = ProductFactory(title="Granite Tent", listing=Decimal("100.00"))
    stock_receive(
        user=SYSTEM, product=product, warehouse=berlin, quantity=5, unit_cost=Decimal("40")
    )
    return product


@pytest.fixture
def dhl():
    return Carrier.objects.get(code="dhl")


def pack_all(order, warehouse):
    return shipment_pack(
        user=SYSTEM,
        order=order,
        warehouse=warehouse,
        quantities={line.pk: line.quantity for line in order.lines.all()},
    )


def test_card_order_is_ready_and_authorised_bank_transfer_waits(tent):
    card_order = place_order([(tent, 1)])
    bank_order = place_order([(tent, 1)], payment_method="bank_transfer")

    assert card_order.status == statuses.READY
    assert card_order.payment_method == "test_card"
    source = payments.source_for(card_order)
    assert source is not None
    assert (source.amount_allocated, source.label) == (Decimal("100.00"), "card ending 4242")
    assert bank_order.status == statuses.PENDING_PAYMENT
    assert (
        order_mark_paid(user=SYSTEM, order=bank_order, reference="BANK-1").status == statuses.READY
    )


def test_a_declined_card_places_nothing_and_keeps_stock(tent):
    with pytest.raises(payment_gateways.PaymentDeclined, match="declined"):
        place_order([(tent, 2)], card_number=payment_gateways.DECLINED_TEST_CARD)

    assert not Order.objects.exists()
    assert stock.available_to_promise([tent.pk]) == {tent.pk: 5}


def test_pick_pack_ship_issues_stock_captures_and_emails_once(
    tent, berlin, dhl, mailoutbox, django_capture_on_commit_callbacks
):
    order = place_order([(tent, 2)], user=UserFactory(email="erika@example.com"))
    order_start_picking(user=SYSTEM, order=order)
    shipment = pack_all(order, berlin)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        shipment_ship(
            user=SYSTEM, shipment=shipment, carrier=dhl, tracking_number="00340434161094042557"
        )

    order.refresh_from_db()
    assert order.status == statuses.SHIPPED
    row = Stock.objects.get(product=tent, warehouse=berlin)
    assert (row.on_hand, row.allocated) == (3, 0)
    debits = Transaction.objects.filter(source__order=order, txn_type="Debit")
    assert [t.amount for t in debits] == [Decimal("200.00")]
    # after commit: the tracking e-mail only; the two webhook events are in the
    # outbox, and with no subscriber to them nothing goes to the broker
    assert len(callbacks) == 1 and not mailoutbox
    events = OutboxEvent.objects.filter(event__in=["shipment.created", "invoice.created"])
    assert sorted(e.event for e in events) == ["invoice.created", "shipment.created"]
    shipped = events.get(event="shipment.created").payload
    assert (shipped["order"], shipped["carrier"], shipped["tracking_number"]) == (
        order.number,
        "dhl",
        "00340434161094042557",
    )

    assert send_tracking_email(shipment.pk) is True
    assert send_tracking_email(shipment.pk) is False  # a retry or a duplicate message
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["erika@example.com"]
    assert mail.subject == f"Your order {order.number} is on its way"
    assert "00340434161094042557" in mail.body
    assert "piececode=00340434161094042557" in mail.alternatives[0][0]
    assert "2 x Granite Tent" in mail.body
    call_command("inventory_audit")


def test_partial_shipments_then_the_rest(tent, berlin, dhl):
    order = place_order([(tent, 3)])
    line = order.lines.get()

    first = shipment_pack(user=SYSTEM, order=order, warehouse=berlin, quantities={line.pk: 1})
    shipment_ship(user=SYSTEM, shipment=first, carrier=dhl, tracking_number="A1")
    order.refresh_from_db()
    assert order.status == statuses.PARTIALLY_SHIPPED
    assert Stock.objects.get(product=tent, warehouse=berlin).allocated == 2

    second = shipment_pack(user=SYSTEM, order=order, warehouse=berlin, quantities={line.pk: 2})
    shipment_ship(user=SYSTEM, shipment=second, carrier=dhl, tracking_number="A2")
    order.refresh_from_db()
    assert order.status == statuses.SHIPPED
    captured = Transaction.objects.filter(source__order=order, txn_type="Debit")
    assert sum(t.amount for t in captured) == Decimal("300.00")

    shipment_deliver(user=SYSTEM, shipment=first)
    order.refresh_from_db()
    assert order.status == statuses.SHIPPED
    shipment_deliver(user=SYSTEM, shipment=second)
    order.refresh_from_db()
    assert order.status == statuses.DELIVERED
    assert list(order.status_changes.order_by("pk").values_list("new_status", flat=True)) == [
        statuses.PICKING,
        statuses.PACKED,
        statuses.PARTIALLY_SHIPPED,
        statuses.PACKED,
        statuses.SHIPPED,
        statuses.DELIVERED,
    ]


def test_bad_steps_get_a_clear_error_and_change_nothing(tent, berlin, dhl):
    order = place_order([(tent, 2)])
    line = order.lines.get()

    with pytest.raises(OrderError, match="Only 2 of “Granite Tent” are waiting in BER-1"):
        shipment_pack(user=SYSTEM, order=order, warehouse=berlin, quantities={line.pk: 3})
    shipment = shipment_pack(user=SYSTEM, order=order, warehouse=berlin, quantities={line.pk: 2})
    with pytest.raises(OrderError, match="tracking number"):
        shipment_ship(user=SYSTEM, shipment=shipment, carrier=dhl, tracking_number="  ")
    with pytest.raises(OrderError, match="is packed"):
        shipment_deliver(user=SYSTEM, shipment=shipment)
    shipment_ship(user=SYSTEM, shipment=shipment, carrier=dhl, tracking_number="X")
    with pytest.raises(OrderError, match="already been shipped"):
        shipment_ship(user=SYSTEM, shipment=shipment, carrier=dhl, tracking_number="Y")
    with pytest.raises(OrderError, match="cannot be cancelled"):
        order_cancel(user=SYSTEM, order=order)
    with pytest.raises(OrderError, match="cannot become “Ready to fulfil”"):
        order_mark_paid(user=SYSTEM, order=order)

    order.refresh_from_db()
    assert order.status == statuses.SHIPPED
    assert Shipment.objects.get().tracking_number == "X"


def test_cancel_releases_stock_at_once_and_voids_the_card(tent, berlin):
    order = place_order([(tent, 4)])
    assert stock.available_to_promise([tent.pk]) == {tent.pk: 1}

    order_cancel(user=SYSTEM, order=order, by_customer=True)

    order.refresh_from_db()
    assert order.status == statuses.CANCELLED
    assert stock.available_to_promise([tent.pk]) == {tent.pk: 5}
    assert Transaction.objects.filter(source__order=order, txn_type="Void").count() == 1
    assert order.notes.get().message == "Cancelled by the customer."
    call_command("inventory_audit")


def test_customers_cannot_cancel_once_picking_started_but_staff_can(tent, berlin):
    order = place_order([(tent, 1)])
    order_start_picking(user=SYSTEM, order=order)

    with pytest.raises(OrderError, match="can no longer be cancelled online"):
        order_cancel(user=SYSTEM, order=order, by_customer=True)
    order_cancel(order=order, user=StaffFactory(username="mia", role="Sales"), reason="out of date")

    order.refresh_from_db()
    assert order.status == statuses.CANCELLED
    assert order.notes.get().message == "Cancelled by mia: out of date."
