"""``{% expected_around product as day %}``: when an out-of-stock product is
expected back, from the open purchase orders (``purchasing.selectors.expected_dates``).

List pages read the dates with their products (an annotation of
``shop.selectors.storefront_products``) and hand them to their tiles as
``expected_dates`` (``shop.search.views``). The product page asks for its own product (one query).
A tile elsewhere (recommendations, recently viewed, wish lists) shows no date
rather than costing a query per product.
"""

from datetime import date
from typing import Any

from django import template

from purchasing import selectors as purchasing_selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def expected_around(context: Any, product: Any) -> date | None:
    known = context.get("expected_dates")
    if known is not None:
        return known.get(product.pk)
    if context.get("verbose"):  # the product page's own product
        return purchasing_selectors.expected_dates([product.pk]).get(product.pk)
    return None
