"""Suppliers, their items, and purchase orders from draft to sent or cancelled.

Invariants kept here:

- a purchase order is numbered ``PO-<year>-<6 digits>`` from a gap-free series
  in the transaction that creates it (a refused order gives its number back);
- its lines hold one product each, a whole positive quantity and a unit cost
  that is never negative; a quantity that is not a multiple of the supplier's
  pack size (or below its minimum) is refused unless the caller asks to round up;
- only a draft is changed or sent; sending records the e-mail to the supplier as a side
  effect (``erp.side_effects``, sent exactly once) and the webhook event
  ``purchase_order.sent`` in the same transaction;
- only an order on which nothing has arrived is cancelled;
- every write checks its permission (``purchasing.permissions``) first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounting.services import business_date
from erp.permissions import permission_require
from erp.services.outbox import outbox_events_record
from erp.services.sequences import sequence_next
from erp.side_effects import side_effect_record
from purchasing import lock_objects
from purchasing.models import PurchaseOrder, PurchaseOrderLine, Supplier, SupplierItem
from purchasing.permissions import (
    PURCHASE_ORDER_ADD,
    PURCHASE_ORDER_CHANGE,
    SUPPLIER_ADD,
    SUPPLIER_CHANGE,
    SUPPLIER_ITEM_SET,
)
from purchasing.services.errors import PurchaseOrderState, PurchasingError
from purchasing.webhook_payloads import purchase_order_payload

#: side effect kind of the e-mail that carries a sent order to its supplier
PURCHASE_ORDER_EMAIL = "purchase_order_email"
COST_PLACES = Decimal("0.0001")


def _whole(value: Any, what: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise PurchasingError(f"{what} must be a whole number of at least {minimum}.")
    return value


def _cost(value: Any, what: str = "Unit cost") -> Decimal:
    try:
        cost = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise PurchasingError(f"{what} must be an amount such as 12.50.") from None
    if not cost.is_finite() or cost < 0:
        raise PurchasingError(f"{what} must be an amount of zero or more.")
    if cost != cost.quantize(COST_PLACES):
        raise PurchasingError(f"{what} may have at most 4 decimal places.")
    return cost


def supplier_create(
    *,
    user: Any,
    code: str,
    name: str,
    email: str,
    currency: str = "",
    payment_terms_days: int = 30,
    lead_time_days: int = 14,
    tax_id: str = "",
    address: str = "",
) -> Supplier:
    """A new supplier; its code is upper-cased and must be new."""
    permission_require(user, SUPPLIER_ADD, doing="add suppliers")
    code = (code or "").strip().upper()
    if not code or len(code) > 16 or not code.replace("-", "").replace("_", "").isalnum():
        raise PurchasingError("Supplier code: 1 to 16 letters, digits, - or _.")
    if not (name or "").strip():
        raise PurchasingError("Give the supplier's legal name.")
    try:
        validate_email(email)
    except ValidationError:
        raise PurchasingError(f"{email!r} is not an e-mail address.") from None
    currency = (currency or settings.OSCAR_DEFAULT_CURRENCY).strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise PurchasingError("Currency must be a 3-letter code such as EUR.")
    _whole(payment_terms_days, "Payment terms (days)", minimum=0)
    _whole(lead_time_days, "Lead time (days)", minimum=0)
    try:
        with transaction.atomic():
            return Supplier.objects.create(
                code=code,
                name=name.strip()[:255],
                email=email,
                currency=currency,
                payment_terms_days=payment_terms_days,
                lead_time_days=lead_time_days,
                tax_id=(tax_id or "").strip()[:32],
                address=(address or "").strip(),
            )
    except IntegrityError:
        raise PurchasingError(f"A supplier with code {code} exists already.") from None


def supplier_update(
    *,
    user: Any,
    supplier: Supplier,
    name: str,
    email: str,
    payment_terms_days: int,
    lead_time_days: int,
    tax_id: str = "",
    address: str = "",
    is_active: bool = True,
) -> Supplier:
    """Change a supplier's details. Its code and currency stay: orders, bills and
    the API name it by them. New terms apply to orders drafted from now on."""
    permission_require(user, SUPPLIER_CHANGE, doing="change suppliers")
    if not (name or "").strip():
        raise PurchasingError("Give the supplier's legal name.")
    try:
        validate_email(email)
    except ValidationError:
        raise PurchasingError(f"{email!r} is not an e-mail address.") from None
    _whole(payment_terms_days, "Payment terms (days)", minimum=0)
    _whole(lead_time_days, "Lead time (days)", minimum=0)
    with transaction.atomic():
        supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
        supplier.name = name.strip()[:255]
        supplier.email = email
        supplier.payment_terms_days = payment_terms_days
        supplier.lead_time_days = lead_time_days
        supplier.tax_id = (tax_id or "").strip()[:32]
        supplier.address = (address or "").strip()
        supplier.is_active = bool(is_active)
        supplier.save()
        return supplier


def supplier_item_set(
    *,
    user: Any,
    supplier: Supplier,
    product: Any,
    unit_cost: Any,
    supplier_sku: str = "",
    lead_time_days: int | None = None,
    min_order_quantity: int = 1,
    pack_size: int = 1,
    is_preferred: bool = False,
) -> SupplierItem:
    """Create or update what ``supplier`` sells us of ``product``. Marking it
    preferred takes the mark from the product's other supplier."""
    permission_require(user, SUPPLIER_ITEM_SET, doing="set supplier items")
    cost = _cost(unit_cost)
    if lead_time_days is not None:
        _whole(lead_time_days, "Lead time (days)", minimum=0)
    _whole(min_order_quantity, "Minimum order quantity")
    _whole(pack_size, "Pack size")
    with transaction.atomic():
        if is_preferred:
            SupplierItem.objects.filter(product=product, is_preferred=True).exclude(
                supplier=supplier
            ).update(is_preferred=False)
        item, _ = SupplierItem.objects.update_or_create(
            supplier=supplier,
            product=product,
            defaults={
                "unit_cost": cost,
                "supplier_sku": (supplier_sku or "").strip()[:64],
                "lead_time_days": lead_time_days,
                "min_order_quantity": min_order_quantity,
                "pack_size": pack_size,
                "is_preferred": bool(is_preferred),
            },
        )
        return item


