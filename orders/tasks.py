"""Order e-mails (tracking to customers, credit holds to credit controllers),
sent by Celery after commit; idempotent, safe to retry."""

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
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


CREDIT_HOLD_ALERT = "Credit hold alert"  # the note type that marks an alert as sent


def credit_controllers() -> list[str]:
    """E-mail addresses of active staff who may release a credit hold (superusers too)."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.with_perm(
        "crm.override_credit_hold", backend="django.contrib.auth.backends.ModelBackend"
    )
    emails = users.filter(is_staff=True).exclude(email="").values_list("email", flat=True)
    return sorted(set(emails))


@shared_task(
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=8,
)
def send_credit_hold_alert(order_id: int) -> bool:
    """Tell the credit controllers that an order waits on credit hold; True if sent.

    Sent once per order: the order row stays locked while the message goes out
    and an order note records it in the same transaction (and shows staff who
    was told). Nothing is sent once the order has left credit hold.
    """
    from crm.selectors import company_for
    from orders import statuses
    from orders.credit import credit_position
    from orders.lock_objects import order_for_update

    with transaction.atomic():
        try:
            order = order_for_update(order_id)
        except ObjectDoesNotExist:
            return False
        if order.status != statuses.CREDIT_HOLD:
            return False
        if order.notes.filter(note_type=CREDIT_HOLD_ALERT).exists():
            return False
        recipients = credit_controllers()
        company = company_for(order.user)
        if not recipients or company is None:
            return False
        position = credit_position(company)
        context = {
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
        return True
