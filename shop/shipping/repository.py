"""Which shipping methods a basket may use: the ones staff configured."""

from typing import Any

from oscar.apps.shipping import repository
from oscar.apps.shipping.methods import Free
from oscar.core.loading import get_model

OrderAndItemCharges = get_model("shipping", "OrderAndItemCharges")


class Repository(repository.Repository):
    def get_available_shipping_methods(
        self, basket: Any, shipping_addr: Any = None, **kwargs: Any
    ) -> list[Any]:
        configured = list(
            OrderAndItemCharges.objects.prefetch_related("countries").order_by(
                "price_per_order", "name"
            )
        )
        if not configured:
            return [Free()]  # a fresh install with nothing configured yet
        country = getattr(shipping_addr, "country_id", None)
        return [
            method
            for method in configured
            if country is None
            or not method.countries.all()
            or any(c.pk == country for c in method.countries.all())
        ]
