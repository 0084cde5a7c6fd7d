"""Guards for the Django and Oscar internals that ``erp.db`` and its callers seed.

``as_evaluated`` and the placement/API read paths write private attributes that
Django and Oscar read back (``QuerySet._result_cache``, ``_prefetch_done``,
``_prefetched_objects_cache``, ``_state.fields_cache``, Oscar's ``basket._lines``,
``line._info``, ``basket._create_line_reference``) and ``erp.db.raw_select`` builds
instances with ``Model.from_db`` and the fields' converters. If an upgrade renames
any of them, setting it silently does nothing and every page quietly runs the
queries these shortcuts save (or worse, reads stale rows). These tests fail first,
and say what to re-check.
"""

import inspect

import pytest
from django.db import connection
from django.db.models import Model, QuerySet
from django.db.models.fields import Field
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from oscar.core.loading import get_model

from erp.db.evaluated import as_evaluated
from erp.db.raw_select import Joined, table
from erp.models import WorkerHeartbeat

Basket = get_model("basket", "Basket")
BasketLine = get_model("basket", "Line")
Voucher = get_model("voucher", "Voucher")

RECHECK = (
    "Django or Oscar changed an internal that erp/db/evaluated.py, erp/db/raw_select.py, "
    "orders/services/placement.py (_load_lines_for_placement, basket_with_lines), "
    "orders/selectors.py (api_order_just_placed) and shop/basket/models.py seed: "
    "re-check them against the new version before upgrading. "
)


def test_queryset_internals_that_as_evaluated_seeds_still_exist():
    fresh = vars(WorkerHeartbeat.objects.all())
    for name in ("_result_cache", "_prefetch_done"):
        assert name in fresh, RECHECK + f"QuerySet no longer has {name!r}."


@pytest.mark.django_db
def test_an_evaluated_queryset_answers_without_a_query():
    beat = WorkerHeartbeat(worker="w1", beats=1)
    evaluated = as_evaluated(WorkerHeartbeat.objects.all(), [beat])
    with CaptureQueriesContext(connection) as queries:
        assert list(evaluated) == [beat]
        assert len(evaluated) == 1 and evaluated.count() == 1
        assert evaluated.exists() and bool(evaluated)
    assert len(queries) == 0, RECHECK + "QuerySet no longer answers from _result_cache."


@pytest.mark.django_db
def test_related_managers_still_read_prefetched_objects_cache():
    basket = Basket.objects.create()
    line = BasketLine(basket=basket, quantity=1)
    basket._prefetched_objects_cache = {
        "vouchers": as_evaluated(Voucher.objects.none(), []),  # many-to-many
        "lines": as_evaluated(basket.lines.order_by("pk"), [line]),  # reverse foreign key
    }
    with CaptureQueriesContext(connection) as queries:
        assert list(basket.vouchers.all()) == []
        assert list(basket.lines.all()) == [line]
    assert len(queries) == 0, (
        RECHECK + "related managers no longer answer from _prefetched_objects_cache."
    )


def test_related_objects_are_still_kept_in_state_fields_cache():
    basket = Basket(pk=1)
    line = BasketLine(basket=basket)
    assert line._state.fields_cache.get("basket") is basket, (
        RECHECK + "Model._state.fields_cache no longer holds a set foreign key."
    )


@pytest.mark.django_db
def test_oscar_basket_still_reads_its_lines_from_underscore_lines():
    assert "_lines" in vars(Basket()), RECHECK + "Oscar's Basket no longer sets _lines."
    basket = Basket.objects.create()
    lines = [BasketLine(basket=basket, quantity=2), BasketLine(basket=basket, quantity=3)]
    basket._lines = as_evaluated(basket.lines.order_by("pk"), lines)
    with CaptureQueriesContext(connection) as queries:
        assert list(basket.all_lines()) == lines
        assert basket.num_items == 5
    assert len(queries) == 0, RECHECK + "Oscar's Basket.all_lines() no longer returns _lines."


def test_oscar_line_still_caches_its_purchase_info_in_underscore_info():
    info = object()
    line = BasketLine()
    line._info = info
    assert line.purchase_info is info, (
        RECHECK + "Oscar's Line.purchase_info no longer returns a cached _info."
    )


def test_oscar_basket_still_builds_line_references_with_the_same_signature():
    parameters = list(inspect.signature(Basket._create_line_reference).parameters)
    assert parameters == ["self", "product", "stockrecord", "options"], (
        RECHECK + "Oscar's Basket._create_line_reference changed its signature."
    )


def test_the_orm_hooks_raw_select_builds_instances_with_are_unchanged():
    assert list(inspect.signature(Model.from_db).parameters) == [
        "db",
        "field_names",
        "values",
    ], RECHECK + "Model.from_db changed its signature."
    assert list(inspect.signature(Field.get_db_converters).parameters) == [
        "self",
        "connection",
    ], RECHECK + "Field.get_db_converters changed its signature."
    assert isinstance(WorkerHeartbeat.objects.all(), QuerySet)


class RecordingRouter:
    """Sends everything to ``default`` and notes what it was asked."""

    calls: list[tuple[str, type, dict]] = []

    def db_for_read(self, model: type, **hints: object) -> str:
        self.calls.append(("read", model, hints))
        return "default"

    def db_for_write(self, model: type, **hints: object) -> str:
        self.calls.append(("write", model, hints))
        return "default"


@pytest.mark.django_db
def test_hand_written_selects_go_through_the_database_router():
    WorkerHeartbeat.objects.create(worker="w1", beats=1, last_seen=timezone.now())
    joined = Joined(((WorkerHeartbeat, "h"),))
    sql = f"SELECT {joined.columns} FROM {table(WorkerHeartbeat)} h"  # noqa: S608
    RecordingRouter.calls = []
    with override_settings(DATABASE_ROUTERS=[f"{__name__}.RecordingRouter"]):
        (beat,), _ = joined.fetch(sql, [])[0]
        joined.fetch(f"{sql} FOR UPDATE", [], for_update=True, instance=beat)
    assert RecordingRouter.calls == [
        ("read", WorkerHeartbeat, {}),
        ("write", WorkerHeartbeat, {"instance": beat}),
    ]
    assert beat._state.db == "default" and not beat._state.adding
