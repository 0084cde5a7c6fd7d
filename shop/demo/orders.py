"""Demo orders in every state of the pipeline, placed and moved through the
real services, so the back office and the account pages are alive on first
start. Idempotent: skipped once the demo customer has orders.
"""

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone
from oscar.core.loading import get_class, get_model

from accounting.services import backdated
from erp.permissions import SYSTEM
from erp.side_effects import side_effects_settle
from inventory.models import Warehouse
from inventory.selectors import available_to_promise
from orders import services
from orders.models import Carrier, Shipment
from orders.payments import CardDetails
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
    ("pending", "bank_transfer", 1),
    ("ready", "test_card", 0),
    ("ready", "test_card", 1),
    ("picking", "test_card", 2),
    ("packed", "test_card", 2),
    ("partial", "test_card", 4),
    ("shipped", "test_card", 5),
    ("shipped", "bank_transfer", 6),
    ("delivered", "test_card", 12),
    ("delivered", "test_card", 20),
    ("cancelled", "test_card", 3),
    ("return_requested", "test_card", 15),
    ("returned", "test_card", 25),
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


def _address(rng: random.Random, customer: Any) -> Any:
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
        first, last, line1, city, postcode, country = rng.choice(GUESTS)
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
        shipping_address=_address(rng, customer),
        user=customer,
        guest_email="" if customer else f"{guest[0].lower()}.{guest[1].lower()}@example.com",  # type: ignore[index]
        shipping_method=method,
        payment_method=payment,
        card=CARD if payment == "test_card" else None,
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


def _age(order: Any, days: int) -> None:
    """Move the demo order's history back in time, so timelines look lived in."""
    shift = timedelta(days=days)
    Order.objects.filter(pk=order.pk).update(date_placed=F("date_placed") - shift)
    OrderStatusChange.objects.filter(order=order).update(date_created=F("date_created") - shift)
    Shipment.objects.filter(order=order).update(
        shipped_at=F("shipped_at") - shift + timedelta(days=1),
        tracking_email_sent_at=timezone.now(),  # demo orders send no e-mails
    )
    for subject in [order, *Shipment.objects.filter(order=order)]:
        side_effects_settle(subject=subject, note="Not sent: demo data.")


HISTORY_ORDERS = 40


def _history(rng: random.Random, customer: Any, products: list[Any]) -> int:
    """Delivered web orders over the last three months, for the sales reports."""
    placed = 0
    today = timezone.localdate()
    for index in range(HISTORY_ORDERS):
        days_ago = 88 - index * 2
        day = today - timedelta(days=days_ago)
        with backdated(day):
            owner = customer if index % 7 == 0 else None
            order = _place(rng, owner, "test_card", products)
            for shipment in _ship(order, rng):
                services.shipment_deliver(user=SYSTEM, shipment=shipment)
        _age(order, days_ago)
        placed += 1
    return placed


def seed_orders() -> int:
    customer = get_user_model().objects.filter(username="customer@example.com").first()
    if Order.objects.filter(guest_email__endswith="@example.com").exists() or (
        customer and Order.objects.filter(user=customer).exists()
    ):
        return 0
    seed_shipping_methods()
    rng = random.Random(99)
    atp = available_to_promise(Product.objects.values_list("pk", flat=True))
    ids = [pk for pk, units in atp.items() if units > 20]
    products = list(Product.objects.filter(pk__in=ids).order_by("pk")[:40])
    placed = _history(rng, customer, products)
    for index, (target, payment, days) in enumerate(SCENARIOS):
        owner = customer if index % 3 == 0 else None
        with backdated(timezone.localdate() - timedelta(days=days)):
            order = _scenario(rng, owner, target, payment, products)
        _age(order, days)
        placed += 1
    return placed


def _scenario(
    rng: random.Random, owner: Any, target: str, payment: str, products: list[Any]
) -> Any:
    """Place an order and move it to ``target`` through the real services."""
    order = _place(rng, owner, payment, products)
    if target == "pending":
        return order
    if target == "cancelled":
        services.order_cancel(user=SYSTEM, order=order, reason="customer changed their mind")
        return order
    if payment == "bank_transfer":
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
    elif target == "partial":
        _ship(order, rng, partial=True)
    elif target in ("shipped", "delivered", "return_requested", "returned"):
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
                services.return_receive(
                    user=SYSTEM,
                    return_request=request,
                    warehouse=Warehouse.objects.get(code="RET-Q"),
                )
    return order
