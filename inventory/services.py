"""Every write to stock: receive, transfer, adjust, count, allocate, release,
issue (ship) and return. Each public function is one transaction.

Invariants kept here (and backed by CHECK constraints and a trigger):

- every change of ``on_hand`` writes its stock move in the same transaction,
  so ``on_hand`` always equals the sum of the row's moves;
- ``allocated`` changes only together with allocation rows, so it always
  equals the sum of the row's open allocations;
- quantities change only through ``F()`` updates on rows locked in pk order
  (``lock_objects``) or conditional updates; never read-modify-write in Python;
- an order's allocation is all-or-nothing: a shortage on any line raises
  :class:`InsufficientStock` and changes nothing;
- a change of a product's available-to-promise records a ``stock.changed``
  outbox event in the same transaction (webhooks);
- the writes staff cause by hand (receive, transfer, adjust, count) take the
  actor and refuse (``PermissionRefused``, nothing written) one whose role may
  not write stock moves, whichever screen, scanner or API calls them; the
  writes of order flows (allocate, release, issue, return) are authorised by
  the order services that call them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.utils import timezone
from oscar.core.loading import get_model

from accounting.services import business_date, credit, debit, journal_entry_post, money
from erp.db.bulk import copy_rows
from erp.permissions import permission_require
from erp.services.outbox import outbox_events_record
from inventory import lock_objects
from inventory.models import Allocation, Stock, StockMove, Warehouse

Product = get_model("catalogue", "Product")
COST_PLACES = Decimal("0.0001")
#: writing a stock move by hand: Warehouse and Manager (erp.roles)
STOCK_CHANGE = "inventory.add_stockmove"


class InventoryError(Exception):
    """A stock operation was refused; the message is meant for people."""


@dataclass(frozen=True)
class Shortage:
    product_id: int
    title: str
    requested: int
    available: int

    def __str__(self) -> str:
        if self.available <= 0:
            return f"“{self.title}” is out of stock."
        return (
            f"Only {self.available} of “{self.title}” available (you asked for {self.requested})."
        )


class InsufficientStock(InventoryError):
    def __init__(self, shortages: Sequence[Shortage]):
        self.shortages = list(shortages)
        super().__init__(" ".join(str(shortage) for shortage in self.shortages))


@dataclass(frozen=True)
class StockAllocationRequest:
    """Stock asked for one order line: which line, which product, how many units."""

    order_line_id: int
    product_id: int
    quantity: int
    sku: str = ""  # the line's SKU, when known: the stock.changed event then needs no lookup


def _positive(quantity: Any, what: str = "Quantity") -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise InventoryError(f"{what} must be a whole number above zero (got {quantity!r}).")
    return quantity


def _stock_row(product_id: int, warehouse: Warehouse) -> Stock:
    row, _ = Stock.objects.get_or_create(product_id=product_id, warehouse=warehouse)
    return row


# How each kind of move is valued in the books: (debit role, credit role) for
# a positive quantity; a negative quantity swaps them. Transfers move stock
# between warehouses of the same inventory account and post nothing.
VALUATION_ACCOUNTS: dict[str, tuple[str, str]] = {
    StockMove.Kind.RECEIPT: ("inventory", "grni"),
    StockMove.Kind.SHIPMENT: ("inventory", "cogs"),
    StockMove.Kind.RETURN: ("inventory", "cogs"),
    StockMove.Kind.ADJUSTMENT: ("inventory", "inventory_adjustment"),
    StockMove.Kind.COUNT: ("inventory", "inventory_adjustment"),
    StockMove.Kind.SUPPLIER_RETURN: ("inventory", "grni"),
    StockMove.Kind.OPENING: ("inventory", "opening_balance"),
}


def _revalue(
    product_id: int,
    quantity: int,
    receipt_cost: Decimal | None = None,
    receipt_value: Decimal | None = None,
) -> Decimal:
    """Change the product's books by ``quantity`` units; returns the amount (positive).

    Receipts come in at their own cost (or exactly ``receipt_value``, when a
    purchase receipt knows it to the cent) and move the average; everything else
    moves at the average. The last units out take exactly the value left, so
    no cent is ever stranded.
    """
    cost = lock_objects.product_cost_for_update(product_id)
    if quantity > 0:
        unit = receipt_cost if receipt_cost is not None else cost.average_cost
        amount = money(receipt_value) if receipt_value is not None else money(quantity * unit)
        cost.value += amount
        cost.quantity += quantity
        if receipt_cost is not None:
            cost.average_cost = (cost.value / cost.quantity).quantize(COST_PLACES, ROUND_HALF_UP)
    else:
        units = -quantity
        amount = cost.value if units >= cost.quantity else money(units * cost.average_cost)
        cost.value -= amount
        cost.quantity -= units
    cost.save(update_fields=["average_cost", "quantity", "value", "updated_at"])
    return amount


def _now() -> datetime:
    """Now, or midday of the business date while past business is entered."""
    day = business_date()
    if day == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


def _average_cost(product_id: int) -> Decimal:
    from inventory.models import ProductCost

    cost = ProductCost.objects.filter(product_id=product_id).values_list("average_cost", flat=True)
    return cost.first() or Decimal("0")


def _move(
    stock: Stock,
    *,
    kind: str,
    quantity: int,
    unit_cost: Decimal | None = None,
    reference: str = "",
    reason: str = "",
    user: Any = None,
    occurred_at: datetime | None = None,
    receipt_value: Decimal | None = None,
    landed_charges: Decimal = Decimal("0"),
    counter_value: Decimal | None = None,
) -> StockMove:
    """Record a move, and for every kind but transfers, revalue and post it.

    ``landed_charges`` (receipts) is the part of the value owed to carriers and
    customs rather than the supplier: credited to the landed-cost accrual, not
    GRNI. ``counter_value`` (returns to a supplier) is what the counter account
    takes back at the supplier's price; the difference from the average cost the
    goods leave at is a purchase price variance.
    """
    amount = Decimal("0")
    if kind in VALUATION_ACCOUNTS:
        receipt_cost = unit_cost if kind == StockMove.Kind.RECEIPT else None
        amount = _revalue(stock.product_id, quantity, receipt_cost, receipt_value)
        unit_cost = (amount / abs(quantity)).quantize(COST_PLACES, ROUND_HALF_UP)
    move = StockMove.objects.create(
        stock=stock,
        product_id=stock.product_id,
        warehouse_id=stock.warehouse_id,
        kind=kind,
        quantity=quantity,
        unit_cost=unit_cost if unit_cost is not None else _average_cost(stock.product_id),
        reference=str(reference)[:64],
        reason=reason[:255],
        user=user if getattr(user, "pk", None) else None,
        occurred_at=occurred_at or _now(),
    )
    if amount or counter_value:
        debit_role, credit_role = VALUATION_ACCOUNTS[kind]
        if quantity < 0:
            debit_role, credit_role = credit_role, debit_role
        postings = [debit(debit_role, amount), credit(credit_role, amount - landed_charges)]
        if landed_charges:
            postings.append(credit("landed_cost_accrual", landed_charges))
        if counter_value is not None:
            # out to a supplier: the counter account takes back its own value
            variance = money(counter_value) - amount
            postings = [debit(debit_role, money(counter_value)), credit(credit_role, amount)]
            if variance:
                side = credit if variance > 0 else debit
                postings.append(side("purchase_price_variance", abs(variance)))
        journal_entry_post(
            source=f"stock-move:{move.pk}",
            kind=f"stock_{kind}",
            description=f"{move.get_kind_display()} {quantity:+d} of product {stock.product_id}"
            + (f" ({reference})" if reference else ""),
            postings=postings,
            day=timezone.localdate(move.occurred_at),
            user=user,
        )
    return move


def _titles(product_ids: Sequence[int]) -> dict[int, str]:
    return dict(Product.objects.filter(pk__in=product_ids).values_list("pk", "title"))


def _availability_changed(
    product_ids: Sequence[int], known: dict[int, tuple[str, int]] | None = None
) -> None:
    """Record a ``stock.changed`` event (webhooks) with each product's new
    available-to-promise, in the transaction that changed it. ``known`` holds
    (SKU, ATP) the caller has already computed; the rest are read."""
    from inventory.selectors import available_with_sku

    ids = sorted(set(product_ids))
    if not ids:
        return
    listed = dict(known or {})
    missing = [product_id for product_id in ids if product_id not in listed]
    if missing:
        listed.update(available_with_sku(missing))
    outbox_events_record(
        events=[
            (
                "stock.changed",
                {
                    "sku": listed.get(product_id, ("", 0))[0],
                    "product_id": product_id,
                    "available": listed.get(product_id, ("", 0))[1],
                },
            )
            for product_id in ids
        ]
    )


def stock_receive(
    *,
    product: Any,
    warehouse: Warehouse,
    quantity: int,
    unit_cost: Decimal,
    user: Any,
    reference: str = "",
    occurred_at: datetime | None = None,
    value: Decimal | None = None,
    landed_charges: Decimal = Decimal("0"),
) -> StockMove:
    """Goods arrived: add to on hand and fold their cost into the moving average.

    A purchase receipt passes the exact ``value`` (supplier price plus
    ``landed_charges``) so the books and the average carry it to the cent.
    """
    permission_require(user, STOCK_CHANGE, doing="receive stock")
    _positive(quantity)
    unit_cost = Decimal(unit_cost)
    if unit_cost < 0:
        raise InventoryError("Unit cost cannot be negative.")
    if landed_charges < 0 or (value is not None and value < landed_charges):
        raise InventoryError("Landed charges cannot be negative or more than the value.")
    if not warehouse.is_active:
        raise InventoryError(f"Warehouse {warehouse.code} is closed.")
    with transaction.atomic():
        stock = _stock_row(product.pk, warehouse)
        Stock.objects.filter(pk=stock.pk).update(on_hand=F("on_hand") + quantity)
        move = _move(
            stock,
            kind=StockMove.Kind.RECEIPT,
            quantity=quantity,
            unit_cost=unit_cost,
            reference=reference,
            user=user,
            occurred_at=occurred_at,
            receipt_value=value,
            landed_charges=landed_charges,
        )
        if warehouse.is_sellable:
            _availability_changed([product.pk])
        return move


def _take_unallocated(stock: Stock, quantity: int, title: str) -> None:
    """Remove ``quantity`` from on hand, never touching units promised to orders."""
    taken = Stock.objects.filter(pk=stock.pk, on_hand__gte=F("allocated") + quantity).update(
        on_hand=F("on_hand") - quantity
    )
    if not taken:
        stock.refresh_from_db()
        raise InsufficientStock(
            [
                Shortage(
                    stock.product_id,
                    f"{title} in {stock.warehouse.code}",
                    quantity,
                    stock.available,
                )
            ]
        )


def stock_transfer(
    *,
    product: Any,
    source: Warehouse,
    destination: Warehouse,
    quantity: int,
    user: Any,
    reason: str = "",
) -> tuple[StockMove, StockMove]:
    """Move unallocated units between warehouses at the current average cost."""
    permission_require(user, STOCK_CHANGE, doing="move stock between warehouses")
    _positive(quantity)
    if source.pk == destination.pk:
        raise InventoryError("Source and destination warehouse must differ.")
    if not destination.is_active:
        raise InventoryError(f"Warehouse {destination.code} is closed.")
    with transaction.atomic():
        rows = {
            row.warehouse_id: row
            for row in lock_objects.stock_rows_for_update(
                [_stock_row(product.pk, source).pk, _stock_row(product.pk, destination).pk]
            )
        }
        _take_unallocated(rows[source.pk], quantity, product.title)
        Stock.objects.filter(pk=rows[destination.pk].pk).update(on_hand=F("on_hand") + quantity)
        unit_cost = _average_cost(product.pk)
        reference = f"{source.code} -> {destination.code}"
        out = _move(
            rows[source.pk],
            kind=StockMove.Kind.TRANSFER_OUT,
            quantity=-quantity,
            unit_cost=unit_cost,
            reference=reference,
            reason=reason,
            user=user,
        )
        into = _move(
            rows[destination.pk],
            kind=StockMove.Kind.TRANSFER_IN,
            quantity=quantity,
            unit_cost=unit_cost,
            reference=reference,
            reason=reason,
            user=user,
        )
        if source.is_sellable != destination.is_sellable:
            _availability_changed([product.pk])
        return out, into


def stock_adjust(
    *, product: Any, warehouse: Warehouse, quantity: int, reason: str, user: Any
) -> StockMove:
    """Correct on hand by ``quantity`` (signed): damage, loss, found goods."""
    permission_require(user, STOCK_CHANGE, doing="adjust stock")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity == 0:
        raise InventoryError(
            f"Adjustment must be a whole number other than zero (got {quantity!r})."
        )
    if not reason.strip():
        raise InventoryError("Say why stock is adjusted (damaged, lost, found...).")
    with transaction.atomic():
        stock = _stock_row(product.pk, warehouse)
        if quantity < 0:
            _take_unallocated(stock, -quantity, product.title)
        else:
            Stock.objects.filter(pk=stock.pk).update(on_hand=F("on_hand") + quantity)
        move = _move(
            stock,
            kind=StockMove.Kind.ADJUSTMENT,
            quantity=quantity,
            reason=reason,
            user=user,
        )
        if warehouse.is_sellable:
            _availability_changed([product.pk])
        return move


def stock_count(
    *, product: Any, warehouse: Warehouse, counted: int, user: Any, reason: str = ""
) -> StockMove | None:
    """Set on hand to a physical count; returns the correcting move, or None if it matched."""
    permission_require(user, STOCK_CHANGE, doing="record stock counts")
    if isinstance(counted, bool) or not isinstance(counted, int) or counted < 0:
        raise InventoryError(f"A count must be a whole number, zero or more (got {counted!r}).")
    with transaction.atomic():
        stock = lock_objects.stock_rows_for_update([_stock_row(product.pk, warehouse).pk]).get()
        if counted < stock.allocated:
            raise InventoryError(
                f"{stock.allocated} of “{product.title}” in {warehouse.code} are allocated to "
                f"open orders; a count of {counted} cannot be right. Recount, or cancel the orders."
            )
        difference = counted - stock.on_hand
        if difference == 0:
            return None
        Stock.objects.filter(pk=stock.pk).update(on_hand=F("on_hand") + difference)
        move = _move(
            stock,
            kind=StockMove.Kind.COUNT,
            quantity=difference,
            reason=reason or f"counted {counted}",
            user=user,
        )
        if warehouse.is_sellable:
            _availability_changed([product.pk])
        return move


def _add_to_allocated(per_row: dict[int, int]) -> None:
    """``allocated += units`` (negative to release) on each already locked row,
    in one UPDATE."""
    if len(per_row) == 1:
        ((row_pk, units),) = per_row.items()
        Stock.objects.filter(pk=row_pk).update(allocated=F("allocated") + units)
        return
    Stock.objects.filter(pk__in=list(per_row)).update(
        allocated=F("allocated")
        + Case(
            *[When(pk=row_pk, then=Value(units)) for row_pk, units in sorted(per_row.items())],
            output_field=IntegerField(),
        )
    )


def stock_allocate(*, lines: Sequence[StockAllocationRequest]) -> list[Allocation]:
    """Promise stock to order lines, all or nothing.

    Sellable warehouses are used in priority order; a line that one warehouse
    cannot fill is split across several. Raises :class:`InsufficientStock`
    naming every short product, and then nothing has changed.
    """
    for line in lines:
        _positive(line.quantity)
    if not lines:
        return []
    # No savepoint: a shortage is found before anything is written and raised
    # after the block, so the caller's transaction stays usable; a database
    # error inside dooms the caller's transaction, as it would in PostgreSQL.
    with transaction.atomic(savepoint=False):
        shortage: InsufficientStock | None = None
        rows_by_product: dict[int, list[Stock]] = defaultdict(list)
        for row in lock_objects.sellable_stock_for_update({line.product_id for line in lines}):
            rows_by_product[row.product_id].append(row)
        free = {row.pk: row.available for rows in rows_by_product.values() for row in rows}
        for rows in rows_by_product.values():
            rows.sort(key=lambda row: (row.warehouse.priority, row.warehouse.code))

        plan: list[tuple[StockAllocationRequest, Stock, int]] = []
        requested: dict[int, int] = defaultdict(int)
        short: set[int] = set()
        for line in lines:
            requested[line.product_id] += line.quantity
            remaining = line.quantity
            for row in rows_by_product[line.product_id]:
                take = min(remaining, free[row.pk])
                if take > 0:
                    plan.append((line, row, take))
                    free[row.pk] -= take
                    remaining -= take
                if remaining == 0:
                    break
            if remaining:
                short.add(line.product_id)
        if short:
            titles = _titles(sorted(short))
            shortage = InsufficientStock(
                [
                    Shortage(
                        product_id,
                        titles.get(product_id, str(product_id)),
                        requested[product_id],
                        sum(row.available for row in rows_by_product[product_id]),
                    )
                    for product_id in sorted(short)
                ]
            )
            allocations: list[Allocation] = []
        else:
            allocations = _allocate_planned(lines, plan, rows_by_product, requested)
    if shortage is not None:
        raise shortage
    return allocations


def _allocate_planned(
    lines: Sequence[StockAllocationRequest],
    plan: list[tuple[StockAllocationRequest, Stock, int]],
    rows_by_product: dict[int, list[Stock]],
    requested: dict[int, int],
) -> list[Allocation]:
    """Write what ``stock_allocate`` planned: allocated counts, allocations, events."""
    per_row: dict[int, int] = defaultdict(int)
    for _line, row, take in plan:
        per_row[row.pk] += take
    _add_to_allocated(per_row)
    per_allocation: dict[tuple[int, int], int] = defaultdict(int)
    for line, row, take in plan:
        per_allocation[(line.order_line_id, row.pk)] += take
    allocations = Allocation.objects.bulk_create(
        [
            Allocation(order_line_id=line_id, stock_id=row_pk, quantity=quantity)
            for (line_id, row_pk), quantity in per_allocation.items()
        ]
    )
    # every sellable row of these products is locked above: the new ATP is known
    skus = {line.product_id: line.sku for line in lines if line.sku}
    _availability_changed(
        [line.product_id for line in lines],
        known={
            product_id: (
                sku,
                sum(row.available for row in rows_by_product[product_id]) - requested[product_id],
            )
            for product_id, sku in skus.items()
        },
    )
    return allocations


def stock_release(*, order_line_ids: Sequence[int]) -> int:
    """Give back everything still allocated to these lines (a cancellation)."""
    with transaction.atomic():
        allocations = list(lock_objects.open_allocations_for_update(order_line_ids))
        if not allocations:
            return 0
        per_row: dict[int, int] = defaultdict(int)
        for allocation in allocations:
            per_row[allocation.stock_id] += allocation.quantity
        rows = list(lock_objects.stock_rows_for_update(per_row))  # lock before changing
        _add_to_allocated({row_pk: -units for row_pk, units in per_row.items()})
        Allocation.objects.filter(pk__in=[a.pk for a in allocations]).update(quantity=0)
        _availability_changed([row.product_id for row in rows if row.warehouse.is_sellable])
        return sum(per_row.values())


def stock_issue(
    *,
    order_line_id: int,
    quantity: int,
    warehouse: Warehouse | None = None,
    reference: str = "",
    user: Any = None,
) -> list[StockMove]:
    """Ship ``quantity`` of an order line from its allocations (in ``warehouse``
    if given, else highest priority first)."""
    _positive(quantity)
    with transaction.atomic():
        allocations = sorted(
            (
                allocation
                for allocation in lock_objects.open_allocations_for_update([order_line_id])
                if warehouse is None or allocation.stock.warehouse_id == warehouse.pk
            ),
            key=lambda a: (a.stock.warehouse.priority, a.stock.warehouse.code),
        )
        open_quantity = sum(allocation.quantity for allocation in allocations)
        if open_quantity < quantity:
            where = f" in {warehouse.code}" if warehouse is not None else ""
            raise InventoryError(
                f"Only {open_quantity} unit(s) of this line are allocated{where}; "
                f"cannot ship {quantity}."
            )
        list(lock_objects.stock_rows_for_update({a.stock_id for a in allocations}))
        moves = []
        remaining = quantity
        for allocation in allocations:
            take = min(remaining, allocation.quantity)
            if take == 0:
                break
            Stock.objects.filter(pk=allocation.stock_id).update(
                on_hand=F("on_hand") - take, allocated=F("allocated") - take
            )
            Allocation.objects.filter(pk=allocation.pk).update(quantity=F("quantity") - take)
            moves.append(
                _move(
                    allocation.stock,
                    kind=StockMove.Kind.SHIPMENT,
                    quantity=-take,
                    reference=reference,
                    user=user,
                )
            )
            remaining -= take
        return moves


def stock_return(
    *,
    product: Any,
    warehouse: Warehouse,
    quantity: int,
    reference: str = "",
    reason: str = "",
    user: Any = None,
) -> StockMove:
    """Returned goods back into a warehouse (sellable or quarantine) at average cost."""
    _positive(quantity)
    with transaction.atomic():
        stock = _stock_row(product.pk, warehouse)
        Stock.objects.filter(pk=stock.pk).update(on_hand=F("on_hand") + quantity)
        move = _move(
            stock,
            kind=StockMove.Kind.RETURN,
            quantity=quantity,
            reference=reference,
            reason=reason,
            user=user,
        )
        if warehouse.is_sellable:
            _availability_changed([product.pk])
        return move


def stock_return_to_supplier(
    *,
    product: Any,
    warehouse: Warehouse,
    quantity: int,
    supplier_value: Decimal,
    reference: str = "",
    reason: str = "",
    user: Any = None,
) -> StockMove:
    """Goods sent back to their supplier: out of on hand at the average cost.

    GRNI takes back ``supplier_value`` (the units at the supplier's price); the
    difference from the average cost is a purchase price variance. Authorised by
    the purchasing service that calls it (a debit note needs its own permission).
    """
    _positive(quantity)
    with transaction.atomic():
        stock = _stock_row(product.pk, warehouse)
        _take_unallocated(stock, quantity, product.title)
        move = _move(
            stock,
            kind=StockMove.Kind.SUPPLIER_RETURN,
            quantity=-quantity,
            reference=reference,
            reason=reason,
            user=user,
            counter_value=supplier_value,
        )
        if warehouse.is_sellable:
            _availability_changed([product.pk])
        return move


@dataclass(frozen=True)
class OpeningBalance:
    product_id: int
    warehouse_id: int
    quantity: int
    unit_cost: Decimal


def opening_balances_entered(pairs: Sequence[tuple[int, int]]) -> dict[tuple[int, int], Any]:
    """For (product, warehouse) pairs: the pairs that already have stock moves, with
    their opening move's (quantity, unit cost) or None when their moves are not an
    opening balance alone."""
    moves: dict[tuple[int, int], list[tuple[str, int, Decimal]]] = defaultdict(list)
    wanted = set(pairs)
    product_ids = sorted({product_id for product_id, _ in wanted})
    for start in range(0, len(product_ids), 10000):
        rows = (
            StockMove.objects.filter(product_id__any=product_ids[start : start + 10000])
            .values_list("product_id", "warehouse_id", "kind", "quantity", "unit_cost")
            .order_by("pk")
        )
        for product_id, warehouse_id, kind, quantity, unit_cost in rows:
            if (product_id, warehouse_id) in wanted:
                moves[(product_id, warehouse_id)].append((kind, quantity, unit_cost))
    return {
        key: (found[0][1], found[0][2])
        if len(found) == 1 and found[0][0] == StockMove.Kind.OPENING
        else None
        for key, found in moves.items()
    }


def stock_open_balances(*, balances: Sequence[OpeningBalance], user: Any, reference: str) -> int:
    """The stock a business brings when it moves onto this system: one opening move
    per (product, warehouse) that has never moved, on hand set to it, the moving
    average started at its unit cost, and one journal entry for the file (Dr
    Inventory / Cr Opening balance equity, idempotent by ``reference``).

    Written in bulk (a go-live file has a row per product and warehouse) but under
    the module's invariants: a row that has any move already is refused, so an
    opening balance is entered once; corrections are counts and adjustments.
    Returns the number of moves written.
    """
    permission_require(user, STOCK_CHANGE, doing="enter opening stock")
    balances = [balance for balance in balances if balance.quantity]
    for balance in balances:
        _positive(balance.quantity)
        if balance.unit_cost < 0:
            raise InventoryError("Unit cost cannot be negative.")
    if not balances:
        return 0
    warehouses = Warehouse.objects.in_bulk({balance.warehouse_id for balance in balances})
    closed = sorted(w.code for w in warehouses.values() if not w.is_active)
    if closed:
        raise InventoryError(f"Warehouse {', '.join(closed)} is closed.")
    with transaction.atomic():
        _stock_rows_ensure([(b.product_id, b.warehouse_id) for b in balances])
        stock_ids: dict[tuple[int, int], int] = {}
        product_ids = sorted({balance.product_id for balance in balances})
        for start in range(0, len(product_ids), 10000):
            chunk = product_ids[start : start + 10000]
            for (
                stock_id,
                product_id,
                warehouse_id,
            ) in lock_objects.stock_rows_of_products_for_update(chunk):
                stock_ids[(product_id, warehouse_id)] = stock_id
        entered = opening_balances_entered([(b.product_id, b.warehouse_id) for b in balances])
        if entered:
            (product_id, warehouse_id), _ = next(iter(entered.items()))
            raise InventoryError(
                f"{len(entered)} of these products already have stock in their warehouse "
                f"(product {product_id} in warehouse {warehouses[warehouse_id].code}, ...); "
                "an opening balance is entered once: correct stock with a count."
            )
        occurred_at = _now()
        user_id = user.pk if getattr(user, "pk", None) else None
        reference = str(reference)[:64]
        moves, amounts = [], []
        by_product: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
        for balance in balances:
            amount = money(balance.quantity * balance.unit_cost)
            amounts.append(amount)
            by_product[balance.product_id].append((balance.quantity, amount))
            moves.append(
                (
                    stock_ids[(balance.product_id, balance.warehouse_id)],
                    balance.product_id,
                    balance.warehouse_id,
                    StockMove.Kind.OPENING.value,
                    balance.quantity,
                    Decimal(balance.unit_cost).quantize(COST_PLACES, ROUND_HALF_UP),
                    reference,
                    "",
                    user_id,
                    occurred_at,
                )
            )
        copy_rows(
            StockMove,
            (
                "stock_id",
                "product_id",
                "warehouse_id",
                "kind",
                "quantity",
                "unit_cost",
                "reference",
                "reason",
                "user_id",
                "occurred_at",
            ),
            moves,
        )
        _stock_add_on_hand(
            [(stock_ids[(b.product_id, b.warehouse_id)], b.quantity) for b in balances]
        )
        _costs_add(by_product)
        total = sum(amounts, Decimal("0"))
        if total:
            journal_entry_post(
                source=f"opening-stock:{reference}",
                kind="stock_opening",
                description=f"Opening stock ({reference}): {len(moves)} rows",
                postings=[debit("inventory", total), credit("opening_balance", total)],
                day=timezone.localdate(occurred_at),
                user=user,
            )
        sellable = {pk for pk, warehouse in warehouses.items() if warehouse.is_sellable}
        _availability_changed(
            [balance.product_id for balance in balances if balance.warehouse_id in sellable]
        )
        return len(moves)


def _stock_add_on_hand(changes: Sequence[tuple[int, int]]) -> None:
    """``on_hand += quantity`` for many locked rows in one UPDATE per batch."""
    from django.db import connection

    with connection.cursor() as cursor:
        for start in range(0, len(changes), 5000):
            batch = changes[start : start + 5000]
            cursor.execute(
                f"UPDATE {Stock._meta.db_table} s SET on_hand = s.on_hand + v.quantity "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::integer[]) AS v(id, quantity) WHERE s.id = v.id",
                [[stock_id for stock_id, _ in batch], [quantity for _, quantity in batch]],
            )


def _stock_rows_ensure(pairs: Sequence[tuple[int, int]]) -> None:
    """A stock row for each (product, warehouse) that has none (one INSERT per batch)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for start in range(0, len(pairs), 10000):
            batch = pairs[start : start + 10000]
            cursor.execute(
                f"INSERT INTO {Stock._meta.db_table} "  # noqa: S608
                "(product_id, warehouse_id, on_hand, allocated, reorder_level) "
                "SELECT p, w, 0, 0, %s FROM unnest(%s::bigint[], %s::bigint[]) AS v(p, w) "
                "ON CONFLICT (product_id, warehouse_id) DO NOTHING",
                [
                    Stock._meta.get_field("reorder_level").default,
                    [product_id for product_id, _ in batch],
                    [warehouse_id for _, warehouse_id in batch],
                ],
            )


def _costs_add(by_product: dict[int, list[tuple[int, Decimal]]]) -> None:
    """Fold opening units into each product's moving average: one upsert per batch,
    PostgreSQL locking each row it adds to (same rounding as ``_revalue``)."""
    from django.db import connection

    from inventory.models import ProductCost

    totals = [
        (product_id, sum(q for q, _ in parts), sum((a for _, a in parts), Decimal("0")))
        for product_id, parts in sorted(by_product.items())
    ]
    table = ProductCost._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        for start in range(0, len(totals), 10000):
            batch = totals[start : start + 10000]
            cursor.execute(
                f"INSERT INTO {table} AS c (product_id, quantity, value, average_cost, updated_at) "  # noqa: S608
                "SELECT p, q, v, CASE WHEN q > 0 THEN round(v / q, 4) ELSE 0 END, %s "
                "FROM unnest(%s::bigint[], %s::integer[], %s::numeric[]) AS x(p, q, v) "
                "ON CONFLICT (product_id) DO UPDATE SET "
                "quantity = c.quantity + EXCLUDED.quantity, value = c.value + EXCLUDED.value, "
                "average_cost = CASE WHEN c.quantity + EXCLUDED.quantity > 0 "
                "THEN round((c.value + EXCLUDED.value) / (c.quantity + EXCLUDED.quantity), 4) "
                "ELSE c.average_cost END, updated_at = EXCLUDED.updated_at",
                [
                    now,
                    [product_id for product_id, _, _ in batch],
                    [quantity for _, quantity, _ in batch],
                    [value for _, _, value in batch],
                ],
            )
