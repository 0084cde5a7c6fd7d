"""Order placement through the API under concurrency: real HTTP, real threads,
each request on its own database connection."""

import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connections
from oscar.core.loading import get_model
from rest_framework.authtoken.models import Token

from inventory.models import Stock
from inventory.selectors import available_to_promise, stock_drift
from tests.factories import ProductFactory, UserFactory, shipping_address

Order = get_model("order", "Order")
pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = {
    "first_name": "Erika",
    "last_name": "Mustermann",
    "line1": "Heidestraße 17",
    "line4": "Köln",
    "postcode": "51147",
    "country": "DE",
}


def post(base_url: str, token: str, payload: dict, key: str) -> tuple[int, dict]:
    """POST an order; a dropped connection is retried with the same key, as a client
    should (the test server's listen backlog is small, so 40 at once overflow it)."""
    for attempt in range(10):
        try:
            return _post_once(base_url, token, payload, key)
        except (ConnectionError, urllib.error.URLError):
            time.sleep(0.05 * (attempt + 1))
    return _post_once(base_url, token, payload, key)


def _post_once(base_url: str, token: str, payload: dict, key: str) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - the loopback test server
        f"{base_url}/api/v1/orders/",
        data=json.dumps(payload).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Token {token}",
            "Idempotency-Key": key,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_forty_concurrent_orders_for_ten_units_give_exactly_ten_orders(live_server):
    shipping_address()
    tent = ProductFactory(listing=Decimal("119.00"), stock=10)
    payload = {
        "lines": [{"sku": tent.stockrecords.get().partner_sku, "quantity": 1}],
        "shipping_address": ADDRESS,
    }
    tokens = [Token.objects.create(user=UserFactory()).key for _ in range(8)]
    start = threading.Barrier(40)

    def attempt(index: int) -> tuple[int, dict]:
        try:
            start.wait()
            return post(live_server.url, tokens[index % 8], payload, str(uuid.uuid4()))
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=40) as pool:
        results = list(pool.map(attempt, range(40)))

    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 10, 409: 30}, results
    conflicts = [body for status, body in results if status == 409]
    assert all(body["code"] == "insufficient_stock" for body in conflicts)
    assert all(
        body["lines"][0]["available"] == 0 or body["lines"][0]["requested"] == 1
        for body in conflicts
    )
    assert Order.objects.count() == 10
    stock = Stock.objects.get(product=tent)
    assert (stock.on_hand, stock.allocated) == (10, 10)
    assert available_to_promise([tent.pk]) == {tent.pk: 0}
    assert stock_drift() == []


def test_the_same_request_retried_concurrently_creates_one_order(live_server):
    shipping_address()
    tent = ProductFactory(listing=Decimal("119.00"), stock=10)
    payload = {
        "lines": [{"sku": tent.stockrecords.get().partner_sku, "quantity": 2}],
        "shipping_address": ADDRESS,
    }
    token = Token.objects.create(user=UserFactory()).key
    key = str(uuid.uuid4())
    start = threading.Barrier(12)

    def attempt(_: int) -> tuple[int, dict]:
        try:
            start.wait()
            return post(live_server.url, token, payload, key)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(attempt, range(12)))

    assert {status for status, _ in results} == {201}, results
    assert len({body["number"] for _, body in results}) == 1
    assert Order.objects.count() == 1
    assert available_to_promise([tent.pk]) == {tent.pk: 8}
