"""The e-mails customers expect after the order confirmation and the tracking link:
delivered, return requested (what happens next), return authorised (where to send
it, the return number), return received (the refund with its currency).

Each is a side effect (``erp.side_effects``) like the tracking e-mail: a row is
recorded in the business transaction, a message is queued after commit, the worker
sends it once (a second message or the sweep's finds it done), and a lost message
is sent by the sweep. Each has a plain-text body and an HTML alternative.
"""

import logging
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from erp.models import SideEffect
from erp.permissions import SYSTEM
from erp.services import broker
from erp.side_effects import side_effects_sweep
from inventory.services import stock_receive
from orders.models import Carrier, ReturnRequest
from orders.services import (
    return_authorise,
    return_receive,
    return_reject,
    return_request_create,
    shipment_deliver,
    shipment_pack,
    shipment_ship,
)
from orders.services.returns import ReturnItem
from orders.tasks import (
    ORDER_DELIVERED_EMAIL,
    RETURN_AUTHORISED_EMAIL,
    RETURN_RECEIVED_EMAIL,
    RETURN_REQUESTED_EMAIL,
    send_delivered_email,
    send_return_authorised_email,
    send_return_received_email,
    send_return_requested_email,
)
from tests.factories import ProductFactory, WarehouseFactory, place_order

Status = SideEffect.Status
pytestmark = pytest.mark.django_db
RETURNS_ADDRESS = "Lagerstraße 1, 10115 Berlin, Germany"


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, list[Any]]]:
    """What would have gone to the broker: (task name, args)."""
    enqueued: list[tuple[str, list[Any]]] = []

    def enqueue(*, task: Any, args: Any = (), countdown: float | None = None) -> bool:
        enqueued.append((task.name, list(args)))
        return True

    monkeypatch.setattr(broker, "task_enqueue", enqueue)
    return enqueued


@pytest.fixture
def berlin():
    return WarehouseFactory(code="BER-1", priority=1, address="Kastanienallee 1, Berlin")


@pytest.fixture
def quarantine():
    return WarehouseFactory(
        code="RET-Q", name="Returns", is_sellable=False, priority=99, address=RETURNS_ADDRESS
    )


def shipped(berlin: Any, quantity: int = 2) -> tuple[Any, Any, Any]:
    product = ProductFactory(title="Heath Jacket", listing=Decimal("80.00"))
    stock_receive(
        user=SYSTEM, product=product, warehouse=berlin, quantity=10, unit_cost=Decimal("30")
    )
    order = place_order([(product, quantity)])
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
    shipment.refresh_from_db()
    return order, line, shipment


def html_of(mail: Any) -> str:
    [(html, mimetype)] = mail.alternatives
    assert mimetype == "text/html"
    return html


def test_a_delivered_order_is_e_mailed_once_with_text_and_html(
    berlin, mailoutbox, sent, caplog, django_capture_on_commit_callbacks
):
    order, _, shipment = shipped(berlin)
    with django_capture_on_commit_callbacks(execute=True):
        shipment_deliver(user=SYSTEM, shipment=shipment)

    assert ("orders.tasks.send_delivered_email", [order.pk]) in sent
    with caplog.at_level(logging.INFO, logger="orders.tasks"):
        assert send_delivered_email(order.pk) is True
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "orders.tasks"] == [
        (
            "INFO",
            f"E-mail “Your order {order.number} has been delivered” sent to guest@example.com.",
        )
    ]
    assert send_delivered_email(order.pk) is False  # the second message finds it done

    [mail] = mailoutbox
    assert mail.to == ["guest@example.com"]
    assert mail.subject == f"Your order {order.number} has been delivered"
    assert mail.extra_headers["Message-ID"] == f"<delivered.order-{order.number}@kontor>"
    deadline = shipment.shipped_at + timezone.timedelta(days=30)
    assert f"until {timezone.localtime(deadline):%-d %B %Y} (30 days after shipping)" in mail.body
    assert f"<strong>{order.number}</strong> has been delivered" in html_of(mail)
    effect = SideEffect.objects.get(kind=ORDER_DELIVERED_EMAIL, object_id=order.pk)
    assert (effect.status, effect.attempts, effect.outcome) == (
        Status.DONE,
        1,
        "Sent to guest@example.com.",
    )


def test_no_delivered_e_mail_while_a_parcel_is_still_on_its_way(berlin, sent):
    order, _, _ = shipped(berlin, quantity=1)

    assert not SideEffect.objects.filter(kind=ORDER_DELIVERED_EMAIL).exists()
    assert send_delivered_email(order.pk) is False


