"""Export: every kind in the columns its import reads, so export -> edit -> import
round-trips. django-import-export does the writing: a ``Resource`` per kind whose
fields are the kind's columns, filled from plain rows each kind reads in bulk (a
constant number of queries, whatever the number of records), written as CSV or XLSX
by its formats.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from import_export import fields, resources
from import_export.formats import base_formats
from oscar.core.loading import get_model

from data_exchange.kinds import importer_for
from inventory.models import ProductSpecification, StockMove

Category = get_model("catalogue", "Category")
ProductCategory = get_model("catalogue", "ProductCategory")
StockRecord = get_model("partner", "StockRecord")

FORMATS = {"csv": base_formats.CSV, "xlsx": base_formats.XLSX}


def text(value: Any) -> str:
    """A cell as the import reads it back: decimals without trailing noise, booleans
    as true/false, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        normal = value.normalize()
        return format(
            normal if normal == normal.to_integral_value() or "." in str(normal) else value, "f"
        )
    return str(value)


def kind_resource(kind: str) -> resources.Resource:
    """A Resource whose fields are the kind's columns, in contract order."""
    names = importer_for(kind, user=None).column_names()
    attributes = {
        name: fields.Field(attribute=name, column_name=name, readonly=True) for name in names
    }

    class Meta:
        fields = tuple(names)
        export_order = tuple(names)

    resource_class = type(
        f"{kind.title().replace('_', '')}Resource",
        (resources.Resource,),
        {**attributes, "Meta": Meta},
    )
    return resource_class()


def export_bytes(kind: str, file_format: str = "csv") -> bytes:
    """All records of ``kind`` as a CSV (UTF-8) or XLSX file."""
    rows = importer_for(kind, user=None).export_rows()
    dataset = kind_resource(kind).export(
        queryset=({name: text(value) for name, value in row.items()} for row in rows)
    )
    data = FORMATS[file_format]().export_data(dataset)
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def category_labels() -> dict[int, str]:
    """Every category's full path as the import writes it, from one query."""
    nodes = list(Category.objects.order_by("path").only("pk", "path", "name"))
    by_path = {node.path: node for node in nodes}
    step = Category.steplen
    labels: dict[int, str] = {}
    by_node_path: dict[str, str] = {}
    for node in nodes:
        parent = by_path.get(node.path[: len(node.path) - step])
        label = (by_node_path[parent.path] + " > " if parent else "") + node.name
        by_node_path[node.path] = label
        labels[node.pk] = label
    return labels


def product_export_rows() -> Iterator[dict[str, Any]]:
    labels = category_labels()
    first_category: dict[int, int] = {}
    for product_id, category_id in ProductCategory.objects.order_by("pk").values_list(
        "product_id", "category_id"
    ):
        first_category.setdefault(product_id, category_id)
    specs: dict[int, dict[str, Any]] = {
        spec["product_id"]: dict(spec)
        for spec in ProductSpecification.objects.values(
            "product_id", "weight_kg", "length_cm", "width_cm", "height_cm", "standard_cost"
        )
    }
    listings = (
        StockRecord.objects.order_by("partner_sku")
        .values_list(
            "partner_sku",
            "price",
            "price_currency",
            "product_id",
            "product__title",
            "product__description",
            "product__product_class__name",
            "product__upc",
            "product__is_public",
        )
        .iterator(chunk_size=5000)
    )
    for sku, price, currency, product_id, title, description, class_name, upc, public in listings:
        spec = specs.get(product_id, {})
        yield {
            "sku": sku,
            "name": title,
            "description": description,
            "category": labels.get(first_category.get(product_id, 0), ""),
            "product_class": class_name,
            "price": price,
            "cost": spec.get("standard_cost"),
            "currency": currency,
            "barcode": upc,
            "weight_kg": spec.get("weight_kg"),
            "length_cm": spec.get("length_cm"),
            "width_cm": spec.get("width_cm"),
            "height_cm": spec.get("height_cm"),
            "is_active": public,
        }


def opening_stock_export_rows() -> Iterator[dict[str, Any]]:
    """The opening balances as they were entered (what an import of them reads as
    unchanged)."""
    skus = dict(StockRecord.objects.values_list("product_id", "partner_sku"))
    moves = (
        StockMove.objects.filter(kind=StockMove.Kind.OPENING)
        .order_by("warehouse__code", "product_id")
        .values_list("warehouse__code", "product_id", "quantity", "unit_cost")
        .iterator(chunk_size=5000)
    )
    for code, product_id, quantity, unit_cost in moves:
        yield {
            "warehouse": code,
            "sku": skus.get(product_id, ""),
            "quantity": quantity,
            "unit_cost": unit_cost,
        }
