"""Outgoing bank statement lines that pay supplier bills.

``accounting.bank`` offers every outgoing line (amount < 0) of an imported
statement to this matcher (registered in ``PurchasingConfig.ready()``). The
line pays a bill when its reference names exactly one of our bills, by our
number (``BILL-2026-000123``, also as banks mangle it: ``bill 2026 000123``,
``BILL2026000123``) or by the supplier's own bill number together with the
supplier (its code or name in the payee or the reference), and the amount does
not exceed what is still owed on it. The payment is recorded by
``supplier_payment_record`` with the line as its bank line and a source derived
from the line's fingerprint, so a line pays once however often its file is
imported. Anything else stays unmatched with the reason, for a person to look at.
"""

import re
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Length, Upper

from accounting.bank import OutgoingMatch
from accounting.models import BankStatementLine
from erp.permissions import PermissionRefused
from purchasing.models import SupplierBill

Outcome = BankStatementLine.Outcome
# BILL-2026-000123, also "bill 2026 000123", "BILL2026000123", "Bill/2026/000123"
BILL_NUMBER = re.compile(r"(?<![A-Z0-9])BILL[\s\-_/]?(\d{4})[\s\-_/]?(\d{6})(?!\d)", re.I)
#: a supplier's bill number shorter than this is too likely to appear by chance
MIN_SUPPLIER_REFERENCE = 3


def _unmatched(note: str) -> OutgoingMatch:
    return OutgoingMatch(Outcome.UNMATCHED, note)


def _words(text: str) -> str:
    """Upper case, every run of other characters one space, padded: for whole-word search."""
    return " " + " ".join(re.split(r"[^0-9A-Z]+", text.upper())).strip() + " "


def _names_supplier(line: BankStatementLine, bill: SupplierBill) -> bool:
    text = _words(f"{line.payer} {line.reference}")
    supplier = bill.supplier
    return _words(supplier.code) in text or _words(supplier.name) in text


def _by_supplier_reference(line: BankStatementLine) -> list[SupplierBill]:
    """Bills whose supplier's own number is a whole word of the reference and
    whose supplier the line names; one query for the candidates."""
    candidates = (
        SupplierBill.objects.filter(kind=SupplierBill.Kind.BILL)
        .annotate(line_reference=Value(line.reference.upper()))
        .filter(
            Q(line_reference__contains=Upper(F("supplier_reference"))),
            Q(supplier_reference__regex=r"[0-9A-Za-z]"),
        )
        .annotate(reference_length=Length("supplier_reference"))
        .filter(reference_length__gte=MIN_SUPPLIER_REFERENCE)
        .select_related("supplier")
        .order_by("pk")
    )
    reference = _words(line.reference)
    return [
        bill
        for bill in candidates
        if _words(bill.supplier_reference) in reference and _names_supplier(line, bill)
    ]


def _bill_named(line: BankStatementLine) -> SupplierBill | OutgoingMatch | None:
    """The one bill the line names, why not, or None when it names none."""
    numbers = sorted(
        {f"BILL-{year}-{serial}" for year, serial in BILL_NUMBER.findall(line.reference)}
    )
    if len(numbers) > 1:
        return _unmatched(f"Several bill numbers ({', '.join(numbers)}); pay them by hand.")
    if numbers:
        bill = (
            SupplierBill.objects.filter(number=numbers[0], kind=SupplierBill.Kind.BILL)
            .select_related("supplier")
            .first()
        )
        return bill or _unmatched(f"No supplier bill {numbers[0]} exists.")
    bills = _by_supplier_reference(line)
    if len(bills) > 1:
        listed = ", ".join(bill.number for bill in bills)
        return _unmatched(f"The reference fits several supplier bills ({listed}); pay by hand.")
    return bills[0] if bills else None


def _refusal(line: BankStatementLine, bill: SupplierBill, amount: Decimal) -> str:
    """Why the line cannot pay ``bill``, or "" when it can."""
    if not bill.is_posted:
        return f"Bill {bill.number} is {bill.get_status_display().lower()}; it is not owed yet."
    if bill.balance <= 0:
        return f"Bill {bill.number} is already paid."
    if bill.currency != line.currency:
        return f"The line is in {line.currency}, bill {bill.number} in {bill.currency}."
    if amount > bill.balance:
        return (
            f"The amount {amount} is larger than the open balance {bill.balance} of {bill.number}."
        )
    return ""


def supplier_payment_match(line: BankStatementLine, user: Any) -> OutgoingMatch | None:
    """Pay the bill an outgoing line names (see the module docstring); None when
    the line names no bill of ours."""
    from purchasing.services import PurchasingError, supplier_payment_record

    found = _bill_named(line)
    if not isinstance(found, SupplierBill):
        return found
    bill = found
    amount = -line.amount
    refusal = _refusal(line, bill, amount)
    if refusal:
        return _unmatched(refusal)
    try:
        with transaction.atomic():
            supplier_payment_record(
                user=user,
                bill=bill,
                amount=amount,
                day=line.date,
                reference=line.reference,
                method="bank_transfer",
                source=f"bank:{line.fingerprint[:40]}",
                bank_line=line,
            )
    except (PurchasingError, PermissionRefused) as refused:
        return _unmatched(f"Could not record the payment for {bill.number}: {refused}")
    theirs = f", their bill {bill.supplier_reference}" if bill.supplier_reference else ""
    return OutgoingMatch(
        Outcome.PAID_OUT, f"Paid to {bill.number} of {bill.supplier.code}{theirs}."
    )
