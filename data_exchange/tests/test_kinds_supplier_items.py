from decimal import Decimal

import pytest

from data_exchange.tests.kind_helpers import counts, export_text, problems, product_with_sku, run
from erp.permissions import PermissionRefused
from purchasing.models import SupplierItem
from purchasing.tests.factories import SupplierFactory
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "supplier,SKU,supplier_sku,unit_cost,lead_time_days,min_order_quantity,pack_size,is_preferred\n"
)


def state() -> list[tuple]:
    return list(
        SupplierItem.objects.order_by("supplier__code", "product_id").values_list(
            "supplier__code",
            "product__stockrecords__partner_sku",
            "supplier_sku",
            "unit_cost",
            "lead_time_days",
            "min_order_quantity",
            "pack_size",
            "is_preferred",
        )
    )


@pytest.fixture
def catalogue():
    SupplierFactory(code="ALPINE")
    SupplierFactory(code="NORD")
    product_with_sku("TENT-1")
    product_with_sku("TENT-2")


def test_a_clean_file_creates_items_and_defaults_what_it_leaves_empty(catalogue):
    result = run(
        "supplier_items",
        HEADER + 'alpine,tent 1,A-100,"12,50",7,4,2,yes\n' + "NORD,TENT-2,,8,,,,\n",
    )

    assert result.applied and counts(result) == {"create": 2}
    assert state() == [
        ("ALPINE", "TENT-1", "A-100", Decimal("12.5000"), 7, 4, 2, True),
        ("NORD", "TENT-2", "", Decimal("8.0000"), None, 1, 1, False),
    ]


def test_a_known_pair_is_updated_and_the_preferred_mark_moves(catalogue):
    run("supplier_items", HEADER + "ALPINE,TENT-1,A-100,10,,,,yes\n")

    same = run("supplier_items", HEADER + "ALPINE,TENT-1,A-100,10.00,,1,1,true\n")
    moved = run(
        "supplier_items", HEADER + "NORD,TENT-1,N-1,9,,,,yes\nALPINE,TENT-1,A-100,11,,,,no\n"
    )

    assert counts(same) == {"unchanged": 1}
    assert counts(moved) == {"create": 1, "update": 1}
    assert state() == [
        ("ALPINE", "TENT-1", "A-100", Decimal("11.0000"), None, 1, 1, False),
        ("NORD", "TENT-1", "N-1", Decimal("9.0000"), None, 1, 1, True),
    ]


def test_a_messy_file_reports_every_problem_and_changes_nothing(catalogue):
    run("supplier_items", HEADER + "ALPINE,TENT-1,A-100,10,,,,\n")
    before = state()

    result = run(
        "supplier_items",
        HEADER
        + "ALPINE,TENT-1,A-100,-4,,0,2.5,maybe\n"  # 2
        + "GHOST,NOPE,,1,,,,\n"  # 3
        + "alpine,tent-1,,5,,,,\n"  # 4: same pair as row 2
        + "ALPINE,TENT-2,,12.5x,,,,yes\n"  # 5
        + "NORD,TENT-2,,3,,,,yes\n",  # 6: second preferred for TENT-2
    )

    assert not result.applied
    assert problems(result) == [
        (2, "is_preferred", "“maybe” is not yes or no (write true/false, yes/no or 1/0)."),
        (2, "min_order_quantity", "“0” must be at least 1."),
        (2, "pack_size", "“2.5” is not a whole number (0 or more)."),
        (2, "unit_cost", "A cost cannot be negative (“-4”)."),
        (3, "sku", "No product has the SKU NOPE; import the products first."),
        (3, "supplier", "There is no supplier GHOST; import the suppliers first."),
        (
            4,
            "sku",
            "ALPINE / TENT-1 is already on row 2 (written “TENT-1” there); each appears once "
            "per file.",
        ),
        (
            5,
            "unit_cost",
            "“12.5x” is not a cost; write it like 12.50 or 12,50 (no letters or units).",
        ),
        (
            6,
            "is_preferred",
            "TENT-2 is marked preferred on row 5 too; a product has one preferred supplier.",
        ),
    ]
    assert state() == before


def test_a_dry_run_writes_nothing(catalogue):
    result = run("supplier_items", HEADER + "ALPINE,TENT-1,,10,,,,\n", dry_run=True)

    assert counts(result) == {"create": 1} and state() == []


def test_export_then_import_is_all_unchanged(catalogue):
    run(
        "supplier_items",
        HEADER + "ALPINE,TENT-1,A-100,10.125,5,6,3,yes\nNORD,TENT-1,,9,,,,\nNORD,TENT-2,X,1,,,,\n",
    )

    result = run("supplier_items", export_text("supplier_items"))

    assert counts(result) == {"unchanged": 3}


def test_a_role_without_supplier_item_permissions_is_refused(catalogue):
    warehouse = StaffFactory(username="store", role="Warehouse")

    with pytest.raises(PermissionRefused):
        run("supplier_items", HEADER + "ALPINE,TENT-1,,10,,,,\n", user=warehouse)
    assert run(
        "supplier_items",
        HEADER + "ALPINE,TENT-1,,10,,,,\n",
        user=StaffFactory(username="buyer", role="Purchasing"),
    ).applied
