"""Stock services on their own: receive, transfer, adjust, count, return."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from erp.permissions import SYSTEM
from inventory import selectors, services
from inventory.models import ProductCost, Stock, StockMove
from tests.factories import ProductFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def product():
    return ProductFactory(title="Granite Dome Tent 2P")


@pytest.fixture
def berlin():
    return WarehouseFactory(code="BER-1", priority=10)


@pytest.fixture
def hamburg():
    return WarehouseFactory(code="HAM-1", priority=20)


def test_receive_adds_stock_writes_a_move_and_sets_the_average_cost(product, berlin):
    services.stock_receive(
        user=SYSTEM, product=product, warehouse=berlin, quantity=10, unit_cost=Decimal("4")
    )
    move = services.stock_receive(
        user=SYSTEM,
        product=product,
        warehouse=berlin,
        quantity=30,
        unit_cost=Decimal("8"),
        reference="PO-7",
    )

    stock = Stock.objects.get(product=product, warehouse=berlin)
    assert (stock.on_hand, stock.allocated) == (40, 0)
    assert (move.kind, move.quantity, move.unit_cost, move.reference) == (
        "receipt",
        30,
        Decimal("8"),
        "PO-7",
    )
    assert ProductCost.objects.get(product=product).average_cost == Decimal("7.0000")


@pytest.mark.parametrize("quantity", [0, -3, 2.5, "7", True, None])
def test_receive_refuses_a_bad_quantity_and_changes_nothing(product, berlin, quantity):
    with pytest.raises(services.InventoryError, match="whole number above zero"):
        services.stock_receive(
            user=SYSTEM, product=product, warehouse=berlin, quantity=quantity, unit_cost=1
        )

    assert not StockMove.objects.exists()
    assert not Stock.objects.filter(on_hand__gt=0).exists()


def test_transfer_moves_only_unallocated_units_between_warehouses(product, berlin, hamburg):
    services.stock_receive(
        user=SYSTEM, product=product, warehouse=berlin, quantity=5, unit_cost=Decimal("2")
    )

    out, into = services.stock_transfer(
        user=SYSTEM,
        product=product,
        source=berlin,
        destination=hamburg,
        quantity=3,
        reason="rebalance",
    )

    assert selectors.on_hand(product.pk, berlin.pk) == 2
    assert selectors.on_hand(product.pk, hamburg.pk) == 3
    assert (out.kind, out.quantity, into.kind, into.quantity) == (
        "transfer_out",
        -3,
        "transfer_in",
        3,
    )
    assert out.reference == "BER-1 -> HAM-1"


def test_transfer_of_more_than_is_free_is_refused_with_the_figure(product, berlin, hamburg):
    services.stock_receive(user=SYSTEM, product=product, warehouse=berlin, quantity=2, unit_cost=1)

    with pytest.raises(
        services.InsufficientStock, match="Only 2 of “Granite Dome Tent 2P in BER-1”"
    ):
        services.stock_transfer(
            user=SYSTEM, product=product, source=berlin, destination=hamburg, quantity=3
        )

    assert selectors.on_hand(product.pk, berlin.pk) == 2
    assert selectors.on_hand(product.pk, hamburg.pk) == 0
    assert StockMove.objects.count() == 1


def test_adjust_needs_a_reason_and_cannot_go_negative(product, berlin):
    services.stock_receive(user=SYSTEM, product=product, warehouse=berlin, quantity=4, unit_cost=1)

    with pytest.raises(services.InventoryError, match="Say why"):
        services.stock_adjust(
            user=SYSTEM, product=product, warehouse=berlin, quantity=-1, reason=" "
        )
    with pytest.raises(services.InsufficientStock):
        services.stock_adjust(
            user=SYSTEM, product=product, warehouse=berlin, quantity=-5, reason="lost"
        )
    move = services.stock_adjust(
        user=SYSTEM, product=product, warehouse=berlin, quantity=-1, reason="damaged"
    )

    assert selectors.on_hand(product.pk, berlin.pk) == 3
    assert (move.kind, move.quantity, move.reason) == ("adjustment", -1, "damaged")


def test_count_writes_the_difference_or_nothing_when_it_matches(product, berlin):
    services.stock_receive(user=SYSTEM, product=product, warehouse=berlin, quantity=10, unit_cost=1)

    assert services.stock_count(user=SYSTEM, product=product, warehouse=berlin, counted=10) is None
    move = services.stock_count(
        user=SYSTEM, product=product, warehouse=berlin, counted=7, reason="cycle count"
    )

    assert selectors.on_hand(product.pk, berlin.pk) == 7
    assert move is not None
    assert (move.kind, move.quantity) == ("count", -3)


def test_return_puts_goods_into_the_chosen_warehouse(product, berlin):
    quarantine = WarehouseFactory(code="RET-Q", is_sellable=False)

    move = services.stock_return(
        product=product, warehouse=quarantine, quantity=2, reference="RMA-1", reason="damaged box"
    )

    assert selectors.on_hand(product.pk, quarantine.pk) == 2
    assert selectors.available_to_promise([product.pk]) == {product.pk: 0}
    assert (move.kind, move.quantity) == ("return", 2)


def test_available_to_promise_sums_sellable_active_warehouses_only(product, berlin, hamburg):
    closed = WarehouseFactory(code="OLD-1", is_active=False)
    quarantine = WarehouseFactory(code="RET-Q", is_sellable=False)
    other = ProductFactory()
    for warehouse, quantity in [(berlin, 3), (hamburg, 4), (closed, 50), (quarantine, 9)]:
        Stock.objects.create(product=product, warehouse=warehouse, on_hand=quantity)
    Stock.objects.filter(warehouse=hamburg).update(allocated=1)

    assert selectors.available_to_promise([product.pk, other.pk]) == {product.pk: 6, other.pk: 0}


def test_the_database_refuses_oversold_and_negative_rows(product, berlin):
    stock = Stock.objects.create(product=product, warehouse=berlin, on_hand=1)

    for change in ({"allocated": 2}, {"on_hand": -1}, {"allocated": -1}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Stock.objects.filter(pk=stock.pk).update(**change)


def test_stock_moves_cannot_be_changed_or_deleted(product, berlin):
    move = services.stock_receive(
        user=SYSTEM, product=product, warehouse=berlin, quantity=1, unit_cost=1
    )

    for statement in (
        "UPDATE inventory_stockmove SET quantity = 5 WHERE id = %s",
        "DELETE FROM inventory_stockmove WHERE id = %s",
    ):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [move.pk])

    move.refresh_from_db()
    assert move.quantity == 1


def test_product_by_barcode_finds_ean_and_sku_case_insensitively(product):
    assert selectors.product_by_barcode(f" {product.upc} ") == product
    assert selectors.product_by_barcode(f"sku-{product.upc}") == product
    assert selectors.product_by_barcode("0000000000000") is None
    assert selectors.product_by_barcode("") is None


def test_the_sellable_stock_lock_reads_what_the_orm_reads(product, berlin, hamburg):
    from inventory import lock_objects

    other = ProductFactory()
    quarantine = WarehouseFactory(code="RET-Q", is_sellable=False)
    closed = WarehouseFactory(code="OLD-1")
    for warehouse in (hamburg, berlin, quarantine, closed):
        services.stock_receive(
            user=SYSTEM, product=product, warehouse=warehouse, quantity=3, unit_cost=Decimal("2.00")
        )
    type(closed).objects.filter(pk=closed.pk).update(is_active=False)  # closed since
    services.stock_receive(
        user=SYSTEM, product=other, warehouse=berlin, quantity=1, unit_cost=Decimal(1)
    )

    def values(instance):
        return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}

    with transaction.atomic():
        locked = lock_objects.sellable_stock_for_update([product.pk, product.pk])
        expected = list(
            Stock.objects.filter(
                product=product, warehouse__is_sellable=True, warehouse__is_active=True
            )
            .select_related("warehouse")
            .order_by("pk")
        )
        assert [values(row) for row in locked] == [values(row) for row in expected]
        assert [values(row.warehouse) for row in locked] == [
            values(row.warehouse) for row in expected
        ]
        assert {row.warehouse.code for row in locked} == {"BER-1", "HAM-1"}
        # the lock's WHERE and the ORM's SELLABLE are one definition
        sellable = Stock.objects.filter(selectors.SELLABLE, product=product).order_by("pk")
        assert [row.pk for row in locked] == [row.pk for row in sellable]
        assert lock_objects.sellable_stock_for_update([]) == []
    # that the rows stay locked until commit is what tests/test_concurrency.py
    # shows: 40 threads, no oversell


def test_only_roles_that_write_stock_moves_receive_move_adjust_or_count_stock(
    product, berlin, hamburg
):
    from erp.permissions import PermissionRefused
    from tests.factories import StaffFactory, UserFactory

    services.stock_receive(
        user=SYSTEM, product=product, warehouse=berlin, quantity=5, unit_cost=Decimal(2)
    )
    writes = {
        "receive stock": lambda actor: services.stock_receive(
            user=actor, product=product, warehouse=berlin, quantity=1, unit_cost=Decimal(2)
        ),
        "move stock between warehouses": lambda actor: services.stock_transfer(
            user=actor, product=product, source=berlin, destination=hamburg, quantity=1
        ),
        "adjust stock": lambda actor: services.stock_adjust(
            user=actor, product=product, warehouse=berlin, quantity=-1, reason="damaged"
        ),
        "record stock counts": lambda actor: services.stock_count(
            user=actor, product=product, warehouse=berlin, counted=2
        ),
    }
    refused_actors = [
        StaffFactory(username="sam", role="Sales"),
        StaffFactory(username="ada", role="Accounting"),
        UserFactory(username="erika"),
        None,
    ]

    for doing, write in writes.items():
        for actor in refused_actors:
            with pytest.raises(PermissionRefused, match=doing):
                write(actor)
    assert StockMove.objects.count() == 1
    assert selectors.on_hand(product.pk, berlin.pk) == 5

    wes = StaffFactory(username="wes", role="Warehouse")
    for write in writes.values():
        write(wes)
    assert (
        list(StockMove.objects.exclude(user=None).values_list("user__username", flat=True))
        == ["wes"] * 5
    )  # receipt, transfer out and in, adjustment, count
    assert selectors.on_hand(product.pk, berlin.pk) == 2
