"""Helpers the kind tests share: import a CSV given as text, list problems briefly."""

from __future__ import annotations

from typing import Any

from data_exchange.resources import export_bytes
from data_exchange.services import ImportResult, import_file
from erp.permissions import SYSTEM


def run(kind: str, text: str, *, user: Any = SYSTEM, dry_run: bool = False) -> ImportResult:
    return import_file(
        kind=kind,
        content=text.encode("utf-8"),
        filename=f"{kind}.csv",
        user=user,
        dry_run=dry_run,
    )


def problems(result: ImportResult) -> list[tuple[int, str, str]]:
    return [(problem.row, problem.column, problem.message) for problem in result.problems]


def counts(result: ImportResult) -> dict[str, int]:
    return {action: number for action, number in result.counts.items() if number}


def export_text(kind: str) -> str:
    return export_bytes(kind, "csv").decode("utf-8")


def product_with_sku(sku: str, **fields: Any) -> Any:
    """A product whose listing has ``sku`` (already in the SKU policy's form)."""
    from oscar.core.loading import get_model

    from tests.factories import ProductFactory

    product = ProductFactory(**fields)
    get_model("partner", "StockRecord").objects.filter(product=product).update(partner_sku=sku)
    return product
