"""Opening stock: what each warehouse holds of each product on the day the business
moves onto this system, and what a unit cost it (``inventory.services.
stock_open_balances``: stock moves, moving average, Dr Inventory / Cr Opening balance
equity).

An opening balance is entered once per product and warehouse: importing the same
file again changes nothing (those rows are unchanged), and a row for a product that
already has other stock there is refused (correct stock with a count instead).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from data_exchange.kinds.base import CREATE, UNCHANGED, ApplyRefused, Column, Importer, Row
from data_exchange.kinds.products import chunks
from data_exchange.values import to_code, to_cost, to_quantity, to_sku
from inventory.models import ProductCost, ProductSpecification, Warehouse
from inventory.selectors import product_ids_by_sku
from inventory.services import (
    STOCK_CHANGE,
    InventoryError,
    OpeningBalance,
    opening_balances_entered,
    stock_open_balances,
)


class OpeningStockImporter(Importer):
    kind = "opening_stock"
    title = "Opening stock"
    doing = "enter opening stock"
    permissions = (STOCK_CHANGE,)
    columns = [
        Column("warehouse", to_code(16), required=True, help="Warehouse code, e.g. MAIN."),
        Column("sku", to_sku, required=True),
        Column("quantity", to_quantity, required=True, help="Units on hand, 0 or more."),
        Column(
            "unit_cost",
            to_cost,
            help="Book-currency cost of one unit; default the product's standard cost.",
        ),
    ]

    def plan(self, rows: list[Row]) -> None:
        self.duplicates_in_file(
            rows, lambda row: (row.values.get("warehouse"), row.values.get("sku")), "sku"
        )
        warehouses = {warehouse.code: warehouse for warehouse in Warehouse.objects.all()}
        skus = sorted({row.values["sku"] for row in rows if row.values.get("sku")})
        products = product_ids_by_sku(skus)
        product_ids = sorted(set(products.values()))
        standard: dict[int, Decimal | None] = {}
        averages: dict[int, Decimal] = {}
        for chunk in chunks(product_ids):
            standard.update(
                ProductSpecification.objects.filter(product_id__any=chunk).values_list(
                    "product_id", "standard_cost"
                )
            )
            averages.update(
                ProductCost.objects.filter(product_id__any=chunk, quantity__gt=0).values_list(
                    "product_id", "average_cost"
                )
            )
        pairs = []
        for row in rows:
            values = row.values
            warehouse = warehouses.get(values.get("warehouse") or "")
            product_id = products.get(values.get("sku") or "")
            if values.get("warehouse") and warehouse is None:
                self.problem(
                    row,
                    "warehouse",
                    f"There is no warehouse {values['warehouse']}; "
                    + (
                        "the warehouses are " + ", ".join(sorted(warehouses)) + "."
                        if warehouses
                        else "create the warehouse first."
                    ),
                )
            elif warehouse is not None and not warehouse.is_active:
                self.problem(row, "warehouse", f"Warehouse {warehouse.code} is closed.")
            if values.get("sku") and product_id is None:
                self.problem(
                    row,
                    "sku",
                    f"No product has the SKU {values['sku']}; import the products first.",
                )
            if warehouse is None or product_id is None or values.get("quantity") is None:
                continue
            cost = values.get("unit_cost")
            if cost is None:
                cost = standard.get(product_id) or averages.get(product_id)
                if cost is None:
                    self.problem(
                        row,
                        "unit_cost",
                        "The product has no standard cost; give the unit cost of its stock.",
                    )
                    continue
            row.target = OpeningBalance(
                product_id=product_id,
                warehouse_id=warehouse.pk,
                quantity=values["quantity"],
                unit_cost=cost,
            )
            pairs.append((product_id, warehouse.pk))
        entered = opening_balances_entered(pairs)
        for row in rows:
            balance = row.target
            if balance is None:
                continue
            key = (balance.product_id, balance.warehouse_id)
            if key not in entered:
                row.action = CREATE if balance.quantity else UNCHANGED
                continue
            previous = entered[key]
            if previous is None:
                self.problem(
                    row,
                    "quantity",
                    f"{row.values['sku']} already has stock moves in {row.values['warehouse']}; "
                    "an opening balance is entered once. Correct stock with a stock count.",
                )
            elif previous[0] == balance.quantity and previous[1] == balance.unit_cost.quantize(
                Decimal("0.0001")
            ):
                row.action = UNCHANGED
            else:
                self.problem(
                    row,
                    "quantity",
                    f"{row.values['sku']} in {row.values['warehouse']} already has an opening "
                    f"balance of {previous[0]} at {previous[1]:.2f}; it is entered once. "
                    "Correct stock with a stock count.",
                )

    def apply(self, rows: list[Row]) -> None:
        balances = [row.target for row in rows]
        digest = hashlib.sha256(
            repr(
                sorted(
                    (b.product_id, b.warehouse_id, b.quantity, str(b.unit_cost)) for b in balances
                )
            ).encode()
        ).hexdigest()[:16]
        try:
            stock_open_balances(balances=balances, user=self.user, reference=f"IMPORT-{digest}")
        except InventoryError as refused:
            raise ApplyRefused(str(refused)) from None

    def export_rows(self) -> Iterator[dict[str, Any]]:
        from data_exchange.resources import opening_stock_export_rows

        yield from opening_stock_export_rows()
