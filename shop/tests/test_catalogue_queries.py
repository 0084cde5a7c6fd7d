"""Browse, category and search pages cost a constant number of queries."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def count_queries(client: Client, url: str) -> int:
    client.get(url)  # warm per-process caches (site, categories menu)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def add_products(count: int, category=None) -> None:
    for _ in range(count):
        product = ProductFactory()
        if category is not None:
            product.categories.add(category)


# the expected dates of sold-out products come with the page's product query
@pytest.mark.parametrize(("url", "expected"), [("/catalogue/", 11), ("/search/?q=trail", 9)])
def test_list_pages_run_the_same_queries_for_one_product_and_a_full_page(
    client: Client, url: str, expected: int
):
    add_products(1)
    one = count_queries(client, url)
    add_products(30)
    full_page = count_queries(client, url)

    assert one == full_page == expected


def test_category_page_runs_the_same_queries_for_one_product_and_a_full_page(client: Client):
    category = CategoryFactory(name="Tents")
    add_products(1, category)
    url = category.get_absolute_url()
    one = count_queries(client, url)
    add_products(30, category)
    full_page = count_queries(client, url)

    assert one == full_page == 12


def test_b2b_prices_cost_a_constant_three_queries_per_page(client: Client):
    """A buyer's page costs what a logged-in consumer's does, plus three queries
    for the price list (fixed prices, category discounts, the products'
    categories), however many products the page shows. Anonymous visitors skip
    Oscar's per-user queries (session, user, basket, notifications) altogether."""
    from decimal import Decimal

    from crm.models import CategoryDiscount, PriceListItem
    from tests.factories import CompanyFactory, UserFactory, buyer_for

    category = CategoryFactory(name="Tents")
    company = CompanyFactory()
    CategoryDiscount.objects.create(price_list=company.price_list, category=category, percent=5)
    first = ProductFactory()
    first.categories.add(category)
    PriceListItem.objects.create(price_list=company.price_list, product=first, price=Decimal("9"))
    consumer, buyer = UserFactory(username="carla"), buyer_for(company, "bea")

    def page_queries(user) -> int:
        client.force_login(user)
        return count_queries(client, "/catalogue/")

    b2b_one, consumer_one = page_queries(buyer), page_queries(consumer)
    for index in range(25):
        product = ProductFactory()
        product.categories.add(category)
        if index % 2:
            PriceListItem.objects.create(
                price_list=company.price_list, product=product, price=Decimal("8")
            )
    b2b_full, consumer_full = page_queries(buyer), page_queries(consumer)

    assert b2b_one == b2b_full
    assert consumer_one == consumer_full
    assert b2b_full == consumer_full + 3
