"""Row locks of inventory, always taken in primary-key order.

Two transactions that lock overlapping stock rows take them in the same order,
so they queue instead of deadlocking. ``of=("self",)`` (``FOR UPDATE OF s``) keeps joined rows
(warehouses, products) unlocked.
"""

from collections.abc import Iterable
from functools import cache

from django.db.models import QuerySet

from erp.db.raw_select import Joined, column, table
from inventory.models import Allocation, ProductCost, Stock, Warehouse
from inventory.selectors import SELLABLE_WAREHOUSE


def stock_rows_for_update(stock_ids: Iterable[int]) -> QuerySet[Stock]:
    return (
        Stock.objects.select_for_update(of=("self",))
        .filter(pk__in=list(stock_ids))
        .select_related("warehouse")
        .order_by("pk")
    )


_STOCK_AND_WAREHOUSE = Joined(((Stock, "s"), (Warehouse, "w")))


@cache
def _sellable_stock_sql() -> str:
    sellable = " AND ".join(f"w.{column(Warehouse, name)} = %s" for name in SELLABLE_WAREHOUSE)
    return (
        f"SELECT {_STOCK_AND_WAREHOUSE.columns} "  # noqa: S608
        f"FROM {table(Stock)} s "
        f"JOIN {table(Warehouse)} w ON w.id = s.warehouse_id "
        f"WHERE s.product_id = ANY(%s) AND {sellable} "
        "ORDER BY s.id FOR UPDATE OF s"
    )


def sellable_stock_for_update(product_ids: Iterable[int]) -> list[Stock]:
    """The stock rows of these products in sellable warehouses (``SELLABLE_WAREHOUSE``), locked,
    with their warehouse; order placement's hot path, so one hand-written SELECT
    (``erp.db.raw_select``) instead of a compiled queryset."""
    locked = []
    for (stock, warehouse), _ in _STOCK_AND_WAREHOUSE.fetch(
        _sellable_stock_sql(),
        [sorted(set(product_ids)), *SELLABLE_WAREHOUSE.values()],
        for_update=True,
    ):
        stock.warehouse = warehouse
        locked.append(stock)
    return locked


def open_allocations_for_update(order_line_ids: Iterable[int]) -> QuerySet[Allocation]:
    return (
        Allocation.objects.select_for_update(of=("self",))
        .filter(order_line_id__in=list(order_line_ids), quantity__gt=0)
        .select_related("stock__warehouse")
        .order_by("pk")
    )


def stock_rows_of_products_for_update(product_ids: list[int]) -> list[tuple[int, int, int]]:
    """(id, product, warehouse) of every stock row of these products, locked."""
    return list(
        Stock.objects.select_for_update()
        .filter(product_id__any=product_ids)
        .order_by("pk")
        .values_list("pk", "product_id", "warehouse_id")
    )


def product_cost_for_update(product_id: int) -> ProductCost:
    cost, _ = ProductCost.objects.get_or_create(product_id=product_id)
    return ProductCost.objects.select_for_update().get(pk=cost.pk)
