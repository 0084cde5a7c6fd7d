"""Pricing and availability every channel uses (Oscar's Selector/Strategy).

The web shop, the API, staff-entered orders and the order service price and
check a basket through this one strategy. It lives here, below the storefront,
so the order service imports it directly; the storefront's ``partner`` fork
(``shop/partner/strategy.py``) is the thin shim that hands it to Oscar.

Availability is inventory's available-to-promise. List pages annotate it on
their product queryset (``shop.selectors``), so tiles cost no query; a product
without the annotation (detail page, basket) is looked up together with every
other product in the request's basket, in one query, once per request.

Prices: consumers pay the list price, tax included (Oscar's ``TaxInclusiveFixedPrice``). A
B2B buyer pays what ``crm.selectors.price_quotes`` resolves from the company's
price list (fixed prices with quantity breaks, category discounts), shown net
of tax. Quotes are computed per request, for a whole page or basket at once;
nothing price-related outlives the request.

A B2B unit price is whole cents net and its VAT is rounded to the cent per
unit, so net, VAT and gross of a line are exact cents: the product page, the
basket (whose stored "price when added" is two decimals), the order lines, the
confirmation and the invoice (built from the order lines) show the same figures.
"""

from collections.abc import Callable, Iterable
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.conf import settings
from oscar.apps.partner import availability, prices, strategy
from oscar.apps.partner.strategy import PurchaseInfo

from accounting.money import money
from crm import selectors as crm_selectors
from inventory import selectors as inventory_selectors
from inventory.services import Shortage

UNRESOLVED = object()


def tax_rate() -> Decimal:
    return Decimal(str(settings.SALES_TAX_RATE))


def net_of(gross: Decimal) -> Decimal:
    return (gross / (1 + tax_rate())).quantize(Decimal("0.0001"))


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


class NegotiatedPrice(prices.FixedPrice):
    """A B2B buyer's net price, with the list price and quantity breaks to show."""

    is_net_display = True

    def __init__(
        self,
        *,
        currency: str,
        excl_tax: Decimal,
        list_excl_tax: Decimal,
        breaks: tuple[tuple[int, Decimal], ...],
        quantity: int = 1,
    ) -> None:
        tax = money(excl_tax * tax_rate())
        super().__init__(currency=currency, excl_tax=excl_tax, tax=tax)
        self.list_excl_tax = list_excl_tax
        self.breaks = breaks
        self.quantity = quantity

    @property
    def is_discounted(self) -> bool:
        return self.excl_tax < self.list_excl_tax

    @property
    def break_rows(self) -> list[tuple[int, Decimal, bool]]:
        """The quantity tiers to show: (from quantity, net unit price, applies now).

        Below the first break the buyer pays their price without a break (the
        category discount or the list price): that is the first tier, from 1.
        """
        rows = list(self.breaks)
        if rows and rows[0][0] > 1 and self.quantity < rows[0][0]:
            rows.insert(0, (1, self.excl_tax))
        applies = max((minimum for minimum, _ in rows if minimum <= self.quantity), default=None)
        return [(minimum, price, minimum == applies) for minimum, price in rows]


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


