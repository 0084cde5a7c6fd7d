"""Demo stock: three warehouses and a receipt history for every demo product,
delivered on real purchase orders (``shop.demo.purchasing``).

Berlin is the main sellable warehouse, Hamburg a second sellable one, and
RET-Q holds returns and quarantined goods (not sellable). A few products are
low or out of stock so the storefront shows every availability state.
Idempotent: products that already have stock moves are left alone.
"""

import random
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from oscar.core.loading import get_model

from erp.permissions import SYSTEM
from inventory.models import StockMove, Warehouse
from inventory.services import stock_adjust, stock_transfer
from shop.demo.purchasing import (
    Delivery,
    purchasing_seeded_today,
    receive_history,
    seed_open_purchasing,
    seed_supplier_items,
    seed_suppliers,
    supplier_for,
)

Product = get_model("catalogue", "Product")

WAREHOUSES = [
    ("BER-1", "Berlin main warehouse", "Lagerstraße 1, 10115 Berlin, Germany", True, 10),
    ("HAM-1", "Hamburg city warehouse", "Speicherstadt 5, 20457 Hamburg, Germany", True, 20),
    ("RET-Q", "Returns & quarantine", "Lagerstraße 1, 10115 Berlin, Germany", False, 90),
]
OUT_OF_STOCK = 6
LOW_STOCK = 8


def seed_warehouses() -> dict[str, Warehouse]:
    warehouses = {}
    for code, name, address, is_sellable, priority in WAREHOUSES:
        warehouse, _ = Warehouse.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "address": address,
                "is_sellable": is_sellable,
                "priority": priority,
            },
        )
        warehouses[code] = warehouse
    return warehouses


def seed_stock(products: list[Any]) -> int:
    """Receipt history per product, delivered on purchase orders from the demo
    suppliers (``shop.demo.purchasing``); returns how many products got stock now."""
    warehouses = seed_warehouses()
    suppliers = seed_suppliers()
    rng = random.Random(4711)
    stocked = set(StockMove.objects.values_list("product_id", flat=True).distinct())
    ordered = sorted(products, key=lambda product: product.pk)
    new = [(index, p) for index, p in enumerate(ordered) if p.pk not in stocked]
    if not new:
        return 0
    seed_supplier_items(ordered, suppliers)
    deliveries: list[Delivery] = []
    plans = []
    for index, product in new:
        price = product.stockrecords.all()[0].price
        base_cost = (price * Decimal("0.55")).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if index % 33 == 5 and index // 33 < OUT_OF_STOCK:
            receipts = [(rng.randint(3, 8), 80)]  # sold out since
            out_of_stock, low = True, False
        elif index % 25 == 11 and index // 25 < LOW_STOCK:
            receipts = [(rng.randint(1, 4), 30)]
            out_of_stock, low = False, True
        else:
            receipts = [(rng.randint(20, 90), days) for days in (85, 40, 9)[: rng.randint(1, 3)]]
            out_of_stock, low = False, False
        for quantity, days_ago in receipts:
            cost = (base_cost * Decimal(rng.uniform(0.92, 1.08))).quantize(Decimal("0.01"))
            supplier = supplier_for(index, suppliers)
            deliveries.append(Delivery(product, supplier, quantity, cost, days_ago))
        plans.append((index, product, sum(q for q, _ in receipts), out_of_stock, low))
    receive_history(deliveries, warehouses["BER-1"], suppliers)
    sold_out, low_stock, regular = [], [], []
    for index, product, total, out_of_stock, low in plans:
        if out_of_stock:
            stock_adjust(
                user=SYSTEM,
                product=product,
                warehouse=warehouses["BER-1"],
                quantity=-total,
                reason="demo: sold before the shop went live",
            )
            sold_out.append(product)
        elif low:
            low_stock.append(product)
        elif total >= 40 and index % 3 != 0 and index % 40 != 7:
            regular.append(product)
        if not out_of_stock and not low and total >= 20 and index % 3 == 0:
            stock_transfer(
                user=SYSTEM,
                product=product,
                source=warehouses["BER-1"],
                destination=warehouses["HAM-1"],
                quantity=total // 3,
                reason="stock the Hamburg warehouse",
            )
        if index % 40 == 7 and total >= 20:
            stock_transfer(
                user=SYSTEM,
                product=product,
                source=warehouses["BER-1"],
                destination=warehouses["RET-Q"],
                quantity=2,
                reason="damaged packaging, held for inspection",
            )
    if not purchasing_seeded_today():
        seed_open_purchasing(sold_out, low_stock, regular, warehouses["BER-1"])
    return len(plans)
