"""Demo orders in every state of the pipeline, placed and moved through the
real services, so the back office and the account pages are alive on first
start. Idempotent: skipped once the demo customer has orders.

One consistent story: a guest's name matches their e-mail address; each order
is placed on its day, ships a day later (invoiced that day, the tracking e-mail
dated with the parcel), is delivered two days after that, and a return is asked
for, authorised and received on the days after (never in the future); orders
are placed oldest first, so invoice numbers ascend with invoice dates. Nothing
is e-mailed: the side effects are recorded without messages and settled.
"""

import functools
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone
from oscar.core.loading import get_class, get_model

from accounting.services import backdated
from erp.permissions import SYSTEM
from erp.side_effects import side_effects_settle, side_effects_unqueued
from inventory.models import Warehouse
from inventory.selectors import available_to_promise
from orders import services, statuses
from orders.models import Carrier, ReturnRequest, Shipment
from orders.payment_gateways import CardDetails, PaymentMethod
from orders.selectors import line_progress
from orders.services.returns import ReturnItem

Basket = get_model("basket", "Basket")
Country = get_model("address", "Country")
Order = get_model("order", "Order")
OrderAndItemCharges = get_model("shipping", "OrderAndItemCharges")
OrderStatusChange = get_model("order", "OrderStatusChange")
Product = get_model("catalogue", "Product")
ShippingAddress = get_model("order", "ShippingAddress")
Selector = get_class("partner.strategy", "Selector")

CARD = CardDetails("4242424242424242", 12, 2030, "123")
GUESTS = [
    ("Lena", "Schmidt", "Kastanienallee 12", "Berlin", "10435", "DE"),
    ("Tom", "Baker", "14 Mill Lane", "York", "YO1 7HP", "GB"),
    ("Camille", "Dubois", "8 Rue des Lilas", "Lyon", "69003", "FR"),
    ("Jonas", "Berg", "Storgatan 4", "Uppsala", "753 20", "SE"),
    ("Emily", "Carter", "220 Oak Street", "Portland", "97204", "US"),
    ("Marco", "Rossi", "Via Roma 21", "Bologna", "40121", "IT"),
]
# (status to reach, payment method, days ago placed)
SCENARIOS = [
    ("pending", PaymentMethod.BANK_TRANSFER, 1),
    ("ready", PaymentMethod.TEST_CARD, 0),
    ("ready", PaymentMethod.TEST_CARD, 1),
    ("picking", PaymentMethod.TEST_CARD, 2),
    ("packed", PaymentMethod.TEST_CARD, 2),
    ("partial", PaymentMethod.TEST_CARD, 4),
    ("shipped", PaymentMethod.TEST_CARD, 5),
    ("shipped", PaymentMethod.BANK_TRANSFER, 6),
    ("delivered", PaymentMethod.TEST_CARD, 12),
    ("delivered", PaymentMethod.TEST_CARD, 20),
    ("cancelled", PaymentMethod.TEST_CARD, 3),
    ("return_requested", PaymentMethod.TEST_CARD, 15),
    ("returned", PaymentMethod.TEST_CARD, 25),
]


#: what earlier demos wrote: an amount without its currency (the checkout now
#: states the free-delivery threshold itself, from the method, with the currency)
OLD_STANDARD_DESCRIPTION = "Free on orders of 50.00 or more."
STANDARD_DESCRIPTION = "Tracked parcel, delivered in 2-4 working days."


def seed_shipping_methods() -> None:
    OrderAndItemCharges.objects.filter(
        code="standard", description=OLD_STANDARD_DESCRIPTION
    ).update(description=STANDARD_DESCRIPTION)
    OrderAndItemCharges.objects.get_or_create(
        code="standard",
        defaults={
            "name": "Standard delivery (2-4 days)",
            "description": STANDARD_DESCRIPTION,
            "price_per_order": Decimal("4.95"),
            "free_shipping_threshold": Decimal("50.00"),
        },
    )
    OrderAndItemCharges.objects.get_or_create(
        code="express",
        defaults={
            "name": "Express delivery (next working day)",
            "price_per_order": Decimal("12.90"),
        },
    )


def guest_email(guest: tuple[str, ...]) -> str:
    """The guest's address, made of their name (ASCII: no accents in the demo names)."""
    return f"{guest[0].lower()}.{guest[1].lower()}@example.com"


def _address(customer: Any, guest: tuple[str, ...] | None) -> Any:
    if customer is not None:
        first, last, line1, city, postcode, country = (
            customer.first_name,
            customer.last_name,
            "Heidestraße 17",
            "Köln",
            "51147",
            "DE",
        )
    else:
        assert guest is not None
        first, last, line1, city, postcode, country = guest
    return ShippingAddress(
        first_name=first,
        last_name=last,
        line1=line1,
        line4=city,
        postcode=postcode,
        country=Country.objects.get(pk=country),
    )