class NegotiatedPricing:
    """Consumers: list price incl. tax. B2B buyers: their price list, net."""

    request: Any
    user: Any

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)  # type: ignore[call-arg]
        self._company: Any = UNRESOLVED
        self._quotes: dict[tuple[int, int], crm_selectors.PriceQuote] = {}

    # -- who is buying --------------------------------------------------------
    def company(self) -> Any:
        if self._company is UNRESOLVED:
            user = self.user if self.user is not None else getattr(self.request, "user", None)
            self._company = crm_selectors.company_for(user)
        return self._company

    @property
    def shows_net_prices(self) -> bool:
        return self.company() is not None

    # -- prices ---------------------------------------------------------------
    def prepare(self, products: Iterable[Any], quantities: dict[int, int] | None = None) -> None:
        """Quote many products in one go (a list page, a basket)."""
        company = self.company()
        if company is None:
            return
        quantities = quantities or {}
        wanted = {}
        for product in products:
            stockrecord = self._first_stockrecord(product)
            quantity = quantities.get(product.pk, 1)
            if stockrecord is not None and (product.pk, quantity) not in self._quotes:
                wanted[product.pk] = net_of(stockrecord.price)
        if not wanted:
            return
        price_list = crm_selectors.usable_price_list(company)
        quotes = crm_selectors.price_quotes(
            price_list=price_list, list_nets=wanted, quantities=quantities
        )
        for product_id, quote in quotes.items():
            self._quotes[(product_id, quantities.get(product_id, 1))] = quote

    def _first_stockrecord(self, product: Any) -> Any:
        records = list(product.stockrecords.all())
        return records[0] if records else None

    def price_for(self, product: Any, stockrecord: Any, quantity: int = 1) -> Any:
        if not stockrecord or stockrecord.price is None:
            return prices.Unavailable()
        if self.company() is None:
            gross = stockrecord.price
            net = net_of(gross)
            return prices.TaxInclusiveFixedPrice(
                currency=stockrecord.price_currency, excl_tax=net, tax=gross - net
            )
        if (product.pk, quantity) not in self._quotes:
            self.prepare(
                self._basket_products_with(product), self._basket_quantities(product, quantity)
            )
        quote = self._quotes[(product.pk, quantity)]
        return NegotiatedPrice(
            currency=stockrecord.price_currency,
            excl_tax=quote.net,
            list_excl_tax=quote.list_net,
            breaks=quote.breaks,
            quantity=quantity,
        )

    def _basket_products_with(self, product: Any) -> list[Any]:
        basket = getattr(self.request, "_basket_cache", None)
        others = (
            [line.product for line in basket.all_lines()]
            if basket is not None and basket.id
            else []
        )
        return [product, *[p for p in others if p.pk != product.pk]]

    def _basket_quantities(self, product: Any, quantity: int) -> dict[int, int]:
        basket = getattr(self.request, "_basket_cache", None)
        quantities = {}
        if basket is not None and basket.id:
            quantities = {line.product_id: line.quantity for line in basket.all_lines()}
        quantities[product.pk] = quantity
        return quantities

    def pricing_policy(self, product: Any, stockrecord: Any) -> Any:
        return self.price_for(product, stockrecord)

    def parent_pricing_policy(self, product: Any, children_stock: Any) -> Any:
        stockrecords = [(child, record) for child, record in children_stock if record]
        if not stockrecords:
            return prices.Unavailable()
        child, record = stockrecords[0]
        return self.price_for(child, record)

    def fetch_for_line(self, line: Any, stockrecord: Any = None) -> PurchaseInfo:
        """A basket line is priced for its quantity (quantity breaks)."""
        stockrecord = stockrecord or self.select_stockrecord(line.product)  # type: ignore[attr-defined]
        return PurchaseInfo(
            price=self.price_for(line.product, stockrecord, max(line.quantity, 1)),
            availability=self.availability_policy(line.product, stockrecord),  # type: ignore[attr-defined]
            stockrecord=stockrecord,
        )


class ErpStrategy(
    strategy.UseFirstStockRecord, AvailableToPromise, NegotiatedPricing, strategy.Structured
):
    pass


class Selector:
    """Stateless: picks the strategy for a request (or a user, for tasks)."""

    def strategy(self, request: Any = None, user: Any = None, **kwargs: Any) -> strategy.Base:
        chosen = ErpStrategy(request)
        if user is not None and getattr(user, "is_authenticated", False):
            chosen.user = user
        return chosen


def basket_line_price_store(line: Any, info: PurchaseInfo) -> None:
    """Store ``info``'s unit price on a basket line, as the basket will charge it.

    The one place a basket line takes its price: the basket model when a
    line's quantity changes (quantity breaks), and the order service building
    a basket from requested lines. ``info`` stays cached as Oscar's purchase info.
    """
    line._info = info
    line.price_currency = info.price.currency
    line.price_excl_tax = info.price.excl_tax
    line.price_incl_tax = info.price.incl_tax if info.price.is_tax_known else None
    line.tax_code = info.price.tax_code
