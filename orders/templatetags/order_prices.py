"""``{% order_shows_net order as net %}``: whether an order's documents show its
prices net with VAT on its own line (the order of a B2B buyer, priced from
their company's price list) or gross (a consumer's). E-mails are rendered by a
worker, without a request: they ask the order, not the viewer."""

from typing import Any

from django import template

from crm.selectors import company_for

register = template.Library()


@register.simple_tag
def order_shows_net(order: Any) -> bool:
    return order.user_id is not None and company_for(order.user) is not None
