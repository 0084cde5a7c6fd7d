"""B2B checkout: the buyer ships to and bills one of their company's addresses
(copied onto the order), gives their order reference / PO number (validated,
stored on the order), and the confirmation page and e-mail show it, with the
prices net "excl. VAT", the VAT on its own line and the gross total."""

from decimal import Decimal

import pytest
from django.test import Client
from oscar.core.loading import get_model

from crm.models import CompanyAddress, PriceListItem
from erp.permissions import SYSTEM
from orders.tasks import send_order_confirmation
from tests.factories import CompanyFactory, ProductFactory, buyer_for, shipping_address

Order = get_model("order", "Order")
OrderAndItemCharges = get_model("shipping", "OrderAndItemCharges")
pytestmark = pytest.mark.django_db


@pytest.fixture
def germany():
    return shipping_address().country  # Germany, a shipping country


@pytest.fixture
def company(germany):
    company = CompanyFactory(name="Alpine Outfitters GmbH")
    CompanyAddress.objects.create(
        company=company,
        label="Head office",
        line1="Hauptstraße 1",
        postcode="80331",
        city="München",
        country=germany,
        is_billing=True,
        is_shipping=False,
    )
    CompanyAddress.objects.create(
        company=company,
        label="Warehouse Ulm",
        attention="Goods receiving",
        line1="Lagerstraße 3",
        postcode="89073",
        city="Ulm",
        country=germany,
        is_shipping=True,
    )
    return company


@pytest.fixture
def tent(company):
    tent = ProductFactory(title="Granite Tent", listing=Decimal("119.00"), stock=40)
    PriceListItem.objects.create(
        price_list=company.price_list, product=tent, price=Decimal("80.00")
    )
    PriceListItem.objects.create(
        price_list=company.price_list, product=tent, min_quantity=10, price=Decimal("72.00")
    )
    OrderAndItemCharges.objects.create(
        code="standard", name="Standard delivery", price_per_order=Decimal("4.95")
    )
    return tent


def addresses(company):
    return {a.label: a for a in company.addresses.all()}


