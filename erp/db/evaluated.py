"""A queryset that answers from objects already in memory.

It seeds Django's private ``QuerySet._result_cache`` and ``_prefetch_done``; callers
put the result into ``_prefetched_objects_cache`` (Django) and ``basket._lines``
(Oscar). ``erp/tests/test_db_internals.py`` checks that the installed Django and
Oscar still read those attributes.
"""

from typing import Any

from django.db.models import QuerySet


def as_evaluated(queryset: QuerySet[Any], objects: list[Any]) -> QuerySet[Any]:
    """``queryset`` as if it had been evaluated and returned ``objects``: iterating,
    ``len()``, ``count()`` and ``exists()`` answer without a query. For rows this
    process has just written (a basket's lines, an order's lines), so that reading
    them back costs nothing; never for data another transaction may change."""
    queryset._result_cache = objects
    queryset._prefetch_done = True  # type: ignore[attr-defined]
    return queryset
