"""B2B companies with a contact and their buyers, one row per company
(``crm.services.companies_save``).

The key is the company name (case and repeated blanks do not matter; a name two
companies share is refused until one is renamed): a row whose name a company has
updates it, any other creates one, unless the new company looks like an existing one
(same tax id, same e-mail whatever its case, or a very similar name: umlauts and
their transliteration, ß and ss, and legal forms like GmbH do not count; a similar
billing address is shown as further evidence): that row is reported instead of
creating a second record.

``contact_*`` describe one contact: the company's contact of that name is updated, or
created; other contacts stay. ``buyer_emails`` lists shop accounts (by e-mail,
separated by ";") that order for the company; they must exist (import them as
customers first) and buy for no other company; buyers already linked stay.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.functions import Lower

from crm.models import Buyer, Company, Contact
from crm.services import COMPANIES_SAVE, CompanyValues, ContactValues, companies_save
from data_exchange.duplicates import (
    DuplicateFinder,
    Record,
    company_records,
    normalise_email,
    tax_id_key,
)
from data_exchange.kinds.base import CREATE, UNCHANGED, UPDATE, ApplyRefused, Column, Importer, Row
from data_exchange.kinds.common import name_lookup_key, report_duplicates, to_email, to_tax_id
from data_exchange.kinds.price_lists import price_lists_named
from data_exchange.values import ValueProblem, to_money, to_text, to_whole

#: columns written to the company itself, and the model field each sets
COMPANY_COLUMNS = {
    "name": "name",
    "tax_id": "tax_id",
    "email": "email",
    "billing_address": "billing_address",
    "payment_terms": "payment_terms",
    "credit_limit": "credit_limit",
}
CONTACT_COLUMNS = ("contact_name", "contact_role", "contact_email", "contact_phone")


def to_terms(text: str) -> int:
    days = to_whole(text, what="number of days")
    if days not in Company.Terms.values:
        raise ValueProblem(
            f"Payment terms are {', '.join(map(str, Company.Terms.values))} days, not “{text}”."
        )
    return days


def to_emails(text: str) -> list[str]:
    return [to_email(part) for part in re.split(r"[;,\s]+", text) if part]


class CompanyImporter(Importer):
    kind = "companies"
    title = "B2B companies"
    doing = "import companies"
    permissions = COMPANIES_SAVE
    columns = [
        Column("name", to_text(255), required=True, help="The key."),
        Column("tax_id", to_tax_id, help="VAT number with country prefix, e.g. DE136695976."),
        Column("email", to_email, required=True, help="Invoices and statements go here."),
        Column("billing_address", str, required=True, help="Lines in one cell."),
        Column("payment_terms", to_terms, help="0, 15, 30 or 60 days; default 30."),
        Column("credit_limit", to_money, help="Default 0 (no credit)."),
        Column("price_list", to_text(128), help="Name of an existing price list; empty: none."),
        Column("contact_name", to_text(255), help="A contact person, by name."),
        Column("contact_role", to_text(128)),
        Column("contact_email", to_email),
        Column("contact_phone", to_text(32)),
        Column("buyer_emails", to_emails, help="Shop accounts ordering for it; ; between."),
    ]

    def plan(self, rows: list[Row]) -> None:
        self.duplicates_in_file(
            rows, lambda row: name_lookup_key(row.values.get("name")) or None, "name"
        )
        companies: dict[str, list[Company]] = {}
        for existing in Company.objects.order_by("pk"):
            companies.setdefault(name_lookup_key(existing.name), []).append(existing)
        price_lists = price_lists_named(self, rows)
        contacts: dict[tuple[int, str], Contact] = {}
        for stored_contact in Contact.objects.order_by("-pk"):
            contacts[(stored_contact.company_id, name_lookup_key(stored_contact.name))] = (
                stored_contact
            )
        emails = {
            normalise_email(email) for row in rows for email in row.values.get("buyer_emails") or []
        }
        accounts: dict[str, list[int]] = {}
        if emails:
            user_model = get_user_model()
            for pk, email in (
                user_model.objects.annotate(email_key=Lower("email"))
                .filter(email_key__in=sorted(emails))
                .values_list("pk", "email")
            ):
                accounts.setdefault(normalise_email(email), []).append(pk)
        buying = dict(Buyer.objects.values_list("user_id", "company_id"))
        finder = DuplicateFinder(company_records())
        for row in rows:
            values = row.values
            if not values.get("name"):
                continue
            named = companies.get(name_lookup_key(values["name"]), [])
            if len(named) > 1:
                self.problem(
                    row,
                    "name",
                    f"{len(named)} companies are named “{values['name']}”; rename one first.",
                )
                continue
            company = named[0] if named else None
            fields = self._fields(row, price_lists)
            contact = self._contact(row)
            buyer_ids = self._buyers(row, accounts, buying, company)
            if fields is None or isinstance(contact, bool) or buyer_ids is None:
                continue
            row.extra.update(fields=fields, contact=contact, buyer_ids=buyer_ids)
            if company is None:
                candidate = Record(
                    None,
                    f"row {row.number}",
                    name=values["name"],
                    email=values.get("email") or "",
                    tax_id=values.get("tax_id") or "",
                    address=values.get("billing_address") or "",
                )
                matches = finder.find(candidate)
                if matches:
                    evidence = matches[0].evidence
                    column = (
                        "tax_id"
                        if "same tax id" in evidence
                        else "email"
                        if "same e-mail" in evidence
                        else "name"
                    )
                    report_duplicates(self, row, column, matches, "company")
                    continue
                finder.add(replace(candidate, pk=-row.number))
                row.action = CREATE
                continue
            row.target = company
            changed = (
                self._company_differs(company, fields)
                or (contact is not None and self._contact_differs(company, contact, contacts))
                or any(buying.get(user_id) != company.pk for user_id in buyer_ids)
            )
            row.action = UPDATE if changed else UNCHANGED

    def _fields(self, row: Row, price_lists: dict[str, Any]) -> dict[str, Any] | None:
        values = row.values
        fields = {
            field: values[column]
            for column, field in COMPANY_COLUMNS.items()
            if column in values and values[column] is not None
        }
        for column, default in (("tax_id", ""), ("payment_terms", 30), ("credit_limit", 0)):
            if column in values and values[column] is None and not row.raw.get(column):
                fields[column] = default
        if "price_list" in values:
            if values["price_list"]:
                price_list = price_lists.get(name_lookup_key(values["price_list"]))
                if price_list is None:
                    return None  # reported by _price_lists
                fields["price_list_id"] = price_list.pk
            else:
                fields["price_list_id"] = None
        return fields

    def _contact(self, row: Row) -> ContactValues | bool | None:
        values = row.values
        if not any(values.get(column) for column in CONTACT_COLUMNS):
            return None
        if not values.get("contact_name"):
            self.problem(
                row,
                "contact_name",
                "Give the contact's name (the other contact columns are filled).",
            )
            return False
        return ContactValues(
            name=" ".join(values["contact_name"].split()),
            role=values.get("contact_role") or "",
            email=values.get("contact_email") or "",
            phone=values.get("contact_phone") or "",
        )

    def _buyers(
        self,
        row: Row,
        accounts: dict[str, list[int]],
        buying: dict[int, int],
        company: Company | None,
    ) -> list[int] | None:
        ids: list[int] = []
        fine = True
        for email in row.values.get("buyer_emails") or []:
            found = accounts.get(normalise_email(email), [])
            if not found:
                self.problem(
                    row,
                    "buyer_emails",
                    f"No shop account has the e-mail {email}; import it as a customer first.",
                )
                fine = False
            elif len(found) > 1:
                self.problem(
                    row,
                    "buyer_emails",
                    f"{len(found)} accounts have the e-mail {email}; merge them first.",
                )
                fine = False
            elif buying.get(found[0]) not in (None, company.pk if company else None):
                self.problem(
                    row,
                    "buyer_emails",
                    f"{email} already buys for another company; a buyer buys for one.",
                )
                fine = False
            else:
                ids.append(found[0])
        return ids if fine else None

    @staticmethod
    def _company_differs(company: Company, fields: dict[str, Any]) -> bool:
        for field, value in fields.items():
            stored = getattr(company, field)
            if field == "email":
                if normalise_email(value) != normalise_email(stored):
                    return True
            elif field == "tax_id":
                if value != tax_id_key(stored):
                    return True
            elif field == "billing_address":
                if value.replace("\r\n", "\n").strip() != stored.replace("\r\n", "\n").strip():
                    return True
            elif value != stored:
                return True
        return False

    @staticmethod
    def _contact_differs(
        company: Company, contact: ContactValues, contacts: dict[tuple[int, str], Contact]
    ) -> bool:
        stored = contacts.get((company.pk, name_lookup_key(contact.name)))
        return stored is None or (stored.role, stored.email, stored.phone) != (
            contact.role,
            contact.email,
            contact.phone,
        )

    def apply(self, rows: list[Row]) -> None:
        batch = []
        for row in rows:
            fields = dict(row.extra["fields"])
            company = row.target
            if (
                company is not None
                and "email" in fields
                and normalise_email(fields["email"]) == normalise_email(company.email)
            ):
                fields["email"] = company.email  # only the case differs: keep it
            batch.append(
                CompanyValues(
                    pk=company.pk if company is not None else None,
                    fields=fields,
                    contact=row.extra["contact"],
                    buyer_user_ids=row.extra["buyer_ids"],
                )
            )
        try:
            companies_save(user=self.user, companies=batch)
        except ValueError as refused:
            raise ApplyRefused(str(refused)) from None

    def export_rows(self) -> Iterator[dict[str, Any]]:
        first_contact: dict[int, Contact] = {}
        for stored_contact in Contact.objects.order_by("pk"):
            first_contact.setdefault(stored_contact.company_id, stored_contact)
        buyers: dict[int, list[str]] = {}
        for company_id, email in Buyer.objects.order_by("user__email").values_list(
            "company_id", "user__email"
        ):
            buyers.setdefault(company_id, []).append(email)
        for company in Company.objects.select_related("price_list").order_by("name", "pk"):
            contact = first_contact.get(company.pk)
            yield {
                "name": company.name,
                "tax_id": company.tax_id,
                "email": company.email,
                "billing_address": company.billing_address,
                "payment_terms": company.payment_terms,
                "credit_limit": company.credit_limit,
                "price_list": company.price_list.name if company.price_list else "",
                "contact_name": contact.name if contact else "",
                "contact_role": contact.role if contact else "",
                "contact_email": contact.email if contact else "",
                "contact_phone": contact.phone if contact else "",
                "buyer_emails": "; ".join(buyers.get(company.pk, [])),
            }
