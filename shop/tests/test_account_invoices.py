"""Customers download their own invoices, and only their own."""

from decimal import Decimal

import pytest
from django.test import Client

from erp.permissions import SYSTEM
from inventory.services import stock_receive
from orders.models import Carrier
from orders.services import shipment_pack, shipment_ship
from tests.factories import ProductFactory, UserFactory, WarehouseFactory, place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice_of_erika():
    berlin = WarehouseFactory(code="BER-1")
    product = ProductFactory(title="Fjord Jacket", listing=Decimal("89.00"))
    stock_receive(user=SYSTEM, product=product, warehouse=berlin, quantity=3, unit_cost=Decimal(30))
    erika = UserFactory(username="erika", email="erika@example.com")
    order = place_order([(product, 1)], user=erika)
    shipment = shipment_pack(
        user=SYSTEM, order=order, warehouse=berlin, quantities={order.lines.get().pk: 1}
    )
    shipment_ship(
        user=SYSTEM, shipment=shipment, carrier=Carrier.objects.get(code="dhl"), tracking_number="X"
    )
    return erika, order.invoices.get()


def test_the_customer_lists_and_downloads_their_invoice(client: Client, invoice_of_erika):
    erika, invoice = invoice_of_erika
    client.force_login(erika)

    listing = client.get("/accounts/invoices/")
    pdf = client.get(f"/accounts/invoices/{invoice.number}/pdf/")

    assert invoice.number in listing.content.decode()
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert f"Invoice {invoice.number}".encode() in pdf.content  # the document title
    assert pdf["Cache-Control"] == "private, no-store"


def test_another_customer_gets_404_for_the_invoice_and_sees_none(client: Client, invoice_of_erika):
    _, invoice = invoice_of_erika
    client.force_login(UserFactory(username="mallory"))

    assert client.get(f"/accounts/invoices/{invoice.number}/pdf/").status_code == 404
    assert invoice.number not in client.get("/accounts/invoices/").content.decode()


def test_anonymous_visitors_are_sent_to_login(client: Client, invoice_of_erika):
    _, invoice = invoice_of_erika

    response = client.get(f"/accounts/invoices/{invoice.number}/pdf/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
