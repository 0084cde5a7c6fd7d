"""Reads of the purchasing API: suppliers, supplier items and purchase orders by the
codes, numbers and SKUs clients send, each in a fixed number of queries."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Upper
from oscar.core.loading import get_model

from purchasing.models import PurchaseOrder, PurchaseOrderLine, Supplier, SupplierItem
from purchasing.webhook_payloads import line_sku, lines_with_sku, with_payload_data

StockRecord = get_model("partner", "StockRecord")


def _clean(code: str) -> str:
    """Codes, numbers and SKUs are matched without surrounding blanks, case-insensitively;
    NUL never matches (PostgreSQL refuses it in text)."""
    code = code.strip().upper()
    return "" if "\x00" in code else code


def suppliers() -> QuerySet[Supplier]:
    return Supplier.objects.order_by("code")


def supplier_by_code(code: str) -> Supplier | None:
    code = _clean(code)
    return Supplier.objects.filter(code=code).first() if code else None


def supplier_items(supplier: Supplier) -> QuerySet[SupplierItem]:
    """The supplier's items with their products' SKUs, by SKU."""
    return (
        SupplierItem.objects.filter(supplier=supplier)
        .annotate(sku=line_sku())
        .order_by("sku", "pk")
    )


def supplier_item_with_sku(item: SupplierItem) -> SupplierItem:
    return supplier_items(item.supplier).get(pk=item.pk)


def products_by_sku(skus: Iterable[str]) -> dict[str, Any]:
    """SKU (upper case) -> product, for those of ``skus`` a listing has (case-insensitive,
    the first listing by pk as ``inventory.selectors.product_by_sku`` picks); one query."""
    wanted = {sku for sku in (_clean(sku) for sku in skus) if sku}
    found: dict[str, Any] = {}
    records = (
        StockRecord.objects.annotate(sku_upper=Upper("partner_sku"))
        .filter(sku_upper__in=wanted)
        .select_related("product")
        .order_by("pk")
    )
    for record in records:
        found.setdefault(record.sku_upper, record.product)
    return found


def order_lines_by_sku(order: PurchaseOrder) -> dict[str, PurchaseOrderLine]:
    """The order's lines by their products' SKUs (upper case); one query."""
    return {
        (line.sku or "").upper(): line
        for line in lines_with_sku().filter(order=order).select_related("product")
    }


def purchase_orders(
    *,
    status: str | None = None,
    supplier: str | None = None,
    sku: str | None = None,
    origin: str | None = None,
) -> QuerySet[PurchaseOrder]:
    """Purchase orders, newest first, with what their API bodies read; filters left
    out (None) do not filter, an unknown supplier or SKU matches nothing."""
    orders = PurchaseOrder.objects.order_by("-order_date", "-pk")
    if status:
        orders = orders.filter(status=status)
    if origin:
        orders = orders.filter(origin=origin)
    if supplier is not None:
        orders = orders.filter(supplier__code=_clean(supplier))
    if sku is not None:
        products = StockRecord.objects.annotate(sku_upper=Upper("partner_sku")).filter(
            sku_upper=_clean(sku)
        )
        orders = orders.filter(
            Exists(
                PurchaseOrderLine.objects.filter(
                    order=OuterRef("pk"), product__in=products.values("product_id")
                )
            )
        )
    return with_payload_data(orders)


def purchase_order_by_number(number: str, *, with_body: bool = True) -> PurchaseOrder | None:
    """The order with this number; ``with_body=False`` reads only the order, its
    supplier and warehouse (for a write that answers with a re-read order)."""
    number = _clean(number)
    if not number:
        return None
    orders = (
        purchase_orders()
        if with_body
        else PurchaseOrder.objects.select_related("supplier", "warehouse")
    )
    return orders.filter(number=number).first()


def purchase_order_read(order: PurchaseOrder) -> PurchaseOrder:
    """The order again, as a service left it, with what its API body reads."""
    return purchase_orders().get(pk=order.pk)
