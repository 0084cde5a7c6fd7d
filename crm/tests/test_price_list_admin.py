"""The price-list screen names products and categories, never their ids."""

from decimal import Decimal

import pytest

from crm.models import CategoryDiscount, PriceListItem
from tests.factories import CategoryFactory, PriceListFactory, ProductFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_price_list_rows_are_named_by_product_and_category_not_by_id(client):
    client.force_login(StaffFactory(username="mia", role="Manager"))
    price_list = PriceListFactory(name="Trade")
    stove = ProductFactory(title="Granite Stove")
    PriceListItem.objects.create(
        price_list=price_list, product=stove, min_quantity=10, price=Decimal("80.00")
    )
    tents = CategoryFactory(name="Tents & Shelters")
    CategoryDiscount.objects.create(price_list=price_list, category=tents, percent=Decimal("12"))
    url = f"/admin/crm/pricelist/{price_list.pk}/change/"

    body = client.get(url).content.decode()

    assert "Granite Stove from 10: 80.00 EUR" in body
    assert "12.00 % off Tents &amp; Shelters" in body
    assert f">{stove.pk} from" not in body