def _place(rng: random.Random, customer: Any, payment: str, products: list[Any]) -> Any:
    basket = Basket.objects.create(owner=customer)
    basket.strategy = Selector().strategy(user=customer)
    for product in rng.sample(products, rng.randint(1, 3)):
        basket.add_product(product, rng.randint(1, 2))
    method = OrderAndItemCharges.objects.get(code=rng.choice(["standard", "standard", "express"]))
    guest = None if customer else rng.choice(GUESTS)
    return services.order_place_from_basket(
        basket=basket,
        shipping_address=_address(customer, guest),
        user=customer,
        guest_email=guest_email(guest) if guest else "",
        shipping_method=method,
        payment_method=payment,
        card=CARD if payment == PaymentMethod.TEST_CARD else None,
    )


def _ship(order: Any, rng: random.Random, partial: bool = False) -> list[Shipment]:
    carriers = list(Carrier.objects.filter(code__in=["dhl", "dpd", "ups"]))
    shipments = []
    progress = line_progress(order)
    for warehouse_id in sorted({w for entry in progress for w in entry.allocated}):
        quantities = {entry.line.pk: entry.allocated.get(warehouse_id, 0) for entry in progress}
        if partial:
            first = next(line_id for line_id, qty in quantities.items() if qty)
            quantities = {first: 1}
        shipment = services.shipment_pack(
            user=SYSTEM,
            order=order,
            warehouse=Warehouse.objects.get(pk=warehouse_id),
            quantities=quantities,
        )
        carrier = rng.choice(carriers)
        services.shipment_ship(
            user=SYSTEM,
            shipment=shipment,
            carrier=carrier,
            tracking_number=f"{carrier.code.upper()}{rng.randint(10**9, 10**10 - 1)}",
        )
        shipments.append(shipment)
        if partial:
            break
    return shipments


# days after placement on which each later step happens (capped at today)
SHIP_AFTER, DELIVER_AFTER, RETURN_AFTER, AUTHORISE_AFTER, RECEIVE_AFTER = 1, 3, 5, 6, 8
STEP_AFTER = {
    statuses.PARTIALLY_SHIPPED: SHIP_AFTER,
    statuses.SHIPPED: SHIP_AFTER,
    statuses.DELIVERED: DELIVER_AFTER,
    statuses.RETURN_REQUESTED: RETURN_AFTER,
    statuses.RETURNED: RECEIVE_AFTER,
}


def _shift(days_ago: int, after: int) -> timedelta:
    """How far back a step taken ``after`` days after placement ``days_ago`` lies."""
    return timedelta(days=max(days_ago - after, 0))


@contextmanager
def on_day(days_ago: int, after: int = 0) -> Iterator[None]:
    """Post what happens inside on the day of the step (invoices, payments, credit notes)."""
    with backdated(timezone.localdate() - _shift(days_ago, after)):
        yield


def _age(order: Any, days: int) -> None:
    """Move the demo order's history back in time, each step to its day."""
    Order.objects.filter(pk=order.pk).update(date_placed=F("date_placed") - _shift(days, 0))
    for change in OrderStatusChange.objects.filter(order=order):
        after = STEP_AFTER.get(change.new_status, 0)
        OrderStatusChange.objects.filter(pk=change.pk).update(
            date_created=F("date_created") - _shift(days, after)
        )
    ship, deliver = _shift(days, SHIP_AFTER), _shift(days, DELIVER_AFTER)
    Shipment.objects.filter(order=order).update(packed_at=F("packed_at") - ship)
    Shipment.objects.filter(order=order, shipped_at__isnull=False).update(
        shipped_at=F("shipped_at") - ship,
        tracking_email_sent_at=F("shipped_at") - ship,  # the e-mail went with the parcel
    )
    Shipment.objects.filter(order=order, delivered_at__isnull=False).update(
        delivered_at=F("delivered_at") - deliver
    )
    ReturnRequest.objects.filter(order=order).update(
        requested_at=F("requested_at") - _shift(days, RETURN_AFTER)
    )
    ReturnRequest.objects.filter(order=order, authorised_at__isnull=False).update(
        authorised_at=F("authorised_at") - _shift(days, AUTHORISE_AFTER)
    )
    ReturnRequest.objects.filter(order=order, received_at__isnull=False).update(
        received_at=F("received_at") - _shift(days, RECEIVE_AFTER)
    )
    settle_demo_side_effects(order)


