"""What a purchase order and a supplier bill look like outside the ERP: the data of
the webhook events ``purchase_order.sent``, ``purchase_order.received`` and
``supplier_bill.posted``, and the body the staff API answers with (the API's
serializers return these dictionaries, so an event and a ``GET`` never differ).

Invariants:

- the payloads are plain JSON: codes and numbers as strings, dates as ISO 8601,
  unit costs as decimal strings with four places (the precision they are stored
  with), amounts as ``{"amount", "currency"}`` rounded once by ``money_json``;
- a product is named by its SKU (its sellable listing's), never by a database id;
- reading a payload costs no query per line or bill when the orders come from
  ``with_payload_data`` (lines with their SKU, bills and the supplier fetched
  together); an order fresh from a service is read with one query per relation.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone
from oscar.core.loading import get_model

from accounting.services import money, money_json
from purchasing.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptCharge,
    ReceiptLine,
    SupplierBill,
)

StockRecord = get_model("partner", "StockRecord")

UNIT_COST_PLACES = Decimal("0.0001")


def unit_cost_json(amount: Decimal) -> str:
    """A unit cost as the API and webhooks show it: ``"12.5000"``."""
    return str(Decimal(amount).quantize(UNIT_COST_PLACES))


def _datetime_json(moment: datetime) -> str:
    """ISO 8601 in the business's time zone, as DRF writes the API's other times."""
    text = timezone.localtime(moment).isoformat()
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text


def line_sku(product: str = "product_id") -> Subquery:
    """The SKU of the product in the field ``product`` of the outer row: its first
    listing's, as ``inventory.selectors.sku_of`` reads it."""
    return Subquery(
        StockRecord.objects.filter(product_id=OuterRef(product))
        .order_by("pk")
        .values("partner_sku")[:1]
    )


def lines_with_sku() -> QuerySet[PurchaseOrderLine]:
    return PurchaseOrderLine.objects.annotate(sku=line_sku()).order_by("pk")


def with_payload_data(orders: QuerySet[PurchaseOrder]) -> QuerySet[PurchaseOrder]:
    """``orders`` with all their payloads read: supplier and warehouse joined, lines
    (with SKUs) and bills fetched in one query each for the whole page."""
    return orders.select_related("supplier", "warehouse").prefetch_related(
        Prefetch("lines", queryset=lines_with_sku()),
        Prefetch("bills", queryset=SupplierBill.objects.order_by("pk")),
    )


def _prefetched(order: PurchaseOrder, relation: str) -> list[Any] | None:
    cache = getattr(order, "_prefetched_objects_cache", {})
    return list(cache[relation]) if relation in cache else None


def _lines(order: PurchaseOrder) -> list[PurchaseOrderLine]:
    lines = _prefetched(order, "lines")
    if lines is None or any(not hasattr(line, "sku") for line in lines):
        lines = list(lines_with_sku().filter(order=order))
    return lines


def _bills(order: PurchaseOrder) -> list[SupplierBill]:
    bills = _prefetched(order, "bills")
    if bills is None:
        bills = list(SupplierBill.objects.filter(order=order).order_by("pk"))
    for bill in bills:
        bill.order = order  # the supplier's code is read through the order in hand
    return bills


def supplier_bill_payload(bill: SupplierBill) -> dict[str, Any]:
    """A bill or debit note: ``status`` is ``matched`` or ``approved`` once posted,
    ``on_hold`` with the ``reasons`` while it waits for approval."""
    order = bill.order
    return {
        "number": bill.number,
        "kind": bill.kind,
        "purchase_order": order.number,
        "supplier": order.supplier.code,
        "supplier_reference": bill.supplier_reference,
        "bill_date": bill.bill_date.isoformat(),
        "due_date": bill.due_date.isoformat(),
        "status": bill.status,
        "reasons": list(bill.hold_reasons),
        "net_total": money_json(bill.net_total, bill.currency),
        "tax_total": money_json(bill.tax_total, bill.currency),
        "total": money_json(bill.total, bill.currency),
    }


def purchase_order_payload(order: PurchaseOrder) -> dict[str, Any]:
    """A purchase order with its lines (ordered, received net of returns, billed)
    and its bills; ``total`` is the sum of the lines' totals, each rounded to cents."""
    lines = _lines(order)
    return {
        "number": order.number,
        "status": order.status,
        "supplier": order.supplier.code,
        "warehouse": order.warehouse.code,
        "expected_date": order.expected_date.isoformat(),
        "origin": order.origin,
        "lines": [
            {
                "sku": line.sku or "",
                "quantity": line.quantity,
                "received_quantity": line.received_quantity,
                "billed_quantity": line.billed_quantity,
                "unit_cost": unit_cost_json(line.unit_cost),
            }
            for line in lines
        ],
        "total": money_json(
            sum((money(line.quantity * line.unit_cost) for line in lines), Decimal("0")),
            order.currency,
        ),
        "bills": [supplier_bill_payload(bill) for bill in _bills(order)],
    }


def receipt_payload(receipt: Receipt) -> dict[str, Any]:
    """Goods received against a purchase order: per line the PO price and the unit cost
    with the landed cost (freight, duty, insurance) allocated to it, which is the
    cost that went into stock; the charges as entered. Two queries."""
    lines = (
        ReceiptLine.objects.filter(receipt=receipt)
        .annotate(sku=line_sku("order_line__product_id"))
        .order_by("pk")
    )
    charges = ReceiptCharge.objects.filter(receipt=receipt).order_by("pk")
    return {
        "number": receipt.number,
        "purchase_order": receipt.order.number,
        "warehouse": receipt.warehouse.code,
        "received_at": _datetime_json(receipt.received_at),
        "basis": receipt.charges_basis,
        "currency": receipt.order.currency,
        "lines": [
            {
                "sku": line.sku or "",
                "quantity": line.quantity,
                "unit_cost": unit_cost_json(line.unit_cost),
                "landed_unit_cost": unit_cost_json(line.landed_unit_cost),
            }
            for line in lines
        ],
        "charges": [
            {"kind": charge.kind, "amount": str(money(charge.amount))} for charge in charges
        ],
    }
