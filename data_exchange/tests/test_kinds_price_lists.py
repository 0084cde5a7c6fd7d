from decimal import Decimal

import pytest

from crm.models import CategoryDiscount, PriceListItem
from data_exchange.tests.kind_helpers import counts, export_text, problems, product_with_sku, run
from erp.permissions import PermissionRefused
from tests.factories import CategoryFactory, PriceListFactory, StaffFactory

pytestmark = pytest.mark.django_db

ITEMS = "Price_List,sku,min_quantity,price\n"
DISCOUNTS = "price_list,category,PERCENT\n"


def items() -> list[tuple]:
    return list(
        PriceListItem.objects.order_by(
            "price_list__name", "product_id", "min_quantity"
        ).values_list(
            "price_list__name", "product__stockrecords__partner_sku", "min_quantity", "price"
        )
    )


def discounts() -> list[tuple]:
    return list(
        CategoryDiscount.objects.order_by("price_list__name", "category__name").values_list(
            "price_list__name", "category__name", "percent"
        )
    )


@pytest.fixture
def lists():
    PriceListFactory(name="Dealers")
    PriceListFactory(name="Schools")
    product_with_sku("TENT-1")
    product_with_sku("TENT-2")
    tents = CategoryFactory(name="Tents")
    type(tents).objects.add_child(tents, {"name": "Dome", "slug": "dome"})


def test_price_list_items_are_created_with_quantity_breaks_and_updated_by_their_key(lists):
    created = run("price_list_items", ITEMS + 'dealers,TENT-1,,100\nDEALERS,tent-1,10,"90,00"\n')
    updated = run("price_list_items", ITEMS + "Dealers,TENT-1,1,95\nDealers,TENT-1,10,90\n")

    assert counts(created) == {"create": 2} and created.applied
    assert counts(updated) == {"update": 1, "unchanged": 1}
    assert items() == [
        ("Dealers", "TENT-1", 1, Decimal("95.00")),
        ("Dealers", "TENT-1", 10, Decimal("90.00")),
    ]


def test_a_messy_price_file_reports_every_problem_and_changes_nothing(lists):
    PriceListFactory(name="Twice")
    PriceListFactory(name="twice")
    run("price_list_items", ITEMS + "Dealers,TENT-1,,100\n")
    before = items()

    result = run(
        "price_list_items",
        ITEMS
        + "Retail,TENT-1,,10\n"  # 2
        + "Twice,TENT-1,,10\n"  # 3
        + "Dealers,GHOST,,10\n"  # 4
        + "Dealers,TENT-2,0,-1\n"  # 5
        + "Dealers,TENT-2,1,12.5x\n"  # 6
        + "Dealers,TENT-1,1,80\n"  # 7
        + "dealers,TENT-1,,81\n",  # 8: same key as row 7
    )

    assert problems(result) == [
        (
            2,
            "price_list",
            "There is no price list “Retail”; create it in the admin first "
            "(the lists are Dealers, Schools, Twice).",
        ),
        (3, "price_list", "2 price lists are named “Twice”; rename one in the admin first."),
        (4, "sku", "No product has the SKU GHOST; import the products first."),
        (5, "min_quantity", "“0” must be at least 1."),
        (5, "price", "A price or amount cannot be negative (“-1”)."),
        (
            6,
            "price",
            "“12.5x” is not a price or amount; write it like 12.50 or 12,50 (no letters or units).",
        ),
        (
            8,
            "sku",
            "dealers / TENT-1 / 1 is already on row 7; each appears once per file.",
        ),
    ]
    assert items() == before


def test_category_discounts_are_set_by_list_and_category_path(lists):
    created = run(
        "category_discounts", DISCOUNTS + "Dealers,Tents,10\nDealers,tents > dome,12.5%\n"
    )
    again = run("category_discounts", DISCOUNTS + "Dealers,Tents,10.00\nDealers,Tents > Dome,15\n")

    assert counts(created) == {"create": 2} and created.applied
    assert counts(again) == {"unchanged": 1, "update": 1}
    assert discounts() == [
        ("Dealers", "Dome", Decimal("15.00")),
        ("Dealers", "Tents", Decimal("10.00")),
    ]


def test_a_messy_discount_file_reports_every_problem_and_changes_nothing(lists):
    result = run(
        "category_discounts",
        DISCOUNTS
        + "Dealers,Tents,101\n"
        + "Dealers,Boats,5\n"
        + "Nobody,Tents,5\n"
        + "Dealers,Tents > Dome,-5\n"
        + "Dealers,TENTS>DOME,5\n",
    )

    assert problems(result) == [
        (2, "percent", "A percentage is at most 100 (“101”)."),
        (3, "category", "There is no category “Boats”; import the products (or create it) first."),
        (
            4,
            "price_list",
            "There is no price list “Nobody”; create it in the admin first "
            "(the lists are Dealers, Schools).",
        ),
        (5, "percent", "A percentage cannot be negative (“-5”)."),
        (
            6,
            "category",
            "dealers / tents > dome is already on row 5 (written “Tents > Dome” there); "
            "each appears once per file.",
        ),
    ]
    assert discounts() == []


def test_dry_runs_write_nothing(lists):
    assert counts(run("price_list_items", ITEMS + "Dealers,TENT-1,,1\n", dry_run=True)) == {
        "create": 1
    }
    assert counts(run("category_discounts", DISCOUNTS + "Dealers,Tents,1\n", dry_run=True)) == {
        "create": 1
    }
    assert items() == [] and discounts() == []


def test_both_kinds_round_trip_through_their_export(lists):
    run("price_list_items", ITEMS + "Dealers,TENT-1,,100\nSchools,TENT-2,5,7.25\n")
    run("category_discounts", DISCOUNTS + "Dealers,Tents > Dome,12.5\nSchools,Tents,5\n")

    assert counts(run("price_list_items", export_text("price_list_items"))) == {"unchanged": 2}
    assert counts(run("category_discounts", export_text("category_discounts"))) == {"unchanged": 2}


def test_a_role_without_crm_permissions_is_refused(lists):
    buyer = StaffFactory(username="buyer", role="Purchasing")
    sales = StaffFactory(username="sales", role="Sales")

    with pytest.raises(PermissionRefused):
        run("price_list_items", ITEMS + "Dealers,TENT-1,,1\n", user=buyer)
    with pytest.raises(PermissionRefused):
        run("category_discounts", DISCOUNTS + "Dealers,Tents,1\n", user=buyer)
    assert run("price_list_items", ITEMS + "Dealers,TENT-1,,1\n", user=sales).applied
    assert run("category_discounts", DISCOUNTS + "Dealers,Tents,1\n", user=sales).applied
