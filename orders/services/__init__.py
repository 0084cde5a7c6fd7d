"""Writes of the order app, by subdomain: placement, fulfilment, returns,
corrections; what they post to the books (``billing``), the credit check of
orders on account (``credit``), what the payment gateways' answers record
(``payments``), when the order e-mails go out (``notifications``);
``permissions`` says which permission each operation needs."""

from orders.services.corrections import order_shipping_address_correct
from orders.services.errors import OrderError
from orders.services.fulfilment import (
    order_cancel,
    order_mark_paid,
    order_release_credit_hold,
    order_start_picking,
    shipment_deliver,
    shipment_dispatch,
    shipment_pack,
    shipment_ship,
)
from orders.services.placement import (
    IdempotencyMismatch,
    OrderLineRequest,
    order_place_from_basket,
    order_place_from_lines,
    order_place_idempotent,
)
from orders.services.returns import (
    return_authorise,
    return_receive,
    return_reject,
    return_request_create,
)

__all__ = [
    "IdempotencyMismatch",
    "OrderError",
    "OrderLineRequest",
    "order_cancel",
    "order_mark_paid",
    "order_place_from_basket",
    "order_place_from_lines",
    "order_place_idempotent",
    "order_release_credit_hold",
    "order_shipping_address_correct",
    "order_start_picking",
    "return_authorise",
    "return_receive",
    "return_reject",
    "return_request_create",
    "shipment_deliver",
    "shipment_dispatch",
    "shipment_pack",
    "shipment_ship",
]
