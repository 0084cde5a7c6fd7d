"""Reads of purchasing: lists with their totals in one query, what is coming
into each warehouse and when, what is owed and when it falls due."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from oscar.core.loading import get_model

from purchasing.models import PurchaseOrder, PurchaseOrderLine, SupplierBill

OPEN = (PurchaseOrder.Status.SENT, PurchaseOrder.Status.PARTIALLY_RECEIVED)
MONEY = DecimalField(max_digits=16, decimal_places=2)


def purchase_order_total_expression() -> Coalesce:
    """Sum of quantity x unit cost over the order's lines (to the cent per line)."""
    total = (
        PurchaseOrderLine.objects.filter(order_id=OuterRef("pk"))
        .values("order_id")
        .annotate(
            amount=Sum(
                ExpressionWrapper(F("quantity") * F("unit_cost"), output_field=MONEY),
            )
        )
        .values("amount")
    )
    return Coalesce(Subquery(total, output_field=MONEY), Value(Decimal("0")), output_field=MONEY)


def purchase_orders_for_list() -> QuerySet[PurchaseOrder]:
    """Orders with supplier, warehouse, their lines (and products) and total."""
    return (
        PurchaseOrder.objects.select_related("supplier", "warehouse")
        .annotate(total_amount=purchase_order_total_expression())
        .prefetch_related(
            Prefetch("lines", queryset=PurchaseOrderLine.objects.order_by("pk")),
            Prefetch("bills", queryset=SupplierBill.objects.order_by("pk")),
        )
        .order_by("-order_date", "-pk")
    )


def open_lines_for(product_id: int, warehouse_id: int) -> QuerySet[PurchaseOrderLine]:
    """Lines still expecting goods of a product at a warehouse, oldest expected first."""
    return (
        PurchaseOrderLine.objects.filter(
            product_id=product_id,
            order__warehouse_id=warehouse_id,
            order__status__in=OPEN,
            received_quantity__lt=F("quantity"),
        )
        .select_related("order", "order__supplier", "product")
        .order_by("order__expected_date", "order_id", "pk")
    )


def _expected_lines() -> QuerySet[PurchaseOrderLine]:
    """Lines of sent orders still bringing goods to a sellable, open warehouse."""
    return PurchaseOrderLine.objects.filter(
        order__status__in=OPEN,
        order__warehouse__is_sellable=True,
        order__warehouse__is_active=True,
        received_quantity__lt=F("quantity"),
    )


def expected_date_expression(product: str = "pk") -> Subquery:
    """The earliest expected date of those lines for the product ``product`` names,
    as an annotation: list pages get it in the query that reads the products."""
    earliest = (
        _expected_lines()
        .filter(product_id=OuterRef(product))
        .order_by("order__expected_date")
        .values("order__expected_date")[:1]
    )
    return Subquery(earliest)


def expected_dates(product_ids: Iterable[int]) -> dict[int, date]:
    """The earliest expected date of a sent order still bringing each product
    (to a sellable warehouse); products with none are missing."""
    rows = (
        _expected_lines()
        .filter(product_id__in=list(product_ids))
        .values("product_id")
        .annotate(expected=Min("order__expected_date"))
    )
    return {row["product_id"]: row["expected"] for row in rows}


def posted_bills() -> QuerySet[SupplierBill]:
    return SupplierBill.objects.filter(
        kind=SupplierBill.Kind.BILL,
        status__in=(SupplierBill.Status.MATCHED, SupplierBill.Status.APPROVED),
    )


def bills_due(by: date) -> QuerySet[SupplierBill]:
    """Posted bills with money still owed, due on or before ``by``, oldest due first."""
    return (
        posted_bills()
        .annotate(open_balance=F("total") - F("amount_paid") - F("amount_credited"))
        .filter(due_date__lte=by, open_balance__gt=0)
        .select_related("supplier", "order")
        .order_by("due_date", "supplier__code", "pk")
    )


# --- the staff screens' reads (incoming goods page, role home pages) ---------


def incoming_lines(
    *, warehouse_id: int | None = None, due_by: date | None = None
) -> QuerySet[PurchaseOrderLine]:
    """Open lines of sent orders with what is still to come (``open_units``)
    and the product's SKU (``sku``), soonest expected first; one query."""
    stock_records = get_model("partner", "StockRecord")
    sku = stock_records.objects.filter(product=OuterRef("product_id")).order_by("pk")
    lines = PurchaseOrderLine.objects.filter(
        order__status__in=OPEN, received_quantity__lt=F("quantity")
    )
    if warehouse_id is not None:
        lines = lines.filter(order__warehouse_id=warehouse_id)
    if due_by is not None:
        lines = lines.filter(order__expected_date__lte=due_by)
    return (
        lines.select_related("order__supplier", "order__warehouse", "product")
        .annotate(
            open_units=F("quantity") - F("received_quantity"),
            sku=Subquery(sku.values("partner_sku")[:1]),
        )
        .order_by("order__expected_date", "order__number", "pk")
    )


def open_orders(
    *, warehouse_id: int | None = None, due_by: date | None = None
) -> QuerySet[PurchaseOrder]:
    """Sent orders still expecting goods (expected by ``due_by``), soonest expected first."""
    orders = PurchaseOrder.objects.filter(status__in=OPEN)
    if warehouse_id is not None:
        orders = orders.filter(warehouse_id=warehouse_id)
    if due_by is not None:
        orders = orders.filter(expected_date__lte=due_by)
    return orders.select_related("supplier", "warehouse").order_by("expected_date", "number")


def purchase_order_counts(*, today: date, due_by: date) -> dict[str, int]:
    """Drafts to send, open orders past their expected date, and open orders
    expected by ``due_by``; one query."""
    return PurchaseOrder.objects.aggregate(
        draft=Count("pk", filter=Q(status=PurchaseOrder.Status.DRAFT)),
        late=Count("pk", filter=Q(status__in=OPEN, expected_date__lt=today)),
        due=Count("pk", filter=Q(status__in=OPEN, expected_date__lte=due_by)),
    )


def bills_on_hold_totals() -> dict[str, tuple[int, Decimal]]:
    """Bills on hold per currency: (how many, their total); one query."""
    rows = (
        SupplierBill.objects.filter(status=SupplierBill.Status.ON_HOLD)
        .values("currency")
        .annotate(bills=Count("pk"), amount=Sum("total"))
        .order_by("currency")
    )
    return {row["currency"]: (row["bills"], row["amount"]) for row in rows}
