"""Goods arriving against a purchase order, with what it cost to bring them in.

Invariants kept here:

- a receipt is checked and written under the purchase order's row lock, so two
  receipts of the same line (scanner and admin at once) queue, and together
  never pass ``ordered * (1 + PURCHASING_OVER_RECEIPT_TOLERANCE / 100)``;
- stock moves only through ``inventory.services.stock_receive``: on hand, the
  moving average and the entry Dr Inventory / Cr GRNI in one transaction;
- GRNI is credited exactly at the PO price (the line's ``received_value``);
  freight, duty and insurance are allocated to the lines by value or by
  quantity to the cent (largest remainder), raise the goods' cost in the
  moving average and are credited to "freight and duty accrued", not GRNI;
- a receipt sent again with the same idempotency key on the same order answers
  with the first receipt and receives nothing twice;
- the order's status follows its quantities (``order_status_refresh``), and
  ``purchase_order.received`` is recorded for webhooks in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounting.services import business_date, money
from erp.permissions import permission_require
from erp.services.outbox import outbox_batch, outbox_events_record
from erp.services.sequences import sequence_next
from inventory.services import InventoryError, stock_receive
from purchasing import lock_objects
from purchasing.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptCharge,
    ReceiptLine,
)
from purchasing.permissions import RECEIPT_ADD
from purchasing.services.errors import OverReceipt, PurchaseOrderState, PurchasingError
from purchasing.webhook_payloads import receipt_payload

CENT = Decimal("0.01")
# a received order still takes what its over-receipt tolerance allows
RECEIVABLE = {
    PurchaseOrder.Status.SENT,
    PurchaseOrder.Status.PARTIALLY_RECEIVED,
    PurchaseOrder.Status.RECEIVED,
}
COST_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class ReceiptLineRequest:
    product: Any
    quantity: int


@dataclass(frozen=True)
class ChargeRequest:
    """Freight, duty, insurance or other: what it cost to bring the goods in."""

    kind: str
    amount: Decimal


def allowed_quantity(ordered: int) -> int:
    """How many units of a line may arrive in all, with the over-receipt tolerance."""
    tolerance = Decimal(settings.PURCHASING_OVER_RECEIPT_TOLERANCE)
    return int((ordered * (1 + tolerance / 100)).to_integral_value(ROUND_FLOOR))


def charges_allocate(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``total`` over ``weights`` in cents that add up to it exactly
    (largest remainder; equal shares when every weight is zero)."""
    if not weights:
        return []
    if not any(weights):
        weights = [Decimal(1)] * len(weights)
    cents = int((total / CENT).to_integral_value())
    whole = sum(weights)
    exact = [Decimal(cents) * weight / whole for weight in weights]
    shares = [int(share.to_integral_value(ROUND_FLOOR)) for share in exact]
    left = cents - sum(shares)
    by_remainder = sorted(range(len(exact)), key=lambda i: (shares[i] - exact[i], i))
    for index in by_remainder[:left]:
        shares[index] += 1
    return [Decimal(share) * CENT for share in shares]


def order_status_refresh(order: PurchaseOrder, lines: Sequence[PurchaseOrderLine]) -> None:
    """Set a sent order's status from its lines' quantities (caller holds the lock)."""
    if order.status in {PurchaseOrder.Status.DRAFT, PurchaseOrder.Status.CANCELLED}:
        return
    all_received = all(line.received_quantity >= line.quantity for line in lines)
    all_billed = all(line.billed_quantity >= line.received_quantity for line in lines)
    if all_received and all_billed:
        status = PurchaseOrder.Status.BILLED
    elif all_received:
        status = PurchaseOrder.Status.RECEIVED
    elif any(line.received_quantity or line.returned_quantity for line in lines):
        status = PurchaseOrder.Status.PARTIALLY_RECEIVED
    else:
        status = PurchaseOrder.Status.SENT
    if status != order.status:
        order.status = status
        order.save(update_fields=["status"])


def _charges(charges: Sequence[ChargeRequest]) -> list[ReceiptCharge]:
    rows = []
    for charge in charges:
        if charge.kind not in ReceiptCharge.Kind.values:
            raise PurchasingError(
                f"Unknown charge {charge.kind!r}: use " + ", ".join(ReceiptCharge.Kind.values) + "."
            )
        try:
            amount = Decimal(str(charge.amount))
        except (InvalidOperation, ValueError):
            raise PurchasingError(f"The {charge.kind} charge must be an amount.") from None
        if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
            raise PurchasingError(
                f"The {charge.kind} charge must be above zero, in cents (e.g. 45.50)."
            )
        rows.append(ReceiptCharge(kind=charge.kind, amount=amount))
    return rows


