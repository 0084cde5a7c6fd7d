"""Sales history: units sold per product, day and channel in the old system, for
demand planning (``planning.services.demand_history_import``).

The key is SKU + date + channel: importing the same file again leaves every row
unchanged, a row with a different quantity updates the day's figure (it is never
added to it). Dates are ISO (YYYY-MM-DD) and not in the future; the channel is
optional and one of ``CHANNELS`` (an unknown word is refused rather than guessed).
Export writes the imported history only (not what this system's own orders add), so
it imports back unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from typing import Any

from django.utils import timezone
from oscar.core.loading import get_model

from data_exchange.kinds.base import CREATE, UNCHANGED, UPDATE, ApplyRefused, Column, Importer, Row
from data_exchange.kinds.products import chunks
from data_exchange.values import ValueProblem, to_date, to_quantity, to_sku
from inventory.selectors import product_ids_by_sku
from planning.models import DemandHistory
from planning.services import (
    DEMAND_HISTORY_IMPORT,
    DemandRecord,
    PlanningError,
    demand_history_import,
)

StockRecord = get_model("partner", "StockRecord")

CHANNELS = tuple(value for value in DemandHistory.Channel.values if value)


def to_channel(text: str) -> str:
    channel = text.strip().lower()
    if channel not in CHANNELS:
        raise ValueProblem(
            f"“{text}” is not a sales channel; write one of {', '.join(CHANNELS)} "
            "or leave it empty."
        )
    return channel


class SalesHistoryImporter(Importer):
    kind = "sales_history"
    title = "Sales history"
    doing = "import sales history"
    permissions = DEMAND_HISTORY_IMPORT
    columns = [
        Column("date", to_date, required=True, help="The day sold, YYYY-MM-DD."),
        Column("sku", to_sku, required=True),
        Column("quantity", to_quantity, required=True, help="Units sold that day, 0 or more."),
        Column("channel", to_channel, help="web, api, staff, b2b or import; may be empty."),
    ]

    def plan(self, rows: list[Row]) -> None:
        def key(row: Row) -> tuple[Any, ...]:
            values = row.values
            channel = values.get("channel") or (None if row.raw.get("channel") else "")
            return (values.get("sku"), values.get("date"), channel)

        self.duplicates_in_file(rows, key, "date")
        skus = sorted({row.values["sku"] for row in rows if row.values.get("sku")})
        products = product_ids_by_sku(skus)
        days = [row.values["date"] for row in rows if row.values.get("date")]
        stored: dict[tuple[int, date, str], int] = {}
        if days:
            for chunk in chunks(sorted(set(products.values()))):
                for stored_product, day, channel, quantity in DemandHistory.objects.filter(
                    product_id__any=chunk,
                    source=DemandHistory.Source.IMPORT,
                    date__range=(min(days), max(days)),
                ).values_list("product_id", "date", "channel", "quantity"):
                    stored[(stored_product, day, channel)] = quantity
        today = timezone.localdate()
        for row in rows:
            values = row.values
            product_id = products.get(values.get("sku") or "")
            if values.get("sku") and product_id is None:
                self.problem(
                    row,
                    "sku",
                    f"No product has the SKU {values['sku']}; import the products first.",
                )
            if values.get("date") and values["date"] > today:
                self.problem(row, "date", f"{values['date']} is in the future.")
                continue
            if product_id is None or values.get("date") is None or values.get("quantity") is None:
                continue
            channel = values.get("channel") or ""
            row.target = DemandRecord(product_id, values["date"], values["quantity"], channel)
            current = stored.get((product_id, values["date"], channel))
            if current is None:
                row.action = CREATE
            else:
                row.action = UNCHANGED if current == values["quantity"] else UPDATE

    def apply(self, rows: list[Row]) -> None:
        records = [row.target for row in rows]
        digest = hashlib.sha256(
            repr(sorted((r.product_id, r.date, r.channel, r.quantity) for r in records)).encode()
        ).hexdigest()[:16]
        try:
            demand_history_import(user=self.user, records=records, reference=f"IMPORT-{digest}")
        except PlanningError as refused:
            raise ApplyRefused(str(refused)) from None

    def export_rows(self) -> Iterator[dict[str, Any]]:
        skus = dict(StockRecord.objects.values_list("product_id", "partner_sku"))
        history = (
            DemandHistory.objects.filter(source=DemandHistory.Source.IMPORT)
            .order_by("date", "product_id", "channel")
            .values_list("date", "product_id", "quantity", "channel")
            .iterator(chunk_size=5000)
        )
        for day, product_id, quantity, channel in history:
            yield {
                "date": day.isoformat(),
                "sku": skus.get(product_id, ""),
                "quantity": quantity,
                "channel": channel,
            }
