"""The kernel's bulk writes (``erp.db.bulk``) and the ``__any`` lookup give the same
rows as the ORM's own ``bulk_create``/``update`` and ``__in``."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from erp.db.bulk import copy_insert, copy_rows, ids_reserve, unnest_update
from erp.models import OutboxEvent
from erp.services.outbox import outbox_events_record

pytestmark = pytest.mark.django_db


def test_copy_rows_writes_what_bulk_create_would_and_ids_come_from_the_sequence():
    ids = ids_reserve(Group, 2)
    copy_rows(Group, ("id", "name"), [(ids[0], "Copied one"), (ids[1], "Copied two")])
    after = Group.objects.create(name="Created after")

    assert list(Group.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "name")) == [
        (ids[0], "Copied one"),
        (ids[1], "Copied two"),
    ]
    assert after.pk > ids[1]  # the sequence moved on: no clash with later inserts


def test_copy_rows_refuses_to_leave_out_a_not_null_column():
    with pytest.raises(ValueError, match="lacks name"):
        copy_rows(Group, ("id",), [(1,)])


def test_copy_insert_prepares_values_as_django_does():
    group = Group(name="Instance")

    copy_insert(Group, [group])

    assert Group.objects.get(name="Instance").pk == group.pk


def test_unnest_update_changes_exactly_the_keyed_rows():
    one = Group.objects.create(name="U-1")
    two = Group.objects.create(name="U-2")
    untouched = Group.objects.create(name="U-3")

    changed = unnest_update(
        Group,
        key="id",
        columns=[("id", "bigint"), ("name", "text")],
        rows=[(one.pk, "Uno"), (two.pk, "Dos")],
    )

    assert changed == 2
    assert [Group.objects.get(pk=g.pk).name for g in (one, two, untouched)] == ["Uno", "Dos", "U-3"]


def test_the_any_lookup_finds_what_in_finds():
    for n in range(5):
        Group.objects.create(name=f"ANY-{n}")
    wanted = ["ANY-1", "ANY-3", "NOPE"]

    assert set(Group.objects.filter(name__any=wanted)) == set(Group.objects.filter(name__in=wanted))
    ids = list(Group.objects.filter(name__in=wanted).values_list("pk", flat=True))
    assert set(Group.objects.filter(pk__any=ids)) == set(Group.objects.filter(pk__in=ids))
    assert not Group.objects.filter(name__any=[]).exists()


def test_a_large_outbox_batch_goes_in_by_copy_with_the_same_payloads():
    events = [
        ("stock.changed", {"sku": f"S-{n}", "product_id": n, "available": n}) for n in range(600)
    ]

    outbox_events_record(events=events)

    stored = OutboxEvent.objects.filter(event="stock.changed")
    assert stored.count() == 600
    assert stored.get(payload__sku="S-7").payload == {"sku": "S-7", "product_id": 7, "available": 7}
    assert all(event.created_at <= timezone.now() for event in stored[:5])
