"""The demo business tells one consistent story, and seeding it is quiet.

Guests' names match their e-mail addresses; each parcel's tracking e-mail is
dated with the parcel; orders are placed, shipped, delivered and returned in that
order and never in the future; invoice numbers ascend with invoice dates within
each series; demo orders e-mail nobody, and the worker is sent no message for
them (it logged "succeeded ... False" for each one); seeding logs no error.
"""

import logging
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone
from oscar.core.loading import get_model

from accounting.models import Invoice
from erp.models import SideEffect
from erp.services import broker
from orders import statuses
from orders.models import ReturnRequest, Shipment

Order = get_model("order", "Order")
OrderStatusChange = get_model("order", "OrderStatusChange")
pytestmark = pytest.mark.django_db


def test_the_demo_tells_one_story_and_queues_no_e_mails(
    settings, tmp_path, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    settings.DEBUG = True  # with the demo logins: the customer's and the buyers' orders too
    queued: list[Any] = []
    monkeypatch.setattr(
        broker, "task_enqueue", lambda *, task, args=(), countdown=None: queued.append(task.name)
    )

    with caplog.at_level(logging.INFO), django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")

    # seeding logs no error and queues no e-mail: every demo e-mail is settled unsent
    assert [
        record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR
    ] == []
    assert [name for name in queued if "send_" in name] == []
    effects = SideEffect.objects.all()
    assert effects.count() > 100
    assert set(effects.values_list("status", "outcome")) == {
        (SideEffect.Status.DONE, "Not sent: demo data.")
    }

    # guests' names match their e-mail addresses
    guests = Order.objects.filter(user__isnull=True).select_related("shipping_address")
    assert guests.count() > 20
    names = {
        (order.guest_email, order.shipping_address.first_name, order.shipping_address.last_name)
        for order in guests
    }
    assert {
        (email, first, last)
        for email, first, last in names
        if email != f"{first.lower()}.{last.lower()}@example.com"
    } == set()
    assert len(names) > 3  # several guests, each the same person every time

    # a parcel's tracking e-mail is dated with it; placed, shipped, delivered in order
    shipped = Shipment.objects.exclude(shipped_at=None).select_related("order")
    assert shipped.count() > 40
    assert not shipped.exclude(tracking_email_sent_at=F("shipped_at")).exists()
    now = timezone.now()
    for shipment in shipped:
        shipped_at = shipment.shipped_at
        assert shipped_at is not None
        assert shipment.order.date_placed <= shipped_at <= now
        if shipment.delivered_at:
            assert shipped_at <= shipment.delivered_at <= now
        changes = dict(
            OrderStatusChange.objects.filter(order=shipment.order).values_list(
                "new_status", "date_created"
            )
        )
        shipped_change = changes.get(statuses.SHIPPED) or changes[statuses.PARTIALLY_SHIPPED]
        assert shipped_change.date() == shipped_at.date()
    for return_request in ReturnRequest.objects.select_related("order"):
        last_delivery = max(s.delivered_at for s in return_request.order.shipments.all())
        assert last_delivery <= return_request.requested_at <= now
        # invoice and credit note are dated on the days of shipping and receiving
        if return_request.received_at:
            credit_note = Invoice.objects.get(
                order=return_request.order, kind=Invoice.Kind.CREDIT_NOTE
            )
            assert credit_note.issue_date == timezone.localdate(return_request.received_at)
    for invoice in Invoice.objects.filter(kind=Invoice.Kind.INVOICE).select_related("order"):
        first_parcel = min(s.shipped_at for s in invoice.order.shipments.exclude(shipped_at=None))
        assert invoice.issue_date == timezone.localdate(first_parcel)

    # invoice numbers ascend with invoice dates, in each series
    for kind in (Invoice.Kind.INVOICE, Invoice.Kind.CREDIT_NOTE):
        dates = list(
            Invoice.objects.filter(kind=kind)
            .order_by("number")
            .values_list("issue_date", flat=True)
        )
        assert dates == sorted(dates)
    assert Invoice.objects.filter(kind=Invoice.Kind.INVOICE).count() == 51  # 47 retail + 4 B2B


def test_e_mails_a_worker_prints_are_logged_at_info():
    from erp.celery import app

    assert app.conf.worker_redirect_stdouts_level == "INFO"
