"""Supplier items: what each supplier sells us of each product and on which terms
(``purchasing.services.supplier_item_set``).

The key is the supplier code and the SKU: a row for a pair that has an item updates
it, any other creates one. Columns the file lacks keep their stored value (a new item
takes the model's defaults); an empty ``lead_time_days`` means "the supplier's". A
product has at most one preferred supplier: two rows marking one product preferred
are refused; marking one preferred takes the mark from the product's other supplier.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oscar.core.loading import get_model

from data_exchange.kinds.base import CREATE, UNCHANGED, UPDATE, ApplyRefused, Column, Importer, Row
from data_exchange.kinds.common import to_count, to_days
from data_exchange.kinds.products import chunks
from data_exchange.values import to_bool, to_code, to_cost, to_sku, to_text
from inventory.selectors import product_ids_by_sku
from purchasing.models import Supplier, SupplierItem
from purchasing.services import PurchasingError, supplier_item_set

StockRecord = get_model("partner", "StockRecord")

_TERMS = ("supplier_sku", "unit_cost", "lead_time_days", "min_order_quantity", "pack_size")
_DEFAULTS: dict[str, Any] = {
    "supplier_sku": "",
    "lead_time_days": None,
    "min_order_quantity": 1,
    "pack_size": 1,
    "is_preferred": False,
}


def _given(values: dict[str, Any], name: str) -> Any:
    """A column's value in the file; an empty cell is the column's default."""
    value = values[name]
    return _DEFAULTS.get(name) if value is None else value


class SupplierItemImporter(Importer):
    kind = "supplier_items"
    title = "Supplier items"
    doing = "import supplier items"
    permissions = ("purchasing.add_supplieritem", "purchasing.change_supplieritem")
    columns = [
        Column("supplier", to_code(16), required=True, help="Supplier code."),
        Column("sku", to_sku, required=True, help="Our SKU of the product."),
        Column("supplier_sku", to_text(64), help="The supplier's own article number."),
        Column("unit_cost", to_cost, required=True, help="Their price per unit."),
        Column("lead_time_days", to_days, help="Empty: the supplier's lead time."),
        Column("min_order_quantity", to_count, help="Default 1."),
        Column("pack_size", to_count, help="Order in multiples of this; default 1."),
        Column("is_preferred", to_bool, help="Replenishment orders from this supplier first."),
    ]

    def plan(self, rows: list[Row]) -> None:
        self.duplicates_in_file(
            rows, lambda row: (row.values.get("supplier"), row.values.get("sku")), "sku"
        )
        suppliers = {supplier.code: supplier for supplier in Supplier.objects.all()}
        skus = sorted({row.values["sku"] for row in rows if row.values.get("sku")})
        products = product_ids_by_sku(skus)
        items: dict[tuple[int, int], SupplierItem] = {}
        for chunk in chunks(sorted(set(products.values()))):
            for stored in SupplierItem.objects.filter(product_id__any=chunk):
                items[(stored.supplier_id, stored.product_id)] = stored
        preferred_on: dict[int, Row] = {}
        for row in rows:
            values = row.values
            supplier = suppliers.get(values.get("supplier") or "")
            product_id = products.get(values.get("sku") or "")
            if values.get("supplier") and supplier is None:
                self.problem(
                    row,
                    "supplier",
                    f"There is no supplier {values['supplier']}; import the suppliers first.",
                )
            if values.get("sku") and product_id is None:
                self.problem(
                    row,
                    "sku",
                    f"No product has the SKU {values['sku']}; import the products first.",
                )
            if values.get("is_preferred") and product_id is not None:
                earlier = preferred_on.setdefault(product_id, row)
                if earlier is not row:
                    self.problem(
                        row,
                        "is_preferred",
                        f"{values['sku']} is marked preferred on row {earlier.number} too; "
                        "a product has one preferred supplier.",
                    )
            if supplier is None or product_id is None:
                continue
            item = items.get((supplier.pk, product_id))
            row.extra.update(supplier=supplier, product_id=product_id)
            row.target = item
            if item is None:
                row.action = CREATE
            else:
                row.action = UPDATE if self._differs(values, item) else UNCHANGED

    @staticmethod
    def _differs(values: dict[str, Any], item: SupplierItem) -> bool:
        return any(
            name in values and _given(values, name) != getattr(item, name)
            for name in (*_TERMS, "is_preferred")
        )

    def apply(self, rows: list[Row]) -> None:
        product_model = get_model("catalogue", "Product")
        products = product_model.objects.in_bulk([row.extra["product_id"] for row in rows])
        for row in rows:
            item, values = row.target, row.values

            def value(name: str, item: Any = item, values: dict[str, Any] = values) -> Any:
                if name in values:
                    return _given(values, name)
                return getattr(item, name) if item is not None else _DEFAULTS[name]

            try:
                supplier_item_set(
                    user=self.user,
                    supplier=row.extra["supplier"],
                    product=products[row.extra["product_id"]],
                    unit_cost=values["unit_cost"],
                    supplier_sku=value("supplier_sku"),
                    lead_time_days=value("lead_time_days"),
                    min_order_quantity=value("min_order_quantity"),
                    pack_size=value("pack_size"),
                    is_preferred=value("is_preferred"),
                )
            except PurchasingError as refused:
                raise ApplyRefused(str(refused), row.number) from None

    def export_rows(self) -> Iterator[dict[str, Any]]:
        skus = dict(StockRecord.objects.values_list("product_id", "partner_sku"))
        items = (
            SupplierItem.objects.order_by("supplier__code", "product_id")
            .values_list("supplier__code", "product_id", *_TERMS, "is_preferred")
            .iterator(chunk_size=5000)
        )
        for code, product_id, supplier_sku, cost, lead, moq, pack, preferred in items:
            yield {
                "supplier": code,
                "sku": skus.get(product_id, ""),
                "supplier_sku": supplier_sku,
                "unit_cost": cost,
                "lead_time_days": lead,
                "min_order_quantity": moq,
                "pack_size": pack,
                "is_preferred": preferred,
            }
