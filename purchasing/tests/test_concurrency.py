"""Racing receipts and bills on the same purchase order line, each in its own
thread and PostgreSQL connection: the tolerance and the bill number hold."""

import threading
from decimal import Decimal

import pytest
from django.db import connections
from django.utils import timezone

from accounting.selectors import role_balance
from erp.permissions import SYSTEM
from inventory.models import Stock
from purchasing.models import PurchaseOrderLine, Receipt, SupplierBill
from purchasing.services import (
    BillLineRequest,
    DuplicateBill,
    OverReceipt,
    ReceiptLineRequest,
    purchase_order_receive,
    supplier_bill_enter,
)
from purchasing.tests.factories import sent_order
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)


def race(count, work, timeout=120):
    start = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(index):
        try:
            start.wait()
            try:
                work(index)
                outcome = "done"
            except (OverReceipt, DuplicateBill) as refused:
                outcome = refused.code
            except Exception as error:  # recorded, the test asserts there are none
                outcome = f"error: {type(error).__name__}: {error}"
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    return outcomes


def test_eight_scanners_receiving_three_each_on_ten_ordered_never_pass_the_order():
    tent = ProductFactory()
    order = sent_order((tent, 10, Decimal("20.00")))

    def receive(index):
        purchase_order_receive(
            user=SYSTEM, order=order, lines=[ReceiptLineRequest(product=tent, quantity=3)]
        )

    outcomes = race(8, receive)
    assert sorted(outcomes) == ["done"] * 3 + ["over_receipt"] * 5
    line = PurchaseOrderLine.objects.get(order=order)
    assert line.received_quantity == 9
    assert Stock.objects.get(product=tent).on_hand == 9
    assert Receipt.objects.filter(order=order).count() == 3
    assert role_balance("grni") == Decimal("-180.00")


def test_two_clerks_entering_the_same_supplier_bill_post_it_once():
    tent = ProductFactory()
    order = sent_order((tent, 10, Decimal("20.00")))
    purchase_order_receive(
        user=SYSTEM, order=order, lines=[ReceiptLineRequest(product=tent, quantity=10)]
    )

    def enter(index):
        supplier_bill_enter(
            user=SYSTEM,
            order=order,
            supplier_reference="INV-77",
            bill_date=timezone.localdate(),
            lines=[BillLineRequest(product=tent, quantity=10, unit_cost=Decimal("20.00"))],
        )

    outcomes = race(4, enter)
    assert sorted(outcomes) == ["done"] + ["duplicate_bill"] * 3
    assert SupplierBill.objects.count() == 1
    assert role_balance("payable") == Decimal("-238.00")
