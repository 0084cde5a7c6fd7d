"""The order status pipeline: every allowed transition, in one place.

Oscar's ``Order.set_status`` enforces ``OSCAR_ORDER_STATUS_PIPELINE`` (set from
``PIPELINE`` in settings) and records every change as an ``OrderStatusChange``,
which is the timeline customers see. Plain constants, importable by settings.
"""

PENDING_PAYMENT = "Pending payment"
CREDIT_HOLD = "Credit hold"
READY = "Ready to fulfil"
PICKING = "Picking"
PACKED = "Packed"
PARTIALLY_SHIPPED = "Partially shipped"
SHIPPED = "Shipped"
DELIVERED = "Delivered"
CANCELLED = "Cancelled"
RETURN_REQUESTED = "Return requested"
RETURNED = "Returned"

PIPELINE: dict[str, tuple[str, ...]] = {
    PENDING_PAYMENT: (READY, CANCELLED),
    CREDIT_HOLD: (READY, CANCELLED),
    READY: (PICKING, CANCELLED),
    PICKING: (PACKED, READY, CANCELLED),
    PACKED: (PARTIALLY_SHIPPED, SHIPPED, PICKING, CANCELLED),
    PARTIALLY_SHIPPED: (PICKING, PACKED, SHIPPED),
    SHIPPED: (DELIVERED, RETURN_REQUESTED),
    DELIVERED: (RETURN_REQUESTED,),
    RETURN_REQUESTED: (RETURNED, SHIPPED, DELIVERED),
    RETURNED: (RETURN_REQUESTED,),
    CANCELLED: (),
}

#: statuses in which the customer may still cancel online (nothing picked yet)
CUSTOMER_CANCELLABLE = (PENDING_PAYMENT, CREDIT_HOLD, READY)
#: statuses in which staff may cancel (nothing shipped yet)
STAFF_CANCELLABLE = (PENDING_PAYMENT, CREDIT_HOLD, READY, PICKING, PACKED)
#: statuses in which goods can be picked and packed
FULFILLABLE = (READY, PICKING, PACKED, PARTIALLY_SHIPPED)
#: the order of the happy path, for the customer's timeline
#: on-account orders that count against a company's credit until invoiced;
#: an order on credit hold awaits a decision and counts once released
OPEN_ON_ACCOUNT = (READY, PICKING, PACKED, PARTIALLY_SHIPPED)
TIMELINE = (PENDING_PAYMENT, READY, PICKING, PACKED, PARTIALLY_SHIPPED, SHIPPED, DELIVERED)
