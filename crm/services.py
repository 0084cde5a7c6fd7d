"""Writes of crm: price list items and category discounts, B2B companies with their
contacts and buyers, and consumer customer accounts, in bulk (the importers call
these; one call is one transaction).

Invariants kept here (besides the models' own):

- every function checks its permissions first (``permission_require``);
- a price list item is unique per list, product and minimum quantity and a
  category discount per list and category: writing one again updates it (upsert
  on those keys), so the same batch twice leaves the same rows;
- a user buys for at most one company: linking a buyer who buys for another
  company is refused;
- a customer account made here has no usable password: the person sets one with
  "forgot password"; passwords are never taken from elsewhere.

crm is a low layer: it imports no app above it (inventory, orders, purchasing, ...).
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from oscar.core.loading import get_model

from crm.models import Buyer, CategoryDiscount, Company, Contact, PriceListItem
from erp.permissions import permission_require

UserAddress = get_model("address", "UserAddress")

PRICE_LIST_ITEMS_SET = ("crm.add_pricelistitem", "crm.change_pricelistitem")
CATEGORY_DISCOUNTS_SET = ("crm.add_categorydiscount", "crm.change_categorydiscount")
COMPANIES_SAVE = (
    "crm.add_company",
    "crm.change_company",
    "crm.add_contact",
    "crm.change_contact",
    "crm.add_buyer",
)
CUSTOMERS_SAVE = (
    "auth.add_user",
    "auth.change_user",
    "address.add_useraddress",
    "address.change_useraddress",
)
BATCH = 2000


class CrmError(ValueError):
    pass


# -- price lists --------------------------------------------------------------------
@dataclass(frozen=True)
class PriceListItemValues:
    price_list_id: int
    product_id: int
    min_quantity: int
    price: Decimal


def price_list_items_set(*, user: Any, items: Sequence[PriceListItemValues]) -> int:
    """Create or update the fixed prices of ``items``; returns how many were written."""
    permission_require(user, *PRICE_LIST_ITEMS_SET, doing="set price list prices")
    for item in items:
        if item.min_quantity < 1:
            raise CrmError("A minimum quantity is at least 1.")
        if item.price < 0:
            raise CrmError("A price cannot be negative.")
    rows = [
        PriceListItem(
            price_list_id=item.price_list_id,
            product_id=item.product_id,
            min_quantity=item.min_quantity,
            price=item.price,
        )
        for item in items
    ]
    with transaction.atomic():
        PriceListItem.objects.bulk_create(
            rows,
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["price_list", "product", "min_quantity"],
            update_fields=["price"],
        )
    return len(rows)


@dataclass(frozen=True)
class CategoryDiscountValues:
    price_list_id: int
    category_id: int
    percent: Decimal


def category_discounts_set(*, user: Any, discounts: Sequence[CategoryDiscountValues]) -> int:
    """Create or update the category discounts of ``discounts``."""
    permission_require(user, *CATEGORY_DISCOUNTS_SET, doing="set category discounts")
    for discount in discounts:
        if not Decimal(0) <= discount.percent <= Decimal(100):
            raise CrmError("A discount is between 0 and 100 %.")
    rows = [
        CategoryDiscount(
            price_list_id=discount.price_list_id,
            category_id=discount.category_id,
            percent=discount.percent,
        )
        for discount in discounts
    ]
    with transaction.atomic():
        CategoryDiscount.objects.bulk_create(
            rows,
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["price_list", "category"],
            update_fields=["percent"],
        )
    return len(rows)


# -- companies ----------------------------------------------------------------------
@dataclass(frozen=True)
class ContactValues:
    name: str
    role: str = ""
    email: str = ""
    phone: str = ""


@dataclass
class CompanyValues:
    """A company to create (``pk`` None) or update; ``fields`` holds only the values
    to set (an update leaves the others as they are)."""

    pk: int | None
    fields: dict[str, Any]
    contact: ContactValues | None = None
    buyer_user_ids: list[int] = field(default_factory=list)


_COMPANY_FIELDS = {
    "name",
    "tax_id",
    "email",
    "billing_address",
    "payment_terms",
    "credit_limit",
    "price_list_id",
}


def companies_save(*, user: Any, companies: Sequence[CompanyValues]) -> list[Company]:
    """Create or update companies, the contact each names (found by name on the
    company, else created) and the buyers each lists (linked; buyers already on the
    company stay)."""
    permission_require(user, *COMPANIES_SAVE, doing="import companies")
    for values in companies:
        unknown = set(values.fields) - _COMPANY_FIELDS
        if unknown:
            raise CrmError(f"Companies have no field {', '.join(sorted(unknown))}.")
        if values.pk is None and not values.fields.get("name"):
            raise CrmError("A company needs a name.")
        if values.fields.get("payment_terms") not in (None, *Company.Terms.values):
            raise CrmError("Payment terms are 0, 15, 30 or 60 days.")
    saved: list[Company] = []
    with transaction.atomic():
        existing = Company.objects.select_for_update().in_bulk(
            sorted(values.pk for values in companies if values.pk is not None)
        )
        user_ids = sorted({pk for values in companies for pk in values.buyer_user_ids})
        buying = dict(
            Buyer.objects.filter(user_id__in=user_ids).values_list("user_id", "company_id")
        )
        for values in companies:
            company = existing[values.pk] if values.pk is not None else Company()
            for name, value in values.fields.items():
                setattr(company, name, value)
            try:
                company.full_clean(exclude=["price_list"])
            except ValidationError as invalid:
                raise CrmError("; ".join(invalid.messages)) from None
            company.save()
            saved.append(company)
            if values.contact is not None:
                _contact_set(company, values.contact)
            for user_id in values.buyer_user_ids:
                other = buying.get(user_id)
                if other is not None and other != company.pk:
                    raise CrmError("A buyer already buys for another company.")
                if other is None:
                    Buyer.objects.create(user_id=user_id, company=company)
                    buying[user_id] = company.pk
    return saved


def _contact_set(company: Company, values: ContactValues) -> None:
    contact = (
        Contact.objects.filter(company=company, name__iexact=values.name).order_by("pk").first()
    )
    if contact is None:
        contact = Contact(company=company)
    contact.name, contact.role = values.name, values.role
    contact.email, contact.phone = values.email, values.phone
    contact.save()


# -- consumer customers -------------------------------------------------------------
@dataclass(frozen=True)
class AddressValues:
    line1: str
    postcode: str
    city: str
    country_code: str
    line2: str = ""
    phone: str = ""


@dataclass
class CustomerValues:
    """A customer account to create (``pk`` None) or update, and its address (the
    default one is updated, or one is added)."""

    pk: int | None
    email: str
    first_name: str = ""
    last_name: str = ""
    address: AddressValues | None = None


def _username() -> str:
    """Like Oscar's registration: a random name; the person signs in by e-mail."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii").rstrip("=")[:30]


