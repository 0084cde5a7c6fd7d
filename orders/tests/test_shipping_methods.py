"""Which shipping methods an address may use: staff's methods, by country."""

from decimal import Decimal

import pytest
from oscar.apps.shipping.methods import Free
from oscar.core.loading import get_model

from orders.shipping import Repository

Country = get_model("address", "Country")
OrderAndItemCharges = get_model("shipping", "OrderAndItemCharges")
ShippingAddress = get_model("order", "ShippingAddress")
pytestmark = pytest.mark.django_db


def _country(code: str) -> object:
    return Country.objects.create(
        iso_3166_1_a2=code, printable_name=code, name=code, is_shipping_country=True
    )


def _method(code: str, price: str, *countries: object) -> object:
    method = OrderAndItemCharges.objects.create(
        code=code, name=code.title(), price_per_order=Decimal(price)
    )
    method.countries.set(countries)
    return method


def _codes(address: object = None) -> list[str]:
    return [m.code for m in Repository().get_available_shipping_methods(None, address)]


def test_a_fresh_install_without_methods_ships_free():
    (method,) = Repository().get_available_shipping_methods(None, None)
    assert isinstance(method, Free)


def test_methods_deliver_to_their_countries_and_those_without_any_everywhere(
    django_assert_num_queries,
):
    germany, austria, france = _country("DE"), _country("AT"), _country("FR")
    _method("express", "9.95")  # everywhere
    _method("standard", "4.95", germany, austria)
    _method("alpine", "6.50", austria)

    def at(country: object) -> object:
        return ShippingAddress(first_name="E", last_name="M", line1="x", country=country)

    with django_assert_num_queries(1):  # one query, cheapest first
        assert _codes(at(germany)) == ["standard", "express"]
    assert _codes(at(austria)) == ["standard", "alpine", "express"]
    assert _codes(at(france)) == ["express"]
    assert _codes() == ["standard", "alpine", "express"]  # no address yet: all of them


def test_an_address_no_method_delivers_to_gets_none_not_free_shipping():
    _method("alpine", "6.50", _country("AT"))
    address = ShippingAddress(first_name="E", last_name="M", line1="x", country=_country("FR"))
    assert _codes(address) == []
