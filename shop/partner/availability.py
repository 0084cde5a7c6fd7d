"""Availability shown on the storefront, from inventory's available-to-promise."""

from collections.abc import Callable
from functools import cached_property

from django.conf import settings
from oscar.apps.partner import availability

from inventory.services import Shortage


class StockLevel(availability.Base):
    """'In stock', 'Only N left' or 'Out of stock'; buying more than ATP is refused.

    ``num_available`` may be a callable: then stock is only looked up when the
    availability is actually asked for, not when Oscar merely prices a line.
    """

    def __init__(
        self, *, product_id: int, title: str, num_available: int | Callable[[], int]
    ) -> None:
        self.product_id = product_id
        self.title = title
        self._num_available = num_available

    @cached_property
    def num_available(self) -> int:
        value = self._num_available
        return max(value() if callable(value) else value, 0)

    @property
    def code(self) -> str:
        return "instock" if self.num_available > 0 else "outofstock"

    @property
    def message(self) -> str:
        if self.num_available <= 0:
            return "Out of stock"
        if self.num_available <= settings.INVENTORY_LOW_STOCK_DISPLAY:
            return f"Only {self.num_available} left"
        return "In stock"

    def is_purchase_permitted(self, quantity: int) -> tuple[bool, str]:
        if quantity <= self.num_available:
            return True, ""
        return False, str(Shortage(self.product_id, self.title, quantity, self.num_available))
