"""Paying suppliers: money out against a posted bill.

Invariants kept here:

- a payment never passes what is still owed on its bill (checked under the
  bill's row lock, so two clerks paying the same bill queue);
- each payment posts Dr Accounts payable / Cr Bank (or Cash) once: ``source``
  is unique, and a payment recorded again with the same source (the bank import
  of the same statement line) answers with the first;
- Accounts payable therefore equals bills posted minus debit notes minus
  payments (``ledger_audit`` checks it).
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F

from accounting.services import AccountingError, business_date, credit, debit, journal_entry_post
from erp.permissions import permission_require
from purchasing import lock_objects
from purchasing.models import SupplierBill, SupplierPayment
from purchasing.permissions import PAYMENT_ADD
from purchasing.services.errors import PurchasingError

CENT = Decimal("0.01")
METHOD_ACCOUNTS: dict[str, str] = {
    SupplierPayment.Method.BANK_TRANSFER: "bank",
    SupplierPayment.Method.CASH: "cash",
}


def supplier_payment_record(
    *,
    user: Any,
    bill: SupplierBill,
    amount: Any,
    day: date | None = None,
    reference: str = "",
    method: str = SupplierPayment.Method.BANK_TRANSFER,
    source: str | None = None,
    bank_line: Any = None,
) -> SupplierPayment:
    """Record money paid to the supplier against ``bill``."""
    permission_require(user, PAYMENT_ADD, doing="pay suppliers")
    try:
        amount = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise PurchasingError("The amount must be a number such as 120.50.") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
        raise PurchasingError("The amount must be above zero, in cents.")
    if method not in METHOD_ACCOUNTS:
        raise PurchasingError(f"Unknown payment method {method!r}.")
    source = (source or f"supplier-payment:{uuid.uuid4().hex}")[:64]
    with transaction.atomic():
        first = SupplierPayment.objects.filter(source=source).first()
        if first is not None:
            return first
        bill = lock_objects.bill_for_update(bill.pk)
        if bill.kind != SupplierBill.Kind.BILL or not bill.is_posted:
            raise PurchasingError(f"{bill.number} is not a posted bill; nothing is owed on it.")
        if amount > bill.balance:
            raise PurchasingError(
                f"{amount} is more than the {bill.balance} still owed on {bill.number}."
            )
        day = day or business_date()
        try:
            entry = journal_entry_post(
                source=source,
                kind="supplier_payment",
                description=f"Payment of {bill.number} ({bill.supplier_reference})",
                postings=[
                    debit("payable", amount, memo=bill.number),
                    credit(METHOD_ACCOUNTS[method], amount, memo=reference[:255]),
                ],
                day=day,
                currency=bill.currency,
                user=user,
            )
        except AccountingError as refused:
            raise PurchasingError(str(refused)) from refused
        assert entry is not None  # the amount is above zero
        payment = SupplierPayment.objects.create(
            supplier_id=bill.supplier_id,
            bill=bill,
            date=day,
            amount=amount,
            currency=bill.currency,
            method=method,
            reference=(reference or "")[:255],
            source=source,
            entry=entry,
            bank_line=bank_line,
            recorded_by=user if getattr(user, "pk", None) else None,
        )
        SupplierBill.objects.filter(pk=bill.pk).update(amount_paid=F("amount_paid") + amount)
        return payment
