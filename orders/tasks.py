"""Order e-mails: the confirmation of every order, the tracking link of every parcel,
the delivery of every order, each step of a return (requested, authorised with
where to send it, received with the refund), credit-hold alerts to credit
controllers.

Each is a side effect (``erp.side_effects``): recorded in the transaction that
places the order or ships the parcel, sent by a worker after commit, sent again
by the sweep if a worker dies on the way, and sent once. Each task runs inside
the transaction that marks its row done and keeps its own mark besides (the
shipment's ``tracking_email_sent_at``, the credit-hold order note; the others rely
on their row, done in the transaction that sends them). Message-IDs
are derived from what the e-mail is about, so the copy sent again after a worker
died between the mail server's answer and the commit shows once in mail clients.

The tasks take pks and write the messages; whether to send, the locks and the
marks are ``orders.services.notifications``.
"""

import logging
from typing import Any

from celery import shared_task
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from oscar.core.loading import get_class, get_model

from erp.side_effects import Outcome, side_effect_task
from orders.models import ReturnRequest

# side effect kinds (erp.SideEffect.kind)
ORDER_CONFIRMATION = "order.confirmation_email"
TRACKING_EMAIL = "shipment.tracking_email"
CREDIT_HOLD_ALERT_EMAIL = "order.credit_hold_alert"
ORDER_DELIVERED_EMAIL = "order.delivered_email"
RETURN_REQUESTED_EMAIL = "return.requested_email"
RETURN_AUTHORISED_EMAIL = "return.authorised_email"
RETURN_RECEIVED_EMAIL = "return.received_email"

logger = logging.getLogger(__name__)


@side_effect_task(kind=ORDER_CONFIRMATION)
def send_order_confirmation(order_id: int) -> Outcome:
    """E-mail the customer Oscar's order confirmation (ORDER_PLACED), with the
    signed link to the order's status page; recorded for every order placed with
    an e-mail address, whatever the channel."""
    from orders.services.notifications import order_for_confirmation
    from orders.status_links import order_status_path, order_status_url

    Dispatcher = get_class("communication.utils", "Dispatcher")
    CommunicationEventType = get_model("communication", "CommunicationEventType")
    CommunicationEvent = get_model("order", "CommunicationEvent")

    order = order_for_confirmation(order_id)
    if isinstance(order, Outcome):
        return order
    recipient = order.email
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
    from orders.services import notifications

    shipment = notifications.shipment_for_tracking_email(shipment_id)
    if isinstance(shipment, Outcome):
        return shipment
    order = shipment.order
    recipient = order.email
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
    notifications.shipment_tracking_email_mark_sent(shipment)
    return Outcome(True, f"Sent to {recipient}.")


def _send_customer_email(
    *, order: Any, subject: str, template: str, message_id: str, context: dict[str, Any]
) -> Outcome:
    """E-mail the order's customer ``orders/email/<template>.txt`` and ``.html``."""
    from orders.status_links import order_status_url

    recipient = order.email
    if not recipient:
        return Outcome(False, "Nothing sent: the order has no e-mail address.")
    context = {
        "order": order,
        "status_url": order_status_url(order),
        "shop_name": settings.OSCAR_SHOP_NAME,
        **context,
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"orders/email/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
        headers={"Message-ID": f"<{message_id}.order-{order.number}@kontor>"},
    )
    html = render_to_string(f"orders/email/{template}.html", context)
    message.attach_alternative(html, "text/html")
    message.send()
    logger.info("E-mail “%s” sent to %s.", subject, recipient)
    return Outcome(True, f"Sent to {recipient}.")


@side_effect_task(kind=ORDER_DELIVERED_EMAIL)
def send_delivered_email(order_id: int) -> Outcome:
    """Tell the customer every parcel of their order has arrived, and how to return."""
    from orders.services.notifications import order_for_delivered_email
    from orders.services.returns import return_deadline

    order = order_for_delivered_email(order_id)
    if isinstance(order, Outcome):
        return order
    return _send_customer_email(
        order=order,
        subject=f"Your order {order.number} has been delivered",
        template="delivered",
        message_id="delivered",
        context={
            "return_deadline": return_deadline(order),
            "return_window_days": settings.RETURN_WINDOW_DAYS,
        },
    )


@side_effect_task(kind=RETURN_REQUESTED_EMAIL)
def send_return_requested_email(return_request_id: int) -> Outcome:
    """Confirm the customer's return request and say what happens next."""
    from orders.services.notifications import return_for_requested_email

    return_request = return_for_requested_email(return_request_id)
    if isinstance(return_request, Outcome):
        return return_request
    return _send_customer_email(
        order=return_request.order,
        subject=f"We have received your return request {return_request.number}",
        template="return_requested",
        message_id=f"return-{return_request.number}.requested",
        context={"return_request": return_request, "lines": return_request.lines.all()},
    )


@side_effect_task(kind=RETURN_AUTHORISED_EMAIL)
def send_return_authorised_email(return_request_id: int) -> Outcome:
    """Tell the customer where to send the items back, with the return number.

    Raises (the attempt fails and is retried, then listed for staff) when no
    returns warehouse has an address: an e-mail without it would be useless."""
    from orders.selectors import returns_address_lines
    from orders.services.notifications import return_for_authorised_email

    return_request = return_for_authorised_email(return_request_id)
    if isinstance(return_request, Outcome):
        return return_request
    address_lines = returns_address_lines()
    if not address_lines:
        raise LookupError(
            "No active warehouse with an address takes returns; set RETURNS_WAREHOUSE "
            "or give a warehouse an address."
        )
    return _send_customer_email(
        order=return_request.order,
        subject=f"Return {return_request.number} authorised: how to send it back",
        template="return_authorised",
        message_id=f"return-{return_request.number}.authorised",
        context={
            "return_request": return_request,
            "lines": return_request.lines.all(),
            "address_lines": address_lines,
        },
    )


@side_effect_task(kind=RETURN_RECEIVED_EMAIL)
def send_return_received_email(return_request_id: int) -> Outcome:
    """Tell the customer their return arrived and what was refunded, and how."""
    from orders.services.notifications import return_for_received_email

    return_request = return_for_received_email(return_request_id)
    if isinstance(return_request, Outcome):
        return return_request
    return _send_customer_email(
        order=return_request.order,
        subject=f"Return {return_request.number} received: your refund",
        template="return_received",
        message_id=f"return-{return_request.number}.received",
        context={
            "return_request": return_request,
            "lines": return_request.lines.all(),
            "refunded_to_card": return_request.refund_status == ReturnRequest.Refund.REFUNDED,
        },
    )


@shared_task
def idempotency_keys_prune() -> int:
    """Beat, daily: forget old order Idempotency-Keys."""
    from orders.services.placement import idempotency_keys_prune as prune

    return prune()


@side_effect_task(kind=CREDIT_HOLD_ALERT_EMAIL)
def send_credit_hold_alert(order_id: int) -> Outcome:
    """Tell the credit controllers that an order waits on credit hold.

    Sent once per order: the order row stays locked while the message goes out
    and an order note records it in the same transaction (and shows staff who
    was told). Nothing is sent once the order has left credit hold.
    """
    from orders.services import notifications

    alert = notifications.credit_hold_alert_for(order_id)
    if isinstance(alert, Outcome):
        return alert
    order, company, recipients = alert.order, alert.company, alert.recipients
    context: dict[str, Any] = {
        "order": order,
        "company": company,
        "position": alert.position,
        "over_by": alert.over_by,
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
    notifications.credit_hold_alert_record(alert)
    return Outcome(True, f"Sent to {', '.join(recipients)}.")
