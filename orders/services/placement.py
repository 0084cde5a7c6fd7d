"""Order placement: the one way an order comes into being.

Every channel ends in ``OrderCreator.place_order`` (``orders.utils``), which
allocates stock in the order's transaction. The storefront checkout reaches it
through Oscar's checkout views (``shop.checkout``); staff, API, tests and
benchmarks start from a basket here, with the site's offers applied as the web
shop applies them. Totals are always computed on the server from the basket's
strategy and offers; nothing a client sends about money is used.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from oscar.apps.checkout.calculators import OrderTotalCalculator
from oscar.apps.shipping.methods import Free
from oscar.core.loading import get_class, get_model

from erp.db.evaluated import as_evaluated
from erp.services.idempotency import IdempotencyConflict, idempotent_once
from erp.services.outbox import outbox_batch
from orders import payment_gateways, selectors, statuses, webhook_payloads
from orders.models import IdempotencyKey
from orders.offers import Applicator
from orders.payment_gateways import PaymentMethod
from orders.pricing import Selector, basket_line_price_store
from orders.references import InvalidCustomerReference, customer_reference_clean
from orders.services import payments
from orders.services.errors import OrderError
from orders.shipping import Repository

OrderCreator = get_class("order.utils", "OrderCreator")
OrderNumberGenerator = get_class("order.utils", "OrderNumberGenerator")
ShippingAddress = get_model("order", "ShippingAddress")
Order = get_model("order", "Order")
Basket = get_model("basket", "Basket")
BasketLine = get_model("basket", "Line")
BasketLineAttribute = get_model("basket", "LineAttribute")
Voucher = get_model("voucher", "Voucher")


def initial_status(payment_method: str) -> str:
    """Card orders are authorised at checkout; bank transfers wait for the money."""
    gateway = payment_gateways.gateway_for(payment_method)
    return statuses.READY if gateway.authorises_at_checkout else statuses.PENDING_PAYMENT


def order_place_from_basket(
    *,
    basket: Any,
    shipping_address: Any,
    user: Any = None,
    shipping_method: Any = None,
    guest_email: str = "",
    channel: str = "web",
    payment_method: str = PaymentMethod.BANK_TRANSFER,
    card: payment_gateways.CardDetails | None = None,
    customer_reference: str = "",
    billing_address: Any = None,
) -> Any:
    """Place the basket as an order; raises ``InsufficientStock``, ``OrderError`` or
    ``PaymentDeclined`` and then places nothing. ``customer_reference`` is the
    buyer's own order reference (``orders.references``), refused when invalid.
    Called inside a transaction, it takes no savepoint: after a refusal that
    transaction can only roll back, so a caller that goes on wraps the call in
    ``transaction.atomic()``."""
    try:
        customer_reference = customer_reference_clean(customer_reference)
    except InvalidCustomerReference as invalid:
        raise OrderError(str(invalid)) from invalid
    _load_lines_for_placement(basket)
    if not basket.offer_applications:
        # the web shop's middleware applies offers to every request's basket;
        # orders placed here (API, staff) get the same site offers and vouchers
        Applicator().apply(basket, user)
    method = shipping_method or Free()
    charge = method.calculate(basket)
    total = OrderTotalCalculator().calculate(basket, charge)
    number = OrderNumberGenerator().order_number(basket)
    gateway = payment_gateways.gateway_for(payment_method)
    reference = gateway.authorise(amount=total.incl_tax, currency=total.currency, card=card)
    extra = {"guest_email": guest_email} if guest_email and not user else {}
    if customer_reference:
        extra["customer_reference"] = customer_reference
    try:
        # No savepoint inside a caller's transaction (the API's idempotency key):
        # a refusal rolls that transaction back too; a caller that goes on after
        # one wraps the call in its own atomic(). Both outbox events: one INSERT.
        with transaction.atomic(savepoint=False), outbox_batch():
            shipping_address.save()
            if billing_address is not None:
                billing_address.save()
            order = _OrderCreatorInTransaction().place_order(
                basket=basket,
                total=total,
                shipping_method=method,
                shipping_charge=charge,
                user=user,
                shipping_address=shipping_address,
                billing_address=billing_address,
                order_number=number,
                status=initial_status(payment_method),
                channel=channel,
                payment_method=payment_method,
                **extra,
            )
            webhook_payloads.order_created(
                order,
                lines=[
                    (line.stockrecord.partner_sku, line.quantity) for line in basket.all_lines()
                ],
            )
            payments.record_authorisation(
                order=order,
                gateway=gateway,
                amount=total.incl_tax,
                reference=reference,
                label=f"card ending {card.last4}" if card else "",
            )
            _submit(basket)
    except Exception:
        if reference:
            gateway.void(reference=reference)
        raise
    return order


def _submit(basket: Any) -> None:
    """Oscar's ``basket.submit()``, writing the two columns it changes."""
    basket.status, basket.date_submitted = Basket.SUBMITTED, timezone.now()
    Basket.objects.filter(pk=basket.pk).update(
        status=basket.status, date_submitted=basket.date_submitted
    )


