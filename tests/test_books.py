"""Every business event posts itself, in the same transaction, and the books
agree with the warehouse afterwards (ledger_audit)."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from accounting.models import Invoice, JournalEntry
from accounting.selectors import open_receivables, role_balance
from erp.permissions import SYSTEM
from inventory.services import stock_adjust, stock_receive
from orders.models import Carrier
from orders.services import (
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


@pytest.fixture
def berlin():
    return WarehouseFactory(code="BER-1", priority=1)


@pytest.fixture
def tent(berlin):
    product = ProductFactory(title="Granite Tent", listing=Decimal("100.00"))
    stock_receive(
        user=SYSTEM, product=product, warehouse=berlin, quantity=10, unit_cost=Decimal("40")
    )
    return product


def ship_all(order, warehouse, tracking="T1"):
    shipment = shipment_pack(
        user=SYSTEM,
        order=order,
        warehouse=warehouse,
        quantities={line.pk: line.quantity for line in order.lines.all()},
    )
    return shipment_ship(
        user=SYSTEM,
        shipment=shipment,
        carrier=Carrier.objects.get(code="dhl"),
        tracking_number=tracking,
    )


def test_a_receipt_posts_inventory_against_goods_received(tent):
    assert role_balance("inventory") == Decimal("400.00")
    assert role_balance("grni") == Decimal("-400.00")


def test_shipping_a_card_order_invoices_costs_and_collects(tent, berlin):
    order = place_order([(tent, 2)])

    shipment = ship_all(order, berlin)

    invoice = Invoice.objects.get()
    assert invoice.number.startswith("INV-") and invoice.number.endswith("-000001")
    assert (invoice.total, invoice.status, invoice.balance) == (Decimal("200.00"), "paid", 0)
    assert invoice.source == f"shipment:{shipment.pk}"
    # list prices include 19 % sales tax: 200.00 = 168.07 net + 31.93 tax
    assert (invoice.net_total, invoice.tax_total) == (Decimal("168.07"), Decimal("31.93"))
    assert role_balance("revenue") == Decimal("-168.07")
    assert role_balance("tax_payable") == Decimal("-31.93")
    assert role_balance("cogs") == Decimal("80.00")
    assert role_balance("inventory") == Decimal("320.00")
    assert role_balance("bank") == Decimal("200.00")
    assert role_balance("receivable") == 0
    call_command("ledger_audit")


def test_bank_transfer_money_is_a_prepayment_until_the_invoice(tent, berlin):
    from shop.demo.orders import seed_shipping_methods

    seed_shipping_methods()
    from oscar.core.loading import get_model

    standard = get_model("shipping", "OrderAndItemCharges").objects.get(code="standard")
    order = place_order(
        [(tent, 1)], payment_method="bank_transfer", shipping_method=standard
    )  # 100.00 + 0.00 shipping (free from 50)
    order_mark_paid(user=SYSTEM, order=order, reference="SEPA 123")
    assert role_balance("customer_prepayments") == Decimal("-100.00")

    ship_all(order, berlin)

    invoice = Invoice.objects.get()
    assert invoice.status == "paid"
    assert role_balance("customer_prepayments") == 0
    assert role_balance("receivable") == 0
    call_command("ledger_audit")


def test_shipping_charge_goes_to_shipping_income(tent, berlin):
    from shop.demo.orders import seed_shipping_methods

    seed_shipping_methods()
    from oscar.core.loading import get_model

    express = get_model("shipping", "OrderAndItemCharges").objects.get(code="express")
    order = place_order([(tent, 1)], shipping_method=express)

    ship_all(order, berlin)

    assert role_balance("shipping_income") == Decimal("-12.90")
    assert Invoice.objects.get().total == Decimal("112.90")
    call_command("ledger_audit")


def test_cancelling_a_paid_bank_transfer_order_refunds_the_prepayment(tent):
    order = place_order([(tent, 1)], payment_method="bank_transfer")
    order_mark_paid(user=SYSTEM, order=order, reference="SEPA 9")

    order_cancel(user=SYSTEM, order=order)

    assert role_balance("customer_prepayments") == 0
    assert role_balance("bank") == 0
    assert any("to be refunded" in n.message for n in order.notes.all())
    call_command("ledger_audit")


def test_a_return_credits_restocks_and_refunds(tent, berlin):
    quarantine = WarehouseFactory(code="RET-Q", is_sellable=False, priority=90)
    order = place_order([(tent, 2)])
    ship_all(order, berlin)
    line = order.lines.get()
    request = return_request_create(
        user=SYSTEM, order=order, items=[ReturnItem(line.pk, 1, "damaged")]
    )
    return_authorise(user=SYSTEM, return_request=request)

    return_receive(user=SYSTEM, return_request=request, warehouse=quarantine)

    credit_note = Invoice.objects.get(kind="credit_note")
    assert credit_note.number.startswith("CRN-")
    assert (credit_note.total, credit_note.balance) == (Decimal("100.00"), 0)
    assert credit_note.credits is not None
    assert credit_note.credits.kind == "invoice"
    assert role_balance("revenue") == Decimal("-84.03")  # 168.07 - 84.04 credited
    assert role_balance("tax_payable") == Decimal("-15.97")
    assert role_balance("cogs") == Decimal("40.00")
    assert role_balance("inventory") == Decimal("360.00")
    assert role_balance("bank") == Decimal("100.00")
    assert open_receivables() == 0
    call_command("ledger_audit")


def test_adjustments_post_to_inventory_adjustments(tent, berlin):
    stock_adjust(user=SYSTEM, product=tent, warehouse=berlin, quantity=-2, reason="water damage")

    assert role_balance("inventory_adjustment") == Decimal("80.00")
    assert role_balance("inventory") == Decimal("320.00")
    assert JournalEntry.objects.filter(kind="stock_adjustment").count() == 1
    call_command("ledger_audit")


def test_ledger_audit_fails_when_the_books_and_the_warehouse_disagree(tent, capsys):
    from inventory.models import ProductCost

    ProductCost.objects.filter(product=tent).update(value=Decimal("1.00"))  # a buggy write

    with pytest.raises(SystemExit) as failed:
        call_command("ledger_audit")

    assert failed.value.code == 1
    assert "inventory account 400.00 != stock valuation 1.00" in capsys.readouterr().out
