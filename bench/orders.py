"""Order placement throughput: 8 worker processes calling place_order at once.

(a) orders spread over many products, (b) every order for one hot product with
less stock than orders, so half of them must be refused. Oversells are counted
from the database afterwards and must be 0.
"""

import multiprocessing
import random
import time
from decimal import Decimal
from typing import Any

from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from erp.permissions import SYSTEM

WORKERS = 8
ORDERS_PER_WORKER = 150
HOT_STOCK = WORKERS * ORDERS_PER_WORKER // 2


def _baskets(items_per_basket: list[list[tuple[int, int]]]) -> list[Any]:
    from oscar.core.loading import get_model

    from orders.pricing import Selector

    Basket = get_model("basket", "Basket")
    Product = get_model("catalogue", "Product")
    products = {p.pk: p for p in Product.objects.all()}
    baskets = []
    for items in items_per_basket:
        basket = Basket.objects.create()
        basket.strategy = Selector().strategy()
        for product_id, quantity in items:
            basket.add_product(products[product_id], quantity)
        baskets.append(basket.pk)
    return baskets


def _place(basket_id: int) -> bool:
    from oscar.core.loading import get_model

    from inventory.services import InsufficientStock
    from orders.pricing import Selector
    from orders.services import order_place_from_basket
    from tests.factories import shipping_address

    basket = get_model("basket", "Basket").objects.get(pk=basket_id)
    basket.strategy = Selector().strategy()
    try:
        order_place_from_basket(
            basket=basket, shipping_address=shipping_address(), guest_email="bench@example.com"
        )
    except InsufficientStock:
        return False
    return True


def _worker(basket_ids: list[int], start: Any, results: Any) -> None:
    connections.close_all()
    import django

    django.setup()
    # load baskets before the clock starts
    start.wait()
    began = time.perf_counter()
    placed = sum(_place(basket_id) for basket_id in basket_ids)
    results.put((placed, len(basket_ids), time.perf_counter() - began))
    connections.close_all()


def _run(baskets_per_worker: list[list[int]]) -> tuple[int, int, float]:
    context = multiprocessing.get_context("fork")
    start = context.Barrier(len(baskets_per_worker) + 1)
    results = context.Queue()
    connections.close_all()
    processes = [
        context.Process(target=_worker, args=(ids, start, results)) for ids in baskets_per_worker
    ]
    for process in processes:
        process.start()
    start.wait()
    began = time.perf_counter()
    outcomes = [results.get(timeout=600) for _ in processes]
    elapsed = time.perf_counter() - began
    for process in processes:
        process.join()
    placed = sum(outcome[0] for outcome in outcomes)
    attempted = sum(outcome[1] for outcome in outcomes)
    return placed, attempted, elapsed


def run() -> list[tuple[str, str, str]]:
    from oscar.core.loading import get_model

    from inventory.models import Stock, Warehouse
    from inventory.selectors import available_to_promise, stock_drift
    from inventory.services import stock_count, stock_receive

    Product = get_model("catalogue", "Product")
    Order = get_model("order", "Order")
    warehouse = Warehouse.objects.get(code="BER-1")
    products = list(Product.objects.order_by("pk"))
    for product in products:  # plenty for the spread run
        stock_receive(
            user=SYSTEM, product=product, warehouse=warehouse, quantity=1000, unit_cost=Decimal(5)
        )
    rng = random.Random(7)
    rows = []

    # queries per order, measured on one order placed alone
    (probe,) = _baskets([[(products[0].pk, 1), (products[1].pk, 2)]])
    with CaptureQueriesContext(connection) as queries:
        assert _place(probe)
    rows.append(("place_order: SQL queries (2-line order)", str(len(queries)), "queries/order"))

    spread = [
        _baskets([[(rng.choice(products[2:]).pk, 1)] for _ in range(ORDERS_PER_WORKER)])
        for _ in range(WORKERS)
    ]
    before = Order.objects.count()
    placed, attempted, elapsed = _run(spread)
    assert Order.objects.count() - before == placed == attempted
    rows.append(
        (f"place_order, {WORKERS} workers, many products", f"{placed / elapsed:.0f}", "orders/s")
    )

    hot = products[0]
    # leave exactly HOT_STOCK units free for the hot product, all of them in BER-1
    for row in Stock.objects.filter(product=hot).select_related("warehouse"):
        extra = HOT_STOCK if row.warehouse_id == warehouse.pk else 0
        stock_count(
            user=SYSTEM, product=hot, warehouse=row.warehouse, counted=row.allocated + extra
        )
    assert available_to_promise([hot.pk]) == {hot.pk: HOT_STOCK}
    hot_baskets = [_baskets([[(hot.pk, 1)]] * ORDERS_PER_WORKER) for _ in range(WORKERS)]
    placed, attempted, elapsed = _run(hot_baskets)
    oversold = max(0, placed - HOT_STOCK) + max(0, -available_to_promise([hot.pk])[hot.pk])
    rows.append(
        (
            f"place_order, {WORKERS} workers, one hot product",
            f"{attempted / elapsed:.0f}",
            "orders/s (placed or refused)",
        )
    )
    rows.append(("hot product: orders placed / units available", f"{placed}/{HOT_STOCK}", "orders"))
    rows.append(("oversells", str(oversold), "must be 0"))
    rows.append(("stock rows drifted from the ledger", str(len(stock_drift())), "must be 0"))
    return rows
