"""Shipping throughput and the postings it makes: 4 worker processes pack and
ship placed orders; each parcel issues stock (a COGS entry per line), an
invoice entry and a card-payment entry, all in the shipping transaction."""

import multiprocessing
import time
from typing import Any

from django.db import connections

from erp.permissions import SYSTEM

WORKERS = 4
ORDERS_PER_WORKER = 30


def _ship(order_ids: list[int], start: Any, results: Any) -> None:
    connections.close_all()
    from oscar.core.loading import get_model

    from inventory.models import Warehouse
    from orders.models import Carrier
    from orders.selectors import line_progress
    from orders.services import shipment_pack, shipment_ship

    Order = get_model("order", "Order")
    carrier = Carrier.objects.get(code="dhl")
    warehouses = {w.pk: w for w in Warehouse.objects.all()}
    orders = list(Order.objects.filter(pk__in=order_ids))
    start.wait()
    began = time.perf_counter()
    for order in orders:
        for warehouse_id in sorted({w for e in line_progress(order) for w in e.allocated}):
            quantities = {e.line.pk: e.allocated.get(warehouse_id, 0) for e in line_progress(order)}
            shipment = shipment_pack(
                user=SYSTEM, order=order, warehouse=warehouses[warehouse_id], quantities=quantities
            )
            shipment_ship(user=SYSTEM, shipment=shipment, carrier=carrier, tracking_number="BENCH")
    results.put(time.perf_counter() - began)
    connections.close_all()


def run() -> list[tuple[str, str, str]]:
    from oscar.core.loading import get_model

    from accounting.models import JournalEntry
    from bench.orders import _baskets, _place
    from inventory.selectors import stock_drift
    from orders.services import order_mark_paid

    Product = get_model("catalogue", "Product")
    Order = get_model("order", "Order")
    products = list(Product.objects.order_by("pk")[10:60])
    baskets = _baskets(
        [[(products[i % len(products)].pk, 1)] for i in range(WORKERS * ORDERS_PER_WORKER)]
    )
    before_orders = set(Order.objects.values_list("pk", flat=True))
    for basket_id in baskets:
        assert _place(basket_id)
    order_ids = sorted(set(Order.objects.values_list("pk", flat=True)) - before_orders)
    for order in Order.objects.filter(pk__in=order_ids):  # bank transfers: the money came
        order_mark_paid(user=SYSTEM, order=order, reference="bench")
    entries_before = JournalEntry.objects.count()
    context = multiprocessing.get_context("fork")
    start = context.Barrier(WORKERS + 1)
    results = context.Queue()
    connections.close_all()
    chunks = [order_ids[i::WORKERS] for i in range(WORKERS)]
    processes = [context.Process(target=_ship, args=(chunk, start, results)) for chunk in chunks]
    for process in processes:
        process.start()
    start.wait()
    began = time.perf_counter()
    for _ in processes:
        results.get(timeout=600)
    elapsed = time.perf_counter() - began
    for process in processes:
        process.join()
    entries = JournalEntry.objects.count() - entries_before
    return [
        (
            f"ship with invoice + postings, {WORKERS} workers",
            f"{len(order_ids) / elapsed:.0f}",
            "parcels/s",
        ),
        ("journal postings while shipping", f"{entries / elapsed:.0f}", "entries/s"),
        ("journal entries per parcel", f"{entries / len(order_ids):.1f}", "entries"),
        ("stock rows drifted after shipping", str(len(stock_drift())), "must be 0"),
    ]
