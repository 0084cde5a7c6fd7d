"""Writes of the order app: the one way an order comes into being.

Every channel (storefront checkout, staff, API, tests and benchmarks) ends in
``OrderCreator.place_order``; this module wraps it for callers that start from
a basket rather than from Oscar's checkout views. Totals are always computed
here on the server from the basket's strategy; nothing a client sends about
money is used.
"""

from typing import Any

from django.db import transaction
from oscar.apps.shipping.methods import Free
from oscar.core.loading import get_class, get_model

OrderCreator = get_class("order.utils", "OrderCreator")
OrderNumberGenerator = get_class("order.utils", "OrderNumberGenerator")
OrderTotalCalculator = get_class("checkout.calculators", "OrderTotalCalculator")
ShippingAddress = get_model("order", "ShippingAddress")


def order_place_from_basket(
    *,
    basket: Any,
    shipping_address: Any,
    user: Any = None,
    shipping_method: Any = None,
    guest_email: str = "",
) -> Any:
    """Place the basket as an order; raises ``InsufficientStock`` and places nothing if short."""
    method = shipping_method or Free()
    charge = method.calculate(basket)
    total = OrderTotalCalculator().calculate(basket, charge)
    number = OrderNumberGenerator().order_number(basket)
    extra = {"guest_email": guest_email} if guest_email and not user else {}
    with transaction.atomic():
        shipping_address.save()
        order = OrderCreator().place_order(
            basket=basket,
            total=total,
            shipping_method=method,
            shipping_charge=charge,
            user=user,
            shipping_address=shipping_address,
            order_number=number,
            **extra,
        )
        basket.submit()
    return order
