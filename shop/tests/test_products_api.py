"""Contract of GET /api/v1/products/ and /api/v1/products/{sku}/: public products
with the caller's price (list price incl. tax, or a B2B buyer's negotiated net
price), available-to-promise and absolute image URLs, at a constant query cost."""

from decimal import Decimal

import pytest
from oscar.core.loading import get_model
from rest_framework.test import APIClient

from crm.models import CategoryDiscount, PriceListItem
from tests.api.conftest import assert_error, client_for
from tests.factories import (
    CategoryFactory,
    CompanyFactory,
    ProductFactory,
    UserFactory,
    buyer_for,
    place_order,
)

pytestmark = pytest.mark.django_db

Category = get_model("catalogue", "Category")
ProductImage = get_model("catalogue", "ProductImage")
URL = "/api/v1/products/"


@pytest.fixture
def tent():
    """A tent at 119.00 incl. 19% tax (100.00 net), 10 received, 3 ordered."""
    tents = CategoryFactory(name="Tents", slug="tents")
    product = ProductFactory(
        title="Fjord Tent 2P",
        description="<p>A two-person tent.</p>",
        upc="4006381333931",
        listing=Decimal("119.00"),
        stock=10,
    )
    product.categories.add(tents)
    ProductImage.objects.create(
        product=product, original="images/products/fjord-tent.jpg", display_order=0
    )
    ProductImage.objects.create(
        product=product, original="images/products/fjord-tent-inside.jpg", display_order=1
    )
    place_order([(product, 3)], user=UserFactory(username="early-bird"))
    return product


@pytest.fixture
def companies(tent):
    """Company A has a fixed price for the tent, company B 10% off tents."""
    company_a, company_b = CompanyFactory(), CompanyFactory()
    PriceListItem.objects.create(
        price_list=company_a.price_list, product=tent, price=Decimal("85.00")
    )
    CategoryDiscount.objects.create(
        price_list=company_b.price_list, category=tent.categories.get(), percent=10
    )
    return buyer_for(company_a, "anna-a"), buyer_for(company_b, "ben-b")


def test_anonymous_callers_get_the_product_with_the_list_price_incl_tax(api: APIClient, tent):
    response = api.get(f"{URL}SKU-4006381333931/")

    assert response.status_code == 200
    assert response.json() == {
        "sku": "SKU-4006381333931",
        "name": "Fjord Tent 2P",
        "description": "<p>A two-person tent.</p>",
        "category": "tents",
        "price": {"amount": "119.00", "currency": "EUR"},
        "price_includes_tax": True,
        "available": 7,
        "images": [
            "http://testserver/media/images/products/fjord-tent.jpg",
            "http://testserver/media/images/products/fjord-tent-inside.jpg",
        ],
    }


def test_the_list_is_paginated_and_holds_the_same_product(api: APIClient, tent):
    detail = api.get(f"{URL}SKU-4006381333931/").json()

    response = api.get(URL)

    assert response.status_code == 200
    assert response.json() == {"count": 1, "next": None, "previous": None, "results": [detail]}


def test_sku_lookup_ignores_case(api: APIClient, tent):
    assert api.get(f"{URL}sku-4006381333931/").json()["sku"] == "SKU-4006381333931"


def test_a_consumer_sees_the_list_price(tent):
    consumer = client_for(UserFactory(username="carla"))

    body = consumer.get(f"{URL}SKU-4006381333931/").json()

    assert (body["price"], body["price_includes_tax"]) == (
        {"amount": "119.00", "currency": "EUR"},
        True,
    )


def test_each_b2b_buyer_sees_their_own_net_price_on_detail_and_list(api: APIClient, companies):
    buyer_a, buyer_b = companies

    def prices(client: APIClient) -> list:
        detail = client.get(f"{URL}SKU-4006381333931/").json()
        listed = client.get(URL).json()["results"][0]
        return [
            (detail["price"]["amount"], detail["price_includes_tax"]),
            (listed["price"]["amount"], listed["price_includes_tax"]),
        ]

    assert prices(client_for(buyer_a)) == [("85.00", False)] * 2
    assert prices(client_for(buyer_b)) == [("90.00", False)] * 2
    assert prices(api) == [("119.00", True)] * 2


def test_a_b2b_buyer_without_a_negotiated_price_sees_the_net_list_price(tent):
    buyer = buyer_for(CompanyFactory(), "nina")

    body = client_for(buyer).get(f"{URL}SKU-4006381333931/").json()

    assert body["price"] == {"amount": "100.00", "currency": "EUR"}
    assert body["price_includes_tax"] is False


def test_responses_with_a_callers_price_are_private(companies):
    buyer_a, _ = companies

    for url in (URL, f"{URL}SKU-4006381333931/"):
        response = client_for(buyer_a).get(url)
        assert "private" in response["Cache-Control"]
        assert "Authorization" in response["Vary"]


def test_search_by_words_title_and_sku(api: APIClient, tent):
    stove = ProductFactory(title="Camping Stove", description="Boils water fast.")

    def skus(query: str) -> list[str]:
        return [p["sku"] for p in api.get(URL, {"q": query}).json()["results"]]

    assert skus("tents") == ["SKU-4006381333931"]  # stemmed full text
    assert skus("fjord") == ["SKU-4006381333931"]
    assert skus("sku-4006381333931") == ["SKU-4006381333931"]
    assert skus("boiling") == [stove.stockrecords.get().partner_sku]  # description
    assert skus("nothing-like-this") == []


