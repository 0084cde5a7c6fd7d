"""One parser of the Idempotency-Key header and one mechanism behind it, for every
endpoint that takes the header (orders, stock receipts)."""

import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from erp.api.exceptions import ApiError
from erp.api.idempotency import MAX_KEY_LENGTH, parse_idempotency_key
from erp.models import IdempotentRequest
from erp.services.idempotency import IdempotencyConflict, idempotent_request
from inventory.models import StockMove
from orders.models import IdempotencyKey
from orders.services import IdempotencyMismatch, OrderError
from tests.api.conftest import assert_error, client_for
from tests.factories import ProductFactory, StaffFactory, UserFactory, WarehouseFactory


def request_with(key: str | None) -> Request:
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return Request(APIRequestFactory().post("/", **headers))


def test_both_stores_keep_keys_of_the_length_the_parser_accepts():
    assert MAX_KEY_LENGTH == 255
    assert IdempotentRequest._meta.get_field("key").max_length == MAX_KEY_LENGTH
    assert IdempotencyKey._meta.get_field("key").max_length == MAX_KEY_LENGTH


def test_the_key_is_stripped_and_an_absent_optional_key_is_none():
    assert parse_idempotency_key(request_with("  scan-1 "), required=False) == "scan-1"
    assert parse_idempotency_key(request_with("   "), required=False) is None
    assert parse_idempotency_key(request_with(None), required=False) is None
    assert parse_idempotency_key(request_with("k" * 255), required=True) == "k" * 255


def test_a_missing_required_key_and_a_too_long_key_are_refused():
    with pytest.raises(ApiError) as missing:
        parse_idempotency_key(request_with(None), required=True, missing_detail="Send one.")
    assert (missing.value.error_code, str(missing.value.detail)) == (
        "idempotency_key_required",
        "Send one.",
    )
    with pytest.raises(ApiError) as too_long:
        parse_idempotency_key(request_with("k" * 256), required=False)
    assert (too_long.value.error_code, str(too_long.value.detail)) == (
        "idempotency_key_invalid",
        "The Idempotency-Key is longer than 255 characters.",
    )


@pytest.mark.django_db
def test_a_too_long_key_is_refused_by_both_endpoints_before_anything_happens():
    WarehouseFactory(code="MAIN", priority=1)
    ProductFactory(title="Camping Stove", upc="4006381333955", stock=0)
    moves = StockMove.objects.count()
    staff = client_for(StaffFactory(role="Warehouse"))
    receipt = staff.post(
        "/api/v1/inventory/receipts/",
        {"warehouse": "MAIN", "barcode": "4006381333955", "quantity": 6, "unit_cost": "7.50"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k" * 256,
    )
    order = client_for(UserFactory()).post(
        "/api/v1/orders/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 256
    )
    # the codes each endpoint has always answered with
    assert_error(receipt, 400, "invalid")
    assert_error(order, 400, "idempotency_key_invalid")
    assert (
        receipt.json()["detail"]
        == order.json()["detail"]
        == ("The Idempotency-Key is longer than 255 characters.")
    )
    assert not IdempotentRequest.objects.exists() and not IdempotencyKey.objects.exists()
    assert StockMove.objects.count() == moves


def test_an_order_key_reused_for_another_request_is_both_an_order_error_and_a_conflict():
    assert issubclass(IdempotencyMismatch, OrderError)
    assert issubclass(IdempotencyMismatch, IdempotencyConflict)


@pytest.mark.django_db
def test_a_failed_request_stores_nothing_and_a_replay_does_not_run_again():
    user = UserFactory()
    calls = []

    def refuse() -> dict:
        raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        idempotent_request(user=user, scope="t", key="k", fingerprint="a", perform=refuse)
    assert not IdempotentRequest.objects.exists()

    def answer() -> dict:
        calls.append(1)
        return {"n": len(calls)}

    first = idempotent_request(user=user, scope="t", key="k", fingerprint="a", perform=answer)
    again = idempotent_request(user=user, scope="t", key="k", fingerprint="a", perform=answer)
    assert first == ({"n": 1}, True) and again == ({"n": 1}, False) and calls == [1]
    with pytest.raises(IdempotencyConflict):
        idempotent_request(user=user, scope="t", key="k", fingerprint="b", perform=answer)
