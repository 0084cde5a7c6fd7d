"""Demo B2B accounts: two companies with their own price lists and terms.

- Alpine Outfitters GmbH: Net 30, a 20,000 EUR credit limit, trade prices
  (fixed prices with quantity breaks on a few products, 10 % off tents).
- Nordwerk Schulbedarf AG: Net 15, a limit just above what it already owes
  (one invoice overdue), over-limit orders go on credit hold; one does.

Companies and price lists are business data and always seeded; the buyers'
logins are demo logins (``erp.demo``), so their orders are placed only when
those logins exist. Idempotent: found again by name, orders skipped once the
buyer has any.
"""

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from oscar.core.loading import get_class, get_model

from crm.models import (
    Buyer,
    CategoryDiscount,
    Company,
    CompanyAddress,
    Contact,
    PriceList,
    PriceListItem,
)
from erp.permissions import SYSTEM
from erp.side_effects import side_effects_unqueued
from inventory.selectors import available_to_promise
from orders import services
from orders.payment_gateways import PaymentMethod
from orders.services.credit import credit_position
from shop.demo.orders import SHIP_AFTER, DemoOrder, _ship, on_day, settle_demo_side_effects

Basket = get_model("basket", "Basket")
Category = get_model("catalogue", "Category")
Country = get_model("address", "Country")
OrderAndItemCharges = get_model("shipping", "OrderAndItemCharges")
Product = get_model("catalogue", "Product")
ShippingAddress = get_model("order", "ShippingAddress")
Selector = get_class("partner.strategy", "Selector")

ALPINE = "Alpine Outfitters GmbH"
NORDWERK = "Nordwerk Schulbedarf AG"


@dataclass(frozen=True)
class B2BDemo:
    """The demo companies, and the buyers whose orders are still to be placed."""

    products: list[Any]
    alpine_buyer: Any  # None: no login, or it has orders already
    nordwerk_buyer: Any
    nordwerk: Company


def seed_b2b_accounts() -> B2BDemo:
    """Create the companies and price lists, and link the buyer logins when they exist."""
    products = _stocked_products()
    alpine_list = _price_list("Trade: Alpine Outfitters", products[:4], "0.80", "TEN", "10")
    nordwerk_list = _price_list("Schools: Nordwerk", products[4:8], "0.85", "SLP", "15")
    alpine = _company(
        ALPINE,
        tax_id="DE811234567",
        address="Alpine Outfitters GmbH\nBergstraße 5\n80331 München\nGermany",
        email="accounts@alpine.example",
        terms=Company.Terms.NET_30,
        limit=Decimal("20000.00"),
        over_limit=Company.OverLimit.REFUSE,
        price_list=alpine_list,
        contact=("Greta Huber", "Purchasing", "greta.huber@alpine.example"),
        addresses=[
            ("Head office", "", "Bergstraße 5", "80331", "München", True, True),
            ("Warehouse Ulm", "Goods receiving", "Lagerstraße 3", "89073", "Ulm", False, True),
        ],
    )
    nordwerk = _company(
        NORDWERK,
        tax_id="DE298765432",
        address="Nordwerk Schulbedarf AG\nHafenweg 9\n20457 Hamburg\nGermany",
        email="buchhaltung@nordwerk.example",
        terms=Company.Terms.NET_15,
        limit=Decimal("100000.00"),  # lowered below once its history is in
        over_limit=Company.OverLimit.HOLD,
        price_list=nordwerk_list,
        contact=("Jens Petersen", "Accounts payable", "jens.petersen@nordwerk.example"),
        addresses=[
            ("Head office", "", "Hafenweg 9", "20457", "Hamburg", True, True),
            ("Schule am Park, Kiel", "Hausmeister", "Parkallee 12", "24105", "Kiel", False, True),
        ],
    )
    alpine_buyer = _buyer("buyer@alpine.example", alpine)
    nordwerk_buyer = _buyer("buyer@nordwerk.example", nordwerk)
    return B2BDemo(
        products=products,
        alpine_buyer=alpine_buyer
        if alpine_buyer is not None and not alpine_buyer.orders.exists()
        else None,
        nordwerk_buyer=nordwerk_buyer
        if nordwerk_buyer is not None and not nordwerk_buyer.orders.exists()
        else None,
        nordwerk=nordwerk,
    )


def b2b_delivered_orders(demo: B2BDemo) -> list[DemoOrder]:
    """The buyers' past orders, shipped and invoiced on their terms; placed by
    ``seed_orders`` among the retail ones, in the order of their days."""
    products, plans = demo.products, []
    if demo.alpine_buyer is not None:
        plans += [
            _delivered(demo.alpine_buyer, products[:3], days_ago=24),
            _delivered(demo.alpine_buyer, products[8:10], days_ago=9),
        ]
    if demo.nordwerk_buyer is not None:
        plans += [
            _delivered(demo.nordwerk_buyer, products[4:6], days_ago=21),  # overdue on Net 15
            _delivered(demo.nordwerk_buyer, products[6:8], days_ago=6),
        ]
    return plans


