"""Receiving against purchase orders: the whole unit of work a scanner or clerk
causes, a 5-line receipt with freight (PO lock, tolerance check, five stock moves
with moving average and Dr Inventory / Cr GRNI / Cr freight accrual entries, the
receipt rows, the status, the webhook event), in one transaction.

(a) one process, receipts one after another; (b) 4 worker processes, each on
its own orders; (c) 4 workers racing on the same orders (they queue on the PO
row lock). Each figure is the median of 3 rounds. Afterwards GRNI in the ledger
must equal the value received and not yet billed, and no line may pass its order.
"""

import multiprocessing
import statistics
import time
from decimal import Decimal
from typing import Any

from django.db import connection, connections, reset_queries
from django.test.utils import CaptureQueriesContext

from erp.permissions import SYSTEM

LINES = 5
RECEIPTS = 60  # per round, sequential
WORKERS = 4
RECEIPTS_PER_WORKER = 30
ROUNDS = 3


def _orders(count: int, units: int) -> list[int]:
    """``count`` sent purchase orders of LINES products, ``units`` of each."""
    from oscar.core.loading import get_model

    from inventory.models import Warehouse
    from purchasing.models import Supplier
    from purchasing.services import PurchaseLineRequest, purchase_order_create, purchase_order_send

    Product = get_model("catalogue", "Product")
    products = list(Product.objects.order_by("pk")[:LINES])
    supplier, _ = Supplier.objects.get_or_create(
        code="BENCH", defaults={"name": "Bench Supplies", "email": "bench@example.com"}
    )
    warehouse = Warehouse.objects.order_by("priority").first()
    ids = []
    for _ in range(count):
        order = purchase_order_create(
            user=SYSTEM,
            supplier=supplier,
            warehouse=warehouse,
            lines=[PurchaseLineRequest(p, units, Decimal("12.3400")) for p in products],
        )
        ids.append(purchase_order_send(user=SYSTEM, order=order).pk)
    return ids


def _receive(order_id: int) -> None:
    from purchasing.models import PurchaseOrder
    from purchasing.services import ChargeRequest, ReceiptLineRequest, purchase_order_receive

    order = PurchaseOrder.objects.get(pk=order_id)
    products = [line.product for line in order.lines.select_related("product")]
    purchase_order_receive(
        user=SYSTEM,
        order=order,
        lines=[ReceiptLineRequest(product, 2) for product in products],
        charges=[ChargeRequest("freight", Decimal("7.50"))],
    )


def _worker(order_ids: list[int], receipts: int, start: Any, results: Any) -> None:
    connections.close_all()
    start.wait()
    began = time.perf_counter()
    for index in range(receipts):
        _receive(order_ids[index % len(order_ids)])
    results.put(time.perf_counter() - began)
    connections.close_all()


def _parallel(order_sets: list[list[int]]) -> float:
    context = multiprocessing.get_context("fork")
    start = context.Barrier(len(order_sets) + 1)
    results = context.Queue()
    connections.close_all()
    processes = [
        context.Process(target=_worker, args=(ids, RECEIPTS_PER_WORKER, start, results))
        for ids in order_sets
    ]
    for process in processes:
        process.start()
    start.wait()
    began = time.perf_counter()
    for _ in processes:
        results.get(timeout=600)
    elapsed = time.perf_counter() - began
    for process in processes:
        process.join()
    return len(order_sets) * RECEIPTS_PER_WORKER / elapsed


def run() -> list[tuple[str, str, str]]:
    from django.core.management import call_command
    from django.db.models import F, Sum

    from accounting.selectors import role_balance
    from purchasing.models import PurchaseOrderLine

    call_command("seed_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    sequential, own, shared = [], [], []
    for _ in range(ROUNDS):
        ids = _orders(RECEIPTS, 2)
        began = time.perf_counter()
        for order_id in ids:
            _receive(order_id)
        sequential.append(RECEIPTS / (time.perf_counter() - began))
        own_orders = _orders(WORKERS * 2, RECEIPTS_PER_WORKER * 2)
        own.append(_parallel([own_orders[i::WORKERS] for i in range(WORKERS)]))
        same = _orders(2, WORKERS * RECEIPTS_PER_WORKER * 2)
        shared.append(_parallel([same for _ in range(WORKERS)]))
    ids = _orders(1, 2)
    reset_queries()  # DEBUG logs every query; a full log would hide new ones
    with CaptureQueriesContext(connection) as queries:
        _receive(ids[0])
    grni_open = PurchaseOrderLine.objects.aggregate(v=Sum("received_value") - Sum("billed_value"))
    over = PurchaseOrderLine.objects.filter(received_quantity__gt=F("quantity")).count()
    return [
        (
            f"receive {LINES}-line PO receipt + freight, 1 process",
            f"{statistics.median(sequential):.0f}",
            "receipts/s",
        ),
        (
            f"receive, {WORKERS} workers on their own POs",
            f"{statistics.median(own):.0f}",
            "receipts/s",
        ),
        (
            f"receive, {WORKERS} workers racing on 2 POs",
            f"{statistics.median(shared):.0f}",
            "receipts/s",
        ),
        (f"queries per {LINES}-line receipt", str(len(queries.captured_queries)), "queries"),
        (
            "GRNI drift (ledger - open receipts)",
            str(-role_balance("grni") - (grni_open["v"] or 0)),
            "must be 0",
        ),
        ("PO lines received past their order", str(over), "must be 0"),
    ]
