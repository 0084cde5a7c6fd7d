"""Supplier bills with a three-way match, their approval, and debit notes for
goods sent back.

Invariants kept here:

- a bill is matched against the purchase order's price and the quantity received
  and not yet billed, under the order's row lock: within
  ``PURCHASING_PRICE_TOLERANCE`` / ``PURCHASING_QUANTITY_TOLERANCE`` (percent) it
  posts at once, otherwise it waits on hold with every reason listed until
  someone with ``purchasing.approve_supplierbill`` approves or rejects it;
- a posted bill's entry is Dr GRNI (the received value it clears, at the PO
  price), Dr or Cr purchase price variance (its net minus that), Dr input VAT,
  Cr Accounts payable (its total); the units billed never pass the units
  received, so GRNI of a line (``received_value - billed_value``) never goes
  negative, and the last unit billed clears exactly what is left of it;
- a supplier's bill number is entered once per supplier (a second one is
  ``DuplicateBill``, also when two clerks race: the unique constraint decides);
- goods sent back leave stock through ``inventory.services`` at the average
  cost; unbilled units take their value back out of GRNI, billed ones out of
  Accounts payable through a debit note (with its input VAT);
- a debit note is set off against the order's bills still owed (their balance
  drops by it); what no bill absorbs the supplier owes us back;
- bills and debit notes are numbered ``BILL-`` / ``DN-<year>-<6 digits>`` from
  gap-free series; posted ones are never edited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounting.services import (
    AccountingError,
    business_date,
    credit,
    debit,
    journal_entry_post,
    money,
)
from erp.permissions import permission_require
from erp.services.outbox import outbox_events_record
from erp.services.sequences import sequence_next
from inventory.services import InventoryError, stock_return_to_supplier
from purchasing import lock_objects
from purchasing.models import PurchaseOrder, PurchaseOrderLine, SupplierBill, SupplierBillLine
from purchasing.permissions import BILL_ADD, BILL_APPROVE
from purchasing.services.errors import DuplicateBill, PurchaseOrderState, PurchasingError
from purchasing.services.receiving import order_status_refresh
from purchasing.webhook_payloads import supplier_bill_payload

COST_PLACES = Decimal("0.0001")
BILLABLE = {
    PurchaseOrder.Status.SENT,
    PurchaseOrder.Status.PARTIALLY_RECEIVED,
    PurchaseOrder.Status.RECEIVED,
}


@dataclass(frozen=True)
class BillLineRequest:
    """One line of the supplier's bill: product, quantity and their unit price (net)."""

    product: Any
    quantity: int
    unit_cost: Decimal
    tax_rate: Decimal | None = None


@dataclass(frozen=True)
class ReturnLineRequest:
    product: Any
    quantity: int


