"""What purchasing's webhook events carry, built once for the services that
record them and the API that shows the same documents. Money is
``{"amount": "12.50", "currency": "EUR"}``, as everywhere in the API."""

from collections.abc import Mapping
from typing import Any

from accounting.services import money, money_json
from inventory.selectors import skus_of
from purchasing.models import PurchaseOrder, Receipt, SupplierBill


def purchase_order_lines(
    order: PurchaseOrder, skus: Mapping[int, str] | None = None
) -> list[dict[str, Any]]:
    """``skus`` (product id -> SKU) when the caller read them for many orders at once
    (the API's list); read here otherwise."""
    lines = list(order.lines.all())
    if skus is None:
        skus = skus_of(line.product_id for line in lines)
    return [
        {
            "sku": skus.get(line.product_id, ""),
            "quantity": line.quantity,
            "received_quantity": line.received_quantity,
            "billed_quantity": line.billed_quantity,
            "unit_cost": str(line.unit_cost),
        }
        for line in lines
    ]


def purchase_order_payload(
    order: PurchaseOrder, skus: Mapping[int, str] | None = None
) -> dict[str, Any]:
    lines = purchase_order_lines(order, skus)
    total = sum(
        (money(line.quantity * line.unit_cost) for line in order.lines.all()), start=money(0)
    )
    return {
        "number": order.number,
        "status": order.status,
        "supplier": order.supplier.code,
        "warehouse": order.warehouse.code,
        "expected_date": order.expected_date.isoformat(),
        "origin": order.origin,
        "lines": lines,
        "total": money_json(total, order.currency),
    }


def receipt_payload(receipt: Receipt) -> dict[str, Any]:
    order = receipt.order
    lines = list(receipt.lines.select_related("order_line"))
    skus = skus_of(line.order_line.product_id for line in lines)
    return {
        "receipt": receipt.number,
        "purchase_order": order.number,
        "status": order.status,
        "supplier": order.supplier.code,
        "warehouse": receipt.warehouse.code,
        "lines": [
            {
                "sku": skus.get(line.order_line.product_id, ""),
                "quantity": line.quantity,
                "landed_unit_cost": str(line.landed_unit_cost),
            }
            for line in lines
        ],
        "charges": money_json(receipt.charges_total, order.currency),
    }


def supplier_bill_payload(bill: SupplierBill) -> dict[str, Any]:
    return {
        "number": bill.number,
        "kind": bill.kind,
        "status": bill.status,
        "supplier": bill.supplier.code,
        "supplier_reference": bill.supplier_reference,
        "purchase_order": bill.order.number,
        "bill_date": bill.bill_date.isoformat(),
        "due_date": bill.due_date.isoformat(),
        "total": money_json(bill.total, bill.currency),
    }
