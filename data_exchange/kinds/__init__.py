"""The kinds of data that can be imported and exported, by name."""

from __future__ import annotations

from typing import Any

from data_exchange.kinds.base import Importer
from data_exchange.kinds.companies import CompanyImporter
from data_exchange.kinds.customers import CustomerImporter
from data_exchange.kinds.opening_stock import OpeningStockImporter
from data_exchange.kinds.price_lists import CategoryDiscountImporter, PriceListItemImporter
from data_exchange.kinds.products import ProductImporter
from data_exchange.kinds.sales_history import SalesHistoryImporter
from data_exchange.kinds.supplier_items import SupplierItemImporter
from data_exchange.kinds.suppliers import SupplierImporter

KINDS: dict[str, type[Importer]] = {
    importer.kind: importer
    for importer in (
        ProductImporter,
        OpeningStockImporter,
        SupplierImporter,
        SupplierItemImporter,
        PriceListItemImporter,
        CategoryDiscountImporter,
        SalesHistoryImporter,
        CompanyImporter,
        CustomerImporter,
    )
}


class UnknownKind(ValueError):
    pass


def importer_for(kind: str, *, user: Any, options: dict[str, Any] | None = None) -> Importer:
    try:
        importer = KINDS[kind]
    except KeyError:
        raise UnknownKind(
            f"There is no import of “{kind}”; the kinds are {', '.join(KINDS)}."
        ) from None
    return importer(user=user, options=options)
