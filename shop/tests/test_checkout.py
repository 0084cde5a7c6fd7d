"""Checkout: shipping methods from the back office, bank transfer or card."""

from decimal import Decimal

import pytest
from django.test import Client
from oscar.core.loading import get_model
from oscar.test.factories import create_offer

from inventory import selectors
from orders import statuses
from shop.tests.checkout import CARD, checkout_to_preview, place
from tests.factories import ProductFactory

Order = get_model("order", "Order")
OrderAndItemCharges = get_model("shipping", "OrderAndItemCharges")
pytestmark = pytest.mark.django_db


@pytest.fixture
def standard():
    return OrderAndItemCharges.objects.create(
        code="standard",
        name="Standard delivery",
        price_per_order=Decimal("4.95"),
        free_shipping_threshold=Decimal("50.00"),
    )


@pytest.fixture
def express():
    return OrderAndItemCharges.objects.create(
        code="express", name="Express delivery", price_per_order=Decimal("9.95")
    )


def test_bank_transfer_order_waits_for_payment_and_shows_bank_details(client: Client, standard):
    product = ProductFactory(title="Fjord Headlamp", listing="19.95", stock=5)
    client.post(f"/basket/add/{product.pk}/", {"quantity": 2})
    checkout_to_preview(client, method="bank_transfer")

    thank_you = place(client)

    order = Order.objects.get()
    assert (order.status, order.payment_method, order.channel) == (
        statuses.PENDING_PAYMENT,
        "bank_transfer",
        "web",
    )
    assert order.shipping_incl_tax == Decimal("4.95")  # 39.90 is under the free threshold
    assert order.total_incl_tax == Decimal("44.85")
    body = thank_you.content.decode()
    assert "DE89 3704 0044 0532 0130 00" in body
    assert f"<strong>{order.number}</strong>" in body
    assert selectors.available_to_promise([product.pk]) == {product.pk: 3}


def test_card_order_is_authorised_ready_and_free_shipping_above_threshold(
    client: Client, standard, express
):
    product = ProductFactory(title="Granite Tent", listing="199.00", stock=2)
    client.post(f"/basket/add/{product.pk}/", {"quantity": 1})
    checkout_to_preview(client, method="test_card", shipping_method="standard")

    response = place(client, CARD)

    assert response.status_code == 200
    order = Order.objects.get()
    assert (order.status, order.payment_method) == (statuses.READY, "test_card")
    assert order.shipping_incl_tax == Decimal("0.00")
    source = order.sources.get()
    assert (source.amount_allocated, source.label) == (Decimal("199.00"), "card ending 4242")
    assert source.reference.startswith("TEST-AUTH-")
    assert "charged when your parcel ships" in response.content.decode()


def test_express_delivery_is_charged(client: Client, standard, express):
    product = ProductFactory(listing="199.00", stock=2)
    client.post(f"/basket/add/{product.pk}/", {"quantity": 1})
    checkout_to_preview(client, method="bank_transfer", shipping_method="express")

    place(client)

    assert Order.objects.get().shipping_incl_tax == Decimal("9.95")


def test_a_declined_card_shows_why_and_places_nothing(client: Client, standard):
    product = ProductFactory(stock=2)
    client.post(f"/basket/add/{product.pk}/", {"quantity": 1})
    declined = {**CARD, "number": "4000 0000 0000 0002"}
    checkout_to_preview(client, method="test_card", card=declined)

    response = place(client, declined)

    assert response.content.decode().count("Your card was declined. Please use another card.") == 1
    assert not Order.objects.exists()
    assert selectors.available_to_promise([product.pk]) == {product.pk: 2}
    assert client.get("/basket/").context["basket"].num_items == 1


@pytest.mark.parametrize(
    ("card", "message"),
    [
        ({"number": "1234", "expiry": "12/30", "cvc": "123"}, "Enter the card number"),
        ({"number": CARD["number"], "expiry": "13/30", "cvc": "123"}, "MM/YY"),
        ({"number": CARD["number"], "expiry": "01/20", "cvc": "123"}, "This card has expired."),
        ({"number": CARD["number"], "expiry": "12/30", "cvc": "x"}, "3 or 4 digits"),
    ],
)
def test_bad_card_details_are_explained_on_the_payment_page(
    client: Client, standard, card, message
):
    product = ProductFactory(stock=2)
    client.post(f"/basket/add/{product.pk}/", {"quantity": 1})
    checkout_to_preview(client, method="bank_transfer")  # reach the payment step
    client.post("/checkout/payment-method/", {"method": "test_card"})

    response = client.post("/checkout/preview/", card)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Order.objects.exists()


def test_payment_method_must_be_chosen(client: Client, standard):
    product = ProductFactory(stock=2)
    client.post(f"/basket/add/{product.pk}/", {"quantity": 1})
    checkout_to_preview(client, method="bank_transfer")

    response = client.post("/checkout/payment-method/", {"method": "bitcoin"})

    assert "Select a valid choice" in response.content.decode()


def test_a_site_offer_takes_its_percentage_off_the_price_the_customer_sees(client: Client):
    create_offer(name="Winter sale")  # Oscar's site offer: 20 % off every product
    product = ProductFactory(listing="100.00", stock=5)
    client.post(f"/basket/add/{product.pk}/", {"quantity": 2})
    assert "160.00" in client.get("/basket/").content.decode()
    checkout_to_preview(client, method="bank_transfer")

    place(client)

    order = Order.objects.get()
    assert order.total_incl_tax == Decimal("160.00")  # not 200 - 40 taken off the net price
    assert order.total_excl_tax == Decimal("134.45")  # 160 / 1.19
    (discount,) = order.discounts.all()
    assert (discount.offer_name, discount.amount) == ("Winter sale", Decimal("40.00"))
