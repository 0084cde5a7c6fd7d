"""Order e-mails as side effects (``erp.side_effects``): every channel's order is
confirmed once by a worker, not from the request; the tracking e-mail goes once
even when the original message and the sweep's both run; a failed send is
retried and marked sent only when it went.

The broker is replaced by a list of what would have been enqueued (``sent``);
the tasks are run by the test as a worker would run them.
"""

import threading
from typing import Any

import pytest
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.utils import timezone
from oscar.core.loading import get_model

from erp.models import SideEffect
from erp.permissions import SYSTEM
from erp.services import broker
from erp.side_effects import side_effects_sweep
from inventory.services import stock_receive
from orders.models import Carrier
from orders.services import (
    OrderLineRequest,
    order_place_from_lines,
    order_start_picking,
    shipment_pack,
    shipment_ship,
)
from orders.status_links import order_status_path
from orders.tasks import (
    ORDER_CONFIRMATION,
    TRACKING_EMAIL,
    send_order_confirmation,
    send_tracking_email,
)
from shop.tests.checkout import CARD, checkout_to_preview, place
from tests.factories import (
    ProductFactory,
    StaffFactory,
    UserFactory,
    WarehouseFactory,
    place_order,
    shipping_address,
)

Status = SideEffect.Status
Order = get_model("order", "Order")
CommunicationEventType = get_model("communication", "CommunicationEventType")
OrderAndItemCharges = get_model("shipping", "OrderAndItemCharges")
pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, list[Any], float | None]]:
    """What would have gone to the broker: (task name, args, countdown)."""
    enqueued: list[tuple[str, list[Any], float | None]] = []
    lock = threading.Lock()

    def enqueue(*, task: Any, args: Any = (), countdown: float | None = None) -> bool:
        with lock:
            enqueued.append((task.name, list(args), countdown))
        return True

    monkeypatch.setattr(broker, "task_enqueue", enqueue)
    return enqueued


@pytest.fixture
def effect_settings(settings: Any) -> Any:
    settings.SIDE_EFFECT_LEASE_SECONDS = 300
    settings.SIDE_EFFECT_RETRY_BASE_SECONDS = 30
    return settings


def row(subject: Any, kind: str) -> SideEffect:
    return SideEffect.objects.get(kind=kind, object_id=subject.pk)


@pytest.fixture
def tent():
    product = ProductFactory(title="Granite Tent", listing="119.00")
    stock_receive(
        user=SYSTEM,
        product=product,
        warehouse=WarehouseFactory(code="BER-1"),
        quantity=20,
        unit_cost=1,
    )
    return product


