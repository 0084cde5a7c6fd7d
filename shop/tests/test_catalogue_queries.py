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
