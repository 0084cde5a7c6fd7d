"""Property-based: random sequences of business events keep the books right.

After every step of a hypothesis state machine over receive / sell (card or
bank transfer) / pay / ship / return / adjust / cancel: the trial balance nets
to zero, the inventory account equals the stock valuation, receivables equal
open invoices minus open credit notes, and prepayments equal unapplied money.
"""

import contextlib
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from accounting import selectors as ledger
from erp.permissions import SYSTEM
from inventory import selectors as stock
from inventory.services import InsufficientStock, stock_adjust, stock_receive
from orders import statuses
from orders.models import Carrier
from orders.services import (
    OrderError,
    order_cancel,
    order_mark_paid,
    return_authorise,
    return_receive,
    return_request_create,
    shipment_pack,
    shipment_ship,
)
from orders.services.returns import ReturnItem
from tests.factories import ProductFactory, WarehouseFactory, place_order

pytestmark = pytest.mark.django_db


class BooksMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.warehouse = WarehouseFactory(priority=1)
        self.quarantine = WarehouseFactory(is_sellable=False, priority=9)
        self.products = [
            ProductFactory(listing=price) for price in (Decimal("9.95"), Decimal("119.00"))
        ]
        self.carrier = Carrier.objects.get(code="dhl")
        self.orders: list = []

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    @rule(
        which=st.integers(0, 1),
        quantity=st.integers(1, 12),
        cost=st.decimals("0.50", "80", places=2),
    )
    def receive(self, which: int, quantity: int, cost: Decimal) -> None:
        stock_receive(
            user=SYSTEM,
            product=self.products[which],
            warehouse=self.warehouse,
            quantity=quantity,
            unit_cost=cost,
        )

    @rule(which=st.integers(0, 1), quantity=st.integers(1, 4), card=st.booleans())
    def sell(self, which: int, quantity: int, card: bool) -> None:
        try:
            order = place_order(
                [(self.products[which], quantity)],
                payment_method="test_card" if card else "bank_transfer",
            )
        except InsufficientStock:
            return
        self.orders.append(order)

    @rule(data=st.data())
    def pay(self, data: st.DataObject) -> None:
        waiting = [o for o in self.orders if o.status == statuses.PENDING_PAYMENT]
        if waiting:
            order = data.draw(st.sampled_from(waiting))
            order_mark_paid(user=SYSTEM, order=order, reference="transfer")
            order.refresh_from_db()

    @rule(data=st.data())
    def ship(self, data: st.DataObject) -> None:
        ready = [o for o in self.orders if o.status == statuses.READY]
        if not ready:
            return
        order = data.draw(st.sampled_from(ready))
        line = order.lines.get()
        partial = data.draw(st.booleans()) and line.quantity > 1
        shipment = shipment_pack(
            user=SYSTEM,
            order=order,
            warehouse=self.warehouse,
            quantities={line.pk: 1 if partial else line.quantity},
        )
        shipment_ship(user=SYSTEM, shipment=shipment, carrier=self.carrier, tracking_number="T")
        order.refresh_from_db()

    @rule(data=st.data())
    def give_back(self, data: st.DataObject) -> None:
        shipped = [o for o in self.orders if o.status in (statuses.SHIPPED, statuses.RETURNED)]
        if not shipped:
            return
        order = data.draw(st.sampled_from(shipped))
        line = order.lines.get()
        try:
            request = return_request_create(
                user=SYSTEM, order=order, items=[ReturnItem(line.pk, 1, "damaged")]
            )
        except OrderError:
            return  # everything shipped was already returned
        return_authorise(user=SYSTEM, return_request=request)
        target = data.draw(st.sampled_from([self.warehouse, self.quarantine]))
        return_receive(user=SYSTEM, return_request=request, warehouse=target)
        order.refresh_from_db()

    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        open_orders = [o for o in self.orders if o.status in statuses.STAFF_CANCELLABLE]
        if open_orders:
            order = data.draw(st.sampled_from(open_orders))
            order_cancel(user=SYSTEM, order=order)
            order.refresh_from_db()

    @rule(which=st.integers(0, 1), change=st.integers(-5, 5).filter(bool))
    def adjust(self, which: int, change: int) -> None:
        with contextlib.suppress(InsufficientStock):  # more than is free: refused, fine
            stock_adjust(
                user=SYSTEM,
                product=self.products[which],
                warehouse=self.warehouse,
                quantity=change,
                reason="x",
            )

    @invariant()
    def books_agree(self) -> None:
        rows = ledger.trial_balance()
        assert sum(r.debit for r in rows) == sum(r.credit for r in rows)
        assert ledger.unbalanced_entries() == []
        assert ledger.role_balance("inventory") == stock.stock_valuation()
        assert stock.valuation_drift() == []
        assert ledger.role_balance("receivable") == ledger.open_receivables()
        assert -ledger.role_balance("customer_prepayments") == ledger.unapplied_prepayments()


def test_random_business_events_keep_the_books_right():
    run_state_machine_as_test(
        BooksMachine,
        settings=settings(
            max_examples=15,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
