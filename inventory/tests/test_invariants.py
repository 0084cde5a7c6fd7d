"""Property-based: random sequences of stock operations keep every invariant.

A hypothesis state machine drives the real services against PostgreSQL and a
plain-Python model of what each warehouse should hold. After every step: each
row's on_hand equals the sum of its moves, allocated equals its open
allocations, 0 <= allocated <= on_hand, and the figures match the model.
"""

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from erp.permissions import SYSTEM
from inventory import selectors, services
from inventory.models import Stock
from tests.factories import LineFactory, ProductFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

WAREHOUSE = st.integers(min_value=0, max_value=2)  # two sellable, one quarantine
QUANTITY = st.integers(min_value=1, max_value=15)


class StockMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.product = ProductFactory()
        self.warehouses = [
            WarehouseFactory(priority=1),
            WarehouseFactory(priority=2),
            WarehouseFactory(is_sellable=False, priority=3),
        ]
        self.on_hand = [0, 0, 0]
        self.allocated = [0, 0, 0]
        self.open_lines: dict[int, int] = {}  # order line id -> open quantity

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    def free(self, index: int) -> int:
        return self.on_hand[index] - self.allocated[index]

    def sync_allocated(self) -> None:
        rows = Stock.objects.filter(product=self.product).values_list("warehouse_id", "allocated")
        by_warehouse = dict(rows)
        self.allocated = [by_warehouse.get(w.pk, 0) for w in self.warehouses]

    @rule(index=WAREHOUSE, quantity=QUANTITY, cost=st.decimals(0, 500, places=2))
    def receive(self, index: int, quantity: int, cost: Decimal) -> None:
        services.stock_receive(
            user=SYSTEM,
            product=self.product,
            warehouse=self.warehouses[index],
            quantity=quantity,
            unit_cost=cost,
        )
        self.on_hand[index] += quantity

    @rule(source=WAREHOUSE, destination=WAREHOUSE, quantity=QUANTITY)
    def transfer(self, source: int, destination: int, quantity: int) -> None:
        if source == destination:
            with pytest.raises(services.InventoryError):
                services.stock_transfer(
                    user=SYSTEM,
                    product=self.product,
                    source=self.warehouses[source],
                    destination=self.warehouses[destination],
                    quantity=quantity,
                )
            return
        if quantity > self.free(source):
            with pytest.raises(services.InsufficientStock):
                services.stock_transfer(
                    user=SYSTEM,
                    product=self.product,
                    source=self.warehouses[source],
                    destination=self.warehouses[destination],
                    quantity=quantity,
                )
            return
        services.stock_transfer(
            user=SYSTEM,
            product=self.product,
            source=self.warehouses[source],
            destination=self.warehouses[destination],
            quantity=quantity,
        )
        self.on_hand[source] -= quantity
        self.on_hand[destination] += quantity

    @rule(quantity=QUANTITY)
    def allocate(self, quantity: int) -> None:
        line = LineFactory(product=self.product, quantity=quantity)
        request = services.StockAllocationRequest(line.pk, self.product.pk, quantity)
        promisable = self.free(0) + self.free(1)
        if quantity > promisable:
            with pytest.raises(services.InsufficientStock) as refused:
                services.stock_allocate(lines=[request])
            assert refused.value.shortages[0].available == promisable
            return
        services.stock_allocate(lines=[request])
        # priority order: the first sellable warehouse gives first
        first = min(quantity, self.free(0))
        self.allocated[0] += first
        self.allocated[1] += quantity - first
        self.open_lines[line.pk] = quantity

    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        if not self.open_lines:
            return
        line_id = data.draw(st.sampled_from(sorted(self.open_lines)))
        released = services.stock_release(order_line_ids=[line_id])
        assert released == self.open_lines.pop(line_id)
        self.sync_allocated()

    @rule(data=st.data())
    def issue(self, data: st.DataObject) -> None:
        if not self.open_lines:
            return
        line_id = data.draw(st.sampled_from(sorted(self.open_lines)))
        quantity = data.draw(st.integers(min_value=1, max_value=self.open_lines[line_id] + 2))
        if quantity > self.open_lines[line_id]:
            with pytest.raises(services.InventoryError):
                services.stock_issue(order_line_id=line_id, quantity=quantity)
            return
        before = Stock.objects.filter(product=self.product).values_list("warehouse_id", "on_hand")
        moves = services.stock_issue(order_line_id=line_id, quantity=quantity)
        assert -sum(move.quantity for move in moves) == quantity
        for move in moves:
            index = [w.pk for w in self.warehouses].index(move.warehouse_id)
            self.on_hand[index] += move.quantity
        assert dict(before)  # rows existed before shipping
        self.open_lines[line_id] -= quantity
        if not self.open_lines[line_id]:
            del self.open_lines[line_id]
        self.sync_allocated()

    @rule(index=WAREHOUSE, change=st.integers(min_value=-15, max_value=15).filter(bool))
    def adjust(self, index: int, change: int) -> None:
        if change < 0 and -change > self.free(index):
            with pytest.raises(services.InsufficientStock):
                services.stock_adjust(
                    user=SYSTEM,
                    product=self.product,
                    warehouse=self.warehouses[index],
                    quantity=change,
                    reason="x",
                )
            return
        services.stock_adjust(
            user=SYSTEM,
            product=self.product,
            warehouse=self.warehouses[index],
            quantity=change,
            reason="x",
        )
        self.on_hand[index] += change

    @rule(index=WAREHOUSE, counted=st.integers(min_value=0, max_value=40))
    def count(self, index: int, counted: int) -> None:
        if counted < self.allocated[index]:
            with pytest.raises(services.InventoryError):
                services.stock_count(
                    user=SYSTEM,
                    product=self.product,
                    warehouse=self.warehouses[index],
                    counted=counted,
                )
            return
        services.stock_count(
            user=SYSTEM, product=self.product, warehouse=self.warehouses[index], counted=counted
        )
        self.on_hand[index] = counted

    @rule(index=WAREHOUSE, quantity=QUANTITY)
    def give_back(self, index: int, quantity: int) -> None:
        services.stock_return(
            product=self.product, warehouse=self.warehouses[index], quantity=quantity
        )
        self.on_hand[index] += quantity

    @invariant()
    def books_agree_with_the_ledger_and_the_model(self) -> None:
        rows = {row.warehouse_id: row for row in Stock.objects.filter(product=self.product)}
        for index, warehouse in enumerate(self.warehouses):
            row = rows.get(warehouse.pk)
            on_hand = row.on_hand if row else 0
            allocated = row.allocated if row else 0
            assert (on_hand, allocated) == (self.on_hand[index], self.allocated[index])
            assert 0 <= allocated <= on_hand
        drifted = [d for d in selectors.stock_drift() if d.product_id == self.product.pk]
        assert drifted == []
        assert selectors.available_to_promise([self.product.pk]) == {
            self.product.pk: self.free(0) + self.free(1)
        }
        assert sum(self.open_lines.values()) == sum(self.allocated)


def test_random_stock_operations_keep_every_invariant():
    run_state_machine_as_test(
        StockMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