def test_a_buyer_checks_out_with_company_addresses_and_an_order_reference(
    client: Client, company, tent, mailoutbox
):
    client.force_login(buyer_for(company, "anna"))
    client.post(f"/basket/add/{tent.pk}/", {"quantity": 10})

    page = client.get("/checkout/shipping-address/").content.decode()
    assert "Addresses of Alpine Outfitters GmbH" in page
    assert "Warehouse Ulm" in page and "Head office" in page
    response = client.post(
        "/checkout/shipping-address/",
        {
            "company_shipping_address": addresses(company)["Warehouse Ulm"].pk,
            "company_billing_address": addresses(company)["Head office"].pk,
        },
    )
    assert response["Location"] == "/checkout/shipping-method/"
    client.get("/checkout/shipping-method/")
    response = client.post(
        "/checkout/payment-method/",
        {"method": "on_account", "customer_reference": "  PO-4711/ULM "},
    )
    assert response["Location"] == "/checkout/payment-details/"
    preview = client.get("/checkout/preview/").content.decode()
    assert "Your order reference: <strong>PO-4711/ULM</strong>" in preview
    confirmation = client.post(
        "/checkout/preview/", {"action": "place_order"}, follow=True
    ).content.decode()

    order = Order.objects.get()
    assert order.customer_reference == "PO-4711/ULM"
    shipping, billing = order.shipping_address, order.billing_address
    assert (shipping.last_name, shipping.line1, shipping.line3, shipping.line4) == (
        "Alpine Outfitters GmbH",
        "Lagerstraße 3",
        "Attn. Goods receiving",
        "Ulm",
    )
    assert (billing.last_name, billing.line1, billing.postcode) == (
        "Alpine Outfitters GmbH",
        "Hauptstraße 1",
        "80331",
    )
    # 10 at the 10+ break: 720.00 net, 136.80 VAT, shipping 4.95 (no VAT)
    assert (order.total_excl_tax, order.total_incl_tax) == (Decimal("724.95"), Decimal("861.75"))
    assert "Your order reference: <strong>PO-4711/ULM</strong>" in confirmation
    assert "Hauptstraße 1" in confirmation and "Lagerstraße 3" in confirmation
    assert '<small class="text-muted">excl. VAT</small>' in confirmation
    assert "€136.80" in confirmation and "€861.75" in confirmation

    assert send_order_confirmation(order.pk) is True
    body = mailoutbox[0].body
    assert "Your order reference: PO-4711/ULM" in body
    assert "Your order contains: (prices excl. VAT)" in body
    assert " * Granite Tent - quantity: 10 - price: €720.00" in body
    assert "Basket total (excl. VAT): €720.00" in body
    assert "VAT: €136.80" in body
    assert "Order total (incl. VAT): €861.75" in body
    assert "Hauptstraße 1" in body
    html = mailoutbox[0].alternatives[0][0]
    assert "PO-4711/ULM" in html and "€136.80" in html and "prices excl. VAT" in html


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("PO-" + "9" * 62, "at most 64 characters long (it has 65)"),
        ("PO-1\nPO-2", "only contain printable characters"),
        ("PO\t7", "only contain printable characters"),
    ],
    ids=["too long", "line break", "tab"],
)
def test_a_bad_order_reference_is_refused_with_the_reason_and_nothing_is_kept(
    client: Client, company, tent, reference, message
):
    client.force_login(buyer_for(company, "anna"))
    client.post(f"/basket/add/{tent.pk}/", {"quantity": 1})
    client.post(
        "/checkout/shipping-address/",
        {"company_shipping_address": addresses(company)["Warehouse Ulm"].pk},
    )
    client.get("/checkout/shipping-method/")

    response = client.post(
        "/checkout/payment-method/", {"method": "on_account", "customer_reference": reference}
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert client.session.get("checkout_data", {}).get("order", {}) == {}
    assert client.session["checkout_data"].get("payment", {}) == {}


def test_another_company_s_address_is_not_found_and_nothing_is_stored(
    client: Client, company, tent, germany
):
    other = CompanyFactory(name="Rival AG")
    theirs = CompanyAddress.objects.create(
        company=other,
        label="Rival depot",
        line1="Weg 9",
        postcode="10115",
        city="Berlin",
        country=germany,
    )
    client.force_login(buyer_for(company, "anna"))
    client.post(f"/basket/add/{tent.pk}/", {"quantity": 1})

    for data in (
        {"company_shipping_address": theirs.pk},
        {"company_shipping_address": "nope"},
        {
            "company_shipping_address": addresses(company)["Warehouse Ulm"].pk,
            "company_billing_address": theirs.pk,
        },
        {  # a shipping-only address is not a billing address
            "company_shipping_address": addresses(company)["Warehouse Ulm"].pk,
            "company_billing_address": addresses(company)["Warehouse Ulm"].pk,
        },
        {"action": "ship_to", "address_id": "12345"},
    ):
        response = client.post("/checkout/shipping-address/", data)
        assert response.status_code == 404, data
    assert "shipping" not in client.session.get("checkout_data", {})
    assert "billing" not in client.session.get("checkout_data", {})


def test_a_consumer_is_not_offered_company_addresses_or_a_po_number(client: Client, tent):
    client.post(f"/basket/add/{tent.pk}/", {"quantity": 1})
    client.post("/checkout/", {"username": "nina@example.com", "options": "new"})

    page = client.get("/checkout/shipping-address/").content.decode()

    assert "company_address_form" not in page
    basket = client.get("/basket/").content.decode()
    assert "incl. VAT" in basket and "excl. VAT" not in basket
    assert "€119.00" in basket


def test_the_basket_shows_a_buyer_net_lines_the_vat_line_and_the_gross_total(
    client: Client, company, tent
):
    client.force_login(buyer_for(company, "anna"))
    client.post(f"/basket/add/{tent.pk}/", {"quantity": 10})

    page = client.get("/basket/").content.decode()

    assert 'id="price_basis">excl. VAT<' in page
    assert "€72.00" in page and "€720.00" in page
    assert "€85.68" not in page  # the gross unit price is not shown
    assert 'id="basket_total_excl_tax">€720.00<' in page
    assert 'id="vat_total">€136.80<' in page
    assert "€861.75" in page


def test_the_invoice_bills_the_chosen_address_with_the_order_s_exact_figures(
    client: Client, company, tent, germany
):
    from orders.models import Carrier
    from orders.services import shipment_pack, shipment_ship
    from tests.factories import WarehouseFactory

    lamp = ProductFactory(title="Basalt Lantern", listing=Decimal("66.35"), stock=40)
    client.force_login(buyer_for(company, "anna"))
    client.post(f"/basket/add/{tent.pk}/", {"quantity": 12})
    client.post(f"/basket/add/{lamp.pk}/", {"quantity": 7})  # 55.76 net, 10.59 VAT each
    client.post(
        "/checkout/shipping-address/",
        {
            "company_shipping_address": addresses(company)["Warehouse Ulm"].pk,
            "company_billing_address": addresses(company)["Head office"].pk,
        },
    )
    client.get("/checkout/shipping-method/")
    client.post("/checkout/payment-method/", {"method": "on_account"})
    client.post("/checkout/preview/", {"action": "place_order"})
    order = Order.objects.get()
    # what the basket showed: 12 x 72.00 + 7 x 55.76 net, VAT per unit in cents
    assert (order.basket_total_excl_tax, order.basket_total_incl_tax) == (
        Decimal("1254.32"),
        Decimal("1492.61"),  # 12 x 85.68 + 7 x 66.35
    )

    shipment = shipment_pack(
        user=SYSTEM,
        order=order,
        warehouse=WarehouseFactory(code="MAIN"),
        quantities={line.pk: line.quantity for line in order.lines.all()},
    )
    shipment_ship(
        user=SYSTEM,
        shipment=shipment,
        carrier=Carrier.objects.get(code="dhl"),
        tracking_number="T1",
    )

    invoice = order.invoices.get()
    assert (invoice.net_total, invoice.tax_total, invoice.total) == (
        order.total_excl_tax,
        order.total_tax,
        order.total_incl_tax,
    )
    assert invoice.billing_name == "Alpine Outfitters GmbH"
    assert invoice.billing_address.splitlines() == ["Hauptstraße 1", "München", "80331", "Germany"]
