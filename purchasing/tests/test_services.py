"""Purchasing services: every transition and every refusal, with the books."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from accounting.selectors import role_balance
from erp.models import OutboxEvent, SideEffect
from erp.permissions import SYSTEM, PermissionRefused
from inventory.models import ProductCost, Stock
from purchasing.models import PurchaseOrder, Receipt, SupplierBill, SupplierItem
from purchasing.services import (
    BillLineRequest,
    ChargeRequest,
    DuplicateBill,
    OverReceipt,
    PurchaseLineRequest,
    PurchaseOrderState,
    PurchasingError,
    ReceiptLineRequest,
    ReturnLineRequest,
    charges_allocate,
    purchase_order_cancel,
    purchase_order_create,
    purchase_order_receive,
    purchase_order_send,
    purchase_order_update,
    supplier_bill_approve,
    supplier_bill_enter,
    supplier_bill_reject,
    supplier_create,
    supplier_item_set,
    supplier_payment_record,
    supplier_return,
    supplier_update,
)
from purchasing.tests.factories import SupplierFactory, SupplierItemFactory, sent_order
from tests.factories import ProductFactory, StaffFactory, WarehouseFactory

pytestmark = pytest.mark.django_db
D = Decimal


def receive(order, *lines, charges=(), basis="value", key=""):
    return purchase_order_receive(
        user=SYSTEM,
        order=order,
        lines=[ReceiptLineRequest(product=p, quantity=q) for p, q in lines],
        charges=[ChargeRequest(kind=k, amount=D(a)) for k, a in charges],
        basis=basis,
        idempotency_key=key,
    )


def bill(order, reference, *lines):
    return supplier_bill_enter(
        user=SYSTEM,
        order=order,
        supplier_reference=reference,
        bill_date=timezone.localdate(),
        lines=[BillLineRequest(product=p, quantity=q, unit_cost=D(c)) for p, q, c in lines],
    )


def test_purchase_orders_are_numbered_without_gaps_and_take_costs_from_supplier_items():
    supplier = SupplierFactory(lead_time_days=10)
    tent, stove = ProductFactory(), ProductFactory()
    SupplierItemFactory(supplier=supplier, product=tent, unit_cost=D("80.5000"), lead_time_days=56)
    warehouse = WarehouseFactory(code="MAIN")
    first = purchase_order_create(
        user=SYSTEM,
        supplier=supplier,
        warehouse=warehouse,
        lines=[PurchaseLineRequest(tent, 4), PurchaseLineRequest(stove, 2, D("12.3456"))],
    )
    with pytest.raises(PurchasingError):
        purchase_order_create(user=SYSTEM, supplier=supplier, warehouse=warehouse, lines=[])
    second = purchase_order_create(
        user=SYSTEM, supplier=supplier, warehouse=warehouse, lines=[PurchaseLineRequest(tent, 1)]
    )
    year = timezone.localdate().year
    assert (first.number, second.number) == (f"PO-{year}-000001", f"PO-{year}-000002")
    assert first.status == "draft" and first.origin == "manual"
    assert [(line.quantity, line.unit_cost) for line in first.lines.order_by("pk")] == [
        (4, D("80.5000")),
        (2, D("12.3456")),
    ]
    assert first.expected_date == timezone.localdate() + timedelta(days=56)


def test_a_quantity_off_the_pack_size_is_refused_unless_rounding_up_is_asked_for():
    supplier = SupplierFactory()
    pegs = ProductFactory(title="Tent pegs")
    SupplierItemFactory(supplier=supplier, product=pegs, pack_size=6, min_order_quantity=12)
    warehouse = WarehouseFactory(code="MAIN")
    with pytest.raises(PurchasingError, match="at least 12"):
        purchase_order_create(
            user=SYSTEM,
            supplier=supplier,
            warehouse=warehouse,
            lines=[PurchaseLineRequest(pegs, 5)],
        )
    with pytest.raises(PurchasingError, match="packs of 6: order 12 or 18"):
        purchase_order_create(
            user=SYSTEM,
            supplier=supplier,
            warehouse=warehouse,
            lines=[PurchaseLineRequest(pegs, 13)],
        )
    rounded = purchase_order_create(
        user=SYSTEM,
        supplier=supplier,
        warehouse=warehouse,
        lines=[PurchaseLineRequest(pegs, 13)],
        round_to_pack=True,
    )
    assert rounded.lines.get().quantity == 18
    assert PurchaseOrder.objects.count() == 1


def test_a_supplier_in_another_currency_than_the_books_gets_a_clear_refusal():
    supplier = SupplierFactory(currency="USD")
    with pytest.raises(PurchasingError, match="invoices in USD"):
        purchase_order_create(
            user=SYSTEM,
            supplier=supplier,
            warehouse=WarehouseFactory(code="MAIN"),
            lines=[PurchaseLineRequest(ProductFactory(), 1, D("1"))],
        )


@pytest.mark.parametrize("role", ["Sales", "Warehouse", "Accounting", "HR"])
def test_only_purchasing_and_managers_create_purchase_orders(role):
    user = StaffFactory(role=role)
    with pytest.raises(PermissionRefused):
        purchase_order_create(
            user=user,
            supplier=SupplierFactory(),
            warehouse=WarehouseFactory(code="MAIN"),
            lines=[PurchaseLineRequest(ProductFactory(), 1, D("1"))],
        )
    assert PurchaseOrder.objects.count() == 0


def test_purchasing_creates_suppliers_and_items_and_a_preferred_mark_moves():
    buyer = StaffFactory(role="Purchasing")
    alpine = supplier_create(
        user=buyer, code="alpine", name="Alpine GmbH", email="o@alpine.example"
    )
    borealis = supplier_create(user=buyer, code="BOR", name="Borealis", email="o@bor.example")
    assert alpine.code == "ALPINE"
    with pytest.raises(PurchasingError, match="exists already"):
        supplier_create(user=buyer, code="ALPINE", name="Again", email="x@alpine.example")
    with pytest.raises(PurchasingError, match="not an e-mail"):
        supplier_create(user=buyer, code="X", name="X", email="nope")
    tent = ProductFactory()
    supplier_item_set(user=buyer, supplier=alpine, product=tent, unit_cost="10", is_preferred=True)
    supplier_item_set(user=buyer, supplier=borealis, product=tent, unit_cost="9", is_preferred=True)
    preferred = SupplierItem.objects.filter(product=tent, is_preferred=True)
    assert [item.supplier.code for item in preferred] == ["BOR"]


def test_sending_records_the_email_and_the_event_once_and_only_a_draft_is_sent():
    tent = ProductFactory()
    order = purchase_order_create(
        user=SYSTEM,
        supplier=SupplierFactory(),
        warehouse=WarehouseFactory(code="MAIN"),
        lines=[PurchaseLineRequest(tent, 3, D("20"))],
    )
    purchase_order_send(user=SYSTEM, order=order)
    order.refresh_from_db()
    assert order.status == "sent" and order.sent_at is not None
    assert SideEffect.objects.filter(kind="purchase_order_email", object_id=order.pk).count() == 1
    event = OutboxEvent.objects.get(event="purchase_order.sent")
    assert event.payload["number"] == order.number
    assert event.payload["total"] == {"amount": "60.00", "currency": "EUR"}
    with pytest.raises(PurchaseOrderState, match="only a draft is sent"):
        purchase_order_send(user=SYSTEM, order=order)


def test_an_order_is_cancelled_only_before_anything_arrives():
    tent = ProductFactory()
    order = sent_order((tent, 5, D("10")))
    receive(order, (tent, 1))
    with pytest.raises(PurchaseOrderState, match="nothing has arrived"):
        purchase_order_cancel(user=SYSTEM, order=order)
    other = sent_order((tent, 5, D("10")))
    cancelled = purchase_order_cancel(user=SYSTEM, order=other, reason="Found cheaper")
    assert cancelled.status == "cancelled" and cancelled.cancel_reason == "Found cheaper"
    with pytest.raises(PurchaseOrderState):
        receive(cancelled, (tent, 1))


def test_a_partial_receipt_moves_stock_average_cost_and_grni_at_the_po_price():
    tent = ProductFactory()
    order = sent_order((tent, 10, D("20.00")))
    receipt = receive(order, (tent, 4))
    order.refresh_from_db()
    line = order.lines.get()
    assert order.status == "partially_received"
    assert (line.received_quantity, line.received_value) == (4, D("80.00"))
    assert Stock.objects.get(product=tent).on_hand == 4
    assert ProductCost.objects.get(product=tent).average_cost == D("20.0000")
    assert role_balance("grni") == D("-80.00")
    assert role_balance("inventory") == D("80.00")
    assert receipt.number.startswith("GR-")
    receive(order, (tent, 6))
    order.refresh_from_db()
    assert order.status == "received"
    assert OutboxEvent.objects.filter(event="purchase_order.received").count() == 2


def test_an_over_receipt_is_refused_with_a_clear_message_and_changes_nothing():
    tent = ProductFactory(title="Dome tent")
    order = sent_order((tent, 10, D("20")))
    receive(order, (tent, 8))
    with pytest.raises(OverReceipt, match="at most 2 more, with a 0 % over-receipt tolerance"):
        receive(order, (tent, 3))
    order.refresh_from_db()
    assert order.lines.get().received_quantity == 8
    assert Stock.objects.get(product=tent).on_hand == 8
    assert Receipt.objects.count() == 1


@override_settings(PURCHASING_OVER_RECEIPT_TOLERANCE=D("10"))
def test_the_over_receipt_tolerance_lets_a_little_more_in():
    tent = ProductFactory()
    order = sent_order((tent, 10, D("20")))
    receive(order, (tent, 11))
    with pytest.raises(OverReceipt):
        receive(order, (tent, 1))


def test_charges_are_allocated_to_the_cent_by_value_or_by_quantity():
    assert charges_allocate(D("10.00"), [D("1"), D("1"), D("1")]) == [
        D("3.34"),
        D("3.33"),
        D("3.33"),
    ]
    assert charges_allocate(D("0.05"), [D("0"), D("0")]) == [D("0.03"), D("0.02")]
    assert sum(charges_allocate(D("99.99"), [D("7"), D("13"), D("80")])) == D("99.99")


def test_landed_cost_raises_the_unit_cost_and_is_owed_to_the_carrier_not_the_supplier():
    tent, pegs = ProductFactory(), ProductFactory()
    order = sent_order((tent, 10, D("30.00")), (pegs, 100, D("1.00")))
    receipt = receive(order, (tent, 10), (pegs, 100), charges=[("freight", "40.00")])
    lines = {line.order_line.product_id: line for line in receipt.lines.all()}
    # by value: 300 vs 100 -> 30.00 and 10.00
    assert (lines[tent.pk].charges, lines[pegs.pk].charges) == (D("30.00"), D("10.00"))
    assert ProductCost.objects.get(product=tent).average_cost == D("33.0000")
    assert ProductCost.objects.get(product=pegs).average_cost == D("1.1000")
    assert role_balance("inventory") == D("440.00")
    assert role_balance("grni") == D("-400.00")
    assert role_balance("landed_cost_accrual") == D("-40.00")

    other = sent_order((tent, 10, D("30.00")), (pegs, 30, D("1.00")))
    by_quantity = receive(
        other, (tent, 10), (pegs, 30), charges=[("duty", "8.00")], basis="quantity"
    )
    assert sorted(line.charges for line in by_quantity.lines.all()) == [D("2.00"), D("6.00")]


def test_a_receipt_sent_again_with_its_key_answers_with_the_first():
    tent = ProductFactory()
    order = sent_order((tent, 10, D("5")))
    first = receive(order, (tent, 3), key="scan-1")
    again = receive(order, (tent, 3), key="scan-1")
    assert again.pk == first.pk and again._replayed is True
    assert Stock.objects.get(product=tent).on_hand == 3


def test_a_matching_bill_clears_grni_and_owes_the_supplier_with_input_vat():
    tent = ProductFactory()
    order = sent_order((tent, 10, D("20.00")))
    receive(order, (tent, 10))
    posted = bill(order, "R-881", (tent, 10, "20.00"))
    assert posted.status == "matched" and posted.hold_reasons == []
    assert (posted.net_total, posted.tax_total, posted.total) == (
        D("200.00"),
        D("38.00"),
        D("238.00"),
    )
    assert posted.due_date == timezone.localdate() + timedelta(days=30)
    assert role_balance("grni") == 0
    assert role_balance("payable") == D("-238.00")
    assert role_balance("input_tax") == D("38.00")
    order.refresh_from_db()
    assert order.status == "billed"
    assert OutboxEvent.objects.filter(event="supplier_bill.posted").count() == 1


def test_a_small_price_difference_within_tolerance_posts_to_price_variance():
    tent = ProductFactory()
    order = sent_order((tent, 10, D("20.00")))
    receive(order, (tent, 10))
    posted = bill(order, "R-1", (tent, 10, "20.30"))  # +1.5 %, tolerance 2 %
    assert posted.status == "matched"
    assert role_balance("purchase_price_variance") == D("3.00")
    assert role_balance("grni") == 0


def test_a_bill_outside_tolerance_waits_on_hold_with_its_reasons_until_approved():
    tent = ProductFactory(title="Dome tent")
    order = sent_order((tent, 10, D("20.00")))
    receive(order, (tent, 8))
    held = bill(order, "R-2", (tent, 10, "22.00"))
    assert held.status == "on_hold" and held.entry is None
    assert held.hold_reasons == [
        "“Dome tent”: billed 10, received and not yet billed 8.",
        "“Dome tent”: price 22 against 20 on the order (+10.0 %, tolerance 2 %).",
    ]
    assert role_balance("payable") == 0
    with pytest.raises(PermissionRefused):
        supplier_bill_approve(user=StaffFactory(role="Purchasing"), bill=held)
    accountant = StaffFactory(role="Accounting")
    with pytest.raises(PurchasingError, match="only 8 arrived"):
        supplier_bill_approve(user=accountant, bill=held)
    receive(order, (tent, 2))
    approved = supplier_bill_approve(user=accountant, bill=held)
    assert approved.status == "approved" and approved.decided_by == accountant
    assert role_balance("grni") == 0
    assert role_balance("purchase_price_variance") == D("20.00")
    assert role_balance("payable") == D("-261.80")
    with pytest.raises(PurchaseOrderState):
        supplier_bill_approve(user=accountant, bill=approved)


def test_the_same_supplier_bill_number_is_entered_once_and_a_rejection_frees_it():
    tent = ProductFactory()
    order = sent_order((tent, 10, D("20.00")))
    receive(order, (tent, 5))
    held = bill(order, "R-3", (tent, 5, "30.00"))
    with pytest.raises(DuplicateBill, match=f"entered already as {held.number}"):
        bill(order, "R-3", (tent, 5, "20.00"))
    supplier_bill_reject(user=SYSTEM, bill=held, reason="Wrong price")
    corrected = bill(order, "R-3", (tent, 5, "20.00"))
    assert corrected.status == "matched"
    assert SupplierBill.objects.get(pk=held.pk).hold_reasons[-1] == "Rejected: Wrong price"


def test_the_last_unit_billed_clears_exactly_what_is_left_of_grni():
    screw = ProductFactory()
    order = sent_order((screw, 3, D("0.3333")))
    receive(order, (screw, 1))
    receive(order, (screw, 1))
    receive(order, (screw, 1))
    assert role_balance("grni") == D("-0.99")
    bill(order, "R-4", (screw, 3, "0.3333"))
    assert role_balance("grni") == 0


def test_unbilled_goods_sent_back_leave_stock_and_grni():
    tent = ProductFactory()
    order = sent_order((tent, 10, D("20.00")))
    receive(order, (tent, 10))
    note = supplier_return(
        user=SYSTEM, order=order, lines=[ReturnLineRequest(tent, 3)], reason="Torn fly sheet"
    )
    assert note.kind == "debit_note" and note.number.startswith("DN-") and note.total == 0
    line = order.lines.get()
    assert (line.received_quantity, line.returned_quantity) == (7, 3)
    assert Stock.objects.get(product=tent).on_hand == 7
    assert role_balance("grni") == D("-140.00")
    assert role_balance("inventory") == D("140.00")
    order.refresh_from_db()
    assert order.status == "partially_received"


def test_billed_goods_sent_back_are_claimed_from_the_supplier_by_a_debit_note():
    tent = ProductFactory()
    order = sent_order((tent, 10, D("20.00")))
    receive(order, (tent, 10))
    bill(order, "R-5", (tent, 10, "20.00"))
    note = supplier_return(
        user=SYSTEM, order=order, lines=[ReturnLineRequest(tent, 2)], reason="Damaged"
    )
    assert (note.net_total, note.tax_total, note.total) == (D("40.00"), D("7.60"), D("47.60"))
    assert role_balance("payable") == D("-190.40")
    assert role_balance("grni") == 0
    assert role_balance("input_tax") == D("30.40")
    assert role_balance("inventory") == D("160.00")
    line = order.lines.get()
    assert (line.received_quantity, line.billed_quantity) == (8, 8)
    billed = SupplierBill.objects.get(kind="bill")
    assert (billed.amount_credited, billed.balance) == (D("47.60"), D("190.40"))
    assert (note.amount_credited, note.credits, note.credit_left) == (D("47.60"), billed, 0)


def test_a_debit_note_for_a_paid_bill_is_owed_back_by_the_supplier_at_the_billed_vat():
    tent = ProductFactory()
    order = sent_order((tent, 10, D("20.00")))
    receive(order, (tent, 10))
    posted = supplier_bill_enter(
        user=SYSTEM,
        order=order,
        supplier_reference="R-0VAT",
        bill_date=timezone.localdate(),
        lines=[BillLineRequest(product=tent, quantity=10, unit_cost=D("20.00"), tax_rate=D("0"))],
    )
    supplier_payment_record(user=SYSTEM, bill=posted, amount="200.00")
    note = supplier_return(
        user=SYSTEM, order=order, lines=[ReturnLineRequest(tent, 1)], reason="Damaged"
    )
    assert (note.tax_total, note.total, note.credit_left) == (0, D("20.00"), D("20.00"))
    assert role_balance("payable") == D("20.00")  # the supplier owes us


def test_goods_allocated_to_customers_cannot_go_back():
    tent = ProductFactory(title="Dome tent")
    order = sent_order((tent, 2, D("20.00")))
    receive(order, (tent, 2))
    with pytest.raises(PurchasingError, match="cannot go back"):
        supplier_return(user=SYSTEM, order=order, lines=[ReturnLineRequest(tent, 3)], reason="x")


def test_payments_reduce_what_is_owed_and_never_pass_it():
    tent = ProductFactory()
    order = sent_order((tent, 10, D("10.00")))
    receive(order, (tent, 10))
    posted = bill(order, "R-6", (tent, 10, "10.00"))
    accountant = StaffFactory(role="Accounting")
    supplier_payment_record(user=accountant, bill=posted, amount="100.00", source="bank:abc")
    again = supplier_payment_record(
        user=accountant, bill=posted, amount="100.00", source="bank:abc"
    )
    posted.refresh_from_db()
    assert posted.amount_paid == D("100.00") and again.source == "bank:abc"
    assert role_balance("payable") == D("-19.00")
    assert role_balance("bank") == D("-100.00")
    with pytest.raises(PurchasingError, match=r"more than the 19\.00 still owed"):
        supplier_payment_record(user=accountant, bill=posted, amount="19.01")
    with pytest.raises(PermissionRefused):
        supplier_payment_record(user=StaffFactory(role="Purchasing"), bill=posted, amount="1")


def test_a_held_bill_cannot_be_paid():
    tent = ProductFactory()
    order = sent_order((tent, 10, D("10.00")))
    receive(order, (tent, 10))
    held = bill(order, "R-7", (tent, 10, "15.00"))
    with pytest.raises(PurchasingError, match="not a posted bill"):
        supplier_payment_record(user=SYSTEM, bill=held, amount="1")


def test_a_bill_dated_in_the_future_or_for_a_product_not_ordered_is_refused():
    tent, stove = ProductFactory(), ProductFactory(title="Stove")
    order = sent_order((tent, 10, D("10.00")))
    receive(order, (tent, 10))
    with pytest.raises(PurchasingError, match="future"):
        supplier_bill_enter(
            user=SYSTEM,
            order=order,
            supplier_reference="F",
            bill_date=timezone.localdate() + timedelta(days=1),
            lines=[BillLineRequest(tent, 1, D("10"))],
        )
    with pytest.raises(PurchasingError, match="“Stove” is not on"):
        bill(order, "F", (stove, 1, "10"))
    assert SupplierBill.objects.count() == 0


def test_a_draft_is_changed_as_a_whole_and_a_sent_order_is_not():
    tent, stove = ProductFactory(), ProductFactory()
    supplier = SupplierFactory()
    SupplierItemFactory(supplier=supplier, product=stove, unit_cost=D("7.00"), pack_size=4)
    order = purchase_order_create(
        user=SYSTEM,
        supplier=supplier,
        warehouse=WarehouseFactory(code="MAIN"),
        lines=[PurchaseLineRequest(tent, 2, D("10"))],
    )
    with pytest.raises(PurchasingError, match="packs of 4"):
        purchase_order_update(user=SYSTEM, order=order, lines=[PurchaseLineRequest(stove, 5)])
    purchase_order_update(
        user=SYSTEM, order=order, lines=[PurchaseLineRequest(stove, 5)], round_to_pack=True
    )
    assert [(line.product, line.quantity, line.unit_cost) for line in order.lines.all()] == [
        (stove, 8, D("7.0000"))
    ]
    with pytest.raises(PermissionRefused):
        purchase_order_update(
            user=StaffFactory(role="Warehouse"), order=order, lines=[PurchaseLineRequest(tent, 1)]
        )
    purchase_order_send(user=SYSTEM, order=order)
    with pytest.raises(PurchaseOrderState, match="only a draft is changed"):
        purchase_order_update(user=SYSTEM, order=order, lines=[PurchaseLineRequest(tent, 1)])


def test_suppliers_are_changed_by_purchasing_but_not_by_the_warehouse():
    supplier = SupplierFactory(code="ALPINE")
    changed = supplier_update(
        user=StaffFactory(role="Purchasing"),
        supplier=supplier,
        name="Alpine AG",
        email="new@alpine.example",
        payment_terms_days=60,
        lead_time_days=5,
        is_active=False,
    )
    assert (changed.name, changed.payment_terms_days, changed.is_active) == ("Alpine AG", 60, False)
    with pytest.raises(PermissionRefused):
        supplier_update(
            user=StaffFactory(role="Warehouse"),
            supplier=supplier,
            name="X",
            email="x@x.example",
            payment_terms_days=1,
            lead_time_days=1,
        )
    with pytest.raises(PurchasingError, match="not an e-mail"):
        supplier_update(
            user=SYSTEM,
            supplier=supplier,
            name="X",
            email="nope",
            payment_terms_days=1,
            lead_time_days=1,
        )
