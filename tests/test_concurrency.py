"""No overselling and no deadlocks under real concurrency: threads with their
own PostgreSQL connections placing orders at the same moment."""

import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection, connections
from oscar.core.loading import get_model

from erp.permissions import SYSTEM
from inventory import selectors, services
from inventory.models import Stock
from orders.pricing import Selector
from tests.factories import ProductFactory, WarehouseFactory, shipping_address

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db(transaction=True)


def basket_for(items):
    basket = Basket.objects.create()
    basket.strategy = Selector().strategy()
    for product, quantity in items:
        basket.add_product(product, quantity)
    return basket


def run_concurrently(baskets, timeout=120):
    """Place every basket as an order, each in its own thread and connection."""
    from orders.services import order_place_from_basket

    start = threading.Barrier(len(baskets))
    outcomes: list[str] = []
    lock = threading.Lock()

    def place(basket):
        try:
            start.wait()
            try:
                order_place_from_basket(
                    basket=basket, shipping_address=shipping_address(), guest_email="a@b.example"
                )
                outcome = "placed"
            except services.InsufficientStock as refused:
                outcome = f"refused: {refused}"
            except Exception as error:  # recorded, the test asserts there are none
                outcome = f"error: {type(error).__name__}: {error}"
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=place, args=(basket,)) for basket in baskets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    return outcomes


def test_forty_buyers_for_ten_units_give_exactly_ten_orders():
    warehouse = WarehouseFactory(code="BER-1")
    product = ProductFactory(title="Last Tent")
    services.stock_receive(
        user=SYSTEM, product=product, warehouse=warehouse, quantity=10, unit_cost=Decimal(3)
    )
    baskets = [basket_for([(product, 1)]) for _ in range(40)]

    outcomes = run_concurrently(baskets)

    counts = Counter(outcome.split(":")[0] for outcome in outcomes)
    assert counts == {"placed": 10, "refused": 30}, outcomes
    assert all(
        o == "refused: “Last Tent” is out of stock." or o.startswith("refused: Only")
        for o in outcomes
        if o.startswith("refused")
    )
    assert Order.objects.count() == 10
    stock = Stock.objects.get(product=product)
    assert (stock.on_hand, stock.allocated) == (10, 10)
    assert selectors.available_to_promise([product.pk]) == {product.pk: 0}
    assert selectors.stock_drift() == []


def test_two_line_orders_in_opposite_order_do_not_deadlock():
    warehouse = WarehouseFactory(code="BER-1")
    tent, lamp = ProductFactory(title="Tent"), ProductFactory(title="Lamp")
    for product in (tent, lamp):
        services.stock_receive(
            user=SYSTEM, product=product, warehouse=warehouse, quantity=100, unit_cost=1
        )
    baskets = [
        basket_for([(tent, 1), (lamp, 1)] if index % 2 else [(lamp, 1), (tent, 1)])
        for index in range(24)
    ]

    outcomes = run_concurrently(baskets)

    assert outcomes == ["placed"] * 24
    assert selectors.available_to_promise([tent.pk, lamp.pk]) == {tent.pk: 76, lamp.pk: 76}
    assert selectors.stock_drift() == []
    assert connection.vendor == "postgresql"


def test_two_workers_running_the_same_tracking_email_task_send_it_once(mailoutbox):
    from orders.models import Carrier
    from orders.services import shipment_pack, shipment_ship
    from orders.tasks import send_tracking_email
    from tests.factories import place_order

    warehouse = WarehouseFactory(code="BER-1")
    product = ProductFactory(title="Tent")
    services.stock_receive(
        user=SYSTEM, product=product, warehouse=warehouse, quantity=2, unit_cost=1
    )
    order = place_order([(product, 1)])
    shipment = shipment_pack(
        user=SYSTEM, order=order, warehouse=warehouse, quantities={order.lines.get().pk: 1}
    )
    shipment_ship(
        user=SYSTEM, shipment=shipment, carrier=Carrier.objects.get(code="dhl"), tracking_number="T"
    )
    start = threading.Barrier(4)
    results: list[bool] = []

    def deliver_message() -> None:
        try:
            start.wait()
            results.append(send_tracking_email(shipment.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver_message) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(results) == [False, False, False, True]
    assert len(mailoutbox) == 1