def seed_b2b_open_orders(demo: B2BDemo) -> int:
    """Today's orders, once the past ones are in: one ready to pick, one past the
    credit limit on hold. Returns how many were placed."""
    placed = 0
    with side_effects_unqueued():
        if demo.alpine_buyer is not None:
            settle_demo_side_effects(_place(demo.alpine_buyer, demo.products[1:2], quantity=6))
            placed += 1
        if demo.nordwerk_buyer is not None:
            nordwerk = demo.nordwerk
            exposure = credit_position(nordwerk).exposure
            nordwerk.credit_limit = (exposure + 250).quantize(Decimal("100")) + 100
            nordwerk.save(update_fields=["credit_limit"])
            held = _place(demo.nordwerk_buyer, demo.products[10:12], quantity=3)
            assert held.status == "Credit hold", held.status  # past the limit: on hold
            settle_demo_side_effects(held)
            placed += 1
    return placed


def _stocked_products() -> list[Any]:
    atp = available_to_promise(Product.objects.values_list("pk", flat=True))
    ids = sorted(pk for pk, units in atp.items() if units > 30)
    return list(Product.objects.filter(pk__in=ids[-12:]).order_by("pk"))


def _price_list(
    name: str, fixed: list[Any], factor: str, category_code: str, percent: str
) -> PriceList:
    price_list, created = PriceList.objects.get_or_create(name=name, defaults={"currency": "EUR"})
    if not created:
        return price_list
    records = {
        record.product_id: record.price
        for product in fixed
        for record in product.stockrecords.all()[:1]
    }
    for product in fixed:
        gross = records[product.pk]
        net = (gross / Decimal("1.19") * Decimal(factor)).quantize(Decimal("0.01"))
        PriceListItem.objects.create(price_list=price_list, product=product, price=net)
        PriceListItem.objects.create(
            price_list=price_list,
            product=product,
            min_quantity=10,
            price=(net * Decimal("0.92")).quantize(Decimal("0.01")),
        )
    category = Category.objects.filter(slug__startswith=_slug_prefix(category_code)).first()
    if category is not None:
        CategoryDiscount.objects.create(
            price_list=price_list, category=category, percent=Decimal(percent)
        )
    return price_list


def _slug_prefix(code: str) -> str:
    return {"TEN": "tents", "SLP": "sleeping"}[code]


def _company(
    name: str,
    *,
    tax_id: str,
    address: str,
    email: str,
    terms: int,
    limit: Decimal,
    over_limit: str,
    price_list: PriceList,
    contact: tuple[str, str, str],
    addresses: list[tuple[str, str, str, str, str, bool, bool]],
) -> Company:
    company, created = Company.objects.get_or_create(
        name=name,
        defaults={
            "tax_id": tax_id,
            "billing_address": address,
            "email": email,
            "payment_terms": terms,
            "credit_limit": limit,
            "over_limit": over_limit,
            "price_list": price_list,
        },
    )
    if created:
        Contact.objects.create(company=company, name=contact[0], role=contact[1], email=contact[2])
        germany = Country.objects.get(pk="DE")
        CompanyAddress.objects.bulk_create(
            CompanyAddress(
                company=company,
                label=label,
                attention=attention,
                line1=line1,
                postcode=postcode,
                city=city,
                country=germany,
                is_billing=is_billing,
                is_shipping=is_shipping,
            )
            for label, attention, line1, postcode, city, is_billing, is_shipping in addresses
        )
    return company


def _buyer(username: str, company: Company) -> Any:
    user = get_user_model().objects.filter(username=username).first()
    if user is not None:
        Buyer.objects.get_or_create(user=user, defaults={"company": company})
    return user


def _place(user: Any, products: list[Any], quantity: int = 2) -> Any:
    basket = Basket.objects.create(owner=user)
    basket.strategy = Selector().strategy(user=user)
    for product in products:
        basket.add_product(product, quantity)
    company = Buyer.objects.select_related("company").get(user=user).company
    city = company.billing_address.splitlines()[2].split(" ", 1)
    address = ShippingAddress(
        first_name=user.first_name,
        last_name=user.last_name,
        line1=company.billing_address.splitlines()[1],
        line4=city[1],
        postcode=city[0],
        country=Country.objects.get(pk="DE"),
    )
    return services.order_place_from_basket(
        basket=basket,
        shipping_address=address,
        user=user,
        shipping_method=OrderAndItemCharges.objects.get(code="standard"),
        channel="b2b",
        payment_method=PaymentMethod.ON_ACCOUNT,
        customer_reference=f"PO-{basket.pk:05d}",  # the buyer's purchase-order number
    )


def _delivered(user: Any, products: list[Any], *, days_ago: int) -> DemoOrder:
    """An on-account order placed ``days_ago``, shipped (invoiced on the terms) the
    next day and delivered."""

    def make() -> Any:
        with on_day(days_ago):
            order = _place(user, products, quantity=4)
        with on_day(days_ago, SHIP_AFTER):
            shipments = _ship(order, random.Random(order.pk))
        for shipment in shipments:
            services.shipment_deliver(user=SYSTEM, shipment=shipment)
        return order

    return DemoOrder(days_ago, make)