class _OrderCreatorInTransaction(OrderCreator):  # type: ignore[misc,valid-type]
    savepoint = False  # inside order_place_from_basket's transaction, undone as a whole


class IdempotencyMismatch(OrderError, IdempotencyConflict):
    """The key was used before with a different request."""


def order_place_idempotent(
    *, user: Any, key: str, fingerprint: str, place: Callable[[], Any]
) -> tuple[Any, bool]:
    """Run ``place()`` once per (user, key); returns the order and whether it is new.

    The kernel's one mechanism (``erp.services.idempotency.idempotent_once``), with
    the key stored in ``orders.IdempotencyKey`` pointing at the order: requests with
    the same key queue on a transaction-scoped advisory lock, so concurrent retries
    see the first one's order once it commits. The key is stored in the order's
    transaction: a failed placement stores nothing and the client may send the
    request again. A replay re-reads the order (its status may have moved on).
    """

    def recall() -> tuple[str, Callable[[], Any]] | None:
        existing = (
            IdempotencyKey.objects.filter(user=user, key=key)
            .values_list("fingerprint", "order_id")
            .first()
        )
        if existing is None:
            return None
        stored_fingerprint, order_id = existing
        return stored_fingerprint, lambda: Order.objects.get(pk=order_id)

    def remember(order: Any) -> None:
        IdempotencyKey.objects.create(user=user, key=key, fingerprint=fingerprint, order=order)

    return idempotent_once(
        user=user,
        lock_key=key,
        fingerprint=fingerprint,
        recall=recall,
        perform=place,
        remember=remember,
        conflict=lambda: IdempotencyMismatch(
            "This Idempotency-Key was already used for a different request; "
            "use a new key for a new order."
        ),
    )


def _load_lines_for_placement(basket: Any) -> None:
    """Read the basket's lines once with what placement uses (product class,
    partner), instead of Oscar's ``all_lines()`` with its image prefetch and a
    product-class query per line. The same query tells which lines have options
    and whether the basket holds vouchers, so that neither is read when there is
    none (the usual case). Lines already loaded (offers applied to them in
    memory) are kept as they are."""
    if basket._lines is not None:
        return
    lines = selectors.basket_lines_for_placement(basket)
    for line in lines:
        if not line.has_attributes:
            line._prefetched_objects_cache = {
                "attributes": as_evaluated(BasketLineAttribute.objects.none(), [])
            }
    prefetch_related_objects([line for line in lines if line.has_attributes], "attributes__option")
    if not any(line.basket_has_vouchers for line in lines):
        basket._prefetched_objects_cache = {
            **getattr(basket, "_prefetched_objects_cache", {}),
            "vouchers": as_evaluated(Voucher.objects.none(), []),
        }
    basket._lines = as_evaluated(basket.lines.order_by("pk"), lines)


@dataclass(frozen=True)
class OrderLineRequest:
    """A line a customer asks to order: the product and quantity; the strategy
    prices it (and picks the stock record when none is given)."""

    product: Any
    quantity: int
    stockrecord: Any = None  # the strategy's choice when not given


