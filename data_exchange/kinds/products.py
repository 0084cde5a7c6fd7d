"""Products: the catalogue entry, its sellable listing (SKU, list price, currency),
its category, and its weight, dimensions and standard cost, one row each.

The SKU is the key: a row whose SKU (normalised by the SKU policy) a listing has
updates that product, any other row creates one. Columns the file does not have are
left as they are; an empty cell in a column it has clears an optional value.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify
from oscar.core.loading import get_model

from data_exchange.kinds.base import CREATE, UNCHANGED, UPDATE, Column, Importer, Row, changed
from data_exchange.values import (
    to_barcode,
    to_bool,
    to_cost,
    to_currency,
    to_decimal,
    to_money,
    to_sku,
    to_text,
)
from erp.db.bulk import copy_rows, ids_reserve, unnest_update
from erp.sanitize import rich_text_clean
from inventory.models import ProductSpecification

Category = get_model("catalogue", "Category")
Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductClass = get_model("catalogue", "ProductClass")
StockRecord = get_model("partner", "StockRecord")

PATH_SEPARATOR = ">"
BATCH = 2000
LOOKUP_CHUNK = 50000
SPEC_FIELDS = ("weight_kg", "length_cm", "width_cm", "height_cm")
PRODUCT_COLUMNS = (
    "id",
    "structure",
    "upc",
    "title",
    "slug",
    "description",
    "date_created",
    "date_updated",
    "is_discountable",
    "product_class_id",
    "is_public",
    "priority",
)
LISTING_COLUMNS = (
    "id",
    "product_id",
    "partner_id",
    "partner_sku",
    "price",
    "price_currency",
    "date_created",
    "date_updated",
)


def _weight(text: str) -> Decimal:
    return to_decimal(text, places=3, what="weight in kg")


def _length(text: str) -> Decimal:
    return to_decimal(text, places=1, what="length in cm")


def category_key(path: str) -> tuple[str, ...]:
    """ "Tents & Shelters > Dome" as a comparable key (case and blanks do not matter)."""
    return tuple(
        " ".join(part.split()).casefold() for part in path.split(PATH_SEPARATOR) if part.strip()
    )


def category_paths() -> dict[tuple[str, ...], Any]:
    """Every category by its path key, from one query (treebeard's materialised path
    gives each node's ancestors without asking the database again)."""
    nodes = list(Category.objects.order_by("path").only("pk", "path", "depth", "name"))
    by_path = {node.path: node for node in nodes}
    step = Category.steplen
    paths: dict[tuple[str, ...], Any] = {}
    names: dict[str, tuple[str, ...]] = {}
    for node in nodes:
        parent = by_path.get(node.path[: len(node.path) - step])
        key = (names[parent.path] if parent else ()) + category_key(node.name)
        names[node.path] = key
        paths.setdefault(key, node)
    return paths


def chunks(items: list[Any], size: int = LOOKUP_CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def shop_partner() -> Any:
    partner, _ = Partner.objects.get_or_create(
        code=settings.SHOP_PARTNER_CODE, defaults={"name": settings.OSCAR_SHOP_NAME}
    )
    return partner


LISTING_READ = (
    "pk",
    "partner_sku",
    "price",
    "price_currency",
    "product_id",
    "product__title",
    "product__description",
    "product__upc",
    "product__is_public",
    "product__product_class_id",
)


@dataclass(slots=True)
class ListedProduct:
    pk: int
    title: str
    description: str
    upc: str | None
    is_public: bool
    product_class_id: int | None


@dataclass(slots=True)
class Listing:
    """An existing listing and its product as the plan compares and the update writes
    them: plain values (model instances cost more than the comparison at 100k rows)."""

    pk: int
    sku: str
    price: Decimal | None
    price_currency: str
    product_id: int
    product: ListedProduct

    @classmethod
    def of(cls, fields: tuple[Any, ...]) -> Listing:
        pk, sku, price, currency, product_id, *product = fields
        return cls(pk, sku, price, currency, product_id, ListedProduct(product_id, *product))


class ProductImporter(Importer):
    kind = "products"
    title = "Products"
    doing = "import products"
    permissions = (
        "catalogue.add_product",
        "catalogue.change_product",
        "partner.add_stockrecord",
        "partner.change_stockrecord",
    )
    columns = [
        Column("sku", to_sku, required=True, help="The SKU; normalised by the SKU policy."),
        Column("name", to_text(255), required=True),
        Column("description", str, help="HTML allowed; cleaned by the allow-list."),
        Column(
            "category",
            str,
            required=True,
            help="Path of category names, e.g. “Tents & Shelters > Dome”.",
        ),
        Column("product_class", to_text(128), help="Name of the product class; default Goods."),
        Column("price", to_money, required=True, help="List price, e.g. 129.00 or 129,00."),
        Column("cost", to_cost, help="Standard unit cost in the book currency."),
        Column("currency", to_currency, help="Three letters; default the shop's currency."),
        Column("barcode", to_barcode, help="EAN-13, UPC-A or EAN-8 with a right check digit."),
        Column("weight_kg", _weight),
        Column("length_cm", _length),
        Column("width_cm", _length),
        Column("height_cm", _length),
        Column("is_active", to_bool, help="Shown in the shop; default yes."),
    ]

    # -- plan ---------------------------------------------------------------------
    def plan(self, rows: list[Row]) -> None:
        self.duplicates_in_file(rows, lambda row: row.values.get("sku"), "sku")
        self.duplicates_in_file(rows, lambda row: row.values.get("barcode"), "barcode")
        skus = sorted({row.values["sku"] for row in rows if row.values.get("sku")})
        listings: dict[str, Listing] = {}
        for chunk in chunks(skus):
            for fields in StockRecord.objects.filter(partner_sku__any=chunk).values_list(
                *LISTING_READ
            ):
                listing = Listing.of(fields)
                listings[listing.sku] = listing
        product_ids = [record.product_id for record in listings.values()]
        specs: dict[int, Any] = {}
        categories: dict[int, set[int]] = {}
        for chunk in chunks(product_ids):
            for spec in ProductSpecification.objects.filter(product_id__any=chunk).values(
                "product_id", *SPEC_FIELDS, "standard_cost"
            ):
                specs[spec["product_id"]] = SimpleNamespace(**spec)
            for product_id, category_id in ProductCategory.objects.filter(
                product_id__any=chunk
            ).values_list("product_id", "category_id"):
                categories.setdefault(product_id, set()).add(category_id)
        barcodes = sorted({row.values["barcode"] for row in rows if row.values.get("barcode")})
        barcode_owner: dict[str, tuple[int, str]] = {}
        for chunk in chunks(barcodes):
            for pk, upc, title in Product.objects.filter(upc__any=chunk).values_list(
                "pk", "upc", "title"
            ):
                barcode_owner[upc] = (pk, title)
        paths = category_paths()
        self.missing_categories: set[tuple[str, ...]] = set()
        classes = {
            key: product_class
            for product_class in ProductClass.objects.all()
            for key in (product_class.name.casefold(), product_class.slug.casefold())
        }
        self.classes = classes
        self.paths = paths
        default_currency = settings.OSCAR_DEFAULT_CURRENCY
        allowed_currencies = set(settings.SHOP_CURRENCIES) | set(
            StockRecord.objects.values_list("price_currency", flat=True).distinct()
        )
        create_categories = bool(self.options.get("create_missing_categories"))
        total = len(rows)
        for index, row in enumerate(rows):
            values = row.values
            if index % 5000 == 0:
                self.progress("planning", index, total)
            record = listings.get(values.get("sku") or "")
            if values.get("category"):
                key = category_key(values["category"])
                if not key:
                    self.problem(row, "category", "The category path is empty.")
                elif key not in paths:
                    if create_categories:
                        self.missing_categories.add(key)
                    else:
                        self.problem(
                            row,
                            "category",
                            f"There is no category “{values['category']}”; create it first, "
                            "or import with “create missing categories”.",
                        )
            class_name = values.get("product_class")
            if class_name and class_name.casefold() not in classes:
                self.problem(
                    row,
                    "product_class",
                    f"There is no product class “{class_name}”; the classes are "
                    + ", ".join(sorted({c.name for c in classes.values()}))
                    + ".",
                )
            currency = values.get("currency")
            if currency and currency not in allowed_currencies:
                self.problem(
                    row,
                    "currency",
                    f"The shop does not sell in {currency}; it sells in "
                    + ", ".join(sorted(allowed_currencies))
                    + ".",
                )
            barcode = values.get("barcode")
            if barcode and barcode in barcode_owner:
                owner_id, owner_title = barcode_owner[barcode]
                if record is None or record.product_id != owner_id:
                    self.problem(
                        row,
                        "barcode",
                        f"Barcode {barcode} already belongs to “{owner_title}”; "
                        "a barcode belongs to one product.",
                    )
            if record is None:
                row.action = CREATE
                continue
            row.target = record
            row.action = (
                UPDATE
                if self._differs(
                    row, record, specs.get(record.product_id), categories, default_currency
                )
                else UNCHANGED
            )
            row.extra["spec"] = specs.get(record.product_id)
        self.progress("planning", total, total)

    def _category(self, row: Row) -> Any:
        return self.paths.get(category_key(row.values["category"]))

    def _differs(
        self,
        row: Row,
        record: Any,
        spec: Any,
        categories: dict[int, set[int]],
        default_currency: str,
    ) -> bool:
        values, product = row.values, record.product
        if "name" in values and changed(product.title, values["name"]):
            return True
        if "description" in values and changed(
            product.description, rich_text_clean(values["description"] or "")
        ):
            return True
        if "barcode" in values and changed(product.upc, values["barcode"]):
            return True
        if values.get("is_active") is not None and product.is_public != values["is_active"]:
            return True
        wanted = self.classes.get((values.get("product_class") or "").casefold())
        if wanted is not None and wanted.pk != product.product_class_id:
            return True
        if changed(record.price, values.get("price")):
            return True
        if "currency" in values and changed(
            record.price_currency, values["currency"] or default_currency
        ):
            return True
        category = self._category(row)
        if category is None or categories.get(product.pk, set()) != {category.pk}:
            return True
        for name in SPEC_FIELDS:
            if name in values and changed(getattr(spec, name, None), values[name]):
                return True
        return "cost" in values and changed(getattr(spec, "standard_cost", None), values["cost"])

    # -- apply --------------------------------------------------------------------
    def _ensure_categories(self) -> None:
        for key in sorted(self.missing_categories, key=len):
            for depth in range(1, len(key) + 1):
                prefix = key[:depth]
                if prefix in self.paths:
                    continue
                name = " ".join(self._original_name(key, depth - 1).split())
                values = {"name": name, "slug": slugify(name) or "category", "is_public": True}
                parent = self.paths.get(prefix[:-1])
                node = parent.add_child(**values) if parent else Category.add_root(**values)
                self.paths[prefix] = node

    def _original_name(self, key: tuple[str, ...], index: int) -> str:
        """The category name as the file wrote it (the key is case-folded)."""
        return self.original_names.get(key[: index + 1], key[index])

    def _default_class(self) -> Any:
        slug = settings.SHOP_DEFAULT_PRODUCT_CLASS
        product_class = self.classes.get(slug)
        if product_class is None:
            product_class, _ = ProductClass.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": slug.replace("-", " ").title(),
                    "requires_shipping": True,
                    "track_stock": True,
                },
            )
            self.classes[slug] = product_class
        return product_class

    def apply(self, rows: list[Row]) -> None:
        self.original_names: dict[tuple[str, ...], str] = {}
        for row in rows:
            if row.values.get("category"):
                parts = [p.strip() for p in row.values["category"].split(PATH_SEPARATOR)]
                key = category_key(row.values["category"])
                for depth in range(1, len(key) + 1):
                    self.original_names.setdefault(key[:depth], parts[depth - 1])
        self._ensure_categories()
        creates = [row for row in rows if row.action == CREATE]
        updates = [row for row in rows if row.action == UPDATE]
        self._create(creates)
        self._update(updates)
        self._write_specifications(creates + updates)

    def _product_class(self, row: Row) -> Any:
        name = row.values.get("product_class")
        return self.classes[name.casefold()] if name else self._default_class()

    def _create(self, rows: list[Row]) -> None:
        if not rows:
            return
        partner = shop_partner()
        currency = settings.OSCAR_DEFAULT_CURRENCY
        total = len(rows)
        now = timezone.now()
        product_ids = ids_reserve(Product, total)
        listing_ids = ids_reserve(StockRecord, total)
        for row, product_id in zip(rows, product_ids, strict=True):
            row.extra["product_id"] = product_id
        for start in range(0, total, BATCH):
            batch = rows[start : start + BATCH]
            copy_rows(
                Product,
                PRODUCT_COLUMNS,
                (
                    (
                        row.extra["product_id"],
                        Product.STANDALONE,
                        row.values.get("barcode") or None,
                        row.values["name"],
                        slugify(row.values["name"])[:255] or "product",
                        rich_text_clean(row.values.get("description") or ""),
                        now,
                        now,
                        True,
                        self._product_class(row).pk,
                        row.values.get("is_active") is not False,
                        0,
                    )
                    for row in batch
                ),
            )
            copy_rows(
                StockRecord,
                LISTING_COLUMNS,
                (
                    (
                        listing_ids[start + index],
                        row.extra["product_id"],
                        partner.pk,
                        row.values["sku"],
                        row.values["price"],
                        row.values.get("currency") or currency,
                        now,
                        now,
                    )
                    for index, row in enumerate(batch)
                ),
            )
            copy_rows(
                ProductCategory,
                ("product_id", "category_id"),
                ((row.extra["product_id"], self._category(row).pk) for row in batch),
            )
            self.progress("writing", start + len(batch), total)

    def _update(self, rows: list[Row]) -> None:
        if not rows:
            return
        currency = settings.OSCAR_DEFAULT_CURRENCY
        products, records = [], []
        category_rows: list[Any] = []
        for row in rows:
            record, values = row.target, row.values
            product = record.product
            if "name" in values:
                product.title = values["name"]
            if "description" in values:
                product.description = rich_text_clean(values["description"] or "")
            if "barcode" in values:
                product.upc = values["barcode"] or None
            if values.get("is_active") is not None:
                product.is_public = values["is_active"]
            if values.get("product_class"):
                product.product_class_id = self._product_class(row).pk
            products.append(product)
            record.price = values["price"]
            if "currency" in values:
                record.price_currency = values["currency"] or currency
            records.append(record)
            category_rows.append(
                ProductCategory(product_id=product.pk, category=self._category(row))
            )
            row.extra["product_id"] = product.pk
        now = timezone.now()
        unnest_update(
            Product,
            key="id",
            columns=[
                ("id", "bigint"),
                ("title", "text"),
                ("description", "text"),
                ("upc", "text"),
                ("is_public", "boolean"),
                ("product_class_id", "bigint"),
                ("date_updated", "timestamptz"),
            ],
            rows=[
                (p.pk, p.title, p.description, p.upc, p.is_public, p.product_class_id, now)
                for p in products
            ],
        )
        unnest_update(
            StockRecord,
            key="id",
            columns=[
                ("id", "bigint"),
                ("price", "numeric"),
                ("price_currency", "text"),
                ("date_updated", "timestamptz"),
            ],
            rows=[(r.pk, r.price, r.price_currency, now) for r in records],
        )
        ids = [product.pk for product in products]
        for chunk in chunks(ids):
            ProductCategory.objects.filter(product_id__any=chunk).delete()
        ProductCategory.objects.bulk_create(category_rows, batch_size=BATCH)

    def _write_specifications(self, rows: list[Row]) -> None:
        columns = [name for name in SPEC_FIELDS if any(name in row.values for row in rows)]
        if any("cost" in row.values for row in rows):
            columns.append("standard_cost")
        if not columns:
            return
        specs: list[Any] = []
        new_specs: list[Any] = []
        for row in rows:
            # a fresh row: the upsert writes only ``columns`` of an existing one
            spec = ProductSpecification(product_id=row.extra["product_id"])
            for name in columns:
                value = row.values.get("cost" if name == "standard_cost" else name, None)
                if ("cost" if name == "standard_cost" else name) in row.values:
                    setattr(spec, name, value)
            (new_specs if row.action == CREATE else specs).append(spec)
        copy_rows(
            ProductSpecification,
            ("product_id", *columns),
            ((spec.product_id, *(getattr(spec, name) for name in columns)) for spec in new_specs),
        )
        ProductSpecification.objects.bulk_create(
            specs,
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["product"],
            update_fields=columns,
        )

    # -- export -------------------------------------------------------------------
    def export_rows(self) -> Iterator[dict[str, Any]]:
        from data_exchange.resources import product_export_rows

        yield from product_export_rows()
