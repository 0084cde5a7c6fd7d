"""Storefront pricing and availability (Oscar's Selector/Strategy).

Availability is inventory's available-to-promise. List pages annotate it on
their product queryset (``shop.selectors``), so tiles cost no query; a product
without the annotation (detail page, basket) is looked up together with every
other product in the request's basket, in one query, once per request.
Prices are the listing's list price, tax included (``GrossListPrice``), until
price lists arrive.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from oscar.apps.partner import availability, prices, strategy

from inventory import selectors as inventory_selectors
from shop.partner.availability import StockLevel


class AvailableToPromise:
    """Oscar availability policy backed by the ERP's stock rows."""

    request: Any

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)  # type: ignore[call-arg]
        self._available: dict[int, int] = {}

    def availability_policy(self, product: Any, stockrecord: Any) -> availability.Base:
        if not stockrecord:
            return availability.Unavailable()
        if not product.get_product_class().track_stock:
            return availability.Available()
        return StockLevel(
            product_id=product.pk,
            title=product.get_title(),
            num_available=lambda: self.available_to_promise(product),
        )

    def parent_availability_policy(self, product: Any, children_stock: Any) -> availability.Base:
        children = [child for child, stockrecord in children_stock if stockrecord]
        self._load([child.pk for child in children])
        total = sum(self.available_to_promise(child) for child in children)
        return StockLevel(product_id=product.pk, title=product.get_title(), num_available=total)

    def available_to_promise(self, product: Any) -> int:
        annotated = getattr(product, "available_to_promise", None)
        if annotated is not None:
            return int(annotated)
        if product.pk not in self._available:
            self._load([product.pk, *self._basket_product_ids()])
        return self._available[product.pk]

    def _load(self, product_ids: list[int]) -> None:
        missing = [pk for pk in product_ids if pk not in self._available]
        if missing:
            self._available.update(inventory_selectors.available_to_promise(missing))

    def _basket_product_ids(self) -> list[int]:
        basket = getattr(self.request, "_basket_cache", None)
        if basket is None or not basket.id:
            return []
        return [line.product_id for line in basket.all_lines()]


class GrossListPrice:
    """List prices are what consumers pay, tax included (as EU shops must show).

    The net price is derived to four decimals, so gross is exact and the
    invoice can split it into net and sales tax.
    """

    def tax_rate(self, product: Any, stockrecord: Any) -> Decimal:
        return Decimal(str(settings.SALES_TAX_RATE))

    def pricing_policy(self, product: Any, stockrecord: Any) -> Any:
        if not stockrecord or stockrecord.price is None:
            return prices.Unavailable()
        gross = stockrecord.price
        net = (gross / (1 + self.tax_rate(product, stockrecord))).quantize(Decimal("0.0001"))
        return prices.TaxInclusiveFixedPrice(
            currency=stockrecord.price_currency, excl_tax=net, tax=gross - net
        )

    def parent_pricing_policy(self, product: Any, children_stock: Any) -> Any:
        stockrecords = [stockrecord for _, stockrecord in children_stock if stockrecord]
        if not stockrecords:
            return prices.Unavailable()
        return self.pricing_policy(product, stockrecords[0])


class ErpStrategy(
    strategy.UseFirstStockRecord, AvailableToPromise, GrossListPrice, strategy.Structured
):
    pass


class Selector:
    """Stateless: picks the strategy for a request (or none, for tasks)."""

    def strategy(self, request: Any = None, user: Any = None, **kwargs: Any) -> strategy.Base:
        return ErpStrategy(request)
