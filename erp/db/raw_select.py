"""Hand-written SELECTs on the hottest paths, read back into model instances.

Django compiles a queryset to SQL on every evaluation; for a query with
``select_related`` over several tables that compile costs more CPU than the
query itself (measured: 0.4 ms against 0.1 ms for the stock lock of order
placement). ``Joined`` lists the concrete columns of several models side by
side for a SELECT written once, and turns each row back into instances with
``Model.from_db`` and the fields' own converters, which is what the ORM does
for ``select_related``. The column lists come from the models' ``_meta``, so a
new field is picked up without touching the SQL. Tests compare every instance
with the ORM's.

Each SELECT runs on the connection the database router picks for its first
model, as the ORM's queryset would: ``router.db_for_read`` for a read (so a read
replica can take it once a router sends reads there; ``hints`` as the ORM passes
them, e.g. ``instance=`` for rows read through a related object),
``router.db_for_write`` for ``for_update`` (a locking read), and the instances
record that alias as their ``_state.db``. With no ``DATABASE_ROUTERS`` every alias
is ``default``. The quoting (``table``, ``column``) and the converters are taken
from the default connection: every alias is PostgreSQL.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db import connection, connections, router
from django.db.models import Model


def table(model: Any) -> str:
    """The model's table name, quoted for the SQL text."""
    return str(connection.ops.quote_name(model._meta.db_table))


def column(model: Any, field_name: str) -> str:
    """The column of one of the model's fields, quoted for the SQL text."""
    return str(connection.ops.quote_name(model._meta.get_field(field_name).column))


@dataclass(frozen=True)
class _Part:
    model: type[Model]
    alias: str
    attnames: tuple[str, ...]
    pk_index: int
    converters: tuple[tuple[int, Any, Any], ...]  # (position, converter, field)


@dataclass(frozen=True)
class Joined:
    """``(model, table alias)`` pairs selected in this order by one SELECT."""

    models: tuple[tuple[type[Model], str], ...]

    @cached_property
    def parts(self) -> tuple[_Part, ...]:
        parts = []
        for model, alias in self.models:
            fields = model._meta.concrete_fields
            converters = tuple(
                (position, converter, each)
                for position, each in enumerate(fields)
                for converter in each.get_db_converters(connection)
            )
            parts.append(
                _Part(
                    model=model,
                    alias=alias,
                    attnames=tuple(each.attname for each in fields),
                    pk_index=[each.attname for each in fields].index(model._meta.pk.attname),
                    converters=converters,
                )
            )
        return tuple(parts)

    @cached_property
    def columns(self) -> str:
        """The select list: every concrete column of every model, in order."""
        quote = connection.ops.quote_name
        return ", ".join(
            f"{part.alias}.{quote(str(each.column))}"
            for part in self.parts
            for each in part.model._meta.concrete_fields
        )

    def database(self, *, for_update: bool = False, **hints: Any) -> str:
        """The alias the router picks for this SELECT: its first model's database
        for reading, or for writing when it locks rows (``for_update``)."""
        model = self.models[0][0]
        if for_update:
            return str(router.db_for_write(model, **hints))
        return str(router.db_for_read(model, **hints))

    def fetch(
        self, sql: str, params: Sequence[Any], *, for_update: bool = False, **hints: Any
    ) -> list[tuple[list[Any], Sequence[Any]]]:
        """Run ``sql`` (which selects ``columns`` first) on the router's database
        (``database``) and read every row with ``instances``. Only quoted
        identifiers may be put into ``sql`` itself (``table``, ``column``,
        ``columns``); values go in ``params``. ``for_update``: ``sql`` locks rows
        (``FOR UPDATE``), so it runs where writes go."""
        using = self.database(for_update=for_update, **hints)
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            return [self.instances(row, using=using) for row in cursor.fetchall()]

    def fetch_one(
        self, sql: str, params: Sequence[Any], *, for_update: bool = False, **hints: Any
    ) -> list[Any] | None:
        """The instances of the first row ``sql`` returns, or None without one."""
        rows = self.fetch(sql, params, for_update=for_update, **hints)
        return rows[0][0] if rows else None

    def instances(
        self, row: Sequence[Any], *, using: str = "default"
    ) -> tuple[list[Any], Sequence[Any]]:
        """The row's instances (``None`` for a LEFT JOIN that found nothing), read
        from the database ``using``, and whatever columns follow them."""
        found: list[Any] = []
        start = 0
        for part in self.parts:
            end = start + len(part.attnames)
            values = list(row[start:end])
            start = end
            if values[part.pk_index] is None:
                found.append(None)
                continue
            for position, converter, each in part.converters:
                values[position] = converter(values[position], each, connection)
            found.append(part.model.from_db(using, list(part.attnames), values))
        return found, row[start:]
