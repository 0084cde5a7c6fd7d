"""B2B basket: a line is charged, stored and compared at the price for its
quantity, in the figures the buyer sees (net, excl. VAT); a warning only
when the price itself changed since the line was added."""

from decimal import Decimal

import pytest
from django.test import Client
from oscar.core.loading import get_model

from crm.models import PriceListItem
from tests.factories import CompanyFactory, ProductFactory, buyer_for

BasketLine = get_model("basket", "Line")
pytestmark = pytest.mark.django_db


def warnings_on_basket_page(client: Client) -> list[str]:
    return [str(warning) for warning in client.get("/basket/").context["basket_warnings"]]


def test_a_buyer_adding_at_list_price_net_gets_no_price_warning(client: Client):
    # 66.35 gross is 55.756… net: Oscar compared 66.3464 with the stored 66.35
    lamp = ProductFactory(title="Basalt Lantern", listing=Decimal("66.35"), stock=50)
    client.force_login(buyer_for(CompanyFactory(), "bea"))

    client.post(f"/basket/add/{lamp.pk}/", {"quantity": 1})

    assert warnings_on_basket_page(client) == []
    line = BasketLine.objects.get()
    assert (line.price_excl_tax, line.price_incl_tax) == (Decimal("55.76"), Decimal("66.35"))


def test_a_buyer_adding_a_quantity_break_is_charged_the_break_price_without_a_warning(
    client: Client,
):
    tent = ProductFactory(title="Granite Tent", listing=Decimal("119.00"), stock=50)
    company = CompanyFactory()
    PriceListItem.objects.create(
        price_list=company.price_list, product=tent, price=Decimal("62.49")
    )
    PriceListItem.objects.create(
        price_list=company.price_list, product=tent, min_quantity=10, price=Decimal("57.49")
    )
    client.force_login(buyer_for(company, "bea"))

    client.post(f"/basket/add/{tent.pk}/", {"quantity": 4})
    client.post(f"/basket/add/{tent.pk}/", {"quantity": 6})  # now 10: the 10+ break

    assert warnings_on_basket_page(client) == []
    line = BasketLine.objects.get()
    assert (line.quantity, line.price_excl_tax, line.price_incl_tax) == (
        10,
        Decimal("57.49"),
        Decimal("68.41"),
    )
    basket = client.get("/basket/").context["basket"]
    assert (basket.total_excl_tax, basket.total_tax, basket.total_incl_tax) == (
        Decimal("574.90"),
        Decimal("109.20"),
        Decimal("684.10"),
    )


def test_changing_the_quantity_in_the_basket_reprices_the_line_without_a_warning(
    client: Client,
):
    tent = ProductFactory(title="Granite Tent", listing=Decimal("119.00"), stock=50)
    company = CompanyFactory()
    PriceListItem.objects.create(
        price_list=company.price_list, product=tent, price=Decimal("80.00")
    )
    PriceListItem.objects.create(
        price_list=company.price_list, product=tent, min_quantity=10, price=Decimal("72.00")
    )
    client.force_login(buyer_for(company, "bea"))
    client.post(f"/basket/add/{tent.pk}/", {"quantity": 1})
    line = BasketLine.objects.get()

    client.post(
        "/basket/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
            "form-0-id": str(line.pk),
            "form-0-quantity": "12",
        },
    )

    assert warnings_on_basket_page(client) == []
    line.refresh_from_db()
    assert (line.quantity, line.price_excl_tax) == (12, Decimal("72.00"))


def test_a_price_list_change_after_adding_warns_with_the_old_and_new_net_prices(
    client: Client,
):
    tent = ProductFactory(title="Granite Tent", listing=Decimal("119.00"), stock=50)
    company = CompanyFactory()
    item = PriceListItem.objects.create(
        price_list=company.price_list, product=tent, price=Decimal("80.00")
    )
    client.force_login(buyer_for(company, "bea"))
    client.post(f"/basket/add/{tent.pk}/", {"quantity": 2})

    item.price = Decimal("85.50")
    item.save()

    assert warnings_on_basket_page(client) == [
        "The price of ‘Granite Tent’ has increased from €80.00 to €85.50 (excl. VAT) "
        "since you added it to your basket"
    ]


def test_a_consumer_gets_no_warning_on_adding_and_a_gross_one_when_the_list_price_drops(
    client: Client,
):
    lamp = ProductFactory(title="Basalt Lantern", listing=Decimal("66.35"), stock=50)
    client.post(f"/basket/add/{lamp.pk}/", {"quantity": 3})
    assert warnings_on_basket_page(client) == []

    lamp.stockrecords.update(price=Decimal("59.90"))

    assert warnings_on_basket_page(client) == [
        "The price of ‘Basalt Lantern’ has decreased from €66.35 to €59.90 (incl. VAT) "
        "since you added it to your basket"
    ]
