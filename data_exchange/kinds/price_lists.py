"""B2B price lists: fixed net prices with quantity breaks (``price_list_items``) and
percentages off a whole category (``category_discounts``), written by
``crm.services``.

A price list is named by its name (case and repeated blanks do not matter) and must
exist: prices are in the list's currency and its validity is set in the admin, so a
file does not make lists up; an unknown name is refused with the names there are.
Keys: list + SKU + minimum quantity; list + category path. Importing only creates or
updates: prices the file does not name stay.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oscar.core.loading import get_model

from crm.models import CategoryDiscount, PriceList, PriceListItem
from crm.services import (
    CATEGORY_DISCOUNTS_SET,
    PRICE_LIST_ITEMS_SET,
    CategoryDiscountValues,
    PriceListItemValues,
    category_discounts_set,
    price_list_items_set,
)
from data_exchange.kinds.base import CREATE, UNCHANGED, UPDATE, Column, Importer, Row
from data_exchange.kinds.common import name_lookup_key, to_count, to_percent
from data_exchange.kinds.products import category_key, category_paths, chunks
from data_exchange.values import to_money, to_sku, to_text
from inventory.selectors import product_ids_by_sku

StockRecord = get_model("partner", "StockRecord")


def price_lists_named(importer: Importer, rows: list[Row]) -> dict[str, PriceList]:
    """The lists the rows name, by name key; an unknown or ambiguous name is a
    problem on the row."""
    lists: dict[str, list[PriceList]] = {}
    for price_list in PriceList.objects.order_by("name", "pk"):
        lists.setdefault(name_lookup_key(price_list.name), []).append(price_list)
    found: dict[str, PriceList] = {}
    for row in rows:
        name = row.values.get("price_list")
        if not name:
            continue
        key = name_lookup_key(name)
        named = lists.get(key, [])
        if len(named) == 1:
            found[key] = named[0]
        elif named:
            importer.problem(
                row,
                "price_list",
                f"{len(named)} price lists are named “{name}”; rename one in the admin first.",
            )
        else:
            importer.problem(
                row,
                "price_list",
                f"There is no price list “{name}”; create it in the admin first"
                + (
                    " (the lists are " + ", ".join(sorted(p[0].name for p in lists.values())) + ")."
                    if lists
                    else "."
                ),
            )
    return found


class PriceListItemImporter(Importer):
    kind = "price_list_items"
    title = "Price list items"
    doing = "import price list prices"
    permissions = PRICE_LIST_ITEMS_SET
    columns = [
        Column("price_list", to_text(128), required=True, help="Name of an existing list."),
        Column("sku", to_sku, required=True),
        Column("min_quantity", to_count, help="The price applies from this quantity; 1."),
        Column("price", to_money, required=True, help="Net price in the list's currency."),
    ]

    def plan(self, rows: list[Row]) -> None:
        def key(row: Row) -> tuple[Any, ...]:
            return (
                name_lookup_key(row.values.get("price_list")) or None,
                row.values.get("sku"),
                row.values.get("min_quantity") or (None if row.raw.get("min_quantity") else 1),
            )

        self.duplicates_in_file(rows, key, "sku")
        lists = price_lists_named(self, rows)
        skus = sorted({row.values["sku"] for row in rows if row.values.get("sku")})
        products = product_ids_by_sku(skus)
        prices: dict[tuple[int, int, int], Any] = {}
        for chunk in chunks(sorted(set(products.values()))):
            for list_id, stored_product, quantity, price in PriceListItem.objects.filter(
                product_id__any=chunk, price_list__in=[p.pk for p in lists.values()]
            ).values_list("price_list_id", "product_id", "min_quantity", "price"):
                prices[(list_id, stored_product, quantity)] = price
        for row in rows:
            values = row.values
            price_list = lists.get(name_lookup_key(values.get("price_list")))
            product_id = products.get(values.get("sku") or "")
            if values.get("sku") and product_id is None:
                self.problem(
                    row,
                    "sku",
                    f"No product has the SKU {values['sku']}; import the products first.",
                )
            if price_list is None or product_id is None or values.get("price") is None:
                continue
            quantity = values.get("min_quantity") or 1
            row.target = PriceListItemValues(price_list.pk, product_id, quantity, values["price"])
            current = prices.get((price_list.pk, product_id, quantity))
            if current is None:
                row.action = CREATE
            else:
                row.action = UNCHANGED if current == values["price"] else UPDATE

    def apply(self, rows: list[Row]) -> None:
        price_list_items_set(user=self.user, items=[row.target for row in rows])

    def export_rows(self) -> Iterator[dict[str, Any]]:
        skus = dict(StockRecord.objects.values_list("product_id", "partner_sku"))
        items = (
            PriceListItem.objects.order_by("price_list__name", "price_list_id", "product_id")
            .values_list("price_list__name", "product_id", "min_quantity", "price")
            .iterator(chunk_size=5000)
        )
        for name, product_id, quantity, price in items:
            yield {
                "price_list": name,
                "sku": skus.get(product_id, ""),
                "min_quantity": quantity,
                "price": price,
            }


class CategoryDiscountImporter(Importer):
    kind = "category_discounts"
    title = "Category discounts"
    doing = "import category discounts"
    permissions = CATEGORY_DISCOUNTS_SET
    columns = [
        Column("price_list", to_text(128), required=True, help="Name of an existing list."),
        Column("category", str, required=True, help="Category path, e.g. “Tents > Dome”."),
        Column("percent", to_percent, required=True, help="Off the list price, 0 to 100."),
    ]

    def plan(self, rows: list[Row]) -> None:
        def key(row: Row) -> tuple[Any, ...]:
            return (
                name_lookup_key(row.values.get("price_list")) or None,
                " > ".join(category_key(row.values.get("category") or "")) or None,
            )

        self.duplicates_in_file(rows, key, "category")
        lists = price_lists_named(self, rows)
        paths = category_paths()
        current = {
            (list_id, category_id): percent
            for list_id, category_id, percent in CategoryDiscount.objects.values_list(
                "price_list_id", "category_id", "percent"
            )
        }
        for row in rows:
            values = row.values
            price_list = lists.get(name_lookup_key(values.get("price_list")))
            category = None
            if values.get("category"):
                category = paths.get(category_key(values["category"]))
                if category is None:
                    self.problem(
                        row,
                        "category",
                        f"There is no category “{values['category']}”; import the products "
                        "(or create it) first.",
                    )
            if price_list is None or category is None or values.get("percent") is None:
                continue
            row.target = CategoryDiscountValues(price_list.pk, category.pk, values["percent"])
            stored = current.get((price_list.pk, category.pk))
            if stored is None:
                row.action = CREATE
            else:
                row.action = UNCHANGED if stored == values["percent"] else UPDATE

    def apply(self, rows: list[Row]) -> None:
        category_discounts_set(user=self.user, discounts=[row.target for row in rows])

    def export_rows(self) -> Iterator[dict[str, Any]]:
        from data_exchange.resources import category_labels

        labels = category_labels()
        for name, category_id, percent in CategoryDiscount.objects.order_by(
            "price_list__name", "price_list_id", "category_id"
        ).values_list("price_list__name", "category_id", "percent"):
            yield {"price_list": name, "category": labels.get(category_id, ""), "percent": percent}
