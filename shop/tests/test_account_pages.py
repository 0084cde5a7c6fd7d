"""The customer's account pages: the order history (status and total with its
currency, one query a page whatever the number of orders), the order page's
invoices and credit notes (their PDFs, nobody else's), credit notes by what was
refunded rather than "Open"."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounting.models import Invoice
from erp.permissions import SYSTEM
from inventory.services import stock_receive
from orders.models import Carrier
from orders.services import (
    return_authorise,
    return_receive,
    return_request_create,
    shipment_pack,
    shipment_ship,
)
from orders.services.returns import ReturnItem
from tests.factories import (
    CompanyFactory,
    ProductFactory,
    UserFactory,
    WarehouseFactory,
    buyer_for,
    place_order,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def erika():
    return UserFactory(username="erika", email="erika@example.com")


@pytest.fixture
def berlin():
    return WarehouseFactory(code="BER-1", priority=1)


@pytest.fixture
def jacket(berlin):
    product = ProductFactory(title="Fjord Jacket", listing=Decimal("89.00"))
    stock_receive(
        user=SYSTEM, product=product, warehouse=berlin, quantity=20, unit_cost=Decimal(30)
    )
    return product


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ship(order, warehouse):
    line = order.lines.get()
    shipment = shipment_pack(
        user=SYSTEM, order=order, warehouse=warehouse, quantities={line.pk: line.quantity}
    )
    shipment_ship(
        user=SYSTEM, shipment=shipment, carrier=Carrier.objects.get(code="dhl"), tracking_number="X"
    )
    order.refresh_from_db()
    return order


def returned(order, quantity):
    quarantine = WarehouseFactory(code="RET-Q", is_sellable=False, priority=99)
    request = return_request_create(
        user=SYSTEM,
        order=order,
        items=[ReturnItem(order.lines.get().pk, quantity, "damaged")],
    )
    return_authorise(user=SYSTEM, return_request=request)
    return_receive(user=SYSTEM, return_request=request, warehouse=quarantine)
    return request


def history_rows(body: str) -> list[list[str]]:
    rows = re.findall(r'<tr class="order-row">(.*?)</tr>', body, re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in rows
    ]


def test_the_order_history_shows_status_and_total_with_currency(erika, jacket, berlin):
    shipped = ship(place_order([(jacket, 2)], user=erika), berlin)
    pending = place_order([(jacket, 1)], user=erika, payment_method="bank_transfer")

    response = logged_in(erika).get("/accounts/orders/")

    assert response.status_code == 200
    rows = history_rows(response.content.decode())
    assert [[row[0], row[2], row[3], row[4]] for row in rows] == [
        [pending.number, "Pending payment", "1", "€89.00"],
        [shipped.number, "Shipped", "2", "€178.00"],
    ]


# the page's queries (session, user, basket and the like, the orders with their
# item counts, the count for paging), whatever the number of orders on it
HISTORY_QUERIES = 12


def test_the_order_history_costs_the_same_queries_for_one_order_as_for_twenty(erika, jacket):
    place_order([(jacket, 1)], user=erika)
    client = logged_in(erika)
    client.get("/accounts/orders/")  # warm the session and caches

    with CaptureQueriesContext(connection) as one:
        client.get("/accounts/orders/")
    for _ in range(19):
        place_order([(jacket, 1)], user=erika)
    with CaptureQueriesContext(connection) as twenty:
        response = client.get("/accounts/orders/")

    assert len(history_rows(response.content.decode())) == 20
    assert len(one.captured_queries) == len(twenty.captured_queries) == HISTORY_QUERIES


def test_another_customer_sees_none_of_the_orders(erika, jacket):
    place_order([(jacket, 1)], user=erika)

    response = logged_in(UserFactory(username="max")).get("/accounts/orders/")

    assert history_rows(response.content.decode()) == []
    assert "You haven't placed any orders." in response.content.decode()


def test_the_order_page_links_its_invoice_and_refunded_credit_note(erika, jacket, berlin):
    order = ship(place_order([(jacket, 2)], user=erika), berlin)
    returned(order, 2)  # everything back: the credit note is refunded to the card
    invoice = Invoice.objects.get(order=order, kind=Invoice.Kind.INVOICE)
    credit_note = Invoice.objects.get(order=order, kind=Invoice.Kind.CREDIT_NOTE)
    assert credit_note.balance == 0
    client = logged_in(erika)

    body = client.get(f"/accounts/orders/{order.number}/").content.decode()

    assert (
        f'<a class="document-pdf" href="/accounts/invoices/{invoice.number}/pdf/">'
        f"Invoice {invoice.number} (PDF)</a>" in body
    )
    assert (
        f'<a class="document-pdf" href="/accounts/invoices/{credit_note.number}/pdf/">'
        f"Credit note {credit_note.number} (PDF)</a>" in body
    )
    statuses = [
        line.strip()
        for line in body.split('<td class="document-status">')[1:]
        for line in [line.split("</td>")[0]]
    ]
    assert statuses == ["Paid", "Refunded"]  # captured at shipping, refunded to the card
    for document in (invoice, credit_note):
        pdf = client.get(f"/accounts/invoices/{document.number}/pdf/")
        assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
        assert pdf.content.startswith(b"%PDF")


def test_a_partly_returned_order_shows_its_credit_note_as_refunded_in_the_invoice_list(
    erika, jacket, berlin
):
    order = ship(place_order([(jacket, 2)], user=erika), berlin)
    returned(order, 1)
    credit_note = Invoice.objects.get(order=order, kind=Invoice.Kind.CREDIT_NOTE)

    body = logged_in(erika).get("/accounts/invoices/").content.decode()

    row = body.split(f"<td>{credit_note.number}")[1].split("</tr>")[0]
    assert "<td>Refunded</td>" in row
    assert "Open" not in row


def test_another_customer_gets_404_for_the_order_page_and_its_documents(erika, jacket, berlin):
    order = ship(place_order([(jacket, 1)], user=erika), berlin)
    invoice = Invoice.objects.get(order=order)
    other = logged_in(UserFactory(username="max"))

    assert other.get(f"/accounts/orders/{order.number}/").status_code == 404
    assert other.get(f"/accounts/invoices/{invoice.number}/pdf/").status_code == 404


def test_an_authorised_return_shows_its_number_and_where_to_send_it(erika, jacket, berlin):
    WarehouseFactory(
        code="RET-Q", is_sellable=False, priority=99, address="Lagerstraße 1, 10115 Berlin"
    )
    order = ship(place_order([(jacket, 1)], user=erika), berlin)
    request = return_request_create(
        user=SYSTEM, order=order, items=[ReturnItem(order.lines.get().pk, 1, "damaged")]
    )
    client = logged_in(erika)
    before = client.get(f"/accounts/orders/{order.number}/").content.decode()
    return_authorise(user=SYSTEM, return_request=request)

    body = client.get(f"/accounts/orders/{order.number}/").content.decode()

    assert 'class="return-address' not in before  # not before it is authorised
    assert f"Return {request.number}:" in body
    assert (
        f"Please send the items to this address, with the return number {request.number} "
        "on the parcel or on a note inside:" in body
    )
    assert (
        '<address class="mb-0 ml-3">Kontor Demo Store Returns<br>Lagerstraße 1<br>10115 Berlin'
        "</address>" in body
    )


def test_a_credit_note_deducted_from_an_unpaid_invoice_says_so(jacket, berlin):
    buyer = buyer_for(CompanyFactory(name="Alpine Outfitters GmbH"), "anna")
    order = ship(place_order([(jacket, 2)], user=buyer, payment_method="on_account"), berlin)
    returned(order, 1)  # the invoice is still open: the credit note reduces it
    invoice = Invoice.objects.get(order=order, kind=Invoice.Kind.INVOICE)
    credit_note = Invoice.objects.get(order=order, kind=Invoice.Kind.CREDIT_NOTE)
    assert credit_note.balance == 0
    assert invoice.balance == invoice.total - credit_note.total

    body = logged_in(buyer).get(f"/accounts/orders/{order.number}/").content.decode()

    statuses = [
        cell.split("</td>")[0].strip() for cell in body.split('<td class="document-status">')[1:]
    ]
    assert statuses == ["Partially paid", "Deducted from the invoice"]


def test_the_order_page_shows_the_buyers_own_order_reference_and_escapes_it(erika, jacket):
    order = place_order([(jacket, 1)], user=erika, customer_reference="PO-4711 <b>")

    body = logged_in(erika).get(f"/accounts/orders/{order.number}/").content.decode()

    assert (
        '<p id="order_customer_reference">Your order reference: '
        "<strong>PO-4711 &lt;b&gt;</strong></p>" in body
    )
