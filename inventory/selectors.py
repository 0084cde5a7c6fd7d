"""Reads of inventory: available-to-promise, stock per warehouse, barcodes, audit.

Available-to-promise (ATP) of a product is the sum over active, sellable
warehouses of ``on_hand - allocated``. It is computed in SQL, for many products
at once, never cached: the storefront shows the same rows the warehouse writes.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from oscar.core.loading import get_model

from inventory.models import Stock, Warehouse
from inventory.product_codes import normalise_barcode, normalise_sku

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")

#: the one definition of a warehouse whose stock is sold: these field values.
#: ``SELLABLE`` is it for the ORM; the hand-written stock lock
#: (``inventory.lock_objects``) builds its WHERE from the same fields.
SELLABLE_WAREHOUSE: dict[str, bool] = {"is_sellable": True, "is_active": True}
SELLABLE = Q(**{f"warehouse__{name}": value for name, value in SELLABLE_WAREHOUSE.items()})
#: a stock row is low when what is free to allocate is at or below its reorder level
LOW = Q(free__lte=F("reorder_level"))
#: nothing free to allocate
OUT = Q(free__lte=0)


def with_free(stock: "QuerySet[Stock]") -> "QuerySet[Stock]":
    """``stock`` with ``free`` (on hand minus allocated) to filter on."""
    return stock.alias(free=F("on_hand") - F("allocated"))


def low_stock_count() -> int:
    """Stock rows at or below their reorder level (the stock list's "Low" filter)."""
    return with_free(Stock.objects.all()).filter(LOW).count()


def available_to_promise(product_ids: Iterable[int]) -> dict[int, int]:
    """ATP for each product id (0 for products with no sellable stock); one query."""
    ids = list(product_ids)
    totals = dict(
        Stock.objects.filter(SELLABLE, product_id__in=ids)
        .values("product_id")
        .annotate(free_units=Sum(F("on_hand") - F("allocated")))
        .values_list("product_id", "free_units")
    )
    return {product_id: totals.get(product_id, 0) for product_id in ids}


def available_to_promise_expression(product: str = "pk") -> Coalesce:
    """ATP as a subquery on ``OuterRef(product)``: ``"pk"`` of a Product queryset,
    ``"product_id"`` of a queryset of rows that point at products."""
    total = (
        Stock.objects.filter(SELLABLE, product_id=OuterRef(product))
        .values("product_id")
        .annotate(free_units=Sum(F("on_hand") - F("allocated")))
        .values("free_units")
    )
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def available_with_sku(product_ids: Iterable[int]) -> dict[int, tuple[str, int]]:
    """(SKU, ATP) of each product that has a listing; one query."""
    rows = (
        StockRecord.objects.filter(product_id__in=list(product_ids))
        .annotate(available=available_to_promise_expression("product_id"))
        .values_list("product_id", "partner_sku", "available")
    )
    return {product_id: (sku, available) for product_id, sku, available in rows}


def warehouse_stock(product_id: int) -> QuerySet[Stock]:
    return (
        Stock.objects.filter(product_id=product_id)
        .select_related("warehouse")
        .order_by("warehouse__priority", "warehouse__code")
    )


def active_warehouses() -> QuerySet[Warehouse]:
    return Warehouse.objects.filter(is_active=True).order_by("priority", "code")


def product_by_barcode(code: str) -> Any | None:
    """The product whose UPC/EAN or SKU is ``code`` (scanners send either; both are
    normalised by the one policy in ``product_codes``)."""
    if "\x00" in (code or ""):
        return None
    barcode = normalise_barcode(code)
    product = Product.objects.filter(upc=barcode).first() if barcode.isdigit() else None
    return product if product is not None else product_by_sku(code)


def on_hand(product_id: int, warehouse_id: int) -> int:
    row = Stock.objects.filter(product_id=product_id, warehouse_id=warehouse_id).first()
    return row.on_hand if row else 0


@dataclass(frozen=True)
class Drift:
    stock_id: int
    product_id: int
    warehouse_code: str
    on_hand: int
    moves_total: int
    allocated: int
    open_allocations: int

    def __str__(self) -> str:
        problems = []
        if self.on_hand != self.moves_total:
            problems.append(f"on_hand {self.on_hand} != sum of moves {self.moves_total}")
        if self.allocated != self.open_allocations:
            problems.append(
                f"allocated {self.allocated} != open allocations {self.open_allocations}"
            )
        return f"stock {self.stock_id} (product {self.product_id} @ {self.warehouse_code}): " + (
            "; ".join(problems)
        )


def stock_drift() -> list[Drift]:
    """Every stock row whose figures disagree with its ledger; empty when all agree."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT s.id, s.product_id, w.code, s.on_hand,
                   COALESCE(m.total, 0), s.allocated, COALESCE(a.total, 0)
            FROM inventory_stock s
            JOIN inventory_warehouse w ON w.id = s.warehouse_id
            LEFT JOIN (SELECT stock_id, SUM(quantity) AS total
                       FROM inventory_stockmove GROUP BY stock_id) m ON m.stock_id = s.id
            LEFT JOIN (SELECT stock_id, SUM(quantity) AS total
                       FROM inventory_allocation GROUP BY stock_id) a ON a.stock_id = s.id
            WHERE s.on_hand <> COALESCE(m.total, 0) OR s.allocated <> COALESCE(a.total, 0)
            ORDER BY s.id
            """
        )
        return [Drift(*row) for row in cursor.fetchall()]