def test_every_channel_s_order_is_confirmed_once_by_a_worker(
    tent, mailoutbox, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        guest_web = place_order([(tent, 1)], channel="web")
        registered_web = place_order([(tent, 1)], user=UserFactory(email="erika@example.com"))
        api = order_place_from_lines(
            user=UserFactory(email="buyer@example.com"),
            lines=[OrderLineRequest(tent, 2)],
            shipping_address=shipping_address(),
        )
        staff = place_order([(tent, 1)], payment_method="bank_transfer", channel="staff")
    orders = [guest_web, registered_web, api, staff]
    # Oscar records a confirmation in the order's history when its type exists
    CommunicationEventType.objects.create(
        code="ORDER_PLACED", name="Order placed", category="Order related"
    )
    assert mailoutbox == []  # nothing is sent while the order is placed

    assert [send_order_confirmation(order.pk) for order in orders] == [True] * 4
    assert [send_order_confirmation(order.pk) for order in orders] == [False] * 4

    assert [mail.to for mail in mailoutbox] == [
        ["guest@example.com"],
        ["erika@example.com"],
        ["buyer@example.com"],
        ["guest@example.com"],
    ]
    for order, mail in zip(orders, mailoutbox, strict=True):
        assert order.number in mail.subject
        assert mail.extra_headers["Message-ID"] == (
            f"<order-confirmation.order-{order.number}@kontor>"
        )
        assert "Granite Tent" in mail.body
        assert order_status_path(order) in mail.body  # the signed status link
        effect = row(order, ORDER_CONFIRMATION)
        assert (effect.status, effect.outcome) == ("done", f"Sent to {mail.to[0]}.")
        # Oscar's communication history of the order
        assert order.communication_events.count() == 1
    # each enqueued once, when its order committed
    assert [(name, args) for name, args, _ in sent] == [
        ("orders.tasks.send_order_confirmation", [order.pk]) for order in orders
    ]


def test_web_checkout_records_the_confirmation_instead_of_mailing_in_the_request(
    client: Client, tent, mailoutbox, sent, django_capture_on_commit_callbacks
):
    OrderAndItemCharges.objects.create(code="standard", name="Standard", price_per_order=4)
    client.post(f"/basket/add/{tent.pk}/", {"quantity": 1})
    checkout_to_preview(client, method="test_card", email="nina@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        response = place(client, CARD)

    assert response.status_code == 200
    order = Order.objects.get()
    assert mailoutbox == []  # the request sent nothing
    assert row(order, ORDER_CONFIRMATION).status == Status.PENDING
    assert ("orders.tasks.send_order_confirmation", [order.pk], None) in sent
    assert send_order_confirmation(order.pk) is True
    assert [mail.to for mail in mailoutbox] == [["nina@example.com"]]


def test_the_tracking_email_goes_once_when_the_original_and_the_sweeps_message_both_run(
    tent, mailoutbox, sent, effect_settings, django_capture_on_commit_callbacks
):
    order = place_order([(tent, 1)], user=UserFactory(email="erika@example.com"))
    wes = StaffFactory(username="wes", role="Warehouse")
    order_start_picking(order=order, user=wes)
    shipment = shipment_pack(
        order=order,
        warehouse=WarehouseFactory(code="BER-1"),
        quantities={order.lines.get().pk: 1},
        user=wes,
    )
    with django_capture_on_commit_callbacks(execute=True):
        shipment_ship(
            shipment=shipment,
            carrier=Carrier.objects.get(code="dhl"),
            tracking_number="T1",
            user=wes,
        )
    assert sent[-1] == ("orders.tasks.send_tracking_email", [shipment.pk], None)
    # the original message sits on a long queue past its lease: the sweep sends another
    SideEffect.objects.filter(kind=TRACKING_EMAIL).update(leased_until=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert side_effects_sweep() == 1
    assert sent[-1] == ("orders.tasks.send_tracking_email", [shipment.pk], None)

    assert send_tracking_email(shipment.pk) is True  # one of the two messages
    assert send_tracking_email(shipment.pk) is False  # and the other

    assert [mail.subject for mail in mailoutbox] == [f"Your order {order.number} is on its way"]
    shipment.refresh_from_db()
    assert shipment.tracking_email_sent_at is not None
    effect = row(shipment, TRACKING_EMAIL)
    assert (effect.status, effect.attempts) == ("done", 1)


def test_an_email_that_fails_to_send_is_retried_and_marked_sent_only_when_it_went(
    tent, mailoutbox, sent, effect_settings, monkeypatch, django_capture_on_commit_callbacks
):
    order = place_order([(tent, 1)], user=UserFactory(email="erika@example.com"))
    real_send = EmailMultiAlternatives.send
    refusals = [ConnectionRefusedError(111, "Connection refused")]

    def flaky_send(message: Any, fail_silently: bool = False) -> int:
        if refusals:
            raise refusals.pop()
        return real_send(message, fail_silently)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky_send)

    with django_capture_on_commit_callbacks(execute=True):
        assert send_order_confirmation(order.pk) is False
    effect = row(order, ORDER_CONFIRMATION)
    assert (effect.status, effect.attempts) == ("pending", 1)
    assert effect.last_error == "ConnectionRefusedError: [Errno 111] Connection refused"
    assert order.communication_events.count() == 0  # rolled back with the failed send
    assert sent[-1] == ("orders.tasks.send_order_confirmation", [order.pk], 30)

    assert send_order_confirmation(order.pk) is True
    assert len(mailoutbox) == 1
    effect.refresh_from_db()
    assert (effect.status, effect.attempts, effect.last_error) == ("done", 2, "")


def test_plain_text_emails_show_names_as_typed_and_the_html_part_escapes_them(
    mailoutbox, sent, django_capture_on_commit_callbacks
):
    product = ProductFactory(title='Tarp & Pole <Ridge> "XL"', listing="19.00")
    stock_receive(
        user=SYSTEM,
        product=product,
        warehouse=WarehouseFactory(code="BER-1"),
        quantity=5,
        unit_cost=1,
    )
    customer = UserFactory(email="o.brien@example.com")
    order = place_order([(product, 1)], user=customer)
    wes = StaffFactory(username="wes", role="Warehouse")
    shipment = shipment_pack(
        order=order,
        warehouse=WarehouseFactory(code="BER-1"),
        quantities={order.lines.get().pk: 1},
        user=wes,
    )
    shipment_ship(
        shipment=shipment, carrier=Carrier.objects.get(code="dhl"), tracking_number="T&1", user=wes
    )

    assert send_tracking_email(shipment.pk) is True
    assert send_order_confirmation(order.pk) is True

    tracking, confirmation = mailoutbox
    assert 'Tarp & Pole <Ridge> "XL"' in tracking.body
    assert "Tracking number: T&1" in tracking.body
    html, _ = tracking.alternatives[0]
    assert "Tarp &amp; Pole &lt;Ridge&gt; &quot;XL&quot;" in html
    assert "&amp;" not in confirmation.body
    assert 'Tarp & Pole <Ridge> "XL"' in confirmation.body


def test_emails_queued_before_side_effects_had_rows_are_recorded_by_the_upgrade(
    tent, mailoutbox, sent
):
    import importlib

    from django.apps import apps

    upgrade = importlib.import_module("orders.migrations.0027_carrier_link_rule_and_pending_emails")
    order = place_order([(tent, 1)], user=UserFactory(email="erika@example.com"))
    wes = StaffFactory(username="wes", role="Warehouse")
    shipment = shipment_pack(
        order=order,
        warehouse=WarehouseFactory(code="BER-1"),
        quantities={order.lines.get().pk: 1},
        user=wes,
    )
    shipment_ship(
        shipment=shipment, carrier=Carrier.objects.get(code="dhl"), tracking_number="T1", user=wes
    )
    held, told = (place_order([(tent, 1)], user=UserFactory()) for _ in range(2))
    Order.objects.filter(pk__in=[held.pk, told.pk]).update(status="Credit hold")
    told.notes.create(note_type="Credit hold alert", message="Credit hold: told by e-mail.")
    SideEffect.objects.all().delete()  # as before erp 0009: only a message on the broker

    upgrade.record_unsent_emails(apps, None)
    upgrade.record_unsent_emails(apps, None)  # a second run adds nothing

    effect = row(shipment, TRACKING_EMAIL)
    assert (effect.status, effect.leased_until) == (Status.PENDING, None)
    assert row(held, "order.credit_hold_alert").status == Status.PENDING
    # nothing for the told order; confirmations went from the request back then
    assert SideEffect.objects.count() == 2
    assert side_effects_sweep() == 2
    assert send_tracking_email(shipment.pk) is True
    assert [mail.to for mail in mailoutbox] == [["erika@example.com"]]
