"""Importing a catalogue from CSV: the whole unit of work of ``manage.py import_data``
(read and decode the file, check the header, type every cell, plan every row against
the database, write in one transaction), for 100,000 products with prices,
categories, barcodes, weights and costs, then their opening stock (100,000 stock rows
with stock moves, moving averages and one journal entry).

Each round imports a fresh file of new SKUs (median of 3 rounds); then the last
file again, which must change nothing (all rows unchanged), and its dry run. After
the rounds ``inventory_audit`` and ``ledger_audit`` must agree.
"""

from __future__ import annotations

import io
import statistics
import time

from django.core.management import call_command

from erp.permissions import SYSTEM

PRODUCTS = 100_000
ROUNDS = 3
CATEGORIES = [
    "Tents & Shelters > Dome",
    "Tents & Shelters > Tunnel",
    "Sleeping > Bags",
    "Sleeping > Mats",
    "Cooking > Stoves",
    "Lighting",
]


def _ean13(number: int) -> str:
    digits = f"41{number:010d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return digits + str((10 - total % 10) % 10)


def product_csv(prefix: str, offset: int) -> bytes:
    out = io.StringIO()
    out.write("sku,name,category,price,cost,barcode,weight_kg,length_cm,is_active\n")
    for n in range(PRODUCTS):
        price = f"{10 + n % 90},{n % 100:02d}" if n % 3 == 0 else f"{10 + n % 90}.{n % 100:02d}"
        out.write(
            f"{prefix}-{n:06d},Product {prefix} {n},{CATEGORIES[n % len(CATEGORIES)]},"
            f'"{price}",{5 + n % 40}.25,{_ean13(offset + n)},{n % 7}.5,{20 + n % 50},yes\n'
        )
    return out.getvalue().encode()


def stock_csv(prefix: str) -> bytes:
    out = io.StringIO()
    out.write("warehouse,sku,quantity,unit_cost\n")
    for n in range(PRODUCTS):
        out.write(f"BENCH,{prefix.lower()}-{n:06d},{1 + n % 50},{5 + n % 40}.25\n")
    return out.getvalue().encode()


def _timed(kind: str, content: bytes, *, dry_run: bool = False) -> tuple[float, dict[str, int]]:
    from data_exchange.services import import_file

    began = time.perf_counter()
    result = import_file(
        kind=kind,
        content=content,
        filename=f"{kind}.csv",
        user=SYSTEM,
        dry_run=dry_run,
        options={"create_missing_categories": True},
    )
    elapsed = time.perf_counter() - began
    assert not result.problems, result.problems[:5]
    return elapsed, result.counts


def run() -> list[tuple[str, str, str]]:
    from inventory.models import Warehouse

    Warehouse.objects.get_or_create(code="BENCH", defaults={"name": "Bench warehouse"})
    product_times, stock_times = [], []
    products = stock = b""
    for round_number in range(ROUNDS):
        prefix = f"B{round_number}"
        products = product_csv(prefix, round_number * PRODUCTS)
        stock = stock_csv(prefix)
        seconds, counts = _timed("products", products)
        assert counts["create"] == PRODUCTS, counts
        product_times.append(seconds)
        seconds, counts = _timed("opening_stock", stock)
        assert counts["create"] == PRODUCTS, counts
        stock_times.append(seconds)
        print(
            f"  round {round_number + 1}: products {product_times[-1]:.1f} s, "
            f"opening stock {stock_times[-1]:.1f} s"
        )
    again, counts = _timed("products", products)
    assert counts["unchanged"] == PRODUCTS, counts
    dry, _ = _timed("products", products, dry_run=True)
    stock_again, counts = _timed("opening_stock", stock)
    assert counts["unchanged"] == PRODUCTS, counts
    call_command("inventory_audit")
    call_command("ledger_audit")
    products_s = statistics.median(product_times)
    stock_s = statistics.median(stock_times)
    both = statistics.median(p + s for p, s in zip(product_times, stock_times, strict=True))
    return [
        (
            "import 100k products (CSV)",
            f"{products_s:.1f}",
            f"s ({PRODUCTS / products_s:,.0f} rows/s)",
        ),
        ("import 100k opening stock", f"{stock_s:.1f}", f"s ({PRODUCTS / stock_s:,.0f} rows/s)"),
        ("products + opening stock", f"{both:.1f}", "s (goal < 60 s)"),
        ("re-import 100k unchanged", f"{again:.1f}", f"s ({PRODUCTS / again:,.0f} rows/s)"),
        ("dry run 100k products", f"{dry:.1f}", "s"),
        ("re-import opening stock", f"{stock_again:.1f}", "s (0 changes)"),
    ]
