"""No price leaks between buyers, and no credit overrun, under concurrency."""

import re
import threading
from decimal import Decimal

import pytest
from django.db import connections
from django.test import Client
from oscar.core.loading import get_model

from crm.models import PriceListItem
from erp.permissions import SYSTEM
from inventory.services import stock_receive
from orders.services.credit import CreditLimitExceeded
from tests.factories import CompanyFactory, ProductFactory, WarehouseFactory, buyer_for, place_order

Order = get_model("order", "Order")
pytestmark = pytest.mark.django_db(transaction=True)

CACHED_SITE = [
    "django.middleware.cache.UpdateCacheMiddleware",
    *__import__("django.conf").conf.settings.MIDDLEWARE,
    "django.middleware.cache.FetchFromCacheMiddleware",
]


def price_on(client: Client, url: str) -> list[str]:
    body = client.get(url).content.decode()
    return re.findall(r'class="price_color">(€[\d,.]+)', body)


@pytest.mark.parametrize("site_cache", [False, True], ids=["no cache", "site cache on"])
def test_two_buyers_each_see_only_their_own_price(settings, site_cache):
    if site_cache:
        settings.MIDDLEWARE = CACHED_SITE
        settings.CACHE_MIDDLEWARE_SECONDS = 600
    warehouse = WarehouseFactory(code="BER-1")
    tent = ProductFactory(title="Granite Tent", listing=Decimal("119.00"))
    stock_receive(
        user=SYSTEM, product=tent, warehouse=warehouse, quantity=50, unit_cost=Decimal(10)
    )
    alpha, beta = CompanyFactory(name="Alpha AG"), CompanyFactory(name="Beta GmbH")
    PriceListItem.objects.create(price_list=alpha.price_list, product=tent, price=Decimal("81.00"))
    PriceListItem.objects.create(price_list=beta.price_list, product=tent, price=Decimal("92.00"))
    clients = {"€81.00": Client(), "€92.00": Client()}
    clients["€81.00"].force_login(buyer_for(alpha, "anna"))
    clients["€92.00"].force_login(buyer_for(beta, "ben"))
    urls = [tent.get_absolute_url(), "/catalogue/"]

    # one after the other
    for url in urls:
        for expected, client in clients.items():
            assert price_on(client, url) == [expected], (url, expected)
    # at the same time, many rounds
    seen: list[tuple[str, list[str]]] = []
    start = threading.Barrier(8)

    def browse(expected: str, client: Client) -> None:
        try:
            start.wait()
            for _ in range(5):
                for url in urls:
                    seen.append((expected, price_on(client, url)))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=browse, args=(expected, client))
        for expected, client in clients.items()
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(seen) == 80
    assert all(prices == [expected] for expected, prices in seen), seen
    response = clients["€81.00"].get(urls[0])
    assert "private" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


def test_concurrent_on_account_orders_cannot_together_exceed_the_credit_limit():
    warehouse = WarehouseFactory(code="BER-1")
    tent = ProductFactory(title="Granite Tent", listing=Decimal("119.00"))
    stock_receive(
        user=SYSTEM, product=tent, warehouse=warehouse, quantity=100, unit_cost=Decimal(10)
    )
    company = CompanyFactory(credit_limit=Decimal("500.00"), price_list=None)
    buyers = [buyer_for(company, f"buyer{i}") for i in range(10)]
    start = threading.Barrier(len(buyers))
    outcomes: list[str] = []

    def order(buyer) -> None:
        try:
            start.wait()
            place_order([(tent, 1)], user=buyer, payment_method="on_account")  # 119.00
            outcomes.append("placed")
        except CreditLimitExceeded:
            outcomes.append("refused")
        except Exception as error:  # recorded; the test asserts there are none
            outcomes.append(f"error {error!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=order, args=(buyer,)) for buyer in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert sorted(outcomes) == ["placed"] * 4 + ["refused"] * 6, outcomes
    placed_total = sum(o.total_incl_tax for o in Order.objects.all())
    assert placed_total == Decimal("476.00") <= company.credit_limit
