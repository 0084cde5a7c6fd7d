"""Reads that prove every placed order agrees with what was done because of it.

An order's lines are the truth its allocations, parcels and invoices were made
from. ``order_drift`` reports each order where they disagree (``manage.py
orders_audit`` prints them and exits 1):

- totals: the order's total equals its lines plus shipping plus surcharges
  (the net total to a cent per line: it is the basket's unrounded net);
- allocations: a stock-tracked line of an open order has its quantity either
  still allocated or shipped (open allocations + shipped = ordered); a
  cancelled order holds no allocation;
- parcels: no line has more packed and shipped than was ordered;
- invoices: every parcel that left has its invoice (source ``shipment:<id>``),
  whose item lines carry the parcel's quantity of each SKU at the order line's
  price (net, rounded as ``orders.services.billing`` rounds it), and no invoice names a
  parcel that has not left.

A constant number of queries for the whole book, whatever its size.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from oscar.core.loading import get_model

from accounting.models import Invoice, InvoiceLine
from accounting.money import CENT, money
from inventory.models import Allocation
from orders import statuses
from orders.models import Shipment, ShipmentLine

Order = get_model("order", "Order")
Line = get_model("order", "Line")
Surcharge = get_model("order", "Surcharge")

ZERO = Decimal("0")
SHIPMENT_SOURCE = "shipment:"


@dataclass(frozen=True)
class OrderDrift:
    order_number: str
    problem: str

    def __str__(self) -> str:
        return f"order {self.order_number}: {self.problem}"


def order_drift() -> list[OrderDrift]:
    """Every disagreement between an order's lines and its totals, allocations,
    parcels and invoices, ordered by order number."""
    orders = {
        row["pk"]: row
        for row in Order.objects.values(
            "pk",
            "number",
            "status",
            "total_incl_tax",
            "total_excl_tax",
            "shipping_incl_tax",
            "shipping_excl_tax",
        )
    }
    lines = {
        line["pk"]: line
        for line in Line.objects.values(
            "pk",
            "order_id",
            "partner_sku",
            "quantity",
            "line_price_incl_tax",
            "line_price_excl_tax",
        ).annotate(
            tracks_stock=Coalesce(
                "product__product_class__track_stock",
                "product__parent__product_class__track_stock",
            ),
            allocation_rows=Count("allocations"),
        )
    }
    drift: list[OrderDrift] = []

    def report(order_id: int, problem: str) -> None:
        drift.append(OrderDrift(orders[order_id]["number"], problem))

    _check_totals(orders, lines, report)
    open_units = dict(
        Allocation.objects.values("order_line_id")
        .annotate(units=Sum("quantity"))
        .values_list("order_line_id", "units")
    )
    shipped: dict[int, int] = defaultdict(int)
    packed: dict[int, int] = defaultdict(int)
    parcels: dict[int, list[tuple[int, int]]] = defaultdict(list)  # shipment: (line, units)
    for shipment_id, status, line_id, units in ShipmentLine.objects.values_list(
        "shipment_id", "shipment__status", "order_line_id", "quantity"
    ):
        if status == Shipment.Status.PACKED:
            packed[line_id] += units
        else:
            shipped[line_id] += units
            parcels[shipment_id].append((line_id, units))
    for line in lines.values():
        _check_line(line, orders[line["order_id"]], open_units, shipped, packed, report)
    drift.extend(_invoice_drift(orders, lines, parcels))
    return sorted(drift, key=lambda found: (found.order_number, found.problem))


def _check_totals(orders: dict[int, Any], lines: dict[int, Any], report: Any) -> None:
    surcharges = {
        order_id: {"incl": incl, "excl": excl}
        for order_id, incl, excl in Surcharge.objects.values("order_id")
        .annotate(incl=Sum("incl_tax"), excl=Sum("excl_tax"))
        .values_list("order_id", "incl", "excl")
    }
    sums: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    for line in lines.values():
        sums[line["order_id"], "incl"] += line["line_price_incl_tax"]
        sums[line["order_id"], "excl"] += line["line_price_excl_tax"]
        sums[line["order_id"], "cents"] += CENT
    for order_id, order in orders.items():
        for kind in ("incl", "excl"):
            expected = sums[order_id, kind] + order[f"shipping_{kind}_tax"]
            expected += surcharges.get(order_id, {}).get(kind) or ZERO
            # the net total is the basket's unrounded net: a cent per line either way
            allowed = sums[order_id, "cents"] if kind == "excl" else ZERO
            if abs(expected - order[f"total_{kind}_tax"]) > allowed:
                report(
                    order_id,
                    f"total {kind}. tax is {order[f'total_{kind}_tax']} but its lines, "
                    f"shipping and surcharges make {expected}",
                )


def _invoice_drift(
    orders: dict[int, Any], lines: dict[int, Any], parcels: dict[int, list[tuple[int, int]]]
) -> list[OrderDrift]:
    invoices = {
        source: (number, order_number)
        for source, number, order_number in Invoice.objects.filter(
            kind=Invoice.Kind.INVOICE, source__startswith=SHIPMENT_SOURCE
        ).values_list("source", "number", "order_number")
    }
    billed: dict[str, dict[str, list[Decimal]]] = defaultdict(
        lambda: defaultdict(lambda: [ZERO, ZERO])
    )  # source -> sku -> [quantity, net]
    for source, sku, quantity, net in InvoiceLine.objects.filter(
        invoice__kind=Invoice.Kind.INVOICE,
        invoice__source__startswith=SHIPMENT_SOURCE,
        is_shipping=False,
    ).values_list("invoice__source", "sku", "quantity", "net"):
        billed[source][sku][0] += quantity
        billed[source][sku][1] += net
    drift = []
    for shipment_id, parcel in parcels.items():
        source = f"{SHIPMENT_SOURCE}{shipment_id}"
        number = orders[lines[parcel[0][0]]["order_id"]]["number"]
        if source not in invoices:
            drift.append(OrderDrift(number, f"parcel {shipment_id} has left but has no invoice"))
            continue
        made: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
        for line_id, units in parcel:
            line = lines[line_id]
            share = Decimal(units) / Decimal(line["quantity"])
            made[line["partner_sku"]][0] += units
            made[line["partner_sku"]][1] += money(line["line_price_excl_tax"] * share)
        if made != billed[source]:
            found = {sku: tuple(values) for sku, values in billed[source].items()}
            wanted = {sku: tuple(values) for sku, values in made.items()}
            drift.append(
                OrderDrift(
                    number,
                    f"invoice {invoices[source][0]} of parcel {shipment_id} bills "
                    f"(quantity, net) {found} but the parcel's order lines make {wanted}",
                )
            )
    for source, (invoice_number, order_number) in invoices.items():
        parcel_id = source.removeprefix(SHIPMENT_SOURCE)
        if not (parcel_id.isdigit() and int(parcel_id) in parcels):
            problem = f"invoice {invoice_number} names parcel {parcel_id}, which has not left"
            drift.append(OrderDrift(order_number, problem))
    return drift


def _check_line(
    line: dict[str, Any],
    order: dict[str, Any],
    open_units: dict[int, int],
    shipped: dict[int, int],
    packed: dict[int, int],
    report: Any,
) -> None:
    name = f"line {line['pk']} ({line['partner_sku']})"
    line_id, quantity = line["pk"], line["quantity"]
    if shipped[line_id] + packed[line_id] > quantity:
        report(
            line["order_id"],
            f"{name} has {shipped[line_id]} shipped and {packed[line_id]} packed "
            f"of {quantity} ordered",
        )
    if not (line["tracks_stock"] or line["allocation_rows"]):
        return  # goods without stock are never allocated
    allocated = open_units.get(line_id) or 0
    if order["status"] == statuses.CANCELLED:
        if allocated:
            report(line["order_id"], f"{name} of a cancelled order still holds {allocated} units")
    elif allocated + shipped[line_id] != quantity:
        report(
            line["order_id"],
            f"{name}: {quantity} ordered, but {allocated} allocated + {shipped[line_id]} shipped",
        )
