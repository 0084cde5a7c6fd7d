"""Fork of Oscar's ``basket`` models: a line stores its unit price for its quantity.

The price itself is the strategy's (``orders.pricing``), stored on the line by
``orders.pricing.basket_line_price_store`` as the order service stores it.
"""

from typing import Any

from oscar.apps.basket.abstract_models import AbstractLine
from oscar.apps.partner.availability import Unavailable
from oscar.templatetags.currency_filters import currency

from accounting.money import money
from orders.pricing import basket_line_price_store


class Line(AbstractLine):
    _saved_quantity: int | None = None

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> "Line":
        line = super().from_db(db, field_names, values)
        line._saved_quantity = line.quantity
        return line

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.quantity != self._saved_quantity and self._store_price_for_quantity():
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {
                    *update_fields,
                    "price_excl_tax",
                    "price_incl_tax",
                    "price_currency",
                    "tax_code",
                }
        super().save(*args, **kwargs)
        self._saved_quantity = self.quantity

    def _store_price_for_quantity(self) -> bool:
        """Price the line for its (new) quantity, as the basket will charge it.

        Needs the basket's strategy: a basket being merged before the request
        gave it one keeps the prices its lines were added at."""
        basket = self._state.fields_cache.get("basket")
        if basket is None or not basket.has_strategy or self.quantity <= 0:
            return False
        self.__dict__.pop("_info", None)
        info = basket.strategy.fetch_for_line(self, self.stockrecord)
        if not info.price.exists:
            return False
        basket_line_price_store(self, info)
        return True

    def get_warning(self) -> str | None:
        """Unavailable, or the unit price changed since it was stored, in the
        figures the buyer is shown (net "excl. VAT" for a B2B buyer)."""
        price = self.purchase_info.price
        if isinstance(self.purchase_info.availability, Unavailable):
            return f"‘{self.product.get_title()}’ is no longer available"
        if not price.exists:
            return None
        if getattr(price, "is_net_display", False):
            before, now, basis = self.price_excl_tax, price.excl_tax, "excl. VAT"
        elif price.is_tax_known:
            before, now, basis = self.price_incl_tax, price.incl_tax, "incl. VAT"
        else:
            return None
        if before is None or now is None or money(before) == money(now):
            return None
        direction = "increased" if now > before else "decreased"
        return (
            f"The price of ‘{self.product.get_title()}’ has {direction} from "
            f"{currency(money(before), self.price_currency)} to "
            f"{currency(money(now), self.price_currency)} ({basis}) since you added it "
            "to your basket"
        )


from oscar.apps.basket.models import *  # noqa: E402, F403 - Oscar's fork pattern
