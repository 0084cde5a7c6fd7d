"""The purchase order e-mail is a side effect: recorded when the order is sent,
performed by a worker, sent once with the PDF attached to the supplier's
address, and not at all for an order cancelled before the worker came.

The broker is replaced by a list of what would have been enqueued; the task is
run by the test as a worker would run it."""

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.db import transaction

from erp.models import SideEffect
from erp.services import broker
from erp.side_effects import side_effect_record, side_effects_sweep
from purchasing.models import PurchaseOrder
from purchasing.tasks import PURCHASE_ORDER_EMAIL, send_purchase_order_email
from purchasing.tests.test_pdf import purchase_order

Status = SideEffect.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, list[Any]]]:
    """What would have gone to the broker: (task name, args)."""
    enqueued: list[tuple[str, list[Any]]] = []
    lock = threading.Lock()

    def enqueue(*, task: Any, args: Any = (), countdown: float | None = None) -> bool:
        with lock:
            enqueued.append((task.name, list(args)))
        return True

    monkeypatch.setattr(broker, "task_enqueue", enqueue)
    return enqueued


def sent_order(**kwargs: Any) -> PurchaseOrder:
    """An order as ``purchase_order_send`` leaves it: sent, its e-mail recorded."""
    order = purchase_order(**kwargs)
    with transaction.atomic():
        PurchaseOrder.objects.filter(pk=order.pk).update(status=PurchaseOrder.Status.SENT)
        side_effect_record(kind=PURCHASE_ORDER_EMAIL, subject=order)
    order.refresh_from_db()
    return order


def test_the_supplier_gets_the_order_once_with_its_pdf_attached(
    sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = sent_order(notes="Gate 3, please.")

    assert sent == [("purchasing.tasks.send_purchase_order_email", [order.pk])]
    assert send_purchase_order_email(order.pk) is True
    assert send_purchase_order_email(order.pk) is False  # the sweep's copy, a redelivery

    (message,) = mail.outbox
    assert message.to == ["orders@alpine.example"]
    assert message.subject == f"Purchase order {order.number} from Kontor Demo Store GmbH"
    assert message.extra_headers["Message-ID"] == f"<purchase-order.{order.number}@kontor>"
    ((filename, content, mimetype),) = message.attachments
    assert (filename, mimetype) == (f"{order.number}.pdf", "application/pdf")
    assert content.startswith(b"%PDF-")
    assert f"purchase order {order.number} of 1 December 2026" in message.body
    assert "(2 lines, 1385.50 EUR net)" in message.body
    assert "Please deliver by 15 December 2026 to:" in message.body
    assert "Lagerweg 1\n14979 Großbeeren\nGermany\n" in message.body
    assert "Payment terms: Net 30 days from the date of your bill." in message.body
    assert "Notes:\nGate 3, please." in message.body
    effect = SideEffect.objects.get(kind=PURCHASE_ORDER_EMAIL, object_id=order.pk)
    assert (effect.status, effect.attempts, effect.outcome) == (
        Status.DONE,
        1,
        f"Sent {order.number} to orders@alpine.example.",
    )


def test_supplier_text_is_not_escaped_as_html_in_the_plain_text_email(sent):
    order = sent_order(supplier_name="Bäcker & Söhne <Outdoor> GmbH")

    send_purchase_order_email(order.pk)

    (message,) = mail.outbox
    assert message.body.startswith("Dear Bäcker & Söhne <Outdoor> GmbH,\n")


def test_an_order_cancelled_before_the_worker_came_is_not_sent(sent):
    order = sent_order()
    PurchaseOrder.objects.filter(pk=order.pk).update(status=PurchaseOrder.Status.CANCELLED)

    assert send_purchase_order_email(order.pk) is False

    assert mail.outbox == []
    effect = SideEffect.objects.get(kind=PURCHASE_ORDER_EMAIL, object_id=order.pk)
    assert (effect.status, effect.outcome) == (
        Status.DONE,
        "Nothing sent: the purchase order is Cancelled.",
    )


def test_a_failed_send_is_retried_and_marked_done_only_when_it_went(sent, monkeypatch):
    order = sent_order()

    def refuse(*args: Any, **kwargs: Any) -> int:
        raise ConnectionRefusedError("mail server down")

    with monkeypatch.context() as patched:
        patched.setattr("django.core.mail.EmailMessage.send", refuse)
        assert send_purchase_order_email(order.pk) is False
    effect = SideEffect.objects.get(kind=PURCHASE_ORDER_EMAIL, object_id=order.pk)
    assert (effect.status, effect.attempts) == (Status.PENDING, 1)
    assert effect.last_error == "ConnectionRefusedError: mail server down"

    SideEffect.objects.filter(pk=effect.pk).update(leased_until=None)
    assert send_purchase_order_email(order.pk) is True

    assert len(mail.outbox) == 1
    effect.refresh_from_db()
    assert (effect.status, effect.attempts) == (Status.DONE, 2)


def test_sending_an_order_e_mails_it_once_after_commit(sent, django_capture_on_commit_callbacks):
    from erp.permissions import SYSTEM
    from purchasing.services import PurchaseLineRequest, purchase_order_create, purchase_order_send
    from purchasing.tests.factories import SupplierFactory
    from tests.factories import ProductFactory, WarehouseFactory

    order = purchase_order_create(
        user=SYSTEM,
        supplier=SupplierFactory(code="ALPINE", email="po@alpine.example"),
        warehouse=WarehouseFactory(code="MAIN"),
        lines=[PurchaseLineRequest(ProductFactory(), 3, Decimal("20.00"))],
    )
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_send(user=SYSTEM, order=order)
    assert mail.outbox == []  # the worker sends it, not the request

    ((task, args),) = sent
    assert (task, args) == ("purchasing.tasks.send_purchase_order_email", [order.pk])
    assert send_purchase_order_email(order.pk) is True
    side_effects_sweep()  # nothing overdue: the lease still runs
    assert send_purchase_order_email(order.pk) is False

    (message,) = mail.outbox
    assert message.to == ["po@alpine.example"]
    assert message.attachments[0][0] == f"{order.number}.pdf"
