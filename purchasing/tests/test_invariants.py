"""Property-based: random sequences of purchasing operations keep the books and
the documents in step.

A hypothesis state machine drives the real services (create, send, receive with
charges, bill at random prices, approve, return, pay) against PostgreSQL and a
plain-Python count of what each line should have received. After every step:

- received <= ordered x (1 + tolerance) and billed <= received on every line;
- GRNI in the ledger = value received and not yet billed (at the PO price);
- the inventory account = the stock valuation (sum of product values);
- Accounts payable = bills posted - debit notes - payments;
- on hand of each product = what the model says arrived and did not go back.
"""

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from accounting.selectors import role_balance
from erp.permissions import SYSTEM
from inventory.models import ProductCost, Stock
from purchasing.models import PurchaseOrder, PurchaseOrderLine, SupplierBill, SupplierPayment
from purchasing.services import (
    BillLineRequest,
    ChargeRequest,
    PurchaseLineRequest,
    PurchasingError,
    ReceiptLineRequest,
    ReturnLineRequest,
    purchase_order_create,
    purchase_order_receive,
    purchase_order_send,
    supplier_bill_approve,
    supplier_bill_enter,
    supplier_payment_record,
    supplier_return,
)
from purchasing.tests.factories import SupplierFactory
from tests.factories import ProductFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

ZERO = Decimal("0")
COST = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("150"), places=4)


