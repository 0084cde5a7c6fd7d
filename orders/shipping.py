"""Which shipping methods a basket may use: the ones staff configured.

Every channel (web checkout, API, staff-entered orders) uses these rules; the
order service imports them directly. The storefront's ``shipping`` fork
(``shop/shipping/repository.py``) is the thin shim that hands them to Oscar.
"""

from typing import Any

from django.db.models import Exists, OuterRef
from oscar.apps.shipping import repository
from oscar.apps.shipping.methods import Free
from oscar.core.loading import get_model

OrderAndItemCharges = get_model("shipping", "OrderAndItemCharges")


class Repository(repository.Repository):
    def get_available_shipping_methods(
        self, basket: Any, shipping_addr: Any = None, **kwargs: Any
    ) -> list[Any]:
        """The methods delivering to the address's country (those without any
        country deliver everywhere), cheapest first, in one query."""
        methods = OrderAndItemCharges.objects.order_by("price_per_order", "name")
        country = getattr(shipping_addr, "country_id", None)
        if country is not None:
            countries = OrderAndItemCharges.countries.through.objects.filter(
                orderanditemcharges_id=OuterRef("pk")
            )
            methods = methods.filter(
                ~Exists(countries) | Exists(countries.filter(country_id=country))
            )
        available = list(methods)
        if not available and not OrderAndItemCharges.objects.exists():
            return [Free()]  # a fresh install with nothing configured yet
        return available
