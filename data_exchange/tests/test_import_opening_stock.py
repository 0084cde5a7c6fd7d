"""Opening stock goes in through inventory with its stock moves and one balanced
entry (Dr Inventory / Cr Opening balance equity), once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from accounting.models import JournalLine
from data_exchange.resources import export_bytes
from data_exchange.services import import_file
from erp.permissions import SYSTEM, PermissionRefused
from inventory.models import ProductCost, Stock, StockMove
from inventory.services import stock_receive
from tests.factories import ProductFactory, StaffFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


def run(text: str, *, dry_run: bool = False, user=SYSTEM):
    return import_file(
        kind="opening_stock",
        content=text.encode(),
        filename="stock.csv",
        user=user,
        dry_run=dry_run,
    )


def balance(role_code: str) -> Decimal:
    lines = JournalLine.objects.filter(account__code=role_code)
    return sum((line.amount if line.side == "D" else -line.amount for line in lines), Decimal("0"))


@pytest.fixture
def setting():
    main = WarehouseFactory(code="MAIN")
    lamp = ProductFactory(upc="4006381333931")
    tent = ProductFactory(upc="4006381333948")
    return main, lamp, tent


def sku(product) -> str:
    return product.stockrecords.get().partner_sku


def test_opening_stock_moves_stock_and_posts_inventory_against_opening_equity(setting):
    main, lamp, tent = setting

    result = run(
        "warehouse,sku,quantity,unit_cost\n"
        f'main,{sku(lamp).lower()},10,"2,50"\n'
        f"MAIN,{sku(tent)},3,100\n"
    )

    assert result.applied, result.problems
    assert Stock.objects.get(product=lamp, warehouse=main).on_hand == 10
    move = StockMove.objects.get(product=tent)
    assert (move.kind, move.quantity, move.unit_cost) == ("opening", 3, Decimal("100.0000"))
    assert ProductCost.objects.get(product=lamp).value == Decimal("25.00")
    assert balance("1500") == Decimal("325.00")
    assert balance("3900") == Decimal("-325.00")
    call_command("inventory_audit")
    call_command("ledger_audit")


def test_reimporting_the_same_opening_stock_does_not_double_it(setting):
    main, lamp, _ = setting
    text = f"warehouse,sku,quantity,unit_cost\nMAIN,{sku(lamp)},10,2.5\n"
    run(text)

    again = run(text)

    assert again.counts == {"create": 0, "update": 0, "unchanged": 1}
    assert Stock.objects.get(product=lamp, warehouse=main).on_hand == 10
    assert StockMove.objects.count() == 1
    assert balance("3900") == Decimal("-25.00")


def test_a_different_opening_balance_for_the_same_row_is_refused(setting):
    _, lamp, _ = setting
    run(f"warehouse,sku,quantity,unit_cost\nMAIN,{sku(lamp)},10,2.5\n")

    result = run(f"warehouse,sku,quantity,unit_cost\nMAIN,{sku(lamp)},12,2.5\n")

    assert [(p.row, p.column) for p in result.problems] == [(2, "quantity")]
    assert "already has an opening balance of 10" in result.problems[0].message
    assert StockMove.objects.count() == 1


def test_stock_that_already_moved_cannot_get_an_opening_balance(setting):
    main, lamp, _ = setting
    stock_receive(product=lamp, warehouse=main, quantity=2, unit_cost=Decimal("1"), user=SYSTEM)

    result = run(f"warehouse,sku,quantity,unit_cost\nMAIN,{sku(lamp)},10,2.5\n")

    assert "already has stock moves" in result.problems[0].message
    assert Stock.objects.get(product=lamp).on_hand == 2


def test_negative_stock_unknown_rows_and_duplicates_are_all_reported_and_nothing_moves(setting):
    _, lamp, tent = setting

    result = run(
        "warehouse,sku,quantity,unit_cost\n"
        f"MAIN,{sku(lamp)},-4,2\n"  # row 2
        "NOWHERE,{0},1,2\n".format(sku(lamp))  # row 3
        + "MAIN,NO-SUCH-SKU,1,2\n"  # row 4
        + f"MAIN,{sku(tent)},1,2\n"  # row 5
        + f"MAIN,{sku(tent).lower()},2,2\n"  # row 6: same row again
        + f"MAIN,{sku(lamp)},1.5,2\n"  # row 7
    )

    assert [(p.row, p.column) for p in result.problems] == [
        (2, "quantity"),
        (3, "warehouse"),
        (4, "sku"),
        (6, "sku"),
        (7, "quantity"),
        (7, "sku"),  # MAIN / that SKU is row 2's already
    ]
    assert "cannot be negative" in result.problems[0].message
    assert StockMove.objects.count() == 0
    assert JournalLine.objects.count() == 0


def test_the_unit_cost_defaults_to_the_standard_cost_and_is_required_without_one(setting):
    from inventory.models import ProductSpecification

    _, lamp, tent = setting
    ProductSpecification.objects.create(product=lamp, standard_cost=Decimal("4.20"))

    result = run(f"warehouse,sku,quantity\nMAIN,{sku(lamp)},10\nMAIN,{sku(tent)},1\n")
    assert [(p.row, p.column) for p in result.problems] == [(3, "unit_cost")]

    ok = run(f"warehouse,sku,quantity\nMAIN,{sku(lamp)},10\n")
    assert ok.applied
    assert StockMove.objects.get().unit_cost == Decimal("4.2000")


def test_export_of_opening_stock_imports_back_unchanged(setting):
    _, lamp, tent = setting
    run(f"warehouse,sku,quantity,unit_cost\nMAIN,{sku(lamp)},10,2.5\nMAIN,{sku(tent)},1,99.99\n")

    again = import_file(
        kind="opening_stock",
        content=export_bytes("opening_stock", "xlsx"),
        filename="o.xlsx",
        user=SYSTEM,
        dry_run=False,
    )

    assert again.counts == {"create": 0, "update": 0, "unchanged": 2}, again.problems


def test_only_roles_that_may_move_stock_may_import_it(setting):
    _, lamp, _ = setting
    text = f"warehouse,sku,quantity,unit_cost\nMAIN,{sku(lamp)},10,2.5\n"

    with pytest.raises(PermissionRefused):
        run(text, user=StaffFactory(role="Sales"))
    assert run(text, user=StaffFactory(role="Warehouse")).applied
