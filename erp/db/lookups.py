"""``field__any=[...]``: ``column = ANY(%s)`` with the list sent as one array parameter.

``__in`` writes one placeholder per value; at the tens of thousands of keys an import
looks up at once, building and converting that statement costs more than running it.
``__any`` sends one array instead, and PostgreSQL plans it the same way (an index scan
per value). Registered on every field by ``erp.apps.ErpConfig.ready``.
"""

from typing import Any

from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, list(self.rhs))


def register() -> None:
    Field.register_lookup(AnyOf)
    ForeignObject.register_lookup(AnyOf)  # related fields keep lookups of their own
