"""The kernel's bulk writes (``erp.db.bulk``) and the ``__any`` lookup give the same
rows as the ORM's own ``bulk_create``/``update`` and ``__in``."""

from __future__ import annotations

import pytest
from django.utils import timezone

from erp.db.bulk import copy_insert, copy_rows, ids_reserve, unnest_update
from erp.models import OutboxEvent
from erp.services.outbox import outbox_events_record
from inventory.models import Warehouse

pytestmark = pytest.mark.django_db


def test_copy_rows_writes_what_bulk_create_would_and_ids_come_from_the_sequence():
    ids = ids_reserve(Warehouse, 2)
    copy_rows(
        Warehouse,
        ("id", "code", "name", "address", "is_sellable", "priority", "is_active"),
        [
            (ids[0], "CPY-1", "Copied one", "", True, 5, True),
            (ids[1], "CPY-2", "Two", "", False, 6, True),
        ],
    )
    Warehouse.objects.create(code="ORM-1", name="After", priority=7)

    rows = list(Warehouse.objects.order_by("pk").values_list("pk", "code", "is_sellable"))
    assert rows[:2] == [(ids[0], "CPY-1", True), (ids[1], "CPY-2", False)]
    assert rows[2][0] > ids[1]  # the sequence moved on: no clash with later inserts


def test_copy_rows_refuses_to_leave_out_a_not_null_column():
    with pytest.raises(ValueError, match="lacks name"):
        copy_rows(Warehouse, ("code", "priority"), [("X", 1)])


def test_copy_insert_prepares_values_as_django_does():
    warehouse = Warehouse(code="CPY-9", name="Instance", priority=3)

    copy_insert(Warehouse, [warehouse])

    stored = Warehouse.objects.get(code="CPY-9")
    assert stored.pk == warehouse.pk and stored.is_sellable is True and stored.is_active is True


def test_unnest_update_changes_exactly_the_keyed_rows():
    one = Warehouse.objects.create(code="U-1", name="One", priority=1)
    two = Warehouse.objects.create(code="U-2", name="Two", priority=2)
    untouched = Warehouse.objects.create(code="U-3", name="Three", priority=3)

    changed = unnest_update(
        Warehouse,
        key="id",
        columns=[("id", "bigint"), ("name", "text"), ("priority", "integer")],
        rows=[(one.pk, "Uno", 10), (two.pk, "Dos", 20)],
    )

    assert changed == 2
    assert list(Warehouse.objects.order_by("code").values_list("name", "priority")) == [
        ("Uno", 10),
        ("Dos", 20),
        ("Three", 3),
    ]
    assert untouched.name == Warehouse.objects.get(pk=untouched.pk).name


def test_the_any_lookup_finds_what_in_finds():
    codes = [f"ANY-{n}" for n in range(5)]
    for n, code in enumerate(codes):
        Warehouse.objects.create(code=code, name=code, priority=n)
    wanted = ["ANY-1", "ANY-3", "NOPE"]

    assert set(Warehouse.objects.filter(code__any=wanted)) == set(
        Warehouse.objects.filter(code__in=wanted)
    )
    ids = list(Warehouse.objects.filter(code__in=wanted).values_list("pk", flat=True))
    assert set(Warehouse.objects.filter(pk__any=ids)) == set(Warehouse.objects.filter(pk__in=ids))
    assert not Warehouse.objects.filter(code__any=[]).exists()


def test_a_large_outbox_batch_goes_in_by_copy_with_the_same_payloads():
    events = [
        ("stock.changed", {"sku": f"S-{n}", "product_id": n, "available": n}) for n in range(600)
    ]

    outbox_events_record(events=events)

    stored = OutboxEvent.objects.filter(event="stock.changed")
    assert stored.count() == 600
    assert stored.get(payload__sku="S-7").payload == {"sku": "S-7", "product_id": 7, "available": 7}
    assert all(event.created_at <= timezone.now() for event in stored[:5])
