"""Webhook payloads of the order app, written to the outbox (``erp.services.outbox``)
in the transaction of the change they announce."""

from typing import Any

from accounting.services import money_json
from erp.services.outbox import outbox_event_record
from orders.models import Shipment


def order_payload(order: Any, lines: list[tuple[str, int]] | None = None) -> dict[str, Any]:
    """``lines`` as (sku, quantity) when the caller has them at hand; read otherwise."""
    if lines is None:
        lines = list(order.lines.order_by("pk").values_list("partner_sku", "quantity"))
    return {
        "number": order.number,
        "status": order.status,
        "channel": order.channel,
        "customer_email": order.email,
        "payment_method": order.payment_method,
        "total": money_json(order.total_incl_tax, order.currency),
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
    }


def order_created(order: Any, lines: list[tuple[str, int]] | None = None) -> None:
    outbox_event_record(event="order.created", payload=order_payload(order, lines))


def order_cancelled(order: Any) -> None:
    outbox_event_record(event="order.cancelled", payload=order_payload(order))


def shipment_created(shipment: Shipment) -> None:
    outbox_event_record(
        event="shipment.created",
        payload={
            "id": shipment.pk,
            "order": shipment.order.number,
            "warehouse": shipment.warehouse.code,
            "carrier": shipment.carrier.code if shipment.carrier else None,
            "tracking_number": shipment.tracking_number,
            "tracking_url": shipment.tracking_url,
            "shipped_at": shipment.shipped_at.isoformat() if shipment.shipped_at else None,
            "lines": [
                {"sku": sku, "quantity": quantity}
                for sku, quantity in shipment.lines.order_by("pk").values_list(
                    "order_line__partner_sku", "quantity"
                )
            ],
        },
    )
