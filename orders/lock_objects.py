"""Row locks of the order app. An order is locked before its shipments and
returns, so concurrent staff actions on one order queue up."""

from typing import Any

from oscar.core.loading import get_model

Order = get_model("order", "Order")


def order_for_update(order_id: int) -> Any:
    return Order.objects.select_for_update(of=("self",)).get(pk=order_id)
