"""Consumer customers: shop accounts (Django users) with their default address
(Oscar's ``UserAddress``), written by ``crm.services.customers_save``.

The key is the e-mail address, compared without case: a row whose e-mail an account
has updates it, any other creates one. No password is ever imported: a new account
has an unusable password and the person sets one with "forgot password". A new
customer who looks like an existing one (a very similar name at the same postcode;
umlauts and their transliteration alike) is reported instead of created; an e-mail
that belongs to a staff account, or to several accounts, is refused.

The address columns (``line1, line2, postcode, city, country``, ``phone``) describe the
default address: all of line1, postcode, city and country (two letters, e.g. DE) when
any is given; the phone number is checked for that country and stored as +4930...
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import phonenumbers
from django.contrib.auth import get_user_model
from django.db.models.functions import Lower
from oscar.core.loading import get_model

from crm.services import CUSTOMERS_SAVE, AddressValues, CustomerValues, customers_save
from data_exchange.duplicates import DuplicateFinder, Record, customer_records, normalise_email
from data_exchange.kinds.base import CREATE, UNCHANGED, UPDATE, ApplyRefused, Column, Importer, Row
from data_exchange.kinds.common import report_duplicates, to_email
from data_exchange.kinds.products import chunks
from data_exchange.values import to_code, to_text

Country = get_model("address", "Country")
UserAddress = get_model("address", "UserAddress")

ADDRESS_COLUMNS = ("line1", "line2", "postcode", "city", "country", "phone")
ADDRESS_REQUIRED = ("line1", "postcode", "city", "country")


def phone_clean(text: str, country: str | None) -> str:
    """The number in E.164 (+4930...), or ValueError."""
    try:
        number = phonenumbers.parse(text, country or None)
    except phonenumbers.NumberParseException:
        raise ValueError(f"“{text}” is not a phone number.") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(
            f"“{text}” is not a valid phone number"
            + (f" in {country}" if country and not text.startswith("+") else "")
            + "."
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class CustomerImporter(Importer):
    kind = "customers"
    title = "Customers"
    doing = "import customers"
    permissions = CUSTOMERS_SAVE
    columns = [
        Column("email", to_email, required=True, help="The key; compared without case."),
        Column("first_name", to_text(150)),
        Column("last_name", to_text(150)),
        Column("phone", to_text(32), help="E.g. +49 30 1234567 or 030 1234567 with country."),
        Column("line1", to_text(255), help="Street and number."),
        Column("line2", to_text(255)),
        Column("postcode", to_text(64)),
        Column("city", to_text(255)),
        Column("country", to_code(2), help="Two letters, e.g. DE."),
    ]

    def plan(self, rows: list[Row]) -> None:
        self.duplicates_in_file(
            rows, lambda row: normalise_email(row.values.get("email")) or None, "email"
        )
        emails = sorted({normalise_email(row.values.get("email")) for row in rows} - {""})
        user_model = get_user_model()
        accounts: dict[str, list[Any]] = {}
        for chunk in chunks(emails):
            for found_account in user_model.objects.annotate(email_key=Lower("email")).filter(
                email_key__any=chunk
            ):
                accounts.setdefault(normalise_email(found_account.email), []).append(found_account)
        addresses: dict[int, Any] = {}
        account_ids = [account.pk for found in accounts.values() for account in found]
        for chunk in chunks(account_ids):
            for address in (
                UserAddress.objects.filter(user_id__any=chunk)
                .select_related("country")
                .order_by("user_id", "-is_default_for_shipping", "pk")
            ):
                addresses.setdefault(address.user_id, address)
        countries = set(Country.objects.values_list("iso_3166_1_a2", flat=True))
        finder = DuplicateFinder(customer_records(), people=True)
        for row in rows:
            values = row.values
            email = normalise_email(values.get("email"))
            if not email:
                continue
            address = self._address(row, countries)
            found = accounts.get(email, [])
            if len(found) > 1:
                self.problem(
                    row,
                    "email",
                    f"{len(found)} accounts have the e-mail {values['email']}; merge them first.",
                )
                continue
            account = found[0] if found else None
            if account is not None and account.is_staff:
                self.problem(
                    row,
                    "email",
                    f"{values['email']} belongs to a staff account; customers are imported "
                    "into customer accounts only.",
                )
                continue
            if isinstance(address, bool):
                continue
            row.extra["address"] = address
            if account is None:
                name = f"{values.get('first_name') or ''} {values.get('last_name') or ''}".strip()
                candidate = Record(
                    None,
                    f"row {row.number}",
                    name=name,
                    postcode=address.postcode if address else "",
                )
                matches = finder.find(candidate) if name else []
                if matches:
                    report_duplicates(self, row, "last_name", matches, "customer")
                    continue
                finder.add(replace(candidate, pk=-row.number))
                row.action = CREATE
                continue
            row.target = account
            stored = addresses.get(account.pk)
            changed = any(
                name in values and (values[name] or "") != getattr(account, name)
                for name in ("first_name", "last_name")
            ) or (address is not None and _address_differs(stored, address))
            row.action = UPDATE if changed else UNCHANGED

    def _address(self, row: Row, countries: set[str]) -> AddressValues | bool | None:
        """The row's address, None when it gives none, False when it is incomplete."""
        values = row.values
        if not any(values.get(name) or row.raw.get(name) for name in ADDRESS_COLUMNS):
            return None
        fine = True
        for name in ADDRESS_REQUIRED:
            if not row.raw.get(name):
                self.problem(
                    row, name, "An address needs line1, postcode, city and country; this is empty."
                )
                fine = False
        country = values.get("country")
        if country and country not in countries:
            self.problem(
                row, "country", f"There is no country {country}; write two letters, e.g. DE."
            )
            fine = False
        phone = ""
        if values.get("phone"):
            try:
                phone = phone_clean(values["phone"], country)
            except ValueError as refused:
                self.problem(row, "phone", str(refused))
                fine = False
        if not fine or any(values.get(name) is None for name in ADDRESS_REQUIRED):
            return False
        return AddressValues(
            line1=values["line1"],
            line2=values.get("line2") or "",
            postcode=values["postcode"].upper(),
            city=values["city"],
            country_code=values["country"],
            phone=phone,
        )

    def apply(self, rows: list[Row]) -> None:
        batch = []
        for row in rows:
            values, account = row.values, row.target
            email = values["email"]
            if account is not None and normalise_email(email) == normalise_email(account.email):
                email = account.email
            batch.append(
                CustomerValues(
                    pk=account.pk if account is not None else None,
                    email=email,
                    first_name=_kept(values, "first_name", account),
                    last_name=_kept(values, "last_name", account),
                    address=row.extra["address"],
                )
            )
        try:
            customers_save(user=self.user, customers=batch)
        except ValueError as refused:
            raise ApplyRefused(str(refused)) from None

    def export_rows(self) -> Iterator[dict[str, Any]]:
        addresses: dict[int, Any] = {}
        for address in UserAddress.objects.select_related("country").order_by(
            "user_id", "-is_default_for_shipping", "pk"
        ):
            addresses.setdefault(address.user_id, address)
        accounts = (
            get_user_model()
            .objects.filter(is_staff=False)
            .order_by("email", "pk")
            .values_list("pk", "email", "first_name", "last_name")
        )
        for pk, email, first_name, last_name in accounts.iterator(chunk_size=5000):
            if not email:
                continue
            address = addresses.get(pk)
            yield {
                "email": email,
                "first_name": first_name,
                "last_name": last_name,
                "phone": str(address.phone_number or "") if address else "",
                "line1": address.line1 if address else "",
                "line2": address.line2 if address else "",
                "postcode": address.postcode if address else "",
                "city": address.line4 if address else "",
                "country": address.country.iso_3166_1_a2 if address else "",
            }


def _kept(values: dict[str, Any], name: str, account: Any) -> str:
    if name in values:
        return values[name] or ""
    return getattr(account, name, "") if account is not None else ""


def _address_differs(stored: Any, address: AddressValues) -> bool:
    if stored is None:
        return True
    return (
        stored.line1,
        stored.line2,
        stored.postcode,
        stored.line4,
        stored.country.iso_3166_1_a2,
        str(stored.phone_number or ""),
    ) != (
        address.line1,
        address.line2,
        address.postcode,
        address.city,
        address.country_code,
        address.phone,
    )
