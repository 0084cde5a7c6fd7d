"""Drive Oscar's checkout in the test client, step by step, as a guest."""

from typing import Any

from django.test import Client

from tests.factories import TEST_CARD, shipping_address

ADDRESS = {
    "first_name": "Erika",
    "last_name": "Mustermann",
    "line1": "Heidestraße 17",
    "line4": "Köln",
    "postcode": "51147",
}
CARD = {"number": TEST_CARD, "expiry": "12/30", "cvc": "123"}


def checkout_to_preview(
    client: Client,
    *,
    method: str = "test_card",
    card: dict[str, str] | None = None,
    email: str = "guest@example.com",
    shipping_method: str | None = None,
) -> None:
    country = shipping_address().country
    if email:
        client.post("/checkout/", {"username": email, "options": "new"})
    response = client.post("/checkout/shipping-address/", {**ADDRESS, "country": country.pk})
    assert response.status_code == 302, response.content.decode()[:3000]
    if shipping_method:
        response = client.post("/checkout/shipping-method/", {"method_code": shipping_method})
    else:
        response = client.get("/checkout/shipping-method/")
    assert response.status_code == 302, response.content.decode()[:3000]
    response = client.post("/checkout/payment-method/", {"method": method})
    assert response["Location"] == "/checkout/payment-details/"
    if method == "test_card":
        response = client.post("/checkout/preview/", card or CARD)
    else:
        response = client.get("/checkout/preview/")
    assert response.status_code == 200
    assert "place_order_form" in response.content.decode(), response.content.decode()[:3000]


def place(client: Client, card: dict[str, str] | None = None) -> Any:
    data = {"action": "place_order", **(card or {})}
    return client.post("/checkout/preview/", data, follow=True)
