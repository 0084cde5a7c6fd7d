"""The signed link to an order's status page, carried by the confirmation e-mail.

Every order gets one, a guest's or a registered customer's. The link holds the
order number and Oscar's verification hash (an HMAC of the number under
SECRET_KEY), so it cannot be made from a guessed number; the page it opens also
asks for the order's e-mail address. A registered customer's order is otherwise
shown only to its owner, logged in (``shop.account.views``).
"""

from typing import Any

from django.conf import settings
from django.contrib.sites.models import Site
from django.urls import reverse


def order_status_path(order: Any) -> str:
    return reverse(
        "customer:anon-order",
        kwargs={"order_number": order.number, "hash": order.verification_hash()},
    )


def order_status_url(order: Any) -> str:
    """The absolute link, on the site's domain, for e-mails."""
    domain = Site.objects.get_current().domain
    return f"{settings.OSCAR_URL_SCHEMA}://{domain}{order_status_path(order)}"
