"""``{% order_status_url order as link %}`` in e-mail templates (``orders.status_links``)."""

from typing import Any

from django import template

from orders import status_links

register = template.Library()


@register.simple_tag
def order_status_url(order: Any) -> str:
    return status_links.order_status_url(order)
