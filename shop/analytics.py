"""Oscar's analytics counters, moved off the request and out of the order.

Oscar updates its counters synchronously from signal receivers: a write on
every product view, and, on ``order_placed``, inside the order's transaction,
where a concurrent first-purchase race raises IntegrityError and aborts the
order itself. Here product views and basket additions are counted by Celery
tasks enqueued after commit, each in its own transaction; orders are counted
in batches (``orders_count_in_analytics``, beat every minute): placing an
order sends nothing through the broker, and each order is counted exactly once,
in the transaction that marks it counted.
"""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Case, DateTimeField, DecimalField, F, IntegerField, Value, When
from django.db.models.functions import Greatest
from oscar.apps.analytics import receivers as oscar_receivers
from oscar.apps.basket.signals import basket_addition
from oscar.apps.catalogue.signals import product_viewed
from oscar.apps.order.signals import order_placed
from oscar.apps.search.signals import user_search
from oscar.core.loading import get_model

from erp.services.locks import advisory_xact_lock

Order = get_model("order", "Order")
OrderLine = get_model("order", "Line")
ProductRecord = get_model("analytics", "ProductRecord")
UserRecord = get_model("analytics", "UserRecord")

ORDERS_PER_BATCH = 500
_BATCH_LOCK = (0, "shop.analytics.orders")  # one batch at a time: counters in one order


def _user_id(user: Any) -> int | None:
    return user.pk if user is not None and user.is_authenticated else None


def on_product_viewed(sender: Any, product: Any, user: Any, **kwargs: Any) -> None:
    from shop.tasks import record_product_view

    product_id, user_id = product.pk, _user_id(user)
    transaction.on_commit(lambda: record_product_view.delay(product_id, user_id))


def on_basket_addition(sender: Any, product: Any, user: Any, **kwargs: Any) -> None:
    from shop.tasks import record_basket_addition

    product_id, user_id = product.pk, _user_id(user)
    transaction.on_commit(lambda: record_basket_addition.delay(product_id, user_id))


def orders_count_in_analytics(*, limit: int = ORDERS_PER_BATCH) -> int:
    """Add up to ``limit`` orders not yet counted to Oscar's purchase counters
    (per product; per customer: orders, lines, items, spent, last order) and
    mark them counted, in one transaction. Returns how many were counted."""
    with transaction.atomic():
        advisory_xact_lock(owner_id=_BATCH_LOCK[0], key=_BATCH_LOCK[1])
        orders = list(
            Order.objects.filter(counted_in_analytics=False)
            .order_by("pk")
            .select_for_update(skip_locked=True, of=("self",))
            .only("pk", "user_id", "total_incl_tax", "date_placed")[:limit]
        )
        if not orders:
            return 0
        purchases: dict[int, int] = defaultdict(int)
        lines_of: dict[int, int] = defaultdict(int)
        items_of: dict[int, int] = defaultdict(int)
        for order_id, product_id, quantity in OrderLine.objects.filter(
            order_id__in=[order.pk for order in orders]
        ).values_list("order_id", "product_id", "quantity"):
            if product_id is not None:  # a product deleted since
                purchases[product_id] += quantity
            lines_of[order_id] += 1
            items_of[order_id] += quantity
        _add_purchases(purchases)
        _add_customer_orders(orders, lines_of, items_of)
        Order.objects.filter(pk__in=[order.pk for order in orders]).update(
            counted_in_analytics=True
        )
        return len(orders)


def _add_purchases(purchases: dict[int, int]) -> None:
    if not purchases:
        return
    ProductRecord.objects.bulk_create(
        [ProductRecord(product_id=product_id) for product_id in purchases],
        ignore_conflicts=True,
    )
    ProductRecord.objects.filter(product_id__in=list(purchases)).update(
        num_purchases=F("num_purchases")
        + Case(
            *[When(product_id=p, then=Value(n)) for p, n in sorted(purchases.items())],
            output_field=IntegerField(),
        )
    )


def _add_customer_orders(
    orders: list[Any], lines_of: dict[int, int], items_of: dict[int, int]
) -> None:
    totals: dict[int, dict[str, Any]] = {}
    for order in orders:
        if order.user_id is None:
            continue
        total = totals.setdefault(
            order.user_id,
            {"orders": 0, "lines": 0, "items": 0, "spent": Decimal(0), "last": order.date_placed},
        )
        total["orders"] += 1
        total["lines"] += lines_of[order.pk]
        total["items"] += items_of[order.pk]
        total["spent"] += order.total_incl_tax
        total["last"] = max(total["last"], order.date_placed)
    if not totals:
        return
    UserRecord.objects.bulk_create(
        [UserRecord(user_id=user_id) for user_id in totals], ignore_conflicts=True
    )

    def per_user(key: str, field: Any) -> Case:
        return Case(
            *[When(user_id=u, then=Value(t[key])) for u, t in sorted(totals.items())],
            output_field=field,
        )

    UserRecord.objects.filter(user_id__in=list(totals)).update(
        num_orders=F("num_orders") + per_user("orders", IntegerField()),
        num_order_lines=F("num_order_lines") + per_user("lines", IntegerField()),
        num_order_items=F("num_order_items") + per_user("items", IntegerField()),
        total_spent=F("total_spent")
        + per_user("spent", DecimalField(max_digits=12, decimal_places=2)),
        date_last_order=Greatest(F("date_last_order"), per_user("last", DateTimeField())),
    )


def connect() -> None:
    product_viewed.disconnect(oscar_receivers.receive_product_view)
    basket_addition.disconnect(oscar_receivers.receive_basket_addition)
    order_placed.disconnect(oscar_receivers.receive_order_placed)
    user_search.disconnect(oscar_receivers.receive_product_search)
    product_viewed.connect(on_product_viewed, dispatch_uid="kontor-product-viewed")
    basket_addition.connect(on_basket_addition, dispatch_uid="kontor-basket-addition")