def average_cost(product_id: int) -> Any | None:
    """The moving-average unit cost, or None when the product was never received."""
    from inventory.models import ProductCost

    return (
        ProductCost.objects.filter(product_id=product_id)
        .values_list("average_cost", flat=True)
        .first()
    )


def open_allocations(order_line_ids: Iterable[int]) -> dict[tuple[int, int], int]:
    """Units still allocated, by (order line id, warehouse id)."""
    from inventory.models import Allocation

    rows = (
        Allocation.objects.filter(order_line_id__in=list(order_line_ids), quantity__gt=0)
        .values("order_line_id", "stock__warehouse_id")
        .annotate(open=Sum("quantity"))
        .values_list("order_line_id", "stock__warehouse_id", "open")
    )
    return {(line_id, warehouse_id): quantity for line_id, warehouse_id, quantity in rows}


def stock_valuation() -> Any:
    """What the stock on hand is worth in the books: the sum of product values."""
    from django.db.models import Sum as _Sum
    from django.db.models.functions import Coalesce as _Coalesce

    from inventory.models import ProductCost

    return ProductCost.objects.aggregate(total=_Coalesce(_Sum("value"), Decimal("0")))["total"]


def valuation_drift() -> list[str]:
    """Products whose cost record disagrees with their stock rows (quantity)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.product_id, c.quantity, COALESCE(SUM(s.on_hand), 0)
              FROM inventory_productcost c
              LEFT JOIN inventory_stock s ON s.product_id = c.product_id
             GROUP BY c.product_id, c.quantity
            HAVING c.quantity <> COALESCE(SUM(s.on_hand), 0)
            """
        )
        return [
            f"product {product_id}: costed quantity {costed} != on hand {held}"
            for product_id, costed, held in cursor.fetchall()
        ]


def product_by_sku(sku: str) -> Any | None:
    """The product whose listing has this SKU, or None. The SKU is normalised
    (``product_codes.normalise_sku``: case, blanks and separators do not matter) and
    SKUs are unique, so at most one product matches."""
    sku = normalise_sku(sku)
    if not sku or "\x00" in sku:
        return None
    return Product.objects.filter(
        pk__in=StockRecord.objects.filter(partner_sku=sku).values("product_id")
    ).first()


def product_ids_by_sku(skus: Iterable[str]) -> dict[str, int]:
    """Stored SKU -> product id for those of ``skus`` (already normalised) a listing
    has; one query with the SKUs as one array parameter, however many (imports)."""
    wanted = sorted({sku for sku in skus if sku})
    if not wanted:
        return {}
    return dict(
        StockRecord.objects.filter(partner_sku__any=wanted).values_list("partner_sku", "product_id")
    )


def warehouse_by_code(code: str) -> Warehouse | None:
    """The warehouse with this code (codes are stored upper case), or None."""
    code = code.strip().upper()
    if not code or "\x00" in code:
        return None
    return Warehouse.objects.filter(code=code).first()


def sku_of(product_id: int) -> str:
    """The SKU of the product's first listing ("" when it has none)."""
    return (
        StockRecord.objects.filter(product_id=product_id)
        .order_by("pk")
        .values_list("partner_sku", flat=True)
        .first()
        or ""
    )


def skus_of(product_ids: Iterable[int]) -> dict[int, str]:
    """The SKU of each product's first listing, in one query (missing: no listing)."""
    rows = (
        StockRecord.objects.filter(product_id__in=list(product_ids))
        .order_by("-pk")
        .values_list("product_id", "partner_sku")
    )
    return dict(rows)  # later rows win: the first listing's SKU stays
