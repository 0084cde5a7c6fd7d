"""Storefront pricing and availability (Oscar's Selector/Strategy).

Until inventory's available-to-promise is wired in, products are sold from
their listing's list price with no stock requirement.
"""

from typing import Any

from oscar.apps.partner import availability, strategy


class NoStockRequired:
    def availability_policy(self, product: Any, stockrecord: Any) -> availability.Base:
        if not stockrecord:
            return availability.Unavailable()
        return availability.Available()

    def parent_availability_policy(self, product: Any, children_stock: Any) -> availability.Base:
        return availability.Available()


class ListPriceNoStockCheck(
    strategy.UseFirstStockRecord, NoStockRequired, strategy.NoTax, strategy.Structured
):
    pass


class Selector:
    """Stateless: picks the strategy for a request (or none, for tasks)."""

    def strategy(self, request: Any = None, user: Any = None, **kwargs: Any) -> strategy.Base:
        return ListPriceNoStockCheck(request)