def _check_lines(
    order: PurchaseOrder, lines: Sequence[ReceiptLineRequest]
) -> list[tuple[PurchaseOrderLine, int]]:
    by_product = {line.product_id: line for line in lock_objects.order_lines_for_update(order.pk)}
    taken: list[tuple[PurchaseOrderLine, int]] = []
    seen: set[int] = set()
    for request in lines:
        title = request.product.get_title()
        quantity = request.quantity
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            raise PurchasingError(f"Quantity of “{title}” must be a whole number above zero.")
        if request.product.pk in seen:
            raise PurchasingError(f"“{title}” appears twice; put it on one line.")
        seen.add(request.product.pk)
        line = by_product.get(request.product.pk)
        if line is None:
            raise PurchasingError(f"“{title}” is not on {order.number}.")
        allowed = allowed_quantity(line.quantity)
        if line.received_quantity + quantity > allowed:
            tolerance = settings.PURCHASING_OVER_RECEIPT_TOLERANCE
            still = max(allowed - line.received_quantity, 0)
            raise OverReceipt(
                f"“{title}”: {line.quantity} ordered on {order.number}, {line.received_quantity} "
                f"received already; {quantity} more is more than the order allows "
                f"(at most {still} more, with a {tolerance} % over-receipt tolerance)."
            )
        taken.append((line, quantity))
    return taken


def purchase_order_receive(
    *,
    user: Any,
    order: PurchaseOrder,
    lines: Sequence[ReceiptLineRequest],
    charges: Sequence[ChargeRequest] = (),
    basis: str = Receipt.Basis.VALUE,
    idempotency_key: str = "",
) -> Receipt:
    """Goods arrived on ``order`` at its warehouse: stock, books and status in one go."""
    permission_require(user, RECEIPT_ADD, doing="receive goods on purchase orders")
    if not lines:
        raise PurchasingError("Say what arrived: at least one line with a quantity.")
    if basis not in Receipt.Basis.values:
        raise PurchasingError("Charges are allocated by value or by quantity.")
    idempotency_key = (idempotency_key or "").strip()
    if len(idempotency_key) > 255:
        raise PurchasingError("The idempotency key is longer than 255 characters.")
    charge_rows = _charges(charges)
    with transaction.atomic(), outbox_batch():
        order = lock_objects.purchase_order_for_update(order.pk)
        if idempotency_key:
            first = Receipt.objects.filter(order=order, idempotency_key=idempotency_key).first()
            if first is not None:
                first._replayed = True  # type: ignore[attr-defined]
                return first
        if order.status not in RECEIVABLE:
            raise PurchaseOrderState(
                f"{order.number} is {order.get_status_display().lower()}; goods are received "
                "only on a sent order that is not closed."
            )
        taken = _check_lines(order, lines)
        values = [money(quantity * line.unit_cost) for line, quantity in taken]
        weights = (
            values if basis == Receipt.Basis.VALUE else [Decimal(quantity) for _, quantity in taken]
        )
        charges_total = sum((row.amount for row in charge_rows), start=Decimal("0"))
        shares = charges_allocate(charges_total, weights)
        today = business_date()
        receipt = Receipt.objects.create(
            number=f"GR-{today.year}-{sequence_next(series='GR', year=today.year):06d}",
            order=order,
            warehouse=order.warehouse,
            charges_basis=basis,
            charges_total=charges_total,
            idempotency_key=idempotency_key,
            received_at=_received_at(),
            received_by=user if getattr(user, "pk", None) else None,
        )
        for row in charge_rows:
            row.receipt = receipt
        ReceiptCharge.objects.bulk_create(charge_rows)
        for (line, quantity), value, share in zip(taken, values, shares, strict=True):
            try:
                move = stock_receive(
                    product=line.product,
                    warehouse=order.warehouse,
                    quantity=quantity,
                    unit_cost=((value + share) / quantity).quantize(COST_PLACES),
                    value=value + share,
                    landed_charges=share,
                    user=user,
                    reference=f"{order.number} {receipt.number}",
                    occurred_at=receipt.received_at,
                )
            except InventoryError as refused:
                raise PurchasingError(str(refused)) from refused
            ReceiptLine.objects.create(
                receipt=receipt,
                order_line=line,
                quantity=quantity,
                unit_cost=line.unit_cost,
                value=value,
                charges=share,
                stock_move=move,
            )
            PurchaseOrderLine.objects.filter(pk=line.pk).update(
                received_quantity=F("received_quantity") + quantity,
                received_value=F("received_value") + value,
            )
        order_status_refresh(order, list(lock_objects.order_lines_for_update(order.pk)))
        outbox_events_record(events=[("purchase_order.received", receipt_payload(receipt))])
        receipt._replayed = False  # type: ignore[attr-defined]
        return receipt


def _received_at() -> datetime:
    """Now, or midday of the business date while past business is entered."""
    day = business_date()
    if day == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.combine(day, time(12, 0)))
