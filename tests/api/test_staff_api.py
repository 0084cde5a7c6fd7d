"""Contract of the staff endpoints: stock per warehouse, goods receipts (scanners)
and the trial balance; each open to its roles only (erp/roles.py)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounting.models import JournalEntry
from accounting.services import Customer, InvoiceLineData, invoice_issue
from erp.permissions import SYSTEM
from inventory.models import ProductCost, Stock, StockMove
from inventory.services import stock_receive
from tests.api.conftest import assert_error, client_for
from tests.factories import (
    ProductFactory,
    StaffFactory,
    UserFactory,
    WarehouseFactory,
    place_order,
)

pytestmark = pytest.mark.django_db

STOCK = "/api/v1/inventory/stock/"
RECEIPTS = "/api/v1/inventory/receipts/"
TRIAL_BALANCE = "/api/v1/accounting/trial-balance/"


def staff(role: str | None) -> APIClient:
    return client_for(StaffFactory(username=f"staff-{role or 'none'}".lower(), role=role))


@pytest.fixture
def lamp():
    """10 units in MAIN (3 of them ordered), 5 in BER-1."""
    product = ProductFactory(title="Head Lamp", upc="4006381333948", stock=10)
    berlin = WarehouseFactory(code="BER-1", priority=20)
    stock_receive(
        user=SYSTEM, product=product, warehouse=berlin, quantity=5, unit_cost=Decimal("5.00")
    )
    place_order([(product, 3)], user=UserFactory(username="buyer"))
    return product


def nothing_changed(before: tuple) -> bool:
    return before == _state()


def _state() -> tuple:
    return (
        StockMove.objects.count(),
        list(Stock.objects.order_by("pk").values_list("on_hand", "allocated")),
        list(ProductCost.objects.order_by("pk").values_list("quantity", "value")),
        JournalEntry.objects.count(),
    )


# -- GET inventory/stock/ -------------------------------------------------------


def test_stock_has_one_row_per_warehouse(lamp):
    response = staff("Warehouse").get(STOCK, {"sku": "SKU-4006381333948"})

    assert response.status_code == 200
    assert response.json() == [
        {"warehouse": "MAIN", "on_hand": 10, "allocated": 3, "available": 7},
        {"warehouse": "BER-1", "on_hand": 5, "allocated": 0, "available": 5},
    ]


def test_stock_sku_ignores_case(lamp):
    assert len(staff("Manager").get(STOCK, {"sku": "sku-4006381333948"}).json()) == 2


@pytest.mark.parametrize(("role", "status"), [("Warehouse", 200), ("Manager", 200), ("Sales", 200)])
def test_stock_is_open_to_roles_that_may_view_stock(lamp, role, status):
    assert staff(role).get(STOCK, {"sku": "SKU-4006381333948"}).status_code == status


@pytest.mark.parametrize("role", ["Accounting", "HR", None])
def test_stock_is_403_for_other_roles(lamp, role):
    assert_error(staff(role).get(STOCK, {"sku": "SKU-4006381333948"}), 403, "permission_denied")


def test_stock_is_403_for_customers_and_401_for_anonymous(api: APIClient, lamp):
    customer = client_for(UserFactory(username="carla"))

    assert_error(customer.get(STOCK, {"sku": "SKU-4006381333948"}), 403, "permission_denied")
    assert_error(api.get(STOCK, {"sku": "SKU-4006381333948"}), 401, "not_authenticated")


@pytest.mark.parametrize("params", [{}, {"sku": ""}, {"sku": "a\x00b"}, {"sku": "x" * 129}])
def test_stock_without_a_usable_sku_is_400(lamp, params):
    body = assert_error(staff("Warehouse").get(STOCK, params), 400, "invalid")

    assert list(body["fields"]) == ["sku"]


@pytest.mark.parametrize("sku", ["NO-SUCH-SKU", "ÄÖÜ€☃", "4006381333948"])
def test_stock_of_an_unknown_sku_is_404(lamp, sku):
    assert_error(staff("Warehouse").get(STOCK, {"sku": sku}), 404, "not_found")


# -- POST inventory/receipts/ ---------------------------------------------------


@pytest.fixture
def main():
    return WarehouseFactory(code="MAIN", priority=1)


@pytest.fixture
def stove(main):
    return ProductFactory(title="Camping Stove", upc="4006381333955", stock=4)


def test_a_receipt_by_sku_adds_to_stock_and_answers_201(stove):
    response = staff("Warehouse").post(
        RECEIPTS,
        {
            "warehouse": "MAIN",
            "sku": "SKU-4006381333955",
            "quantity": 6,
            "unit_cost": "7.50",
            "reference": "DN-2025-17",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    move = StockMove.objects.filter(kind="receipt").latest("pk")
    assert response.json() == {
        "id": move.pk,
        "sku": "SKU-4006381333955",
        "warehouse": "MAIN",
        "quantity": 6,
        "unit_cost": "7.5000",
        "reference": "DN-2025-17",
        "on_hand": 10,
    }
    assert Stock.objects.get(product=stove, warehouse__code="MAIN").on_hand == 10
    assert (move.quantity, move.reference, move.user.username) == (
        6,
        "DN-2025-17",
        "staff-warehouse",
    )


def test_a_receipt_by_barcode_with_a_numeric_cost_and_lower_case_warehouse(stove):
    response = staff("Manager").post(
        RECEIPTS,
        {"warehouse": "main", "barcode": "4006381333955", "quantity": 1, "unit_cost": 2},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["sku"], body["warehouse"], body["on_hand"], body["reference"]) == (
        "SKU-4006381333955",
        "MAIN",
        5,
        "",
    )


def test_a_receipt_into_a_new_warehouse_starts_its_stock_row(stove):
    WarehouseFactory(code="HAM-1")

    response = staff("Warehouse").post(
        RECEIPTS,
        {"warehouse": "HAM-1", "sku": "SKU-4006381333955", "quantity": 3, "unit_cost": "1"},
        format="json",
    )

    assert response.json()["on_hand"] == 3


GOOD = {"warehouse": "MAIN", "sku": "SKU-4006381333955", "quantity": 2, "unit_cost": "3.00"}
DROP = object()  # leave the key out (None sends a JSON null)


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"warehouse": "NOPE"}, ["warehouse"]),
        ({"warehouse": "ÄÖÜ☃"}, ["warehouse"]),
        ({"warehouse": ""}, ["warehouse"]),
        ({"warehouse": None}, ["warehouse"]),
        ({"warehouse": 7}, ["warehouse"]),
        ({"sku": "NO-SUCH-SKU"}, ["sku"]),
        ({"sku": "a\x00b"}, ["sku"]),
        ({"sku": DROP, "barcode": "0000000000000"}, ["barcode"]),
        ({"barcode": "4006381333955"}, ["sku", "barcode"]),  # both
        ({"sku": DROP}, ["sku", "barcode"]),  # neither
        ({"sku": "", "barcode": ""}, ["sku", "barcode"]),
        ({"quantity": 0}, ["quantity"]),
        ({"quantity": -3}, ["quantity"]),
        ({"quantity": 1.5}, ["quantity"]),
        ({"quantity": 2.0}, ["quantity"]),
        ({"quantity": "2"}, ["quantity"]),
        ({"quantity": True}, ["quantity"]),
        ({"quantity": None}, ["quantity"]),
        ({"quantity": [2]}, ["quantity"]),
        ({"quantity": 10**30}, ["quantity"]),
        ({"quantity": 1_000_001}, ["quantity"]),
        ({"unit_cost": "-0.01"}, ["unit_cost"]),
        ({"unit_cost": "abc"}, ["unit_cost"]),
        ({"unit_cost": "NaN"}, ["unit_cost"]),
        ({"unit_cost": "Infinity"}, ["unit_cost"]),
        ({"unit_cost": "1e400"}, ["unit_cost"]),
        ({"unit_cost": "1.00001"}, ["unit_cost"]),
        ({"unit_cost": "1000000.01"}, ["unit_cost"]),
        ({"unit_cost": True}, ["unit_cost"]),
        ({"unit_cost": {"amount": "1"}}, ["unit_cost"]),
        ({"reference": "x" * 65}, ["reference"]),
    ],
)
def test_bad_receipts_are_400_with_fields_and_change_nothing(stove, change, fields):
    payload = {key: value for key, value in {**GOOD, **change}.items() if value is not DROP}
    before = _state()

    response = staff("Warehouse").post(RECEIPTS, payload, format="json")

    body = assert_error(response, 400, "invalid")
    assert sorted(body["fields"]) == sorted(fields), body
    assert nothing_changed(before)


@pytest.mark.parametrize("missing", ["warehouse", "quantity", "unit_cost"])
def test_a_receipt_missing_a_field_is_400(stove, missing):
    payload = {key: value for key, value in GOOD.items() if key != missing}

    body = assert_error(staff("Warehouse").post(RECEIPTS, payload, format="json"), 400, "invalid")

    assert list(body["fields"]) == [missing]


def test_a_receipt_into_a_closed_warehouse_is_refused_and_changes_nothing(stove):
    WarehouseFactory(code="OLD-1", is_active=False)
    before = _state()

    response = staff("Warehouse").post(RECEIPTS, {**GOOD, "warehouse": "OLD-1"}, format="json")

    body = assert_error(response, 400, "invalid")
    assert body["detail"] == "Warehouse OLD-1 is closed."
    assert nothing_changed(before)


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        ("[1, 2]", "application/json", 400, "invalid"),
        ('"text"', "application/json", 400, "invalid"),
        ("{not json", "application/json", 400, "invalid"),
        (
            "warehouse=MAIN&quantity=2",
            "application/x-www-form-urlencoded",
            415,
            "unsupported_media_type",
        ),
    ],
)
def test_a_receipt_body_that_is_not_a_json_object_is_refused(
    stove, body, content_type, status, code
):
    before = _state()

    response = staff("Warehouse").generic("POST", RECEIPTS, body, content_type=content_type)

    assert_error(response, status, code)
    assert nothing_changed(before)


@pytest.mark.parametrize("role", ["Sales", "Accounting", "HR", None])
def test_receipts_are_403_for_roles_that_may_not_change_stock(stove, role):
    before = _state()

    assert_error(staff(role).post(RECEIPTS, GOOD, format="json"), 403, "permission_denied")
    assert nothing_changed(before)


def test_receipts_are_403_for_customers_and_401_for_anonymous(api: APIClient, stove):
    before = _state()

    customer = client_for(UserFactory(username="carla"))
    assert_error(customer.post(RECEIPTS, GOOD, format="json"), 403, "permission_denied")
    assert_error(api.post(RECEIPTS, GOOD, format="json"), 401, "not_authenticated")
    assert nothing_changed(before)


def test_receipts_only_take_post(stove):
    assert_error(staff("Warehouse").get(RECEIPTS), 405, "method_not_allowed")


# -- GET accounting/trial-balance/ ----------------------------------------------


@pytest.fixture
def books():
    """An invoice on 1 March 2025 (100.00 + 19.00 tax); 10 units at 5.00 received today."""
    invoice_issue(
        source="test:tb-invoice",
        customer=Customer(email="erika@example.com", name="Erika", address="Köln"),
        lines=[
            InvoiceLineData(
                description="Tent",
                quantity=Decimal("1"),
                unit_price=Decimal("100"),
                tax_rate=Decimal("0.19"),
            )
        ],
        day=date(2025, 3, 1),
    )
    ProductFactory(stock=10)


def test_the_trial_balance_of_today(books):
    response = staff("Accounting").get(TRIAL_BALANCE)

    assert response.status_code == 200
    assert response.json() == {
        "date": timezone.localdate().isoformat(),
        "rows": [
            {"code": "1400", "name": "Accounts receivable", "debit": "119.00", "credit": "0.00"},
            {"code": "1500", "name": "Inventory", "debit": "50.00", "credit": "0.00"},
            {
                "code": "2100",
                "name": "Goods received not invoiced",
                "debit": "0.00",
                "credit": "50.00",
            },
            {"code": "2200", "name": "Sales tax payable", "debit": "0.00", "credit": "19.00"},
            {"code": "4000", "name": "Sales revenue", "debit": "0.00", "credit": "100.00"},
        ],
        "total_debit": "169.00",
        "total_credit": "169.00",
    }


def test_the_trial_balance_on_a_past_date(books):
    client = staff("Manager")

    on_the_day = client.get(TRIAL_BALANCE, {"date": "2025-03-01"}).json()
    before = client.get(TRIAL_BALANCE, {"date": "2025-02-28"}).json()

    assert [row["code"] for row in on_the_day["rows"]] == ["1400", "2200", "4000"]
    assert (on_the_day["date"], on_the_day["total_debit"], on_the_day["total_credit"]) == (
        "2025-03-01",
        "119.00",
        "119.00",
    )
    assert (
        client.get(TRIAL_BALANCE, {"date": ""}).json()["date"] == timezone.localdate().isoformat()
    )
    assert before == {
        "date": "2025-02-28",
        "rows": [],
        "total_debit": "0.00",
        "total_credit": "0.00",
    }


@pytest.mark.parametrize(
    "value", ["yesterday", "2025-02-30", "01.03.2025", "2025-03-01T00:00", "9" * 40, "\x00"]
)
def test_a_bad_date_is_400(books, value):
    body = assert_error(staff("Accounting").get(TRIAL_BALANCE, {"date": value}), 400, "invalid")

    assert list(body["fields"]) == ["date"]


@pytest.mark.parametrize("role", ["Warehouse", "Sales", "HR", None])
def test_the_trial_balance_is_403_for_other_roles(role):
    assert_error(staff(role).get(TRIAL_BALANCE), 403, "permission_denied")


def test_the_trial_balance_is_403_for_customers_and_401_for_anonymous(api: APIClient):
    customer = client_for(UserFactory(username="carla"))

    assert_error(customer.get(TRIAL_BALANCE), 403, "permission_denied")
    assert_error(api.get(TRIAL_BALANCE), 401, "not_authenticated")
