"""Corrections of a placed order, each one leaving a trail.

A placed order's lines, prices, totals and customer never change: every
admin shows them read-only and PostgreSQL refuses such an UPDATE (order
migration 0026). Wrong goods or amounts are corrected by new documents
(cancel, return, credit note). What may still change is done here, under the
order's lock, after the actor's permission check, and written down as an order
note saying who changed what from what and why:

- the shipping address, while no parcel has left and within the same country
  (the country decides shipping charges and tax; another country means cancel
  and order again). The old address row is kept; the order points to a new one.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from oscar.core.loading import get_model

from orders import lock_objects, statuses
from orders.models import Shipment
from orders.services.errors import OrderError
from orders.services.fulfilment import _note
from orders.services.permissions import step_require

Order = get_model("order", "Order")
ShippingAddress = get_model("order", "ShippingAddress")

#: what a correction may change (never the country)
ADDRESS_FIELDS = (
    "title",
    "first_name",
    "last_name",
    "line1",
    "line2",
    "line3",
    "line4",
    "state",
    "postcode",
    "phone_number",
    "notes",
)


def order_shipping_address_correct(
    *, order: Any, user: Any, address: dict[str, Any], reason: str
) -> Any:
    """Give ``order`` a corrected shipping address (``address``: fields of
    ``ADDRESS_FIELDS`` to change) before anything ships; returns the new address."""
    step_require(user, "correct_address")
    reason = reason.strip()
    if not reason:
        raise OrderError("Say why the address changes, e.g. “customer called: flat 3, not 2”.")
    unknown = sorted(set(address) - set(ADDRESS_FIELDS))
    if unknown:
        raise OrderError(
            f"Only the address lines, name, phone and notes can be corrected, not "
            f"{', '.join(unknown)}; for another country cancel the order and place it again."
        )
    with transaction.atomic():
        order = lock_objects.order_for_update(order.pk)
        shipped = order.shipments.exclude(status=Shipment.Status.PACKED).exists()
        if order.status not in statuses.STAFF_CANCELLABLE or shipped:
            raise OrderError(
                f"Order {order.number} is “{order.status}”: parcels have left, so its "
                "shipping address can no longer be corrected."
            )
        old = ShippingAddress.objects.select_related("country").get(pk=order.shipping_address_id)
        corrected = ShippingAddress(
            country=old.country, **{name: getattr(old, name) for name in ADDRESS_FIELDS}
        )
        for name, value in address.items():
            setattr(corrected, name, value.strip() if isinstance(value, str) else value)
        try:
            corrected.full_clean()
        except ValidationError as invalid:
            raise OrderError(" ".join(invalid.messages)) from invalid
        if all(getattr(corrected, name) == getattr(old, name) for name in ADDRESS_FIELDS):
            raise OrderError("The address is the same as before; nothing was changed.")
        corrected.save()
        Order.objects.filter(pk=order.pk).update(shipping_address=corrected)
        order.shipping_address = corrected
        who = getattr(user, "username", "") or "staff"
        _note(
            order,
            user,
            f"Shipping address corrected by {who}: “{old.summary}” → “{corrected.summary}”. "
            f"Reason: {reason}",
        )
        return corrected
