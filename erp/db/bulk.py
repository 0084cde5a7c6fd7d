"""Bulk writes for imports of many thousand rows, with PostgreSQL's own tools.

``bulk_create`` compiles one parameter per field per row and ``bulk_update`` one
``CASE WHEN`` per field per row: at 100,000 rows that is most of an import's time.
Here rows go in with ``COPY ... FROM STDIN`` (the bulk loader PostgreSQL ships) and
change with one ``UPDATE ... FROM unnest(arrays)`` per batch. Primary keys are taken
from the table's own identity sequence first, so the caller knows every new row's id
without reading anything back.

Values are prepared by each model field exactly as Django's own INSERT prepares them
(``pre_save`` sets ``auto_now`` dates, ``get_db_prep_save`` adapts the value), so a
row written here is the row ``save()`` would have written; model ``save()`` methods
and signals do not run (as with ``bulk_create``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection

BATCH = 10_000


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def ids_reserve(model: Any, count: int) -> list[int]:
    """``count`` new primary keys from the model table's identity sequence."""
    if count <= 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_insert(model: Any, objects: Sequence[Any]) -> None:
    """Insert ``objects`` (instances of ``model``) with COPY; those without a primary
    key get one from the sequence first (set on the instance)."""
    if not objects:
        return
    meta = model._meta
    missing = [obj for obj in objects if obj.pk is None]
    for obj, pk in zip(missing, ids_reserve(model, len(missing)), strict=True):
        obj.pk = pk
    fields = list(meta.concrete_fields)
    columns = ", ".join(_quote(field.column) for field in fields)
    statement = f"COPY {_quote(meta.db_table)} ({columns}) FROM STDIN"
    rows = [
        [
            field.get_db_prep_save(field.pre_save(obj, True), connection=connection)
            for field in fields
        ]
        for obj in objects
    ]
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def copy_rows(model: Any, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """COPY plain ``rows`` (values in ``columns`` order, already what the column holds:
    the fast path, with no model instances). Every NOT NULL column must be given
    (PostgreSQL has no defaults for Django's fields); the caller reserves primary keys
    with :func:`ids_reserve` when it needs them."""
    meta = model._meta
    given = set(columns)
    lacking = [
        field.column
        for field in meta.concrete_fields
        if not field.null and field.column not in given and not field.primary_key
    ]
    if lacking:
        raise ValueError(f"copy_rows into {meta.db_table} lacks {', '.join(lacking)}")
    statement = f"COPY {_quote(meta.db_table)} ({', '.join(_quote(c) for c in columns)}) FROM STDIN"
    # made before the COPY starts: a query while it runs would wait on this connection
    rows = list(rows)
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def unnest_update(
    model: Any,
    *,
    key: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[Any]],
) -> int:
    """``UPDATE table SET col = v.col ... FROM unnest(...) v WHERE table.key = v.key``
    in batches. ``columns`` are (column name, PostgreSQL array element type) with the
    key first; each row holds the key and the new values in that order. Returns the
    number of rows updated."""
    table = _quote(model._meta.db_table)
    names = [name for name, _ in columns]
    casts = ", ".join(f"%s::{kind}[]" for _, kind in columns)
    assignments = ", ".join(f"{_quote(name)} = v.{_quote(name)}" for name in names[1:])
    statement = (
        f"UPDATE {table} AS t SET {assignments} "  # noqa: S608 - names from model meta
        f"FROM unnest({casts}) AS v({', '.join(_quote(name) for name in names)}) "
        f"WHERE t.{_quote(key)} = v.{_quote(names[0])}"
    )
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            cursor.execute(statement, [[row[i] for row in batch] for i in range(len(names))])
            updated += cursor.rowcount
    return updated