@dataclass(frozen=True)
class PurchaseLineRequest:
    """One line asked for on a new purchase order; no unit cost: the supplier item's."""

    product: Any
    quantity: int
    unit_cost: Decimal | None = None


def _packed(quantity: int, item: SupplierItem | None, title: str, round_to_pack: bool) -> int:
    if item is None:
        return quantity
    wanted = max(quantity, item.min_order_quantity) if round_to_pack else quantity
    if round_to_pack and wanted % item.pack_size:
        wanted += item.pack_size - wanted % item.pack_size
    if wanted < item.min_order_quantity:
        raise PurchasingError(
            f"“{title}”: {item.supplier.code} takes orders of at least "
            f"{item.min_order_quantity} (asked for {quantity})."
        )
    if wanted % item.pack_size:
        lower = wanted - wanted % item.pack_size
        raise PurchasingError(
            f"“{title}” comes in packs of {item.pack_size}: order "
            + (f"{lower} or " if lower else "")
            + f"{lower + item.pack_size} (or ask to round up to full packs)."
        )
    return wanted


def _order_lines(
    supplier: Supplier, lines: Sequence[PurchaseLineRequest], round_to_pack: bool
) -> tuple[list[PurchaseOrderLine], int]:
    """The checked, unsaved lines of an order and the longest lead time among them."""
    if not lines:
        raise PurchasingError("A purchase order needs at least one line.")
    product_ids = [line.product.pk for line in lines]
    if len(set(product_ids)) != len(product_ids):
        raise PurchasingError("Each product may appear on one line only.")
    items = {
        item.product_id: item
        for item in SupplierItem.objects.filter(
            supplier=supplier, product_id__in=product_ids
        ).select_related("supplier")
    }
    rows = []
    lead_time = supplier.lead_time_days
    for line in lines:
        title = line.product.get_title()
        quantity = _whole(line.quantity, f"Quantity of “{title}”")
        item = items.get(line.product.pk)
        if line.unit_cost is not None:
            cost = _cost(line.unit_cost, f"Unit cost of “{title}”")
        elif item is not None:
            cost = item.unit_cost
        else:
            raise PurchasingError(
                f"No unit cost for “{title}”: give one, or add it to {supplier.code}'s items."
            )
        quantity = _packed(quantity, item, title, round_to_pack)
        if item is not None:
            lead_time = max(lead_time, item.effective_lead_time_days)
        rows.append(
            PurchaseOrderLine(
                product=line.product,
                supplier_sku=item.supplier_sku if item else "",
                quantity=quantity,
                unit_cost=cost,
            )
        )
    return rows, lead_time


