"""Suppliers: who we buy from, on which terms (``purchasing.services.supplier_create``
and ``supplier_update``).

The code is the key: a row whose code a supplier has updates it (its currency stays:
orders and bills are in it), any other row creates one, unless the new supplier looks
like an existing one (same tax id, same e-mail whatever its case, or a very similar
name: ``data_exchange.duplicates``); that row is reported instead of creating a second
record. E-mails are compared case-insensitively, so a changed case alone is
"unchanged". Tax ids are compacted; EU VAT numbers are checked with python-stdnum.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from django.conf import settings

from data_exchange.duplicates import (
    DuplicateFinder,
    Record,
    normalise_email,
    supplier_records,
    tax_id_key,
)
from data_exchange.kinds.base import CREATE, UNCHANGED, UPDATE, ApplyRefused, Column, Importer, Row
from data_exchange.kinds.common import report_duplicates, to_days, to_email, to_tax_id
from data_exchange.values import to_code, to_currency, to_text
from purchasing.models import Supplier
from purchasing.permissions import SUPPLIER_ADD, SUPPLIER_CHANGE
from purchasing.services import PurchasingError, supplier_create, supplier_update


class SupplierImporter(Importer):
    kind = "suppliers"
    title = "Suppliers"
    doing = "import suppliers"
    permissions = (SUPPLIER_ADD, SUPPLIER_CHANGE)
    columns = [
        Column("code", to_code(16), required=True, help="Short code, e.g. ALPINE; the key."),
        Column("name", to_text(255), required=True, help="Legal name."),
        Column("email", to_email, required=True, help="Purchase orders are e-mailed here."),
        Column("currency", to_currency, help="Three letters; default the shop's. Kept on update."),
        Column("payment_terms_days", to_days, help="Bills are due after this many days; 30."),
        Column("lead_time_days", to_days, help="Days from order to arrival; default 14."),
        Column("tax_id", to_tax_id, help="VAT number with country prefix, e.g. DE136695976."),
    ]

    def plan(self, rows: list[Row]) -> None:
        self.duplicates_in_file(rows, lambda row: row.values.get("code"), "code")
        suppliers = {supplier.code: supplier for supplier in Supplier.objects.all()}
        finder = DuplicateFinder(supplier_records())
        for row in rows:
            values = row.values
            code = values.get("code")
            if not code:
                continue
            if not code.replace("-", "").replace("_", "").isalnum():
                self.problem(row, "code", "A supplier code has letters, digits, - or _ only.")
                continue
            supplier = suppliers.get(code)
            if supplier is None:
                candidate = Record(
                    None,
                    f"row {row.number}",
                    name=values.get("name") or "",
                    email=values.get("email") or "",
                    tax_id=values.get("tax_id") or "",
                )
                matches = finder.find(candidate)
                if matches:
                    column = (
                        "tax_id"
                        if "same tax id" in matches[0].evidence
                        else "email"
                        if "same e-mail" in matches[0].evidence
                        else "name"
                    )
                    report_duplicates(self, row, column, matches, "supplier")
                    continue
                # a second new row of the same supplier in this file is a duplicate too
                finder.add(replace(candidate, pk=-row.number))
                row.action = CREATE
                continue
            row.target = supplier
            currency = values.get("currency")
            if currency and currency != supplier.currency:
                self.problem(
                    row,
                    "currency",
                    f"{code} buys in {supplier.currency}; a supplier's currency stays "
                    "(its orders and bills are in it). Create a new supplier for another one.",
                )
                continue
            row.action = UPDATE if self._differs(values, supplier) else UNCHANGED

    @staticmethod
    def _differs(values: dict[str, Any], supplier: Supplier) -> bool:
        """Whether the row changes the supplier; e-mails compare without case and tax
        ids in their compact form."""
        if normalise_email(values["email"]) != normalise_email(supplier.email):
            return True
        if values["name"] != supplier.name:
            return True
        if "tax_id" in values and (values["tax_id"] or "") != tax_id_key(supplier.tax_id):
            return True
        return any(
            values.get(name) is not None and values[name] != getattr(supplier, name)
            for name in ("payment_terms_days", "lead_time_days")
        )

    def apply(self, rows: list[Row]) -> None:
        for row in rows:
            values = row.values
            try:
                if row.action == CREATE:
                    supplier_create(
                        user=self.user,
                        code=values["code"],
                        name=values["name"],
                        email=values["email"],
                        currency=values.get("currency") or settings.OSCAR_DEFAULT_CURRENCY,
                        payment_terms_days=_or_default(values, "payment_terms_days", 30),
                        lead_time_days=_or_default(values, "lead_time_days", 14),
                        tax_id=values.get("tax_id") or "",
                    )
                else:
                    supplier = row.target
                    email = values["email"]
                    if normalise_email(email) == normalise_email(supplier.email):
                        email = supplier.email  # only the case differs: keep what is stored
                    supplier_update(
                        user=self.user,
                        supplier=supplier,
                        name=values["name"],
                        email=email,
                        payment_terms_days=_or_default(
                            values, "payment_terms_days", supplier.payment_terms_days
                        ),
                        lead_time_days=_or_default(
                            values, "lead_time_days", supplier.lead_time_days
                        ),
                        tax_id=values.get("tax_id", supplier.tax_id) or "",
                        address=supplier.address,
                        is_active=supplier.is_active,
                    )
            except PurchasingError as refused:
                raise ApplyRefused(str(refused), row.number) from None

    def export_rows(self) -> Iterator[dict[str, Any]]:
        for supplier in Supplier.objects.order_by("code").iterator(chunk_size=2000):
            yield {
                "code": supplier.code,
                "name": supplier.name,
                "email": supplier.email,
                "currency": supplier.currency,
                "payment_terms_days": supplier.payment_terms_days,
                "lead_time_days": supplier.lead_time_days,
                "tax_id": supplier.tax_id,
            }


def _or_default(values: dict[str, Any], name: str, default: int) -> int:
    value = values.get(name)
    return default if value is None else int(value)
