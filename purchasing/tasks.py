"""The purchase order e-mail to the supplier: a side effect (``erp.side_effects``)
recorded when the order is sent, performed by a worker after commit, once."""

from django.conf import settings
from django.core.mail import EmailMessage

from erp.side_effects import Outcome, side_effect_task
from purchasing.models import PurchaseOrder
from purchasing.services import PURCHASE_ORDER_EMAIL


@side_effect_task(kind=PURCHASE_ORDER_EMAIL)
def send_purchase_order(order_id: int) -> Outcome:
    order = (
        PurchaseOrder.objects.select_related("supplier", "warehouse").filter(pk=order_id).first()
    )
    if order is None:
        return Outcome(performed=False, note="The purchase order no longer exists.")
    lines = "\n".join(
        f"{line.quantity} x {line.product.get_title()} at {line.unit_cost}"
        for line in order.lines.select_related("product")
    )
    EmailMessage(
        subject=f"Purchase order {order.number}",
        body=f"Please deliver to {order.warehouse.name} by {order.expected_date}:\n\n{lines}\n",
        from_email=settings.OSCAR_FROM_EMAIL,
        to=[order.supplier.email],
        headers={"Message-ID": f"<purchase-order.{order.number}@kontor>"},
    ).send()
    return Outcome(performed=True, note=f"Sent to {order.supplier.email}.")