def _decimal(value: Any, what: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise PurchasingError(f"{what} must be a number such as 12.50.") from None
    if not number.is_finite() or number < 0:
        raise PurchasingError(f"{what} must be zero or more.")
    return number


def _tax_rate(value: Any, title: str) -> Decimal:
    rate = _decimal(settings.PURCHASE_TAX_RATE if value is None else value, f"VAT of “{title}”")
    if rate >= 1:
        raise PurchasingError(f"VAT of “{title}” is a fraction: 0.19 for 19 %.")
    return rate


def _quantity(value: Any, title: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise PurchasingError(f"Quantity of “{title}” must be a whole number above zero.")
    return value


def _lines_by_product(order: PurchaseOrder) -> dict[int, PurchaseOrderLine]:
    return {line.product_id: line for line in lock_objects.order_lines_for_update(order.pk)}


def match_reasons(
    line: PurchaseOrderLine, quantity: int, unit_cost: Decimal, title: str
) -> list[str]:
    """Why a bill line does not match its order line and receipts ([] when it does)."""
    reasons = []
    unbilled = line.received_quantity - line.billed_quantity
    quantity_tolerance = Decimal(settings.PURCHASING_QUANTITY_TOLERANCE)
    allowed = int((unbilled * (1 + quantity_tolerance / 100)).to_integral_value(ROUND_FLOOR))
    if quantity > allowed:
        reasons.append(f"“{title}”: billed {quantity}, received and not yet billed {unbilled}.")
    price_tolerance = Decimal(settings.PURCHASING_PRICE_TOLERANCE)
    if line.unit_cost:
        change = (unit_cost - line.unit_cost) / line.unit_cost * 100
        if abs(change) > price_tolerance:
            reasons.append(
                f"“{title}”: price {unit_cost.normalize():f} against "
                f"{line.unit_cost.normalize():f} on the order ({change:+.1f} %, "
                f"tolerance {price_tolerance} %)."
            )
    elif unit_cost:
        reasons.append(f"“{title}”: price {unit_cost} against 0 on the order.")
    return reasons


def _number(series: str, prefix: str, day: date) -> str:
    return f"{prefix}-{day.year}-{sequence_next(series=series, year=day.year):06d}"


def supplier_bill_enter(
    *,
    user: Any,
    order: PurchaseOrder,
    supplier_reference: str,
    bill_date: date,
    lines: Sequence[BillLineRequest],
) -> SupplierBill:
    """Enter the supplier's bill for ``order``: posted when it matches, on hold when not."""
    permission_require(user, BILL_ADD, doing="enter supplier bills")
    reference = (supplier_reference or "").strip()
    if not reference or len(reference) > 64:
        raise PurchasingError("Give the supplier's bill number (at most 64 characters).")
    if not isinstance(bill_date, date):
        raise PurchasingError("Give the bill's date.")
    if bill_date > timezone.localdate():
        raise PurchasingError("The bill's date is in the future.")
    if not lines:
        raise PurchasingError("A bill needs at least one line.")
    with transaction.atomic():
        order = lock_objects.purchase_order_for_update(order.pk)
        existing = SupplierBill.objects.filter(
            supplier=order.supplier, kind=SupplierBill.Kind.BILL, supplier_reference=reference
        ).exclude(status=SupplierBill.Status.REJECTED)
        if first := existing.first():
            raise DuplicateBill(
                f"{order.supplier.code}'s bill {reference} is entered already as {first.number}."
            )
        if order.status not in BILLABLE:
            raise PurchaseOrderState(
                f"{order.number} is {order.get_status_display().lower()}; bills are entered "
                "against sent orders that are not fully billed."
            )
        by_product = _lines_by_product(order)
        rows: list[SupplierBillLine] = []
        reasons: list[str] = []
        seen: set[int] = set()
        for request in lines:
            title = request.product.get_title()
            quantity = _quantity(request.quantity, title)
            unit_cost = _decimal(request.unit_cost, f"Unit price of “{title}”")
            if unit_cost != unit_cost.quantize(COST_PLACES):
                raise PurchasingError(f"Unit price of “{title}”: at most 4 decimal places.")
            rate = _tax_rate(request.tax_rate, title)
            line = by_product.get(request.product.pk)
            if line is None:
                raise PurchasingError(f"“{title}” is not on {order.number}.")
            if line.pk in seen:
                raise PurchasingError(f"“{title}” appears twice; put it on one line.")
            seen.add(line.pk)
            reasons += match_reasons(line, quantity, unit_cost, title)
            net = money(quantity * unit_cost)
            tax = money(net * rate)
            rows.append(
                SupplierBillLine(
                    order_line=line,
                    quantity=quantity,
                    unit_cost=unit_cost,
                    order_unit_cost=line.unit_cost,
                    tax_rate=rate,
                    net=net,
                    tax=tax,
                    total=net + tax,
                )
            )
        net_total = sum((row.net for row in rows), start=Decimal("0"))
        tax_total = sum((row.tax for row in rows), start=Decimal("0"))
        try:
            with transaction.atomic():
                bill = SupplierBill.objects.create(
                    number=_number("BILL", "BILL", business_date()),
                    kind=SupplierBill.Kind.BILL,
                    status=SupplierBill.Status.ON_HOLD if reasons else SupplierBill.Status.MATCHED,
                    supplier=order.supplier,
                    order=order,
                    supplier_reference=reference,
                    bill_date=bill_date,
                    due_date=bill_date + timedelta(days=order.payment_terms_days),
                    currency=order.currency,
                    net_total=net_total,
                    tax_total=tax_total,
                    total=net_total + tax_total,
                    hold_reasons=reasons,
                    created_by=user if getattr(user, "pk", None) else None,
                )
        except IntegrityError:
            raise DuplicateBill(
                f"{order.supplier.code}'s bill {reference} is entered already."
            ) from None
        for row in rows:
            row.bill = bill
        SupplierBillLine.objects.bulk_create(rows)
        if not reasons:
            _post(bill, order, by_product, user)
        return bill


def _post(
    bill: SupplierBill,
    order: PurchaseOrder,
    by_line: dict[int, PurchaseOrderLine],
    user: Any,
) -> None:
    """Post a bill (the caller holds the order's lock and checked the quantities)."""
    lines = {line.pk: line for line in by_line.values()}
    postings = []
    for bill_line in bill.lines.all():
        line = lines[bill_line.order_line_id]
        unbilled = line.received_quantity - line.billed_quantity
        matched = min(bill_line.quantity, unbilled)
        if line.billed_quantity + matched == line.received_quantity:
            cleared = line.received_value - line.billed_value
        else:
            cleared = money(matched * line.unit_cost)
        variance = bill_line.net - cleared
        postings.append(debit("grni", cleared, memo=line.product.get_title()))
        if variance > 0:
            postings.append(debit("purchase_price_variance", variance))
        elif variance < 0:
            postings.append(credit("purchase_price_variance", -variance))
        postings.append(debit("input_tax", bill_line.tax))
        PurchaseOrderLine.objects.filter(pk=line.pk).update(
            billed_quantity=F("billed_quantity") + matched,
            billed_value=F("billed_value") + cleared,
        )
        line.billed_quantity += matched
        line.billed_value += cleared
    postings.append(credit("payable", bill.total, memo=bill.supplier_reference))
    try:
        entry = journal_entry_post(
            source=f"supplier-bill:{bill.pk}",
            kind="supplier_bill",
            description=f"Bill {bill.supplier_reference} from {order.supplier.code} "
            f"({bill.number}, {order.number})",
            postings=postings,
            day=bill.bill_date,
            user=user,
        )
    except AccountingError as refused:
        raise PurchasingError(str(refused)) from refused
    bill.entry = entry
    bill.save(update_fields=["entry"])
    order_status_refresh(order, list(lines.values()))
    outbox_events_record(events=[("supplier_bill.posted", supplier_bill_payload(bill))])


def _held_bill(bill: SupplierBill) -> tuple[PurchaseOrder, SupplierBill]:
    order = lock_objects.purchase_order_for_update(bill.order_id)
    bill = lock_objects.bill_for_update(bill.pk)
    if bill.status != SupplierBill.Status.ON_HOLD:
        raise PurchaseOrderState(
            f"{bill.number} is {bill.get_status_display().lower()}; only a bill on hold "
            "is approved or rejected."
        )
    return order, bill


def supplier_bill_approve(*, user: Any, bill: SupplierBill) -> SupplierBill:
    """Accept a held bill as it is and post it; refused while it bills more than
    has arrived (receive the goods first, or reject it)."""
    permission_require(user, BILL_APPROVE, doing="approve supplier bills")
    with transaction.atomic():
        order, bill = _held_bill(bill)
        by_product = _lines_by_product(order)
        lines = {line.pk: line for line in by_product.values()}
        for bill_line in bill.lines.all():
            line = lines[bill_line.order_line_id]
            unbilled = line.received_quantity - line.billed_quantity
            if bill_line.quantity > unbilled:
                raise PurchasingError(
                    f"“{line.product.get_title()}”: the bill asks for {bill_line.quantity}, "
                    f"only {unbilled} arrived and are not yet billed. Receive the goods first, "
                    "or reject the bill."
                )
        bill.status = SupplierBill.Status.APPROVED
        bill.decided_at = timezone.now()
        bill.decided_by = user if getattr(user, "pk", None) else None
        bill.save(update_fields=["status", "decided_at", "decided_by"])
        _post(bill, order, by_product, user)
        return bill


def supplier_bill_reject(*, user: Any, bill: SupplierBill, reason: str) -> SupplierBill:
    """Refuse a held bill (nothing is posted); the supplier sends a corrected one."""
    permission_require(user, BILL_APPROVE, doing="reject supplier bills")
    reason = (reason or "").strip()
    if not reason:
        raise PurchasingError("Say why the bill is rejected; the supplier will ask.")
    with transaction.atomic():
        _, bill = _held_bill(bill)
        bill.status = SupplierBill.Status.REJECTED
        bill.hold_reasons = [*bill.hold_reasons, f"Rejected: {reason[:200]}"]
        bill.decided_at = timezone.now()
        bill.decided_by = user if getattr(user, "pk", None) else None
        bill.save(update_fields=["status", "hold_reasons", "decided_at", "decided_by"])
        return bill


def _billed_rate(line: PurchaseOrderLine) -> Decimal:
    """The VAT rate the supplier billed this line at (their latest posted bill)."""
    billed = (
        SupplierBillLine.objects.filter(
            order_line=line,
            bill__kind=SupplierBill.Kind.BILL,
            bill__status__in=(SupplierBill.Status.MATCHED, SupplierBill.Status.APPROVED),
        )
        .order_by("-bill_id")
        .values_list("tax_rate", flat=True)
        .first()
    )
    return billed if billed is not None else _tax_rate(None, "the debit note")


def _set_off(note: SupplierBill, order: PurchaseOrder) -> None:
    """Set the debit note off against the order's posted bills still owed, oldest
    first: what we owe on them drops by it. What is left the supplier owes us back."""
    left = note.total
    bills = (
        SupplierBill.objects.select_for_update(of=("self",))
        .filter(
            order=order,
            kind=SupplierBill.Kind.BILL,
            status__in=(SupplierBill.Status.MATCHED, SupplierBill.Status.APPROVED),
        )
        .order_by("pk")
    )
    for bill in bills:
        if left <= 0:
            break
        applied = min(left, bill.balance)
        if applied <= 0:
            continue
        SupplierBill.objects.filter(pk=bill.pk).update(
            amount_credited=F("amount_credited") + applied
        )
        note.amount_credited += applied
        note.credits = note.credits or bill
        left -= applied


def supplier_return(
    *,
    user: Any,
    order: PurchaseOrder,
    lines: Sequence[ReturnLineRequest],
    reason: str,
    supplier_reference: str = "",
) -> SupplierBill:
    """Send goods back to the supplier: stock out, GRNI or payables reduced, and a
    debit note that records it (with what the supplier owes us back)."""
    permission_require(user, BILL_ADD, doing="return goods to suppliers")
    reason = (reason or "").strip()
    if not reason:
        raise PurchasingError("Say why the goods go back (damaged, wrong item, ...).")
    if not lines:
        raise PurchasingError("Say what goes back: at least one line with a quantity.")
    with transaction.atomic():
        order = lock_objects.purchase_order_for_update(order.pk)
        if order.status in {PurchaseOrder.Status.DRAFT, PurchaseOrder.Status.CANCELLED}:
            raise PurchaseOrderState(f"Nothing has arrived on {order.number}.")
        by_product = _lines_by_product(order)
        today = business_date()
        note = SupplierBill.objects.create(
            number=_number("DN", "DN", today),
            kind=SupplierBill.Kind.DEBIT_NOTE,
            status=SupplierBill.Status.MATCHED,
            supplier=order.supplier,
            order=order,
            supplier_reference=(supplier_reference or "").strip()[:64],
            bill_date=today,
            due_date=today,
            currency=order.currency,
            net_total=Decimal("0"),
            tax_total=Decimal("0"),
            total=Decimal("0"),
            reason=reason[:255],
            created_by=user if getattr(user, "pk", None) else None,
        )
        postings = []
        seen: set[int] = set()
        for request in lines:
            title = request.product.get_title()
            quantity = _quantity(request.quantity, title)
            line = by_product.get(request.product.pk)
            if line is None:
                raise PurchasingError(f"“{title}” is not on {order.number}.")
            if line.pk in seen:
                raise PurchasingError(f"“{title}” appears twice; put it on one line.")
            seen.add(line.pk)
            if quantity > line.received_quantity:
                raise PurchasingError(
                    f"“{title}”: {line.received_quantity} received on {order.number}; "
                    f"{quantity} cannot go back."
                )
            unbilled = line.received_quantity - line.billed_quantity
            from_grni = min(quantity, unbilled)
            from_payable = quantity - from_grni
            if from_grni == unbilled:
                grni_value = line.received_value - line.billed_value
            else:
                grni_value = money(from_grni * line.unit_cost)
            if from_payable and from_payable == line.billed_quantity:
                billed_value = line.billed_value
            else:
                billed_value = money(from_payable * line.unit_cost)
            try:
                move = stock_return_to_supplier(
                    product=line.product,
                    warehouse=order.warehouse,
                    quantity=quantity,
                    supplier_value=grni_value + billed_value,
                    reference=f"{order.number} {note.number}",
                    reason=reason,
                    user=user,
                )
            except InventoryError as refused:
                raise PurchasingError(str(refused)) from refused
            rate = _billed_rate(line) if from_payable else _tax_rate(None, title)
            tax = money(billed_value * rate)
            SupplierBillLine.objects.create(
                bill=note,
                order_line=line,
                quantity=quantity,
                unit_cost=line.unit_cost,
                order_unit_cost=line.unit_cost,
                tax_rate=rate,
                net=billed_value,
                tax=tax,
                total=billed_value + tax,
                stock_move=move,
            )
            PurchaseOrderLine.objects.filter(pk=line.pk).update(
                received_quantity=F("received_quantity") - quantity,
                returned_quantity=F("returned_quantity") + quantity,
                billed_quantity=F("billed_quantity") - from_payable,
                received_value=F("received_value") - grni_value - billed_value,
                billed_value=F("billed_value") - billed_value,
            )
            line.received_quantity -= quantity
            line.returned_quantity += quantity
            line.billed_quantity -= from_payable
            if billed_value:
                postings += [credit("grni", billed_value), credit("input_tax", tax)]
                note.net_total += billed_value
                note.tax_total += tax
        note.total = note.net_total + note.tax_total
        if note.total:
            postings.append(debit("payable", note.total, memo=note.number))
            try:
                note.entry = journal_entry_post(
                    source=f"supplier-debit-note:{note.pk}",
                    kind="supplier_debit_note",
                    description=f"Debit note {note.number} to {order.supplier.code} "
                    f"({order.number})",
                    postings=postings,
                    day=today,
                    user=user,
                )
            except AccountingError as refused:
                raise PurchasingError(str(refused)) from refused
        _set_off(note, order)
        note.save(
            update_fields=["net_total", "tax_total", "total", "entry", "amount_credited", "credits"]
        )
        order_status_refresh(order, list(by_product.values()))
        return note
