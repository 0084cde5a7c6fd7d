"""The business events behind the webhooks: an order placed through the API, shipped,
invoiced and another one cancelled announce themselves to a subscriber, signed."""

import json
import threading
import uuid
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from oscar.core.loading import get_model

from erp.models import OutboxEvent, WebhookDelivery, WebhookSubscription
from erp.permissions import SYSTEM
from erp.services.outbox import outbox_event_dispatch
from erp.services.webhooks import webhook_delivery_attempt, webhook_signature_verify
from inventory.services import stock_receive
from orders.services import order_mark_paid
from tests.api.conftest import client_for
from tests.factories import ProductFactory, StaffFactory, UserFactory, shipping_address

Order = get_model("order", "Order")
pytestmark = pytest.mark.django_db

EVENTS = [
    "order.created",
    "order.cancelled",
    "shipment.created",
    "invoice.created",
    "stock.changed",
]


@pytest.fixture
def receiver():
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks", received
    server.shutdown()


def deliver_everything() -> None:
    """What the worker does: fan each event out, then attempt each delivery."""
    for event in OutboxEvent.objects.filter(dispatched_at__isnull=True).order_by("created_at"):
        outbox_event_dispatch(event_id=event.pk)
    for delivery in WebhookDelivery.objects.filter(status="pending").order_by("pk"):
        webhook_delivery_attempt(delivery_id=delivery.pk)


def test_orders_shipments_invoices_cancellations_and_stock_are_announced(receiver):
    url, received = receiver
    subscription = WebhookSubscription.objects.create(url=url, events=EVENTS)
    shipping_address()
    tent = ProductFactory(listing=Decimal("119.00"), stock=5)
    sku = tent.stockrecords.get().partner_sku
    customer = client_for(UserFactory())
    address = {
        "last_name": "M",
        "line1": "Weg 1",
        "line4": "Köln",
        "postcode": "51147",
        "country": "DE",
    }
    OutboxEvent.objects.all().delete()  # the factory's receipt is not part of this story

    placed = customer.post(
        "/api/v1/orders/",
        {"lines": [{"sku": sku, "quantity": 2}], "shipping_address": address},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    ).json()
    order_mark_paid(user=SYSTEM, order=Order.objects.get(number=placed["number"]), reference="bank")
    shipped = client_for(StaffFactory(role="Warehouse")).post(
        "/api/v1/shipments/",
        {
            "order": placed["number"],
            "lines": [{"sku": sku, "quantity": 2}],
            "carrier": "dhl",
            "tracking_number": "JJD0001",
        },
        format="json",
    )
    assert shipped.status_code == 201, shipped.content
    second = customer.post(
        "/api/v1/orders/",
        {"lines": [{"sku": sku, "quantity": 1}], "shipping_address": address},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    ).json()
    customer.post(f"/api/v1/orders/{second['number']}/cancel/")
    deliver_everything()

    bodies = [json.loads(body) for _, body in received]
    story = [
        (b["event"], b["data"].get("order") or b["data"].get("number") or b["data"].get("sku"))
        for b in bodies
    ]
    assert story == [
        ("stock.changed", sku),  # allocated in the order's transaction, before the event
        ("order.created", placed["number"]),
        ("invoice.created", placed["number"]),
        ("shipment.created", placed["number"]),
        ("stock.changed", sku),
        ("order.created", second["number"]),
        ("stock.changed", sku),
        ("order.cancelled", second["number"]),
    ]
    assert [b["data"]["available"] for b in bodies if b["event"] == "stock.changed"] == [3, 2, 3]
    created = bodies[1]["data"]
    assert created["lines"] == [{"sku": sku, "quantity": 2}]
    assert created["total"] == {"amount": "238.00", "currency": "EUR"}
    invoice = bodies[2]["data"]
    assert (
        invoice["total"] == {"amount": "238.00", "currency": "EUR"} and invoice["kind"] == "invoice"
    )
    assert bodies[3]["data"]["tracking_number"] == "JJD0001"
    assert len({b["id"] for b in bodies}) == len(bodies)  # ids to de-duplicate by
    for headers, body in received:
        assert webhook_signature_verify(
            secret=subscription.secret, body=body, header=headers["Kontor-Signature"]
        )


def test_stock_in_a_quarantine_warehouse_changes_nothing_a_shop_can_sell(receiver):
    from tests.factories import WarehouseFactory

    tent = ProductFactory(stock=5)
    OutboxEvent.objects.all().delete()
    stock_receive(
        user=SYSTEM,
        product=tent,
        warehouse=WarehouseFactory(code="RET-Q", is_sellable=False),
        quantity=3,
        unit_cost=Decimal("5.00"),
    )
    assert not OutboxEvent.objects.filter(event="stock.changed").exists()
    stock_receive(
        user=SYSTEM,
        product=tent,
        warehouse=WarehouseFactory(code="MAIN"),
        quantity=2,
        unit_cost=Decimal("5.00"),
    )
    (event,) = OutboxEvent.objects.filter(event="stock.changed")
    assert event.payload["available"] == 7