def customers_save(*, user: Any, customers: Sequence[CustomerValues]) -> list[Any]:
    """Create or update consumer customer accounts (no usable password) and their
    default addresses."""
    permission_require(user, *CUSTOMERS_SAVE, doing="import customers")
    user_model = get_user_model()
    country_model = get_model("address", "Country")
    codes = {c.address.country_code for c in customers if c.address is not None}
    countries = country_model.objects.in_bulk(sorted(codes), field_name="iso_3166_1_a2")
    for values in customers:
        if not values.email:
            raise CrmError("A customer needs an e-mail address.")
        if values.address is not None and values.address.country_code not in countries:
            raise CrmError(f"There is no country {values.address.country_code}.")
    saved = []
    with transaction.atomic():
        existing = user_model.objects.select_for_update().in_bulk(
            sorted(values.pk for values in customers if values.pk is not None)
        )
        addresses: dict[int, Any] = {}
        for address in UserAddress.objects.filter(user_id__in=list(existing)).order_by(
            "user_id", "-is_default_for_shipping", "pk"
        ):
            addresses.setdefault(address.user_id, address)
        for values in customers:
            if values.pk is None:
                account = user_model(username=_username(), email=values.email, is_active=True)
                account.set_unusable_password()
            else:
                account = existing[values.pk]
                account.email = values.email
            account.first_name = values.first_name[:150]
            account.last_name = values.last_name[:150]
            account.save()
            saved.append(account)
            if values.address is None:
                continue
            address = addresses.get(account.pk) or UserAddress(
                user=account, is_default_for_shipping=True, is_default_for_billing=True
            )
            given = values.address
            address.first_name, address.last_name = account.first_name, account.last_name
            address.line1, address.line2 = given.line1, given.line2
            address.line4, address.postcode = given.city, given.postcode
            address.country = countries[given.country_code]
            address.phone_number = given.phone
            address.save()
    return saved