class PurchasingMachine(RuleBasedStateMachine):
    orders = Bundle("orders")

    def __init__(self) -> None:
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.supplier = SupplierFactory(code="HYPO")
        self.warehouse = WarehouseFactory(code="MAIN", priority=1)
        self.products = [ProductFactory(), ProductFactory()]
        self.on_hand = {product.pk: 0 for product in self.products}
        self.references = 0

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    @rule(
        target=orders,
        first=st.integers(1, 20),
        second=st.integers(0, 20),
        costs=st.tuples(COST, COST),
        send=st.booleans(),
    )
    def create(self, first, second, costs, send):
        lines = [PurchaseLineRequest(self.products[0], first, costs[0])]
        if second:
            lines.append(PurchaseLineRequest(self.products[1], second, costs[1]))
        order = purchase_order_create(
            user=SYSTEM, supplier=self.supplier, warehouse=self.warehouse, lines=lines
        )
        if send:
            order = purchase_order_send(user=SYSTEM, order=order)
        return order.pk

    @rule(order_id=orders)
    def send(self, order_id):
        order = PurchaseOrder.objects.get(pk=order_id)
        if order.status == "draft":
            purchase_order_send(user=SYSTEM, order=order)
        else:
            with pytest.raises(PurchasingError):
                purchase_order_send(user=SYSTEM, order=order)

    @rule(
        order_id=orders,
        index=st.integers(0, 1),
        quantity=st.integers(1, 25),
        freight=st.sampled_from([None, "9.99", "120.00"]),
        basis=st.sampled_from(["value", "quantity"]),
    )
    def receive(self, order_id, index, quantity, freight, basis):
        order = PurchaseOrder.objects.get(pk=order_id)
        line = order.lines.filter(product=self.products[index]).first()
        charges = [ChargeRequest("freight", Decimal(freight))] if freight else []
        request = [ReceiptLineRequest(self.products[index], quantity)]
        receivable = order.status in {"sent", "partially_received", "received"}
        if line is None or not receivable or line.received_quantity + quantity > line.quantity:
            with pytest.raises(PurchasingError):
                purchase_order_receive(
                    user=SYSTEM, order=order, lines=request, charges=charges, basis=basis
                )
            return
        purchase_order_receive(
            user=SYSTEM, order=order, lines=request, charges=charges, basis=basis
        )
        self.on_hand[self.products[index].pk] += quantity

    @rule(
        order_id=orders,
        index=st.integers(0, 1),
        quantity=st.integers(1, 25),
        price_change=st.sampled_from(["0", "1", "-1.5", "10", "-30"]),
        approve=st.booleans(),
    )
    def bill(self, order_id, index, quantity, price_change, approve):
        order = PurchaseOrder.objects.get(pk=order_id)
        line = order.lines.filter(product=self.products[index]).first()
        if line is None or order.status not in {"sent", "partially_received", "received"}:
            return
        self.references += 1
        price = (line.unit_cost * (1 + Decimal(price_change) / 100)).quantize(Decimal("0.0001"))
        bill = supplier_bill_enter(
            user=SYSTEM,
            order=order,
            supplier_reference=f"R-{self.references}",
            bill_date=timezone.localdate(),
            lines=[BillLineRequest(self.products[index], quantity, price)],
        )
        unbilled = line.received_quantity - line.billed_quantity
        matches = quantity <= unbilled and abs(Decimal(price_change)) <= 2
        assert bill.status == ("matched" if matches else "on_hold"), bill.hold_reasons
        if bill.status == "on_hold" and approve:
            if quantity > unbilled:
                with pytest.raises(PurchasingError):
                    supplier_bill_approve(user=SYSTEM, bill=bill)
            else:
                supplier_bill_approve(user=SYSTEM, bill=bill)

    @rule(order_id=orders, index=st.integers(0, 1), quantity=st.integers(1, 10))
    def send_back(self, order_id, index, quantity):
        order = PurchaseOrder.objects.get(pk=order_id)
        line = order.lines.filter(product=self.products[index]).first()
        free = Stock.objects.filter(product=self.products[index], warehouse=self.warehouse).first()
        if (
            line is None
            or order.status in {"draft", "cancelled"}
            or quantity > line.received_quantity
            or free is None
            or quantity > free.on_hand - free.allocated
        ):
            with pytest.raises(PurchasingError):
                supplier_return(
                    user=SYSTEM,
                    order=order,
                    lines=[ReturnLineRequest(self.products[index], quantity)],
                    reason="Damaged",
                )
            return
        supplier_return(
            user=SYSTEM,
            order=order,
            lines=[ReturnLineRequest(self.products[index], quantity)],
            reason="Damaged",
        )
        self.on_hand[self.products[index].pk] -= quantity

    @rule(share=st.sampled_from(["1", "0.5", "0.01"]))
    def pay(self, share):
        bill = (
            SupplierBill.objects.filter(kind="bill", status__in=["matched", "approved"])
            .order_by("?")
            .first()
        )
        if bill is None or bill.balance <= 0:
            return
        amount = max((bill.balance * Decimal(share)).quantize(Decimal("0.01")), Decimal("0.01"))
        supplier_payment_record(user=SYSTEM, bill=bill, amount=amount)

    @invariant()
    def lines_within_their_limits(self):
        for line in PurchaseOrderLine.objects.all():
            assert 0 <= line.billed_quantity <= line.received_quantity <= line.quantity
            assert 0 <= line.billed_value <= line.received_value

    @invariant()
    def grni_is_value_received_and_not_billed(self):
        open_value = PurchaseOrderLine.objects.aggregate(
            value=Sum("received_value") - Sum("billed_value")
        )["value"]
        assert -role_balance("grni") == (open_value or ZERO)

    @invariant()
    def inventory_account_is_the_stock_valuation(self):
        valuation = ProductCost.objects.aggregate(value=Sum("value"))["value"] or ZERO
        assert role_balance("inventory") == valuation

    @invariant()
    def payables_are_bills_less_debit_notes_less_payments(self):
        posted = SupplierBill.objects.filter(status__in=["matched", "approved"])
        bills = posted.filter(kind="bill").aggregate(total=Sum("total"))["total"] or ZERO
        notes = posted.filter(kind="debit_note").aggregate(total=Sum("total"))["total"] or ZERO
        paid = SupplierPayment.objects.aggregate(total=Sum("amount"))["total"] or ZERO
        assert -role_balance("payable") == bills - notes - paid

    @invariant()
    def stock_is_what_arrived_and_did_not_go_back(self):
        for product in self.products:
            row = Stock.objects.filter(product=product, warehouse=self.warehouse).first()
            assert (row.on_hand if row else 0) == self.on_hand[product.pk]


def test_random_purchasing_sequences_keep_documents_and_books_in_step():
    run_state_machine_as_test(
        PurchasingMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
