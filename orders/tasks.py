"""Order e-mails, sent by Celery after commit; idempotent, safe to retry."""

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from orders.models import Shipment


@shared_task(
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=8,
)
def send_tracking_email(shipment_id: int) -> bool:
    """E-mail the customer their tracking link; True if this call sent it.

    The shipment row stays locked while the message goes out and is marked
    sent in the same transaction, so a retry, a second worker or a redelivered
    message finds it marked and sends nothing. The Message-ID is derived from
    the shipment, so in the one window that remains (the worker dies between the
    mail server accepting the message and the commit) the resent copy carries
    the same id and mail clients show it once.
    """
    with transaction.atomic():
        shipment = (
            Shipment.objects.select_for_update(of=("self",))
            .select_related("order", "carrier")
            .filter(pk=shipment_id)
            .first()
        )
        if shipment is None or shipment.tracking_email_sent_at or not shipment.tracking_number:
            return False
        order = shipment.order
        recipient = order.email
        if not recipient:
            return False
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
        message.attach_alternative(
            render_to_string("orders/email/shipped.html", context), "text/html"
        )
        message.send()
        shipment.tracking_email_sent_at = timezone.now()
        shipment.save(update_fields=["tracking_email_sent_at"])
        return True


@shared_task
def idempotency_keys_prune() -> int:
    """Beat, daily: forget old order Idempotency-Keys."""
    from orders.services.placement import idempotency_keys_prune as prune

    return prune()
