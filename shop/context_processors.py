from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from orders.payment_gateways import PaymentMethod


def bank_account(request: HttpRequest) -> dict[str, dict[str, str]]:
    """Where customers paying by bank transfer send the money."""
    return {"bank_account": settings.BANK_ACCOUNT}


def payment_methods(request: HttpRequest) -> dict[str, type[PaymentMethod]]:
    """The payment-method codes, for templates that compare an order's method
    (``order.payment_method == payment_methods.BANK_TRANSFER``)."""
    return {"payment_methods": PaymentMethod}


def price_display(request: HttpRequest) -> dict[str, Any]:
    """Whether prices are shown net with VAT on its own line (a B2B buyer) or
    gross (a consumer): Oscar's templates call it ``show_tax_separately``.
    Lazy: only pages that show prices ask (and the buyer's company is read
    once per request, by the strategy)."""

    def shows_net() -> bool:
        strategy = getattr(request, "strategy", None)
        return bool(getattr(strategy, "shows_net_prices", False))

    return {"show_tax_separately": SimpleLazyObject(shows_net)}
