"""Order placement: the one way an order comes into being.

Every channel ends in ``OrderCreator.place_order`` (``orders.utils``), which
allocates stock in the order's transaction. The storefront checkout reaches it
through Oscar's checkout views (``shop.checkout``); staff, API, tests and
benchmarks start from a basket here. Totals are always computed on the server
from the basket's strategy; nothing a client sends about money is used.
"""

from typing import Any

from django.db import transaction
from oscar.apps.shipping.methods import Free
from oscar.core.loading import get_class, get_model

from orders import payments, statuses

OrderCreator = get_class("order.utils", "OrderCreator")
OrderNumberGenerator = get_class("order.utils", "OrderNumberGenerator")
OrderTotalCalculator = get_class("checkout.calculators", "OrderTotalCalculator")
ShippingAddress = get_model("order", "ShippingAddress")


def initial_status(payment_method: str) -> str:
    """Card orders are authorised at checkout; bank transfers wait for the money."""
    gateway = payments.gateway_for(payment_method)
    return statuses.READY if gateway.authorises_at_checkout else statuses.PENDING_PAYMENT


def order_place_from_basket(
    *,
    basket: Any,
    shipping_address: Any,
    user: Any = None,
    shipping_method: Any = None,
    guest_email: str = "",
    channel: str = "web",
    payment_method: str = "bank_transfer",
    card: payments.CardDetails | None = None,
) -> Any:
    """Place the basket as an order; raises ``InsufficientStock`` or ``PaymentDeclined``
    and then places nothing."""
    method = shipping_method or Free()
    charge = method.calculate(basket)
    total = OrderTotalCalculator().calculate(basket, charge)
    number = OrderNumberGenerator().order_number(basket)
    gateway = payments.gateway_for(payment_method)
    reference = gateway.authorise(amount=total.incl_tax, currency=total.currency, card=card)
    extra = {"guest_email": guest_email} if guest_email and not user else {}
    try:
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
                status=initial_status(payment_method),
                channel=channel,
                payment_method=payment_method,
                **extra,
            )
            payments.record_authorisation(
                order=order,
                gateway=gateway,
                amount=total.incl_tax,
                reference=reference,
                label=f"card ending {card.last4}" if card else "",
            )
            basket.submit()
    except Exception:
        if reference:
            gateway.void(reference=reference)
        raise
    return order