def settle_demo_side_effects(order: Any) -> None:
    """Demo orders e-mail nobody: their recorded e-mails are marked done, unsent."""
    subjects = [
        order,
        *Shipment.objects.filter(order=order),
        *ReturnRequest.objects.filter(order=order),
    ]
    for subject in subjects:
        side_effects_settle(subject=subject, note="Not sent: demo data.")


@dataclass(frozen=True)
class DemoOrder:
    """An order of the demo story: placed ``days_ago`` by ``make``, which moves it
    on through the services (each step inside ``on_day``) and returns it."""

    days_ago: int
    make: Callable[[], Any]


HISTORY_ORDERS = 40


def _history_order(rng: random.Random, owner: Any, products: list[Any], days_ago: int) -> Any:
    """A delivered web order, for the sales reports."""
    with on_day(days_ago):
        order = _place(rng, owner, PaymentMethod.TEST_CARD, products)
    with on_day(days_ago, SHIP_AFTER):
        shipments = _ship(order, rng)
    for shipment in shipments:
        services.shipment_deliver(user=SYSTEM, shipment=shipment)
    return order


def retail_orders(rng: random.Random, customer: Any, products: list[Any]) -> list[DemoOrder]:
    """Delivered web orders over the last three months, then one in every state."""
    plans: list[DemoOrder] = []
    for index in range(HISTORY_ORDERS):
        days_ago = 88 - index * 2
        owner = customer if index % 7 == 0 else None
        plans.append(
            DemoOrder(days_ago, functools.partial(_history_order, rng, owner, products, days_ago))
        )
    for index, (target, payment, days_ago) in enumerate(SCENARIOS):
        owner = customer if index % 3 == 0 else None
        plans.append(
            DemoOrder(
                days_ago,
                functools.partial(_scenario, rng, owner, target, payment, products, days_ago),
            )
        )
    return plans


def seed_orders(*, also: list[DemoOrder] | None = None) -> int:
    """Place the retail demo orders (once) and ``also`` (the B2B buyers'), all in
    the order of their days, oldest first; returns how many were placed."""
    plans = list(also or [])
    customer = get_user_model().objects.filter(username="customer@example.com").first()
    seeded = Order.objects.filter(guest_email__endswith="@example.com").exists() or (
        customer and Order.objects.filter(user=customer).exists()
    )
    seed_shipping_methods()
    rng = random.Random(99)
    if not seeded:
        atp = available_to_promise(Product.objects.values_list("pk", flat=True))
        ids = [pk for pk, units in atp.items() if units > 20]
        products = list(Product.objects.filter(pk__in=ids).order_by("pk")[:40])
        plans += retail_orders(rng, customer, products)
    # stable: same-day orders keep their place in the list
    plans.sort(key=lambda plan: -plan.days_ago)
    with side_effects_unqueued():
        for plan in plans:
            _age(plan.make(), plan.days_ago)
    return len(plans)


def _scenario(
    rng: random.Random, owner: Any, target: str, payment: str, products: list[Any], days: int
) -> Any:
    """Place an order ``days`` ago and move it to ``target`` through the real services."""
    with on_day(days):
        order = _place(rng, owner, payment, products)
        if target == "pending":
            return order
        if target == "cancelled":
            services.order_cancel(user=SYSTEM, order=order, reason="customer changed their mind")
            return order
        if payment == PaymentMethod.BANK_TRANSFER:
            services.order_mark_paid(user=SYSTEM, order=order, reference="demo transfer")
        if target == "picking":
            services.order_start_picking(user=SYSTEM, order=order)
        elif target == "packed":
            line = order.lines.first()
            entry = next(e for e in line_progress(order) if e.line.pk == line.pk)
            warehouse_id, units = next(iter(entry.allocated.items()))
            services.shipment_pack(
                user=SYSTEM,
                order=order,
                warehouse=Warehouse.objects.get(pk=warehouse_id),
                quantities={line.pk: units},
            )
    if target == "partial":
        with on_day(days, SHIP_AFTER):
            _ship(order, rng, partial=True)
    elif target in ("shipped", "delivered", "return_requested", "returned"):
        with on_day(days, SHIP_AFTER):
            shipments = _ship(order, rng)
        if target != "shipped":
            for shipment in shipments:
                services.shipment_deliver(user=SYSTEM, shipment=shipment)
        if target in ("return_requested", "returned"):
            line = order.lines.first()
            request = services.return_request_create(
                user=SYSTEM,
                order=order,
                items=[ReturnItem(line.pk, 1, "damaged", "box was crushed")],
            )
            if target == "returned":
                services.return_authorise(user=SYSTEM, return_request=request)
                with on_day(days, RECEIVE_AFTER):
                    services.return_receive(
                        user=SYSTEM,
                        return_request=request,
                        warehouse=Warehouse.objects.get(code="RET-Q"),
                    )
    return order
