"""Fulfilment in the back office: pick lists, packing, shipping, staff orders, returns."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_model

from erp.permissions import SYSTEM
from inventory import selectors as stock
from inventory.services import stock_receive
from orders import statuses
from orders.models import Carrier, ReturnRequest, Shipment
from orders.services import return_request_create, shipment_pack, shipment_ship
from orders.services.returns import ReturnItem
from tests.factories import (
    CompanyFactory,
    ProductFactory,
    StaffFactory,
    UserFactory,
    WarehouseFactory,
    buyer_for,
    place_order,
)

Order = get_model("order", "Order")
Basket = get_model("basket", "Basket")
pytestmark = pytest.mark.django_db


@pytest.fixture
def berlin():
    return WarehouseFactory(code="BER-1", priority=1)


@pytest.fixture
def tent(berlin):
    product = ProductFactory(title="Granite Tent", listing=Decimal("120.00"))
    stock_receive(
        user=SYSTEM, product=product, warehouse=berlin, quantity=6, unit_cost=Decimal("50")
    )
    return product


def staff_client(client: Client, role: str) -> Client:
    client.force_login(StaffFactory(username=role.lower(), role=role))
    return client


def test_warehouse_packs_and_ships_from_the_fulfil_page(client, tent, berlin, mailoutbox):
    staff = staff_client(client, "Warehouse")
    order = place_order([(tent, 2)])
    line = order.lines.get()
    url = f"/admin/order/order/{order.pk}/fulfil/"

    page = staff.get(url)
    assert "Pack in BER-1" in page.content.decode()
    staff.post(url, {"action": "pack", "warehouse": berlin.pk, f"qty-{line.pk}": "2"})
    shipment = Shipment.objects.get()
    missing_carrier = staff.post(
        url, {"action": "ship", "shipment": shipment.pk, "tracking_number": "X"}, follow=True
    )
    shipped = staff.post(
        url,
        {
            "action": "ship",
            "shipment": shipment.pk,
            "carrier": Carrier.objects.get(code="dhl").pk,
            "tracking_number": "JJD000390007",
        },
        follow=True,
    )

    assert "Choose the carrier." in missing_carrier.content.decode()
    assert "Shipped; the customer gets the tracking e-mail." in shipped.content.decode()
    order.refresh_from_db()
    assert order.status == statuses.SHIPPED
    assert "piececode=JJD000390007" in shipped.content.decode()
    assert stock.on_hand(tent.pk, berlin.pk) == 4


def test_packing_more_than_waits_is_refused_and_nothing_is_packed(client, tent, berlin):
    staff = staff_client(client, "Warehouse")
    order = place_order([(tent, 2)])
    line = order.lines.get()

    response = staff.post(
        f"/admin/order/order/{order.pk}/fulfil/",
        {"action": "pack", "warehouse": berlin.pk, f"qty-{line.pk}": "5"},
        follow=True,
    )
    junk = staff.post(
        f"/admin/order/order/{order.pk}/fulfil/",
        {"action": "pack", "warehouse": berlin.pk, f"qty-{line.pk}": "two"},
        follow=True,
    )

    assert (
        "Only 2 of “Granite Tent” are waiting in BER-1; cannot pack 5." in response.content.decode()
    )
    assert "“two” is not a whole number; nothing packed." in junk.content.decode()
    assert not Shipment.objects.exists()


def test_pick_list_lists_what_to_pick_per_warehouse(client, tent, berlin):
    staff = staff_client(client, "Warehouse")
    first = place_order([(tent, 2)])
    second = place_order([(tent, 1)], payment_method="bank_transfer")  # unpaid: not picked yet

    page = staff.get(f"/admin/order/order/pick-list/{berlin.pk}/")

    lines = page.context["lines"]
    assert [(line.order_number, line.quantity) for line in lines] == [(first.number, 2)]
    assert second.number not in page.content.decode()


def test_accounting_can_look_but_not_ship(client, tent, berlin):
    staff = staff_client(client, "Accounting")
    order = place_order([(tent, 1)])
    line = order.lines.get()

    assert staff.get(f"/admin/order/order/{order.pk}/fulfil/").status_code == 200
    refused = staff.post(
        f"/admin/order/order/{order.pk}/fulfil/",
        {"action": "pack", "warehouse": berlin.pk, f"qty-{line.pk}": "1"},
        follow=True,
    )
    assert "role does not allow you to pack parcels." in refused.content.decode()
    assert not Shipment.objects.exists()


def test_sales_enters_a_phone_order_priced_by_the_server(client, tent, berlin):
    staff = staff_client(client, "Sales")
    from tests.factories import shipping_address

    country = shipping_address().country
    data = {
        "channel": "staff",
        "email": "phone.customer@example.com",
        "first_name": "Paul",
        "last_name": "Phone",
        "line1": "Ringstraße 3",
        "line4": "Bonn",
        "postcode": "53111",
        "country": country.pk,
        "lines": f"SKU-{tent.upc} 2\n",
        "shipping_method": "free-shipping",
        "payment_method": "bank_transfer",
        "customer_reference": "  PO 555 ",
    }

    bad = staff.post("/admin/order/order/new/", {**data, "lines": "NOPE 1\nSKU-" + tent.upc + " x"})
    short = staff.post("/admin/order/order/new/", {**data, "lines": f"SKU-{tent.upc} 7"})
    assert not Basket.objects.exists()  # the refused order left no basket behind

    body = bad.content.decode()
    assert "Line 1: no product has the SKU or EAN “NOPE”." in body
    assert "Line 2 (“SKU-" in body and "whole number above zero" in body
    assert "Only 6 of “Granite Tent” available (you asked for 7)." in short.content.decode()
    tabbed = staff.post("/admin/order/order/new/", {**data, "customer_reference": "PO\t1"})
    assert "no line breaks, tabs or control characters" in tabbed.content.decode()
    assert not Order.objects.exists()
    placed = staff.post("/admin/order/order/new/", data)
    order = Order.objects.get()
    assert order.customer_reference == "PO 555"
    assert placed.status_code == 302
    assert (order.channel, order.status, order.guest_email) == (
        "staff",
        statuses.PENDING_PAYMENT,
        "phone.customer@example.com",
    )
    assert order.total_incl_tax == Decimal("240.00")


def test_a_staff_order_for_a_known_customer_adds_up_a_product_typed_twice(client, tent, berlin):
    staff = staff_client(client, "Sales")
    from tests.factories import shipping_address

    customer = UserFactory(email="known@example.com")
    data = {
        "channel": "staff",
        "email": "KNOWN@example.com",
        "first_name": "Kim",
        "last_name": "Known",
        "line1": "Ringstraße 3",
        "line4": "Bonn",
        "postcode": "53111",
        "country": shipping_address().country.pk,
        "lines": f"SKU-{tent.upc} 2\n{tent.upc} 1\n",
        "shipping_method": "free-shipping",
        "payment_method": "bank_transfer",
    }

    placed = staff.post("/admin/order/order/new/", data)

    order = Order.objects.get()
    assert placed.status_code == 302
    assert (order.user_id, order.guest_email, order.channel) == (customer.pk, "", "staff")
    assert list(order.lines.values_list("quantity", flat=True)) == [3]
    assert order.total_incl_tax == Decimal("360.00")


def test_returns_are_authorised_by_sales_and_received_into_quarantine(client, tent, berlin):
    quarantine = WarehouseFactory(code="RET-Q", is_sellable=False, priority=99)
    order = place_order([(tent, 2)])
    line = order.lines.get()
    shipment = shipment_pack(user=SYSTEM, order=order, warehouse=berlin, quantities={line.pk: 2})
    shipment_ship(
        user=SYSTEM,
        shipment=shipment,
        carrier=Carrier.objects.get(code="ups"),
        tracking_number="1Z",
    )
    request = return_request_create(
        user=SYSTEM, order=order, items=[ReturnItem(line.pk, 1, "damaged")]
    )

    sales = staff_client(client, "Sales")
    listed = sales.get("/admin/order/returnrequest/").content.decode()
    assert f'<a href="/admin/order/returnrequest/{request.pk}/change/">{request}</a>' in listed
    assert str(request) == f"Return {request.number} of order {order.number}"
    found = sales.get("/admin/order/returnrequest/", {"q": request.number})
    assert list(found.context["cl"].result_list) == [request]
    authorised = sales.post(
        "/admin/order/returnrequest/",
        {"action": "authorise", "_selected_action": [request.pk]},
        follow=True,
    )
    assert f"Return {request.number} of order {order.number} authorised." in (
        authorised.content.decode()
    )
    change = sales.get(f"/admin/order/returnrequest/{request.pk}/change/").content.decode()
    assert f"Return {request.number} of order {order.number}" in change
    client.logout()
    warehouse = staff_client(client, "Warehouse")
    warehouse.post(
        f"/admin/order/returnrequest/{request.pk}/receive/", {"warehouse": quarantine.pk}
    )

    request.refresh_from_db()
    assert request.status == ReturnRequest.Status.RECEIVED
    assert stock.on_hand(tent.pk, quarantine.pk) == 1


def test_order_list_runs_the_same_queries_for_one_order_and_many(client, tent):
    staff = staff_client(client, "Manager")
    place_order([(tent, 1)])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff.get("/admin/order/order/").status_code == 200
        return len(queries)

    one = count()
    for _ in range(4):
        place_order([(tent, 1)], payment_method="bank_transfer")
    assert count() == one


def test_order_list_names_the_company_the_customer_or_the_guest_at_the_same_query_count(
    client, tent
):
    staff = staff_client(client, "Sales")
    erika = UserFactory(username="erika", first_name="Erika", last_name="Muster")
    place_order([(tent, 1)], user=erika)

    def customers() -> tuple[list[str], int]:
        with CaptureQueriesContext(connection) as queries:
            page = staff.get("/admin/order/order/").content.decode()
        cells = [cell.split("</td>")[0] for cell in page.split('<td class="field-customer">')[1:]]
        return cells, len(queries)

    _, one = customers()
    buyer = buyer_for(CompanyFactory(name="Alpine Outfitters GmbH"), "alpine")
    place_order([(tent, 1)], user=buyer, payment_method="on_account")
    place_order([(tent, 1)], user=UserFactory(username="nameless"))
    place_order([(tent, 1)])
    listed, many = customers()

    assert sorted(listed) == sorted(
        [
            '<span title="erika@example.com">Erika Muster</span>',
            '<span title="alpine@example.com">Alpine Outfitters GmbH</span>',
            "nameless@example.com",
            "guest@example.com (guest)",
        ]
    )
    assert many == one
    found = staff.get("/admin/order/order/", {"q": "Alpine Outfitters"})
    assert [order.user for order in found.context["cl"].result_list] == [buyer]


def test_order_list_shows_labels_and_money_with_its_currency(client, tent):
    staff = staff_client(client, "Manager")
    order = place_order([(tent, 2)], payment_method="bank_transfer")

    page = staff.get("/admin/order/order/").content.decode()

    assert f'<th class="field-number"><a href="/admin/order/order/{order.pk}/change/">' in page
    assert '<td class="field-payment_method_label">Bank transfer</td>' in page
    assert '<td class="field-channel">Web shop</td>' in page
    assert f'<td class="field-total">€{order.total_incl_tax:,.2f}</td>' in page
    assert ">bank_transfer<" not in page
    assert '<td class="field-status">Pending payment</td>' in page


def test_staff_find_an_order_by_the_buyers_reference_and_read_it_on_the_order(client, tent):
    staff = staff_client(client, "Sales")
    order = place_order([(tent, 1)], customer_reference="PO-2026-17")
    place_order([(tent, 1)], customer_reference="PO-2026-99")

    found = staff.get("/admin/order/order/", {"q": "PO-2026-17"})
    change = staff.get(f"/admin/order/order/{order.pk}/change/").content.decode()

    assert list(found.context["cl"].result_list) == [order]
    assert '<div class="readonly">PO-2026-17</div>' in change


def test_the_fulfil_page_names_the_payment_method_and_parcels_without_ids(client, tent, berlin):
    order = place_order([(tent, 1)])
    shipment_pack(user=SYSTEM, order=order, warehouse=berlin, quantities={order.lines.get().pk: 1})
    staff = staff_client(client, "Warehouse")

    page = staff.get(f"/admin/order/order/{order.pk}/fulfil/").content.decode()

    assert "payment: Card (test gateway)" in page
    assert "<strong>Parcel 1</strong> from BER-1" in page
    assert "test_card" not in page


def test_returns_are_named_by_their_own_string_in_lists_messages_and_titles(client, tent, berlin):
    order = place_order([(tent, 2)])
    line = order.lines.get()
    shipment = shipment_pack(user=SYSTEM, order=order, warehouse=berlin, quantities={line.pk: 2})
    shipment_ship(
        user=SYSTEM, shipment=shipment, carrier=Carrier.objects.get(code="ups"), tracking_number="1"
    )
    request = return_request_create(
        user=SYSTEM, order=order, items=[ReturnItem(line.pk, 1, "damaged")]
    )
    sales = staff_client(client, "Sales")

    listed = sales.get("/admin/order/returnrequest/").content.decode()
    authorised = sales.post(
        "/admin/order/returnrequest/",
        {"action": "authorise", "_selected_action": [request.pk]},
        follow=True,
    )
    client.logout()
    receive = staff_client(client, "Warehouse").get(
        f"/admin/order/returnrequest/{request.pk}/receive/"
    )

    assert f">{request}</a></th>" in listed
    assert '<td class="field-refund">€0.00</td>' in listed
    assert f"{request} authorised." in [str(m) for m in authorised.context["messages"]]
    assert receive.context["title"] == f"Receive {request}"


def test_stock_parcels_and_allocations_are_named_not_numbered(client, tent, berlin):
    from inventory.models import Allocation, Stock

    order = place_order([(tent, 2)])
    parcel = shipment_pack(
        user=SYSTEM, order=order, warehouse=berlin, quantities={order.lines.get().pk: 1}
    )
    stock_row = Stock.objects.get(product=tent, warehouse=berlin)
    staff = staff_client(client, "Manager")

    allocations = staff.get("/admin/inventory/allocation/").content.decode()

    assert str(stock_row) == "Granite Tent in BER-1: 6 on hand"
    assert str(parcel) == f"Parcel from BER-1 for order {order.number}"
    assert str(parcel.lines.get()) == "1 x Granite Tent"
    assert str(Allocation.objects.get()) == (
        f"2 of Granite Tent in BER-1: 6 on hand for order {order.number}"
    )
    assert ">Granite Tent in BER-1: 6 on hand<" in allocations


def test_the_order_record_shows_money_with_its_currency_and_no_internals(client, tent):
    order = place_order([(tent, 1)], payment_method="bank_transfer")
    staff = staff_client(client, "Manager")

    page = staff.get(f"/admin/order/order/{order.pk}/change/").content.decode()

    shown = {
        name
        for name in ("site", "basket", "shipping_code", "currency")
        if f'class="form-row field-{name}' in page
    }
    assert shown == set()
    assert f'<div class="readonly">€{order.total_incl_tax:,.2f}</div>' in page
    assert '<div class="readonly">Bank transfer</div>' in page