def basket_with_lines(*, user: Any, strategy: Any, lines: Sequence[OrderLineRequest]) -> Any:
    """A new basket holding ``lines`` at the strategy's prices, written in two
    INSERTs and kept in memory, so that placing it reads none of it back.

    What Oscar's ``add_product`` does line by line (a read, a savepoint and an
    insert per line, and the lines read again for every price), done once for
    the whole basket: one price quote for all products (a B2B buyer's price
    list is read once), one currency, the line references Oscar would give.
    """
    if not lines:
        raise OrderError("An order needs at least one line.")
    basket = Basket.objects.create(owner=user)
    basket.strategy = strategy
    prepare = getattr(strategy, "prepare", None)
    if prepare is not None:  # quantity breaks: quote each product for its quantity
        prepare(
            [line.product for line in lines], {line.product.pk: line.quantity for line in lines}
        )
    basket_lines = []
    for request in lines:
        product = request.product
        stockrecord = request.stockrecord or strategy.select_stockrecord(product)
        if stockrecord is None:
            raise OrderError(f"“{product.get_title()}” is not for sale.")
        line = BasketLine(
            basket=basket,
            product=product,
            stockrecord=stockrecord,
            quantity=request.quantity,
            line_reference=basket._create_line_reference(product, stockrecord, []),
        )
        info = strategy.fetch_for_line(line, stockrecord)
        if not info.price.exists:
            raise OrderError(f"“{product.get_title()}” has no price.")
        basket_line_price_store(line, info)
        line._prefetched_objects_cache = {
            "attributes": as_evaluated(BasketLineAttribute.objects.none(), [])
        }
        basket_lines.append(line)
    if len({line.price_currency for line in basket_lines}) > 1:
        raise OrderError("All lines of an order must be priced in the same currency.")
    BasketLine.objects.bulk_create(basket_lines)
    basket._lines = as_evaluated(basket.lines.order_by("pk"), basket_lines)
    basket._prefetched_objects_cache = {"vouchers": as_evaluated(Voucher.objects.none(), [])}
    return basket


def order_place_from_lines(
    *,
    user: Any,
    lines: Sequence[OrderLineRequest],
    shipping_address: Any,
    shipping_method_code: str | None = None,
    payment_method: str | None = None,
    channel: str = "api",
    customer_reference: str = "",
    guest_email: str = "",
) -> Any:
    """Place an order for ``lines`` at the customer's own prices (their strategy);
    without a ``user``, a guest's order at list prices, reaching them at ``guest_email``.

    Without a shipping method the cheapest one delivering to the address
    applies; without a payment method the customer's default (on account for
    a B2B buyer, bank transfer otherwise). Cards are taken in the web shop only.
    """
    strategy = Selector().strategy(user=user)
    is_buyer = bool(getattr(strategy, "shows_net_prices", False))
    allowed = [code for code, _ in payment_gateways.payment_choices(is_buyer=is_buyer)]
    payment_method = payment_method or (
        PaymentMethod.ON_ACCOUNT if is_buyer else PaymentMethod.BANK_TRANSFER
    )
    if payment_method == PaymentMethod.TEST_CARD:
        raise OrderError("Card payments are taken in the web shop only; choose another method.")
    if payment_method not in allowed:
        choosable = ", ".join(code for code in allowed if code != PaymentMethod.TEST_CARD)
        raise OrderError(
            f"Payment method “{payment_method}” is not available to you; "
            f"choose one of: {choosable}."
        )
    basket = basket_with_lines(user=user, strategy=strategy, lines=lines)
    methods = Repository().get_available_shipping_methods(basket, shipping_address)
    if shipping_method_code:
        method = next((m for m in methods if m.code == shipping_method_code), None)
        if method is None:
            raise OrderError(
                f"Shipping method “{shipping_method_code}” does not deliver to "
                f"{shipping_address.country.printable_name}."
            )
    elif methods:
        method = methods[0]
    else:
        raise OrderError(f"We do not deliver to {shipping_address.country.printable_name}.")
    return order_place_from_basket(
        basket=basket,
        shipping_address=shipping_address,
        user=user,
        shipping_method=method,
        guest_email=guest_email,
        channel=channel,
        payment_method=payment_method,
        customer_reference=customer_reference,
    )


def idempotency_keys_prune() -> int:
    """Forget order Idempotency-Keys older than ``IDEMPOTENCY_RETENTION_DAYS`` (the
    orders stay); a retry after that places a new order. Returns how many went."""
    cutoff = timezone.now() - timedelta(days=settings.IDEMPOTENCY_RETENTION_DAYS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
