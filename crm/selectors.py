"""Reads of CRM: whose account a login buys for, and what they pay.

Price resolution (the one place it happens; the storefront strategy, staff
orders and the API all call ``price_quotes``). For a product, a quantity and a
day, with the buyer's company price list:

1. no price list, or it is inactive or outside its validity dates: the list
   price (net of tax);
2. the price list's fixed prices for the product, if any applies: the one with
   the largest minimum quantity not above the quantity ordered (quantity
   breaks);
3. otherwise the largest percentage off the list price among the price
   list's discounts for the product's categories or any of their ancestors;
4. otherwise the list price.

Prices here are net (excluding tax), in whole cents: a list price net of tax
is rounded to the cent here, the one place, so a buyer's unit price is money
they can be invoiced. The storefront adds tax for consumers and shows B2B
buyers net prices. Nothing is cached between requests.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from django.utils import timezone
from oscar.core.loading import get_model

from accounting.money import money
from crm.models import Buyer, CategoryDiscount, Company, CompanyAddress, PriceList, PriceListItem
from erp.db.raw_select import Joined, table

ProductCategory = get_model("catalogue", "ProductCategory")


@dataclass(frozen=True)
class PriceQuote:
    list_net: Decimal
    net: Decimal
    source: str  # "list", "price_list" or "category"
    breaks: tuple[tuple[int, Decimal], ...] = ()

    @property
    def is_discounted(self) -> bool:
        return self.net < self.list_net


def company_for(user: Any) -> Company | None:
    """The active company a login buys for, with its price list; None for consumers."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    found = _BUYER.fetch_one(_company_sql(), [user.pk])
    if found is None:
        return None
    _buyer, company, price_list = found
    company.price_list = price_list
    return company


# every storefront request and API call of a logged-in customer asks this, so
# it is one hand-written SELECT (erp.db.raw_select), as select_related would read it
_BUYER = Joined(((Buyer, "b"), (Company, "c"), (PriceList, "pl")))


@cache
def _company_sql() -> str:
    return (
        f"SELECT {_BUYER.columns} FROM {table(Buyer)} b "  # noqa: S608
        f"JOIN {table(Company)} c ON c.id = b.company_id "
        f"LEFT JOIN {table(PriceList)} pl ON pl.id = c.price_list_id "
        "WHERE b.user_id = %s AND c.is_active ORDER BY b.id LIMIT 1"
    )


def usable_price_list(company: Company | None, day: date | None = None) -> PriceList | None:
    if company is None or company.price_list is None:
        return None
    day = day or timezone.localdate()
    return company.price_list if company.price_list.is_valid_on(day) else None


def price_quotes(
    *,
    price_list: PriceList | None,
    list_nets: Mapping[int, Decimal],
    quantities: Mapping[int, int] | None = None,
) -> dict[int, PriceQuote]:
    """Net unit prices for many products at once; at most three queries."""
    quantities = quantities or {}
    list_nets = {pid: money(net) for pid, net in list_nets.items()}
    if price_list is None:
        return {pid: PriceQuote(net, net, "list") for pid, net in list_nets.items()}
    ids = list(list_nets)
    items: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for product_id, min_quantity, price in (
        PriceListItem.objects.filter(price_list=price_list, product_id__in=ids)
        .order_by("product_id", "min_quantity")
        .values_list("product_id", "min_quantity", "price")
    ):
        items[product_id].append((min_quantity, price))
    discounts = list(
        CategoryDiscount.objects.filter(price_list=price_list).values_list(
            "category__path", "percent"
        )
    )
    paths: dict[int, list[str]] = defaultdict(list)
    if discounts:
        for product_id, path in ProductCategory.objects.filter(product_id__in=ids).values_list(
            "product_id", "category__path"
        ):
            paths[product_id].append(path)
    quotes = {}
    for product_id, list_net in list_nets.items():
        breaks = tuple(items.get(product_id, ()))
        quantity = quantities.get(product_id, 1)
        fixed = [price for minimum, price in breaks if minimum <= quantity]
        if fixed:
            quotes[product_id] = PriceQuote(list_net, fixed[-1], "price_list", breaks)
            continue
        percent = max(
            (
                pct
                for prefix, pct in discounts
                for path in paths.get(product_id, ())
                if path.startswith(prefix)
            ),
            default=None,
        )
        if percent:
            net = money(list_net * (1 - percent / 100))
            quotes[product_id] = PriceQuote(list_net, net, "category", breaks)
        else:
            quotes[product_id] = PriceQuote(list_net, list_net, "list", breaks)
    return quotes


def companies_of(users: Iterable[Any]) -> dict[int, Company]:
    buyers = Buyer.objects.filter(user__in=list(users)).select_related("company")
    return {buyer.user_id: buyer.company for buyer in buyers}


def company_addresses(company: Company | None, *, kind: str) -> list[CompanyAddress]:
    """The company's billing or shipping addresses (``kind``), for its buyers to pick."""
    if company is None:
        return []
    wanted = {"billing": {"is_billing": True}, "shipping": {"is_shipping": True}}[kind]
    return list(CompanyAddress.objects.filter(company=company, **wanted).select_related("country"))


def company_address_of(company: Company | None, pk: Any, *, kind: str) -> CompanyAddress | None:
    """One of the company's own addresses of that kind, or None: another company's
    address, or one that is not for billing / shipping, is never found."""
    if company is None:
        return None
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return next((a for a in company_addresses(company, kind=kind) if a.pk == pk), None)


def order_address_fields(address: CompanyAddress, company: Company) -> dict[str, str]:
    """The fields of an Oscar address (shipping or billing) copied from a company
    address: the company's name first, then who it is for and the street."""
    return {
        "first_name": "",
        "last_name": company.name[:255],
        "line1": address.line1,
        "line2": address.line2,
        "line3": f"Attn. {address.attention}" if address.attention else "",
        "line4": address.city,
        "state": address.state,
        "postcode": address.postcode,
        "country_id": address.country_id,
    }
