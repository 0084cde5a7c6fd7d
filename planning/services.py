"""Writes of demand planning.

``demand_history_import`` stores past demand in bulk: one upsert per batch keyed by
the table's unique (product, date, channel, source), so importing the same file
twice leaves one row each with the file's quantity. It checks its permission and
is one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction

from erp.permissions import permission_require
from planning.models import DemandHistory

DEMAND_HISTORY_IMPORT = ("planning.add_demandhistory", "planning.change_demandhistory")
BATCH = 5000


@dataclass(frozen=True)
class DemandRecord:
    product_id: int
    date: date
    quantity: int
    channel: str = ""


class PlanningError(ValueError):
    pass


def demand_history_import(
    *, user: Any, records: Sequence[DemandRecord], reference: str = ""
) -> int:
    """Create or update the imported demand of ``records`` (source ``import``);
    returns how many rows were written."""
    permission_require(user, *DEMAND_HISTORY_IMPORT, doing="import sales history")
    channels = set(DemandHistory.Channel.values)
    for record in records:
        if record.quantity < 0:
            raise PlanningError(f"A quantity cannot be negative ({record.quantity}).")
        if record.channel not in channels:
            raise PlanningError(f"There is no sales channel “{record.channel}”.")
    rows = [
        DemandHistory(
            product_id=record.product_id,
            date=record.date,
            quantity=record.quantity,
            channel=record.channel,
            source=DemandHistory.Source.IMPORT,
            reference=reference[:64],
        )
        for record in records
    ]
    with transaction.atomic():
        for start in range(0, len(rows), BATCH):
            DemandHistory.objects.bulk_create(
                rows[start : start + BATCH],
                update_conflicts=True,
                unique_fields=["product", "date", "channel", "source"],
                update_fields=["quantity", "reference"],
            )
    return len(rows)