def test_category_filter_includes_subcategories(api: APIClient):
    outdoor = CategoryFactory(name="Outdoor", slug="outdoor")
    tents = Category.objects.add_child(outdoor, {"name": "Tents", "slug": "tents"})
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    in_tents, in_outdoor, in_kitchen = ProductFactory(), ProductFactory(), ProductFactory()
    in_tents.categories.add(tents)
    in_outdoor.categories.add(outdoor)
    in_kitchen.categories.add(kitchen)

    def names(slug: str) -> list[str]:
        return sorted(p["name"] for p in api.get(URL, {"category": slug}).json()["results"])

    assert names("outdoor") == sorted([str(in_tents.title), str(in_outdoor.title)])
    assert names("tents") == [in_tents.title]
    assert names("kitchen") == [in_kitchen.title]
    assert len(names("")) == 3  # a blank filter is no filter


def test_only_public_products_with_a_listing_are_offered(api: APIClient, tent):
    hidden = ProductFactory(title="Prototype", is_public=False)
    unlisted = ProductFactory(title="Not for sale")
    unlisted.stockrecords.all().delete()

    names = [p["name"] for p in api.get(URL).json()["results"]]

    assert names == ["Fjord Tent 2P"]
    hidden_sku = hidden.stockrecords.get().partner_sku
    assert_error(api.get(f"{URL}{hidden_sku}/"), 404, "not_found")


def test_a_product_without_stock_or_image_or_category(api: APIClient):
    product = ProductFactory(title="Bare", listing=Decimal("5.00"))

    body = api.get(f"{URL}{product.stockrecords.get().partner_sku}/").json()

    assert (body["available"], body["images"], body["category"]) == (0, [], None)


def test_unknown_sku_is_404_in_the_error_shape(api: APIClient, tent):
    assert_error(api.get(f"{URL}NO-SUCH-SKU/"), 404, "not_found")
    assert_error(api.get(f"{URL}%C3%A4%E2%82%AC/"), 404, "not_found")
    # a NUL is refused before any view (erp.middleware): PostgreSQL stores none
    assert_error(api.get(f"{URL}%00/"), 400, "invalid")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "no-such-category"}, "category"),
        ({"q": "x" * 201}, "q"),
        ({"q": "tent\x00"}, "q"),
    ],
)
def test_bad_filters_are_400_with_fields(api: APIClient, tent, params, field):
    body = assert_error(api.get(URL, params), 400, "invalid")

    assert list(body["fields"]) == [field]


@pytest.mark.parametrize(
    "query", ["'", '"((', "tent & | !", "ünïcödé ☃", "-", "OR", "\\", "%", "_"]
)
def test_odd_search_text_never_fails(api: APIClient, tent, query):
    assert api.get(URL, {"q": query}).status_code == 200


@pytest.mark.parametrize("page", ["abc", "0", "99", str(10**30), "-1"])
def test_a_page_that_does_not_exist_is_404_in_the_error_shape(api: APIClient, tent, page):
    assert_error(api.get(URL, {"page": page}), 404, "not_found")


def test_writes_are_not_allowed(api: APIClient, tent):
    assert_error(api.post(URL, {}, format="json"), 405, "method_not_allowed")


# -- query counts ----------------------------------------------------------------


def _add_products(count: int, category) -> None:
    for _ in range(count):
        product = ProductFactory(stock=2)
        product.categories.add(category)
        ProductImage.objects.create(product=product, original="images/products/x.jpg")


def _list_queries(client: APIClient, django_assert_num_queries, expected: int) -> None:
    client.get(URL)  # warm per-process caches
    with django_assert_num_queries(expected):
        response = client.get(URL)
    assert response.status_code == 200


#: count, page, then prefetched stock records, images and categories
ANONYMOUS_QUERIES = 5
#: + the token, the buyer's company, price list items, category discounts, product categories
B2B_QUERIES = ANONYMOUS_QUERIES + 5


def test_the_list_costs_the_same_queries_for_1_and_20_products(
    api: APIClient, django_assert_num_queries
):
    category = CategoryFactory(slug="gear")
    _add_products(1, category)
    _list_queries(api, django_assert_num_queries, ANONYMOUS_QUERIES)

    _add_products(24, category)
    _list_queries(api, django_assert_num_queries, ANONYMOUS_QUERIES)
    assert len(api.get(URL).json()["results"]) == 20


def test_the_list_costs_the_same_queries_for_a_b2b_buyer_at_1_and_20_products(
    django_assert_num_queries,
):
    category = CategoryFactory(slug="gear")
    company = CompanyFactory()
    CategoryDiscount.objects.create(price_list=company.price_list, category=category, percent=5)
    buyer = client_for(buyer_for(company, "bea"))
    _add_products(1, category)
    _list_queries(buyer, django_assert_num_queries, B2B_QUERIES)

    _add_products(24, category)
    for product in get_model("catalogue", "Product").objects.all()[:10]:
        PriceListItem.objects.create(
            price_list=company.price_list, product=product, price=Decimal("3.00")
        )
    _list_queries(buyer, django_assert_num_queries, B2B_QUERIES)


def test_a_category_filter_adds_one_query(api: APIClient, django_assert_num_queries):
    category = CategoryFactory(slug="gear")
    _add_products(20, category)
    api.get(URL, {"category": "gear"})

    with django_assert_num_queries(ANONYMOUS_QUERIES + 1):
        api.get(URL, {"category": "gear"})