def test_each_step_of_a_return_e_mails_the_customer_once(
    berlin, quarantine, mailoutbox, sent, django_capture_on_commit_callbacks
):
    order, line, _ = shipped(berlin)
    year = timezone.localdate().year
    with django_capture_on_commit_callbacks(execute=True):
        request = return_request_create(
            user=SYSTEM, order=order, items=[ReturnItem(line.pk, 2, "damaged", "torn seam")]
        )
    assert request.number == f"R-{year}-000001"
    assert str(request) == f"Return R-{year}-000001 of order {order.number}"
    assert ("orders.tasks.send_return_requested_email", [request.pk]) in sent
    assert send_return_requested_email(request.pk) is True
    assert send_return_requested_email(request.pk) is False

    with django_capture_on_commit_callbacks(execute=True):
        return_authorise(user=SYSTEM, return_request=request)
    assert send_return_authorised_email(request.pk) is True
    assert send_return_authorised_email(request.pk) is False

    with django_capture_on_commit_callbacks(execute=True):
        return_receive(user=SYSTEM, return_request=request, warehouse=quarantine)
    assert send_return_received_email(request.pk) is True
    assert send_return_received_email(request.pk) is False

    requested, authorised, received = mailoutbox
    assert [mail.to for mail in mailoutbox] == [["guest@example.com"]] * 3
    assert requested.subject == f"We have received your return request R-{year}-000001"
    assert "Return number: R-" + f"{year}-000001" in requested.body
    assert "2 x Heath Jacket (Arrived damaged)" in requested.body
    assert "What happens next:" in requested.body
    assert "Please do not send anything before that." in html_of(requested)

    assert authorised.subject == f"Return R-{year}-000001 authorised: how to send it back"
    assert (
        "Send them to:\n\n  Kontor Demo Store Returns\n"
        "  Lagerstraße 1\n  10115 Berlin\n  Germany\n" in authorised.body
    )
    assert f"Write the return number R-{year}-000001 on the parcel" in authorised.body
    assert "Kontor Demo Store Returns<br>Lagerstraße 1<br>10115 Berlin<br>Germany" in html_of(
        authorised
    )

    assert received.subject == f"Return R-{year}-000001 received: your refund"
    assert "We have refunded €160.00 to the card you paid with." in received.body
    assert "<strong>€160.00</strong>" in html_of(received)
    kinds = [RETURN_REQUESTED_EMAIL, RETURN_AUTHORISED_EMAIL, RETURN_RECEIVED_EMAIL]
    assert list(
        SideEffect.objects.filter(kind__in=kinds, object_id=request.pk)
        .order_by("pk")
        .values_list("kind", "status")
    ) == [(kind, Status.DONE) for kind in kinds]


def test_a_lost_return_e_mail_is_sent_by_the_sweep(
    berlin, mailoutbox, sent, settings, django_capture_on_commit_callbacks
):
    settings.SIDE_EFFECT_LEASE_SECONDS = 300
    order, line, _ = shipped(berlin)
    request = return_request_create(
        user=SYSTEM, order=order, items=[ReturnItem(line.pk, 1, "other")]
    )
    sent.clear()  # the broker lost the message
    SideEffect.objects.filter(kind=RETURN_REQUESTED_EMAIL).update(leased_until=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        assert side_effects_sweep() == 1
    assert sent == [("orders.tasks.send_return_requested_email", [request.pk])]
    assert send_return_requested_email(request.pk) is True
    assert [mail.subject for mail in mailoutbox] == [
        f"We have received your return request {request.number}"
    ]


def test_the_authorised_e_mail_waits_for_a_warehouse_address(berlin, mailoutbox, sent):
    order, line, _ = shipped(berlin)
    berlin.address = ""
    berlin.save()
    request = return_request_create(
        user=SYSTEM, order=order, items=[ReturnItem(line.pk, 1, "other")]
    )
    return_authorise(user=SYSTEM, return_request=request)

    assert send_return_authorised_email(request.pk) is False
    effect = SideEffect.objects.get(kind=RETURN_AUTHORISED_EMAIL, object_id=request.pk)
    assert (effect.status, effect.last_error) == (
        Status.PENDING,
        "LookupError: No active warehouse with an address takes returns; set "
        "RETURNS_WAREHOUSE or give a warehouse an address.",
    )
    assert mailoutbox == []


def test_a_rejected_return_sends_no_authorised_e_mail_and_no_receipt(berlin, mailoutbox, sent):
    order, line, _ = shipped(berlin)
    request = return_request_create(
        user=SYSTEM, order=order, items=[ReturnItem(line.pk, 1, "other")]
    )
    return_reject(user=SYSTEM, return_request=request, note="worn")

    assert list(
        SideEffect.objects.filter(object_id=request.pk, kind__startswith="return.").values_list(
            "kind", flat=True
        )
    ) == [RETURN_REQUESTED_EMAIL]
    assert send_return_received_email(request.pk) is False
    assert ReturnRequest.objects.get().status == ReturnRequest.Status.REJECTED


def test_return_numbers_follow_each_other_in_the_year(berlin):
    order, line, _ = shipped(berlin, quantity=3)
    year = timezone.localdate().year
    numbers = [
        return_request_create(
            user=SYSTEM, order=order, items=[ReturnItem(line.pk, 1, "other")]
        ).number
        for _ in range(3)
    ]

    assert numbers == [f"R-{year}-{n:06d}" for n in (1, 2, 3)]


def test_a_return_of_a_bank_transfer_order_says_the_refund_comes_by_transfer(
    berlin, quarantine, mailoutbox, sent
):
    from orders.services import order_mark_paid

    product = ProductFactory(title="Heath Jacket", listing=Decimal("80.00"))
    stock_receive(user=SYSTEM, product=product, warehouse=berlin, quantity=5, unit_cost=30)
    order = place_order([(product, 1)], payment_method="bank_transfer")
    order_mark_paid(user=SYSTEM, order=order, reference="transfer")
    line = order.lines.get()
    shipment = shipment_pack(user=SYSTEM, order=order, warehouse=berlin, quantities={line.pk: 1})
    shipment_ship(
        user=SYSTEM,
        shipment=shipment,
        carrier=Carrier.objects.get(code="dpd"),
        tracking_number="T2",
    )
    request = return_request_create(
        user=SYSTEM, order=order, items=[ReturnItem(line.pk, 1, "no_longer_needed")]
    )
    return_authorise(user=SYSTEM, return_request=request)
    return_receive(user=SYSTEM, return_request=request, warehouse=quarantine)

    assert send_return_received_email(request.pk) is True
    [mail] = mailoutbox
    assert "We owe you €80.00 and will refund it by bank transfer within a few days." in mail.body
    assert "<strong>€80.00</strong>" in html_of(mail)
