"""A scanner that retries a receipt (time-out, flaky Wi-Fi) receives the goods once."""

import threading
from decimal import Decimal

import pytest
from django.db import connections
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inventory.models import Stock, StockMove
from tests.api.conftest import assert_error, client_for
from tests.factories import ProductFactory, StaffFactory, WarehouseFactory

RECEIPTS = "/api/v1/inventory/receipts/"
SCAN = {"warehouse": "MAIN", "barcode": "4006381333955", "quantity": 6, "unit_cost": "7.50"}


@pytest.fixture
def stove():
    WarehouseFactory(code="MAIN", priority=1)
    return ProductFactory(title="Camping Stove", upc="4006381333955", stock=4)


@pytest.mark.django_db
def test_a_retried_scan_with_the_same_key_receives_once(stove):
    scanner = client_for(StaffFactory(role="Warehouse"))

    first = scanner.post(RECEIPTS, SCAN, format="json", HTTP_IDEMPOTENCY_KEY="scan-1")
    again = scanner.post(RECEIPTS, SCAN, format="json", HTTP_IDEMPOTENCY_KEY="scan-1")
    other = scanner.post(
        RECEIPTS, {**SCAN, "quantity": 7}, format="json", HTTP_IDEMPOTENCY_KEY="scan-1"
    )
    fresh = scanner.post(RECEIPTS, SCAN, format="json", HTTP_IDEMPOTENCY_KEY="scan-2")

    assert first.status_code == again.status_code == fresh.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert first.json()["on_hand"] == 10 and fresh.json()["on_hand"] == 16
    assert_error(other, 422, "idempotency_key_reused")
    assert Stock.objects.get(product=stove).on_hand == 16
    assert StockMove.objects.filter(kind="receipt", stock__product=stove).count() == 3  # 4 + 6 + 6


@pytest.mark.django_db
def test_a_refused_scan_stores_no_key_and_may_be_sent_again(stove):
    scanner = client_for(StaffFactory(role="Warehouse"))
    stove_closed = {**SCAN, "warehouse": "NOPE"}
    assert_error(
        scanner.post(RECEIPTS, stove_closed, format="json", HTTP_IDEMPOTENCY_KEY="scan-9"),
        400,
        "invalid",
    )
    ok = scanner.post(RECEIPTS, SCAN, format="json", HTTP_IDEMPOTENCY_KEY="scan-9")
    assert ok.status_code == 201 and ok.json()["on_hand"] == 10


@pytest.mark.django_db(transaction=True)
def test_the_same_scan_sent_concurrently_receives_once(stove):
    user = StaffFactory(role="Warehouse")
    token = Token.objects.create(user=user).key
    answers: list[int] = []
    start = threading.Barrier(6)

    def scan() -> None:
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            start.wait()
            response = client.post(RECEIPTS, SCAN, format="json", HTTP_IDEMPOTENCY_KEY="scan-c")
            answers.append(response.json()["on_hand"])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scan) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert answers == [10] * 6
    assert Stock.objects.get(product=stove).on_hand == 10
    assert StockMove.objects.filter(kind="receipt", stock__product=stove).count() == 2
    assert Decimal(StockMove.objects.filter(kind="receipt").latest("pk").unit_cost) == Decimal(
        "7.5"
    )


@pytest.mark.django_db
def test_old_idempotency_answers_and_keys_are_forgotten(stove, settings):
    from datetime import timedelta

    from django.utils import timezone

    from erp.models import IdempotentRequest
    from erp.tasks import idempotent_requests_prune
    from orders.models import IdempotencyKey
    from orders.tasks import idempotency_keys_prune
    from tests.factories import UserFactory, place_order

    settings.IDEMPOTENCY_RETENTION_DAYS = 30
    scanner = client_for(StaffFactory(role="Warehouse"))
    for key in ("old", "new"):
        scanner.post(RECEIPTS, SCAN, format="json", HTTP_IDEMPOTENCY_KEY=key)
    customer = UserFactory()
    for key in ("old", "new"):
        IdempotencyKey.objects.create(
            user=customer, key=key, fingerprint="x", order=place_order([(stove, 1)], user=customer)
        )
    long_ago = timezone.now() - timedelta(days=31)
    IdempotentRequest.objects.filter(key="old").update(created_at=long_ago)
    IdempotencyKey.objects.filter(key="old").update(created_at=long_ago)

    assert idempotent_requests_prune() == 1
    assert idempotency_keys_prune() == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["new"]
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
