"""Storefront reads: the product lists behind browse, category and search pages.

One queryset per page with everything a product tile needs prefetched or
annotated (list price, available-to-promise, the date a sold-out product is
expected back), so a page costs the same number
of queries for 1 product as for a full page.
Search is PostgreSQL full-text search (English stemming on title and
description, exact match on UPC/SKU), ranked by relevance.
"""

from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from oscar.core.loading import get_model

from inventory.selectors import available_to_promise_expression
from purchasing.selectors import expected_date_expression

Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")
StockRecord = get_model("partner", "StockRecord")

ORDERINGS = {
    "newest": ["-date_created", "-pk"],
    "price-asc": ["list_price", "title", "pk"],
    "price-desc": ["-list_price", "title", "pk"],
    "title-asc": ["title", "pk"],
    "title-desc": ["-title", "-pk"],
}


def storefront_products(
    *, query: str = "", ordering: str = "", categories: Any = None
) -> QuerySet[Any]:
    """Public, canonical products for the storefront, ready to render as tiles."""
    lowest_price = StockRecord.objects.filter(product=OuterRef("pk")).order_by("price")
    products = (
        Product.objects.base_queryset()
        .browsable()
        .annotate(
            list_price=Subquery(lowest_price.values("price")[:1]),
            available_to_promise=available_to_promise_expression(),
            # when a sold-out product is expected back (open purchase orders)
            expected_date=expected_date_expression(),
        )
    )
    if categories is not None:
        products = products.filter(
            Exists(ProductCategory.objects.filter(product=OuterRef("pk"), category__in=categories))
        )
    query = query.strip()
    if query:
        search_query = SearchQuery(query, search_type="websearch", config="english")
        vector = SearchVector("title", weight="A", config="english") + SearchVector(
            "description", weight="B", config="english"
        )
        products = products.annotate(document=vector, rank=SearchRank(vector, search_query)).filter(
            Q(document=search_query)
            | Q(upc__iexact=query)
            | Q(
                Exists(
                    StockRecord.objects.filter(product=OuterRef("pk"), partner_sku__iexact=query)
                )
            )
            | Q(title__icontains=query)
        )
        if not ordering or ordering == "relevancy":
            return products.order_by("-rank", "title", "pk")
    return products.order_by(*ORDERINGS.get(ordering, ["title", "pk"]))


def api_products(*, query: str = "", categories: Any = None) -> QuerySet[Any]:
    """The storefront's product query (public, canonical, ATP annotated, searchable),
    narrowed to products with a listing, with only what the API renders prefetched."""
    return (
        storefront_products(query=query, categories=categories)
        .filter(Exists(StockRecord.objects.filter(product=OuterRef("pk"))))
        .prefetch_related(None)
        .prefetch_related(
            Prefetch("stockrecords", queryset=StockRecord.objects.order_by("pk")),
            "images",
            Prefetch(
                "categories",
                queryset=Category.objects.browsable().order_by("path"),
                to_attr="api_categories",
            ),
        )
    )
