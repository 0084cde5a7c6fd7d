"""``ledger_audit`` checks Accounts payable and goods received not invoiced
against purchasing's documents: clean after orders are received, billed, sent
back and paid (beside receipts without an order, which GRNI also carries), and
a hand-posted entry to payables or a purchasing figure out of step is reported."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounting.selectors import role_balance
from accounting.services import credit, debit, journal_entry_post
from erp.permissions import SYSTEM
from inventory.services import stock_receive
from purchasing.models import PurchaseOrderLine
from purchasing.services import (
    BillLineRequest,
    ChargeRequest,
    ReceiptLineRequest,
    ReturnLineRequest,
    purchase_order_receive,
    supplier_bill_approve,
    supplier_bill_enter,
    supplier_payment_record,
    supplier_return,
)
from purchasing.tests.factories import sent_order
from tests.factories import ProductFactory, WarehouseFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def purchasing_flow():
    """Two orders: one received in two parts with freight, billed at a higher
    price (held, approved), partly sent back and paid; one received, not billed."""
    warehouse = WarehouseFactory(code="MAIN", priority=1)
    tent, stove = ProductFactory(), ProductFactory()
    order = sent_order((tent, 10, D("20.00")), (stove, 5, D("7.50")), warehouse=warehouse)
    purchase_order_receive(
        user=SYSTEM,
        order=order,
        lines=[ReceiptLineRequest(tent, 6), ReceiptLineRequest(stove, 5)],
        charges=[ChargeRequest(kind="freight", amount=D("12.00"))],
    )
    purchase_order_receive(user=SYSTEM, order=order, lines=[ReceiptLineRequest(tent, 4)])
    bill = supplier_bill_enter(
        user=SYSTEM,
        order=order,
        supplier_reference="R-1",
        bill_date=timezone.localdate(),
        lines=[
            BillLineRequest(product=tent, quantity=8, unit_cost=D("21.00")),
            BillLineRequest(product=stove, quantity=5, unit_cost=D("7.50")),
        ],
    )
    bill = supplier_bill_approve(user=SYSTEM, bill=bill)
    supplier_return(user=SYSTEM, order=order, lines=[ReturnLineRequest(tent, 3)], reason="Torn")
    supplier_payment_record(user=SYSTEM, bill=bill, amount=D("100.00"))
    unbilled = sent_order((stove, 3, D("8.00")), warehouse=warehouse)
    purchase_order_receive(user=SYSTEM, order=unbilled, lines=[ReceiptLineRequest(stove, 3)])
    # a receipt without an order credits GRNI too; purchasing does not own it
    stock_receive(user=SYSTEM, product=tent, warehouse=warehouse, quantity=1, unit_cost=D("19.00"))
    return order


def test_the_audit_is_clean_after_orders_are_received_billed_returned_and_paid(
    purchasing_flow, capsys
):
    call_command("ledger_audit")

    out = capsys.readouterr().out
    payable = -role_balance("payable")
    assert payable > 0
    assert (
        "ok: accounts payable account = posted supplier bills - debit notes - supplier payments"
        f" = {payable}"
    ) in out
    po_grni = sum(
        (line.received_value - line.billed_value for line in PurchaseOrderLine.objects.all()),
        D("0"),
    )
    # 3 stoves unbilled; of the tents 2 unbilled and 1 billed went back
    assert po_grni == D("24.00")
    assert (
        "ok: GRNI posted by purchasing = value received on purchase orders and not billed"
        f" = {po_grni}"
    ) in out
    assert -role_balance("grni") == po_grni + D("19.00")  # and the receipt without an order
    assert "ledger audit: every entry balances, books agree" in out


def test_a_hand_posted_entry_to_payables_is_reported(purchasing_flow, capsys):
    payable = -role_balance("payable")
    journal_entry_post(
        source="manual:forgot-a-supplier",
        kind="manual",
        description="Hand-made payable",
        postings=[debit("wages", D("50.00")), credit("payable", D("50.00"))],
    )

    with pytest.raises(SystemExit) as failed:
        call_command("ledger_audit")

    assert failed.value.code == 1
    out = capsys.readouterr().out
    assert (
        f"accounts payable account {payable + D('50.00')} != posted supplier bills - debit "
        f"notes - supplier payments {payable} (difference 50.00)"
    ) in out
    assert "ok: GRNI posted by purchasing" in out


def test_a_purchase_order_line_out_of_step_with_the_ledger_is_reported(purchasing_flow, capsys):
    line = PurchaseOrderLine.objects.filter(received_value__gt=0).order_by("pk").first()
    PurchaseOrderLine.objects.filter(pk=line.pk).update(received_value=line.received_value + 1)

    with pytest.raises(SystemExit):
        call_command("ledger_audit")

    out = capsys.readouterr().out
    assert (
        "GRNI posted by purchasing 24.00 != value received on purchase orders and not billed "
        "25.00 (difference -1.00)"
    ) in out
