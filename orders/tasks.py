"""Order e-mails: the confirmation of every order, the tracking link of every parcel,
credit-hold alerts to credit controllers.

Each is a side effect (``erp.side_effects``): recorded in the transaction that
places the order or ships the parcel, sent by a worker after commit, sent again
by the sweep if a worker dies on the way, and sent once. Each task runs inside
the transaction that marks its row done and keeps its own mark besides (the
shipment's ``tracking_email_sent_at``, the credit-hold order note). Message-IDs
are derived from what the e-mail is about, so the copy sent again after a worker
died between the mail server's answer and the commit shows once in mail clients.
"""

from typing import Any

from celery import shared_task
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_class, get_model

from erp.side_effects import Outcome, side_effect_task
from orders.models import Shipment

# side effect kinds (erp.SideEffect.kind)
ORDER_CONFIRMATION = "order.confirmation_email"
TRACKING_EMAIL = "shipment.tracking_email"
CREDIT_HOLD_ALERT_EMAIL = "order.credit_hold_alert"

Order = get_model("order", "Order")


@side_effect_task(kind=ORDER_CONFIRMATION)
def send_order_confirmation(order_id: int) -> Outcome:
    """E-mail the customer Oscar's order confirmation (ORDER_PLACED), with the
    signed link to the order's status page; recorded for every order placed with
    an e-mail address, whatever the channel."""
    from orders.status_links import order_status_path, order_status_url

    Dispatcher = get_class("communication.utils", "Dispatcher")
    CommunicationEventType = get_model("communication", "CommunicationEventType")
    CommunicationEvent = get_model("order", "CommunicationEvent")

    order = Order.objects.select_related("user").filter(pk=order_id).first()
    if order is None:
        return Outcome(False, "Nothing sent: the order no longer exists.")
    recipient = order.email
    if not recipient:
        return Outcome(False, "Nothing sent: the order has no e-mail address.")
    dispatcher = Dispatcher()
    messages = dispatcher.get_messages(
        "ORDER_PLACED",
        {
            "user": order.user or AnonymousUser(),
            "order": order,
            "lines": order.lines.all(),
            "status_url": order_status_url(order),
            "status_path": order_status_path(order),
        },
    )
    message = EmailMultiAlternatives(
        subject=messages["subject"],
        body=messages["body"],
        from_email=settings.OSCAR_FROM_EMAIL,
        to=[recipient],
        headers={"Message-ID": f"<order-confirmation.order-{order.number}@kontor>"},
    )
    if messages["html"]:
        message.attach_alternative(messages["html"], "text/html")
    message.send()
    # Oscar's own records of what was sent: the order's communication history
    # and, when configured, the customer's e-mail archive
    event_type = CommunicationEventType.objects.filter(code="ORDER_PLACED").first()
    if event_type is not None:
        CommunicationEvent.objects.create(order=order, event_type=event_type)
    if order.user is not None and getattr(settings, "OSCAR_SAVE_SENT_EMAILS_TO_DB", True):
        dispatcher.create_email(order.user, messages, message)
    return Outcome(True, f"Sent to {recipient}.")


@side_effect_task(kind=TRACKING_EMAIL)
def send_tracking_email(shipment_id: int) -> Outcome:
    """E-mail the customer their tracking link.

    The shipment row stays locked while the message goes out and is marked
    sent in the same transaction, so a retry, a second worker or a redelivered
    message finds it marked and sends nothing.
    """
    shipment = (
        Shipment.objects.select_for_update(of=("self",))
        .select_related("order", "carrier")
        .filter(pk=shipment_id)
        .first()
    )
    if shipment is None:
        return Outcome(False, "Nothing sent: the shipment no longer exists.")
    if shipment.tracking_email_sent_at:
        return Outcome(False, "Nothing sent: the tracking e-mail went out before.")
    if not shipment.tracking_number:
        return Outcome(False, "Nothing sent: the shipment has no tracking number.")
    order = shipment.order
    recipient = order.email
    if not recipient:
        return Outcome(False, "Nothing sent: the order has no e-mail address.")
    context = {
        "order": order,
        "shipment": shipment,
        "lines": shipment.lines.select_related("order_line"),
        "shop_name": settings.OSCAR_SHOP_NAME,
    }
    message = EmailMultiAlternatives(
        subject=f"Your order {order.number} is on its way",
        body=render_to_string("orders/email/shipped.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
        headers={"Message-ID": f"<shipment-{shipment.pk}.order-{order.number}@kontor>"},
    )
    message.attach_alternative(render_to_string("orders/email/shipped.html", context), "text/html")
    message.send()
    shipment.tracking_email_sent_at = timezone.now()
    shipment.save(update_fields=["tracking_email_sent_at"])
    return Outcome(True, f"Sent to {recipient}.")


@shared_task
def idempotency_keys_prune() -> int:
    """Beat, daily: forget old order Idempotency-Keys."""
    from orders.services.placement import idempotency_keys_prune as prune

    return prune()


CREDIT_HOLD_ALERT = "Credit hold alert"  # the note type that marks an alert as sent


def credit_controllers() -> list[str]:
    """E-mail addresses of active staff who may release a credit hold (superusers too)."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.with_perm(
        "crm.override_credit_hold", backend="django.contrib.auth.backends.ModelBackend"
    )
    emails = users.filter(is_staff=True).exclude(email="").values_list("email", flat=True)
    return sorted(set(emails))


@side_effect_task(kind=CREDIT_HOLD_ALERT_EMAIL)
def send_credit_hold_alert(order_id: int) -> Outcome:
    """Tell the credit controllers that an order waits on credit hold.

    Sent once per order: the order row stays locked while the message goes out
    and an order note records it in the same transaction (and shows staff who
    was told). Nothing is sent once the order has left credit hold.
    """
    from crm.selectors import company_for
    from orders import statuses
    from orders.credit import credit_position
    from orders.lock_objects import order_for_update

    try:
        order = order_for_update(order_id)
    except ObjectDoesNotExist:
        return Outcome(False, "Nothing sent: the order no longer exists.")
    if order.status != statuses.CREDIT_HOLD:
        return Outcome(False, f"Nothing sent: the order is “{order.status}”, not on credit hold.")
    if order.notes.filter(note_type=CREDIT_HOLD_ALERT).exists():
        return Outcome(False, "Nothing sent: the credit controllers were told before.")
    recipients = credit_controllers()
    company = company_for(order.user)
    if not recipients:
        return Outcome(False, "Nothing sent: no active staff may release credit holds.")
    if company is None:
        return Outcome(False, "Nothing sent: the customer belongs to no company.")
    position = credit_position(company)
    context: dict[str, Any] = {
        "order": order,
        "company": company,
        "position": position,
        "over_by": order.total_incl_tax - position.available,
        "admin_path": reverse("admin:order_order_change", args=[order.pk]),
        "shop_name": settings.OSCAR_SHOP_NAME,
    }
    EmailMultiAlternatives(
        subject=f"Order {order.number} of {company.name} is on credit hold",
        body=render_to_string("orders/email/credit_hold.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        headers={"Message-ID": f"<credit-hold.order-{order.number}@kontor>"},
    ).send()
    order.notes.create(
        note_type=CREDIT_HOLD_ALERT,
        message=f"Credit hold: {', '.join(recipients)} told by e-mail.",
    )
    return Outcome(True, f"Sent to {', '.join(recipients)}.")
