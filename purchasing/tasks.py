"""The purchase order e-mail: the PDF of a sent order goes to the supplier once.

It is a side effect (``erp.side_effects``): ``purchase_order_send`` records it
(kind ``purchase_order_email``) in the transaction that marks the order sent, a
worker sends it after commit, the sweep sends it again if a worker dies on the
way, and the row, done in the transaction that sends the message, makes it go
once. The order row stays locked while the message goes out, so a cancellation
waits for it (and an order cancelled before the worker came is not sent). The
Message-ID is derived from the order number, so the copy sent again after a
worker died between the mail server's answer and the commit shows once in the
supplier's mail client.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from accounting.seller import seller_now
from erp.side_effects import Outcome, side_effect_task
from purchasing.models import PurchaseOrder
from purchasing.pdf import order_total, payment_terms, purchase_order_pdf
from purchasing.services import PURCHASE_ORDER_EMAIL  # recorded by purchase_order_send

__all__ = ["PURCHASE_ORDER_EMAIL", "send_purchase_order_email"]

#: the order statuses in which the supplier is still to get the order
SENDABLE = {
    PurchaseOrder.Status.SENT,
    PurchaseOrder.Status.PARTIALLY_RECEIVED,
    PurchaseOrder.Status.RECEIVED,
    PurchaseOrder.Status.BILLED,
}


def purchase_order_for_email(order_id: int) -> PurchaseOrder | Outcome:
    """The sent order, locked until the task's commit, or why nothing is sent."""
    order = (
        PurchaseOrder.objects.select_for_update(of=("self",))
        .select_related("supplier", "warehouse")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        return Outcome(False, "Nothing sent: the purchase order no longer exists.")
    if order.status not in SENDABLE:
        return Outcome(False, f"Nothing sent: the purchase order is {order.get_status_display()}.")
    if not order.supplier.email:
        return Outcome(
            False, f"Nothing sent: supplier {order.supplier.code} has no e-mail address."
        )
    return order


def message_id(order: PurchaseOrder) -> str:
    return f"<purchase-order.{order.number}@kontor>"


@side_effect_task(kind=PURCHASE_ORDER_EMAIL)
def send_purchase_order_email(order_id: int) -> Outcome:
    """E-mail the supplier the purchase order, its PDF attached."""
    order = purchase_order_for_email(order_id)
    if isinstance(order, Outcome):
        return order
    lines = list(order.lines.select_related("product").order_by("pk"))
    buyer = seller_now()
    recipient = order.supplier.email
    context = {
        "order": order,
        "supplier": order.supplier,
        "buyer": buyer,
        "lines_count": len(lines),
        "total": order_total(lines),
        "terms": payment_terms(order),
        "delivery_address": [
            line.strip() for line in order.warehouse.address.splitlines() if line.strip()
        ]
        or buyer.address_lines,
    }
    message = EmailMessage(
        subject=f"Purchase order {order.number} from {buyer.legal_name}",
        body=render_to_string("purchasing/email/purchase_order.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
        headers={"Message-ID": message_id(order)},
    )
    message.attach(f"{order.number}.pdf", purchase_order_pdf(order), "application/pdf")
    message.send()
    return Outcome(True, f"Sent {order.number} to {recipient}.")
