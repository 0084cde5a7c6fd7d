"""The storefront promises exactly what the sellable warehouses hold."""

import pytest
from django.test import Client

from erp.permissions import SYSTEM
from inventory import services
from tests.factories import ProductFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


def tile_for(response, title):
    body = response.content.decode()
    start = body.index(f'title="{title}"')
    return body[body.rindex("<article", 0, start) : body.index("</article>", start)]


def test_tiles_say_in_stock_only_n_left_or_out_of_stock(client: Client, settings):
    settings.INVENTORY_LOW_STOCK_DISPLAY = 5
    ProductFactory(title="Plenty", stock=40)
    ProductFactory(title="Nearly gone", stock=3)
    ProductFactory(title="Sold out")

    page = client.get("/catalogue/")

    assert "In stock" in tile_for(page, "Plenty")
    assert "Only 3 left" in tile_for(page, "Nearly gone")
    sold_out = tile_for(page, "Sold out")
    assert "Out of stock" in sold_out
    assert 'class="btn btn-secondary btn-block disabled"' in sold_out
    assert "<form" not in sold_out


def test_a_receipt_shows_on_the_product_page_at_the_next_load(client: Client):
    product = ProductFactory(title="Basalt Lantern")
    assert "Out of stock" in client.get(product.get_absolute_url()).content.decode()

    services.stock_receive(
        user=SYSTEM,
        product=product,
        warehouse=WarehouseFactory(code="BER-1"),
        quantity=2,
        unit_cost=1,
    )

    body = client.get(product.get_absolute_url()).content.decode()
    assert "Only 2 left" in body
    assert 'id="add_to_basket_form"' in body


def test_adding_more_than_is_available_is_refused_with_the_figure(client: Client):
    product = ProductFactory(title="Granite Tent", stock=2)

    first = client.post(f"/basket/add/{product.pk}/", {"quantity": 2}, follow=True)
    second = client.post(f"/basket/add/{product.pk}/", {"quantity": 1}, follow=True)

    assert "Granite Tent" in str(next(iter(first.context["messages"])))
    messages = [str(m) for m in second.context["messages"]]
    assert any("Only 2 of “Granite Tent” available (you asked for 3)." in m for m in messages)
    basket = client.get("/basket/").context["basket"]
    assert basket.num_items == 2


def test_checkout_that_loses_the_race_returns_to_the_basket_with_a_message(
    client: Client, monkeypatch
):
    from shop.checkout.views import PaymentDetailsView

    product = ProductFactory(title="Last Lantern", stock=1)
    client.post(f"/basket/add/{product.pk}/", {"quantity": 1})
    checkout_guest(client)

    def another_customer_buys_it_during_payment(view, *args, **kwargs):
        services.stock_adjust(
            user=SYSTEM,
            product=product,
            warehouse=WarehouseFactory(code="MAIN"),
            quantity=-1,
            reason="sold",
        )

    monkeypatch.setattr(
        PaymentDetailsView, "handle_payment", another_customer_buys_it_during_payment
    )
    response = client.post("/checkout/preview/", {"action": "place_order"}, follow=True)

    assert response.redirect_chain[-1][0] == "/basket/"
    assert [str(m) for m in response.context["messages"]] == ["“Last Lantern” is out of stock."]
    from oscar.core.loading import get_model

    assert not get_model("order", "Order").objects.exists()
    assert client.get("/basket/").context["basket"].num_items == 1


def test_checkout_with_a_basket_gone_stale_also_ends_at_the_basket(client: Client):
    product = ProductFactory(title="Last Lantern", stock=1)
    client.post(f"/basket/add/{product.pk}/", {"quantity": 1})
    checkout_guest(client)
    services.stock_adjust(
        user=SYSTEM,
        product=product,
        warehouse=WarehouseFactory(code="MAIN"),
        quantity=-1,
        reason="broken",
    )

    response = client.post("/checkout/preview/", {"action": "place_order"}, follow=True)

    assert response.redirect_chain[-1][0] == "/basket/"
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1
    assert "“Last Lantern” is out of stock." in messages[0]


def checkout_guest(client: Client) -> None:
    from shop.tests.checkout import checkout_to_preview

    checkout_to_preview(client, method="bank_transfer")