def purchase_order_create(
    *,
    user: Any,
    supplier: Supplier,
    warehouse: Any,
    lines: Sequence[PurchaseLineRequest],
    expected_date: date | None = None,
    notes: str = "",
    origin: str = PurchaseOrder.Origin.MANUAL,
    round_to_pack: bool = False,
) -> PurchaseOrder:
    """A draft purchase order. Unit costs default from the supplier's items; the
    expected date defaults to today plus the longest lead time of its lines."""
    permission_require(user, PURCHASE_ORDER_ADD, doing="create purchase orders")
    if not supplier.is_active:
        raise PurchasingError(f"Supplier {supplier.code} is inactive.")
    if not warehouse.is_active:
        raise PurchasingError(f"Warehouse {warehouse.code} is closed.")
    if supplier.currency != settings.OSCAR_DEFAULT_CURRENCY:
        raise PurchasingError(
            f"{supplier.code} invoices in {supplier.currency}; purchase orders are kept in "
            f"{settings.OSCAR_DEFAULT_CURRENCY}, the currency of the books."
        )
    if origin not in PurchaseOrder.Origin.values:
        raise PurchasingError(f"Unknown origin {origin!r}.")
    rows, lead_time = _order_lines(supplier, lines, round_to_pack)
    today = business_date()
    expected_date = expected_date or today + timedelta(days=lead_time)
    if expected_date < today:
        raise PurchasingError("The expected date cannot be in the past.")
    with transaction.atomic():
        number = sequence_next(series="PO", year=today.year)
        order = PurchaseOrder.objects.create(
            number=f"PO-{today.year}-{number:06d}",
            supplier=supplier,
            warehouse=warehouse,
            origin=origin,
            currency=supplier.currency,
            order_date=today,
            expected_date=expected_date,
            payment_terms_days=supplier.payment_terms_days,
            notes=(notes or "").strip(),
            created_by=user if getattr(user, "pk", None) else None,
        )
        for row in rows:
            row.order = order
        PurchaseOrderLine.objects.bulk_create(rows)
        return order


def purchase_order_update(
    *,
    user: Any,
    order: PurchaseOrder,
    lines: Sequence[PurchaseLineRequest],
    expected_date: date | None = None,
    notes: str | None = None,
    round_to_pack: bool = False,
) -> PurchaseOrder:
    """Change a draft before it is sent: its lines (replaced as a whole, with the
    same rules as a new order), expected date and notes. A sent order is changed
    by cancelling it and drafting a new one."""
    permission_require(user, PURCHASE_ORDER_CHANGE, doing="change purchase orders")
    with transaction.atomic():
        order = lock_objects.purchase_order_for_update(order.pk)
        if order.status != PurchaseOrder.Status.DRAFT:
            raise PurchaseOrderState(
                f"{order.number} is {order.get_status_display().lower()}; only a draft is "
                "changed (cancel it and draft a new one)."
            )
        rows, lead_time = _order_lines(order.supplier, lines, round_to_pack)
        today = business_date()
        if expected_date is not None and expected_date < today:
            raise PurchasingError("The expected date cannot be in the past.")
        order.expected_date = expected_date or max(
            order.expected_date, today + timedelta(days=lead_time)
        )
        if notes is not None:
            order.notes = notes.strip()
        order.save(update_fields=["expected_date", "notes"])
        PurchaseOrderLine.objects.filter(order=order).delete()
        for row in rows:
            row.order = order
        PurchaseOrderLine.objects.bulk_create(rows)
        return order


def purchase_order_send(*, user: Any, order: PurchaseOrder) -> PurchaseOrder:
    """Draft -> sent: the supplier gets the order as a PDF by e-mail, once."""
    permission_require(user, PURCHASE_ORDER_CHANGE, doing="send purchase orders")
    with transaction.atomic():
        order = lock_objects.purchase_order_for_update(order.pk)
        if order.status != PurchaseOrder.Status.DRAFT:
            raise PurchaseOrderState(
                f"{order.number} is {order.get_status_display().lower()}; only a draft is sent."
            )
        if not order.supplier.email:
            raise PurchasingError(f"{order.supplier.code} has no e-mail address to send to.")
        order.status = PurchaseOrder.Status.SENT
        order.sent_at = timezone.now()
        order.sent_by = user if getattr(user, "pk", None) else None
        order.save(update_fields=["status", "sent_at", "sent_by"])
        side_effect_record(kind=PURCHASE_ORDER_EMAIL, subject=order)
        outbox_events_record(events=[("purchase_order.sent", purchase_order_payload(order))])
        return order


def purchase_order_cancel(*, user: Any, order: PurchaseOrder, reason: str = "") -> PurchaseOrder:
    """Cancel a draft or sent order on which nothing has arrived."""
    permission_require(user, PURCHASE_ORDER_CHANGE, doing="cancel purchase orders")
    with transaction.atomic():
        order = lock_objects.purchase_order_for_update(order.pk)
        if order.status not in {PurchaseOrder.Status.DRAFT, PurchaseOrder.Status.SENT}:
            raise PurchaseOrderState(
                f"{order.number} is {order.get_status_display().lower()}; only an order "
                "on which nothing has arrived can be cancelled."
            )
        order.status = PurchaseOrder.Status.CANCELLED
        order.cancelled_at = timezone.now()
        order.cancel_reason = (reason or "").strip()[:255]
        order.save(update_fields=["status", "cancelled_at", "cancel_reason"])
        return order
