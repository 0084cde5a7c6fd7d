"""Reads of the purchasing API: suppliers, supplier items and purchase orders by the
codes, numbers and SKUs clients send, each in a fixed number of queries."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery
from oscar.core.loading import get_model

from inventory.product_codes import normalise_sku
from inventory.selectors import skus_of
from purchasing.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
    SupplierBill,
    SupplierItem,
)

StockRecord = get_model("partner", "StockRecord")


def _clean(code: str) -> str:
    """Codes, numbers and SKUs match without surrounding blanks and case-insensitively;
    NUL never matches (PostgreSQL refuses it in text)."""
    code = code.strip().upper()
    return "" if "\x00" in code else code


def suppliers() -> QuerySet[Supplier]:
    return Supplier.objects.order_by("code")


def supplier_by_code(code: str) -> Supplier | None:
    code = _clean(code)
    return Supplier.objects.filter(code=code).first() if code else None


def supplier_items(supplier: Supplier) -> QuerySet[SupplierItem]:
    """The supplier's items with their products' SKUs (``sku``: the first listing's,
    as ``inventory.selectors.skus_of`` reads it), by SKU."""
    first_listing_sku = Subquery(
        StockRecord.objects.filter(product_id=OuterRef("product_id"))
        .order_by("pk")
        .values("partner_sku")[:1]
    )
    return (
        SupplierItem.objects.filter(supplier=supplier)
        .annotate(sku=first_listing_sku)
        .order_by("sku", "pk")
    )


def supplier_item_read(item: SupplierItem) -> SupplierItem:
    """The item again, as the service left it, with its SKU."""
    return supplier_items(item.supplier).get(pk=item.pk)


def products_by_sku(skus: Iterable[str]) -> dict[str, Any]:
    """Normalised SKU -> product, for those of ``skus`` a listing has (matched by the
    SKU policy, as ``inventory.selectors.product_by_sku`` does); one query."""
    wanted = {sku for sku in (normalise_sku(sku) for sku in skus) if sku and "\x00" not in sku}
    records = StockRecord.objects.filter(partner_sku__in=wanted).select_related("product")
    return {record.partner_sku: record.product for record in records}


def order_lines_by_sku(order: PurchaseOrder) -> dict[str, PurchaseOrderLine]:
    """The order's lines by their products' SKUs (upper case); two queries."""
    lines = list(PurchaseOrderLine.objects.filter(order=order).select_related("product"))
    skus = skus_of(line.product_id for line in lines)
    return {skus.get(line.product_id, "").upper(): line for line in lines}


def with_body(orders: QuerySet[PurchaseOrder]) -> QuerySet[PurchaseOrder]:
    """``orders`` with what their API bodies read: supplier and warehouse joined,
    lines and bills (with their supplier) one query each for a whole page."""
    return orders.select_related("supplier", "warehouse").prefetch_related(
        Prefetch("lines", queryset=PurchaseOrderLine.objects.order_by("pk")),
        Prefetch("bills", queryset=SupplierBill.objects.select_related("supplier").order_by("pk")),
    )


def purchase_orders(
    *,
    status: str | None = None,
    supplier: str | None = None,
    sku: str | None = None,
    origin: str | None = None,
) -> QuerySet[PurchaseOrder]:
    """Purchase orders, newest first; a filter left out (None or empty) does not
    filter, an unknown supplier or SKU matches nothing."""
    orders = PurchaseOrder.objects.order_by("-order_date", "-pk")
    if status:
        orders = orders.filter(status=status)
    if origin:
        orders = orders.filter(origin=origin)
    if supplier:
        orders = orders.filter(supplier__code=_clean(supplier))
    if sku:
        orders = orders.filter(
            Exists(
                PurchaseOrderLine.objects.filter(
                    order=OuterRef("pk"),
                    product__in=StockRecord.objects.filter(partner_sku=normalise_sku(sku)).values(
                        "product_id"
                    ),
                )
            )
        )
    return with_body(orders)


def skus_of_orders(orders: Iterable[PurchaseOrder]) -> dict[int, str]:
    """The SKUs of every product on ``orders`` (lines prefetched); one query."""
    return skus_of({line.product_id for order in orders for line in order.lines.all()})


def purchase_order_by_number(number: str, *, body: bool = True) -> PurchaseOrder | None:
    """The order with this number; ``body=False`` reads only the order, its supplier
    and warehouse (for a write that answers with the order read again)."""
    number = _clean(number)
    if not number:
        return None
    orders = (
        purchase_orders() if body else PurchaseOrder.objects.select_related("supplier", "warehouse")
    )
    return orders.filter(number=number).first()


def purchase_order_read(order: PurchaseOrder) -> PurchaseOrder:
    """The order again, as a service left it, with what its API body reads."""
    return purchase_orders().get(pk=order.pk)
