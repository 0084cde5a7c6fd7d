"""The purchasing back office: every change goes through a service and a refusal
shows the service's message; documents are read-only; lists cost a constant
number of queries."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from erp.permissions import SYSTEM
from inventory.models import Stock
from purchasing.models import (
    PurchaseOrder,
    Receipt,
    Supplier,
    SupplierBill,
    SupplierItem,
    SupplierPayment,
)
from purchasing.services import (
    BillLineRequest,
    PurchaseLineRequest,
    ReceiptLineRequest,
    purchase_order_create,
    purchase_order_receive,
    supplier_bill_enter,
)
from purchasing.tests.factories import SupplierFactory, SupplierItemFactory, sent_order
from tests.factories import ProductFactory, StaffFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

PO_LIST = "/admin/purchasing/purchaseorder/"
BILL_LIST = "/admin/purchasing/supplierbill/"


def login(client, role: str):
    user = StaffFactory(username=f"po-{role.lower()}", role=role)
    client.force_login(user)
    return user


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def main():
    return WarehouseFactory(code="MAIN", priority=1)


@pytest.fixture
def tent():
    return ProductFactory(title="Granite Tent", upc="4006381333931")


def received_order(tent, main, quantity=10, received=10, cost=Decimal("50.00")):
    order = sent_order((tent, quantity, cost), warehouse=main)
    purchase_order_receive(user=SYSTEM, order=order, lines=[ReceiptLineRequest(tent, received)])
    return PurchaseOrder.objects.get(pk=order.pk)


def test_suppliers_are_found_by_code_name_email_and_tax_id(client):
    SupplierFactory(code="ALPINE", name="Alpine Gear GmbH", tax_id="DE123456789")
    SupplierFactory(code="NORD", name="Nordic Supply AB", email="bestellung@nordic.example")
    login(client, "Purchasing")

    found = {
        term: [
            s.code
            for s in client.get(f"/admin/purchasing/supplier/?q={term}").context["cl"].result_list
        ]
        for term in ("alpine", "DE123456789", "bestellung@nordic", "NORD")
    }

    assert found == {
        "alpine": ["ALPINE"],
        "DE123456789": ["ALPINE"],
        "bestellung@nordic": ["NORD"],
        "NORD": ["NORD"],
    }


def test_a_supplier_added_in_the_admin_is_created_by_the_service(client):
    login(client, "Purchasing")

    response = client.post(
        "/admin/purchasing/supplier/add/",
        {
            "code": "alpine",
            "name": "Alpine Gear GmbH",
            "email": "orders@alpine.example",
            "currency": "eur",
            "payment_terms_days": "30",
            "lead_time_days": "10",
            "tax_id": "",
            "address": "",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    supplier = Supplier.objects.get()
    assert (supplier.code, supplier.currency, supplier.lead_time_days) == ("ALPINE", "EUR", 10)


def test_supplier_items_are_found_by_our_sku_and_the_suppliers_sku(client, tent):
    other = ProductFactory(title="Basalt Lantern")
    SupplierItemFactory(product=tent, supplier_sku="ALP-TENT-4")
    SupplierItemFactory(product=other, supplier_sku="ALP-LAMP")
    login(client, "Purchasing")

    def found(term):
        response = client.get(f"/admin/purchasing/supplieritem/?q={term}")
        return [item.product.title for item in response.context["cl"].result_list]

    assert found("ALP-TENT") == ["Granite Tent"]
    assert found(tent.stockrecords.get().partner_sku) == ["Granite Tent"]


def test_a_supplier_item_saved_in_the_admin_goes_through_the_upsert(client, tent):
    supplier = SupplierFactory(code="ALPINE")
    login(client, "Purchasing")

    response = client.post(
        "/admin/purchasing/supplieritem/add/",
        {
            "supplier": supplier.pk,
            "product": tent.pk,
            "supplier_sku": "ALP-1",
            "unit_cost": "12.50",
            "lead_time_days": "",
            "min_order_quantity": "4",
            "pack_size": "4",
        },
    )

    assert response.status_code == 302
    item = SupplierItem.objects.get()
    assert (item.unit_cost, item.pack_size, item.is_preferred) == (Decimal("12.50"), 4, False)


def test_a_purchase_order_drafted_in_the_admin_is_created_by_the_service(client, tent, main):
    supplier = SupplierFactory(code="ALPINE")
    SupplierItemFactory(supplier=supplier, product=tent, unit_cost=Decimal("48.00"), pack_size=5)
    login(client, "Purchasing")
    sku = tent.stockrecords.get().partner_sku

    response = client.post(
        f"{PO_LIST}add/",
        {"supplier": supplier.pk, "warehouse": main.pk, "lines": f"{sku} 7", "round_to_pack": "on"},
    )

    order = PurchaseOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{PO_LIST}{order.pk}/change/"
    line = order.lines.get()
    assert (order.status, order.created_by.username) == ("draft", "po-purchasing")
    assert (line.quantity, line.unit_cost) == (10, Decimal("48.0000"))


def test_a_refused_purchase_order_shows_why_and_creates_nothing(client, tent, main):
    supplier = SupplierFactory(code="ALPINE")
    SupplierItemFactory(supplier=supplier, product=tent, pack_size=5)
    login(client, "Purchasing")
    sku = tent.stockrecords.get().partner_sku

    unknown = client.post(
        f"{PO_LIST}add/", {"supplier": supplier.pk, "warehouse": main.pk, "lines": "NOPE-1 3"}
    )
    unpacked = client.post(
        f"{PO_LIST}add/", {"supplier": supplier.pk, "warehouse": main.pk, "lines": f"{sku} 7"}
    )

    assert unknown.status_code == unpacked.status_code == 200
    assert "no product has the SKU or EAN “NOPE-1”" in unknown.content.decode()
    assert "comes in packs of 5: order 5 or 10" in unpacked.content.decode()
    assert not PurchaseOrder.objects.exists()


def test_the_send_action_sends_drafts_and_names_the_orders_it_refused(client, tent, main):
    draft = purchase_order_create(
        user=SYSTEM,
        supplier=SupplierFactory(),
        warehouse=main,
        lines=[PurchaseLineRequest(tent, 2, Decimal("5"))],
    )
    already = sent_order((tent, 1, Decimal("5")), warehouse=main)
    login(client, "Purchasing")

    response = client.post(
        PO_LIST,
        {"action": "send_orders", "_selected_action": [draft.pk, already.pk]},
        follow=True,
    )

    assert PurchaseOrder.objects.get(pk=draft.pk).status == "sent"
    assert messages_of(response) == [
        f"{already.number}: {already.number} is sent; only a draft is sent.",
        f"Sent: {draft.number}.",
    ]


def test_the_cancel_page_cancels_with_a_reason_and_refuses_a_received_order(client, tent, main):
    open_order = sent_order((tent, 3, Decimal("5")), warehouse=main)
    received = received_order(tent, main, quantity=2, received=1)
    login(client, "Purchasing")

    cancelled = client.post(
        f"{PO_LIST}{open_order.pk}/cancel/", {"reason": "supplier out of stock"}
    )
    refused = client.post(f"{PO_LIST}{received.pk}/cancel/", {"reason": "late"})

    open_order.refresh_from_db()
    assert cancelled.status_code == 302
    assert (open_order.status, open_order.cancel_reason) == ("cancelled", "supplier out of stock")
    assert refused.status_code == 200
    assert "only an order on which nothing has arrived can be cancelled" in refused.content.decode()
    assert PurchaseOrder.objects.get(pk=received.pk).status == "partially_received"


def test_the_receive_page_books_goods_with_freight_spread_over_the_lines(client, tent, main):
    lamp = ProductFactory(title="Basalt Lantern")
    order = sent_order((tent, 10, Decimal("50.00")), (lamp, 10, Decimal("10.00")), warehouse=main)
    lines = {line.product_id: line for line in order.lines.all()}
    login(client, "Warehouse")

    page = client.get(f"{PO_LIST}{order.pk}/receive/")
    token = page.context["form"].initial["token"]
    response = client.post(
        f"{PO_LIST}{order.pk}/receive/",
        {
            f"qty-{lines[tent.pk].pk}": "4",
            f"qty-{lines[lamp.pk].pk}": "",
            "freight": "20.00",
            "basis": "value",
            "token": token,
        },
    )

    receipt = Receipt.objects.get()
    assert response.status_code == 302
    assert [(line.quantity, line.value, line.charges) for line in receipt.lines.all()] == [
        (4, Decimal("200.00"), Decimal("20.00"))
    ]
    assert Stock.objects.get(product=tent, warehouse=main).on_hand == 4
    assert PurchaseOrder.objects.get(pk=order.pk).status == "partially_received"


def test_the_receive_page_sent_twice_receives_once(client, tent, main):
    order = sent_order((tent, 10, Decimal("50.00")), warehouse=main)
    data = {f"qty-{order.lines.get().pk}": "3", "basis": "value", "token": "twice"}
    login(client, "Warehouse")

    client.post(f"{PO_LIST}{order.pk}/receive/", data, follow=True)
    again = client.post(f"{PO_LIST}{order.pk}/receive/", data, follow=True)

    receipt = Receipt.objects.get()
    assert messages_of(again) == [
        f"{receipt.number} was booked already by this form: nothing more was received."
    ]
    assert Stock.objects.get(product=tent, warehouse=main).on_hand == 3


def test_an_over_receipt_on_the_receive_page_is_refused_with_the_services_message(
    client, tent, main
):
    order = sent_order((tent, 10, Decimal("50.00")), warehouse=main)
    line = order.lines.get()
    login(client, "Warehouse")

    response = client.post(
        f"{PO_LIST}{order.pk}/receive/",
        {f"qty-{line.pk}": "11", "basis": "value", "token": "t-1"},
    )

    assert response.status_code == 200
    assert "11 more is more than the order allows" in response.content.decode()
    assert not Receipt.objects.exists()


def test_a_purchase_order_and_its_lines_are_read_only_and_offer_the_next_steps(client, tent, main):
    order = received_order(tent, main, quantity=10, received=4)
    login(client, "Manager")

    page = client.get(f"{PO_LIST}{order.pk}/change/")
    posted = client.post(f"{PO_LIST}{order.pk}/change/", {"notes": "changed"})

    assert page.context["has_change_permission"] is False
    assert [label for label, _ in page.context["order_links"]] == [
        "PDF",
        "receive",
        "enter bill",
        "return to supplier",
    ]
    assert posted.status_code == 403
    assert page.context["order_links"][0][1] == (
        f"/admin/purchasing-documents/purchase-orders/{order.number}/pdf/"
    )


def test_a_bill_within_tolerance_is_matched_and_one_outside_is_held_with_its_reasons(client, main):
    tent = ProductFactory(title="<b>Granite</b> Tent")
    order = received_order(tent, main)
    line = order.lines.get()
    login(client, "Purchasing")

    client.post(
        f"{PO_LIST}{order.pk}/bill/",
        {
            "supplier_reference": "INV-1",
            "bill_date": "2026-12-01",
            f"qty-{line.pk}": "4",
            f"cost-{line.pk}": "50.00",
        },
    )
    held = client.post(
        f"{PO_LIST}{order.pk}/bill/",
        {
            "supplier_reference": "INV-2",
            "bill_date": "2026-12-01",
            f"qty-{line.pk}": "6",
            f"cost-{line.pk}": "55.00",
        },
    )
    listed = client.get(f"{BILL_LIST}?status__exact=on_hold").content.decode()

    bills = dict(SupplierBill.objects.values_list("supplier_reference", "status"))
    assert bills == {"INV-1": "matched", "INV-2": "on_hold"}
    assert held.status_code == 302
    assert "“&lt;b&gt;Granite&lt;/b&gt; Tent”: price 55 against 50 on the order" in listed
    assert "<b>Granite</b>" not in listed


def test_a_duplicate_supplier_reference_is_refused_on_the_bill_page(client, tent, main):
    order = received_order(tent, main)
    line = order.lines.get()
    supplier_bill_enter(
        user=SYSTEM,
        order=order,
        supplier_reference="INV-1",
        bill_date=order.order_date,
        lines=[BillLineRequest(tent, 2, Decimal("50"))],
    )
    login(client, "Accounting")

    response = client.post(
        f"{PO_LIST}{order.pk}/bill/",
        {
            "supplier_reference": "INV-1",
            "bill_date": "2026-12-01",
            f"qty-{line.pk}": "2",
            f"cost-{line.pk}": "50.00",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert SupplierBill.objects.count() == 1


def held_bill(tent, main) -> SupplierBill:
    order = received_order(tent, main)
    return supplier_bill_enter(
        user=SYSTEM,
        order=order,
        supplier_reference="INV-9",
        bill_date=order.order_date,
        lines=[BillLineRequest(tent, 10, Decimal("60"))],
    )


def test_accounting_approves_a_held_bill_with_the_list_action(client, tent, main):
    bill = held_bill(tent, main)
    login(client, "Accounting")

    response = client.post(
        BILL_LIST, {"action": "approve_bills", "_selected_action": [bill.pk]}, follow=True
    )

    bill.refresh_from_db()
    assert (bill.status, bill.entry is not None) == ("approved", True)
    assert messages_of(response) == [f"Approved and posted: {bill.number}."]


def test_rejecting_needs_a_reason_typed_beside_the_action(client, tent, main):
    bill = held_bill(tent, main)
    login(client, "Accounting")

    without = client.post(
        BILL_LIST, {"action": "reject_bills", "_selected_action": [bill.pk]}, follow=True
    )
    status_after_refusal = SupplierBill.objects.get(pk=bill.pk).status
    client.post(
        BILL_LIST,
        {"action": "reject_bills", "_selected_action": [bill.pk], "reason": "price not agreed"},
    )

    assert messages_of(without) == ["Type the reason for the rejection beside the action."]
    assert status_after_refusal == "on_hold"
    assert SupplierBill.objects.get(pk=bill.pk).status == "rejected"


def test_purchasing_enters_bills_but_may_not_approve_them(client, tent, main):
    bill = held_bill(tent, main)
    login(client, "Purchasing")

    listed = client.get(BILL_LIST)
    page = client.get(f"{BILL_LIST}{bill.pk}/approve/")

    assert listed.context["action_form"] is None  # no action offered
    assert f"{bill.pk}/approve/" not in listed.content.decode()
    assert page.status_code == 403
    assert SupplierBill.objects.get(pk=bill.pk).status == "on_hold"


def test_the_return_page_sends_goods_back_with_a_debit_note(client, tent, main):
    order = received_order(tent, main, quantity=10, received=10)
    line = order.lines.get()
    login(client, "Manager")

    response = client.post(
        f"{PO_LIST}{order.pk}/return/",
        {f"qty-{line.pk}": "3", "reason": "damaged in transit", "supplier_reference": "RMA-7"},
    )

    note = SupplierBill.objects.get(kind="debit_note")
    assert response.status_code == 302
    assert (note.reason, note.supplier_reference) == ("damaged in transit", "RMA-7")
    assert Stock.objects.get(product=tent, warehouse=main).on_hand == 7


def test_the_pay_page_records_a_payment_on_a_posted_bill(client, tent, main):
    order = received_order(tent, main)
    bill = supplier_bill_enter(
        user=SYSTEM,
        order=order,
        supplier_reference="INV-3",
        bill_date=order.order_date,
        lines=[BillLineRequest(tent, 10, Decimal("50"))],
    )
    login(client, "Accounting")

    page = client.get(f"{BILL_LIST}{bill.pk}/pay/")
    response = client.post(
        f"{BILL_LIST}{bill.pk}/pay/",
        {"amount": "100.00", "day": "2026-12-01", "reference": "INV-3", "method": "bank_transfer"},
    )

    bill.refresh_from_db()
    assert page.context["form"].initial["amount"] == bill.total
    assert response.status_code == 302
    assert SupplierPayment.objects.get().amount == Decimal("100.00")
    assert bill.balance == bill.total - Decimal("100.00")


def test_receipts_bills_and_payments_are_read_only_even_for_the_manager(client, tent, main):
    order = received_order(tent, main)
    login(client, "Manager")
    receipt = Receipt.objects.get()

    pages = [
        client.get(f"/admin/purchasing/receipt/{receipt.pk}/change/"),
        client.get("/admin/purchasing/receipt/add/"),
        client.get(f"{BILL_LIST}add/"),
        client.get("/admin/purchasing/supplierpayment/add/"),
    ]

    assert pages[0].context["has_change_permission"] is False
    assert [page.status_code for page in pages[1:]] == [403, 403, 403]
    assert order.receipts.count() == 1


def more_orders(count: int, main) -> None:
    supplier = SupplierFactory(code="BULK")
    for _ in range(count):
        product = ProductFactory()
        order = sent_order((product, 5, Decimal("10")), warehouse=main, supplier=supplier)
        purchase_order_receive(user=SYSTEM, order=order, lines=[ReceiptLineRequest(product, 5)])
        supplier_bill_enter(
            user=SYSTEM,
            order=order,
            supplier_reference=f"INV-{order.pk}",
            bill_date=order.order_date,
            lines=[BillLineRequest(product, 5, Decimal("12"))],
        )


# session, user, permissions, the count, the page, its prefetches (order lines
# and bills), the filters' choices (suppliers, warehouses) and the date hierarchy
@pytest.mark.parametrize(("url", "queries"), [(PO_LIST, 14), (BILL_LIST, 11)])
def test_the_order_and_bill_lists_cost_the_same_queries_for_one_row_and_many(
    client, main, url, queries
):
    login(client, "Manager")
    more_orders(1, main)
    client.get(url)  # the session, warmed

    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    more_orders(8, main)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert response.context["cl"].result_count == 9
    assert (len(one), len(many)) == (queries, queries)


def test_a_draft_is_changed_on_its_edit_page_through_the_service(client, tent, main):
    lantern = ProductFactory(title="Basalt Lantern")
    supplier = SupplierFactory(code="ALPINE")
    order = purchase_order_create(
        user=SYSTEM,
        supplier=supplier,
        warehouse=main,
        lines=[PurchaseLineRequest(tent, 4, Decimal("50.00"))],
    )
    login(client, "Purchasing")
    page = client.get(f"{PO_LIST}{order.pk}/edit/")
    tent_sku, lantern_sku = (
        tent.stockrecords.get().partner_sku,
        lantern.stockrecords.get().partner_sku,
    )
    assert page.context["form"].initial["lines"] == f"{tent_sku} 4 50"

    response = client.post(
        f"{PO_LIST}{order.pk}/edit/",
        {
            "expected_date": order.expected_date.isoformat(),
            "lines": f"{tent_sku} 6 49.50\n{lantern_sku} 2 12",
            "notes": "Deliver before noon",
        },
        follow=True,
    )

    assert messages_of(response) == [f"{order.number} changed."]
    order.refresh_from_db()
    assert order.notes == "Deliver before noon"
    assert [(x.product.title, x.quantity, x.unit_cost) for x in order.lines.order_by("pk")] == [
        ("Granite Tent", 6, Decimal("49.5000")),
        ("Basalt Lantern", 2, Decimal("12.0000")),
    ]


def test_a_sent_order_cannot_be_edited_and_says_why(client, tent, main):
    order = sent_order((tent, 4, Decimal("50.00")), warehouse=main)
    login(client, "Purchasing")

    response = client.post(
        f"{PO_LIST}{order.pk}/edit/",
        {
            "expected_date": order.expected_date.isoformat(),
            "lines": f"{tent.stockrecords.get().partner_sku} 9",
        },
    )

    assert "only a draft is changed" in response.content.decode()
    assert order.lines.get().quantity == 4


def test_warehouse_may_not_open_a_drafts_edit_page(client, tent, main):
    order = purchase_order_create(
        user=SYSTEM,
        supplier=SupplierFactory(),
        warehouse=main,
        lines=[PurchaseLineRequest(tent, 4, Decimal("50.00"))],
    )
    login(client, "Warehouse")

    assert client.get(f"{PO_LIST}{order.pk}/edit/").status_code == 403


def test_a_supplier_changed_in_the_admin_keeps_its_code_and_currency(client):
    supplier = SupplierFactory(code="ALPINE", payment_terms_days=30)
    login(client, "Purchasing")

    response = client.post(
        f"/admin/purchasing/supplier/{supplier.pk}/change/",
        {
            "code": "HIJACK",
            "currency": "USD",
            "name": "Alpine Gear AG",
            "tax_id": "DE999",
            "address": "Neu 1",
            "email": "neu@alpine.example",
            "payment_terms_days": "45",
            "lead_time_days": "9",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    supplier.refresh_from_db()
    assert (supplier.code, supplier.currency, supplier.name, supplier.payment_terms_days) == (
        "ALPINE",
        "EUR",
        "Alpine Gear AG",
        45,
    )
