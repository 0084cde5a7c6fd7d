"""Order placement: Oscar's OrderCreator, with stock allocated by inventory.

Oscar's own ``update_stock_records`` bumps ``num_allocated`` without checking
anything, which oversells under concurrency. Here the order's lines are
allocated through ``inventory.services.stock_allocate`` inside the same
transaction, after the order rows exist (so the stock rows stay locked only
for the last moments before commit). A shortage raises ``InsufficientStock``
and the whole order rolls back.
"""

from typing import Any

from django.db import transaction
from oscar.apps.order import utils

from inventory.services import LineRequest, stock_allocate


class OrderCreator(utils.OrderCreator):
    def place_order(self, *args: Any, **kwargs: Any) -> Any:
        with transaction.atomic():
            order = super().place_order(*args, **kwargs)
            stock_allocate(
                lines=[
                    LineRequest(line.pk, line.product_id, line.quantity)
                    for line in order.lines.select_related("product__product_class")
                    if line.product_id and line.product.get_product_class().track_stock
                ]
            )
        return order

    def update_stock_records(self, line: Any) -> None:
        """Inventory owns stock; Oscar's num_allocated is never written."""


class OrderNumberGenerator(utils.OrderNumberGenerator):
    """Oscar's numbering (100000 + basket id), always as the string it is stored as."""

    def order_number(self, basket: Any) -> str:
        return str(super().order_number(basket))
