"""Row locks of inventory, always taken in primary-key order.

Two transactions that lock overlapping stock rows take them in the same order,
so they queue instead of deadlocking. ``of=("self",)`` keeps joined rows
(warehouses, products) unlocked.
"""

from collections.abc import Iterable

from django.db.models import QuerySet

from inventory.models import Allocation, ProductCost, Stock


def stock_rows_for_update(stock_ids: Iterable[int]) -> QuerySet[Stock]:
    return (
        Stock.objects.select_for_update(of=("self",))
        .filter(pk__in=list(stock_ids))
        .select_related("warehouse")
        .order_by("pk")
    )


def sellable_stock_for_update(product_ids: Iterable[int]) -> QuerySet[Stock]:
    return (
        Stock.objects.select_for_update(of=("self",))
        .filter(
            product_id__in=list(product_ids),
            warehouse__is_sellable=True,
            warehouse__is_active=True,
        )
        .select_related("warehouse")
        .order_by("pk")
    )


def open_allocations_for_update(order_line_ids: Iterable[int]) -> QuerySet[Allocation]:
    return (
        Allocation.objects.select_for_update(of=("self",))
        .filter(order_line_id__in=list(order_line_ids), quantity__gt=0)
        .select_related("stock__warehouse")
        .order_by("pk")
    )


def product_cost_for_update(product_id: int) -> ProductCost:
    cost, _ = ProductCost.objects.get_or_create(product_id=product_id)
    return ProductCost.objects.select_for_update().get(pk=cost.pk)
