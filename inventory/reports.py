"""The inventory valuation report: stock on hand at moving-average cost, per
product, checked against the inventory account of the ledger.

The page runs a constant number of queries however many products there are
(the rows, the category choices, the unfiltered total and the account
balance), and its total is the same figure ``ledger_audit`` compares: the sum
of ``ProductCost.value`` must equal the inventory account to the cent.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib import admin
from django.db.models import OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.timezone import localdate
from oscar.core.loading import get_model

from accounting import selectors as ledger
from erp.csv_export import csv_response, query
from erp.permissions import staff_any_permission_required
from inventory.models import ProductCost
from inventory.selectors import stock_valuation

Category = get_model("catalogue", "Category")
ProductCategory = get_model("catalogue", "ProductCategory")
StockRecord = get_model("partner", "StockRecord")

#: warehouse staff value their stock, accountants check it against the books
VALUATION_PERMISSIONS = ("inventory.view_stock", "accounting.view_journalentry")


@dataclass(frozen=True)
class ValuationRow:
    product_id: int
    sku: str
    title: str
    quantity: int
    average_cost: Decimal
    value: Decimal


def valuation_rows(*, category_path: str | None = None) -> list[ValuationRow]:
    """Every product with stock or value in the books, with its SKU; one query.
    ``category_path`` keeps the products of that category and its subcategories
    (a variant counts under its parent's categories)."""
    costs = ProductCost.objects.filter(Q(quantity__gt=0) | ~Q(value=0))
    if category_path is not None:
        in_category = ProductCategory.objects.filter(
            category__path__startswith=category_path
        ).values("product_id")
        costs = costs.filter(Q(product_id__in=in_category) | Q(product__parent_id__in=in_category))
    first_sku = (
        StockRecord.objects.filter(product_id=OuterRef("product_id"))
        .order_by("pk")
        .values("partner_sku")[:1]
    )
    rows = (
        costs.annotate(
            sku=Coalesce(Subquery(first_sku), Value("")),
            title=Coalesce(NullIf("product__title", Value("")), "product__parent__title"),
        )
        .order_by("title", "product_id")
        .values_list("product_id", "sku", "title", "quantity", "average_cost", "value")
    )
    return [ValuationRow(*row) for row in rows]


@dataclass(frozen=True)
class CategoryChoice:
    pk: int
    name: str
    depth: int
    path: str

    @property
    def label(self) -> str:
        """The name indented by its depth, for a flat list of the tree."""
        return "\u2003" * (self.depth - 1) + self.name


def category_choices() -> list[CategoryChoice]:
    categories = Category.objects.order_by("path").values_list("pk", "name", "depth", "path")
    return [CategoryChoice(*category) for category in categories]


@staff_any_permission_required(*VALUATION_PERMISSIONS)
def valuation(request: HttpRequest) -> HttpResponse:
    """Per product SKU, title, quantity, average cost and value, with the total
    compared to the inventory account's balance."""
    problems: list[str] = []
    categories = category_choices()
    category = None
    raw = request.GET.get("category", "").strip()
    if raw:
        category = next((c for c in categories if str(c.pk) == raw), None)
        if category is None:
            shown = raw if len(raw) <= 40 else raw[:40] + "…"
            problems.append(f"There is no category “{shown}”; showing every product.")
    rows = valuation_rows(category_path=category.path if category else None)
    total = sum((row.value for row in rows), Decimal("0"))
    today = localdate()
    if request.GET.get("format") == "csv":
        suffix = f"-category-{category.pk}" if category else ""
        return csv_response(
            f"inventory-valuation-{today}{suffix}.csv",
            ["sku", "title", "quantity", "average_cost", "value"],
            [
                *(
                    (row.sku, row.title, row.quantity, f"{row.average_cost:.4f}", row.value)
                    for row in rows
                ),
                ("", "Total", sum(row.quantity for row in rows), "", total),
            ],
        )
    stock_total = total if category is None else stock_valuation()
    account = ledger.account_for_role("inventory")
    account_balance = ledger.balance(account)
    params = {"category": category.pk} if category else {}
    context = {
        **admin.site.each_context(request),
        "title": "Inventory valuation",
        "problems": problems,
        "rows": rows,
        "total": total,
        "total_quantity": sum(row.quantity for row in rows),
        "categories": categories,
        "category": category,
        "stock_total": stock_total,
        "account": account,
        "account_balance": account_balance,
        "difference": stock_total - account_balance,
        "today": today,
        "csv_url": query(**params, format="csv"),
    }
    return render(request, "inventory/valuation.html", context)
