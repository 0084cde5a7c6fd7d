"""Fulfilment: payment received, picking, packing, shipping, delivery, cancellation.

Every function locks the order first, checks the status pipeline
(``orders.statuses``), moves stock through ``inventory.services`` and money
through ``orders.services.payments`` in the same transaction, and records customer
e-mails as side effects in it (``erp.side_effects``: sent after commit, once).
Each first checks that its actor (``user``: a person or ``erp.permissions.SYSTEM``)
may do it (``orders.services.permissions``), so a refusal writes nothing.
"""

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from oscar.apps.order.exceptions import InvalidOrderStatus
from oscar.core.loading import get_model

from erp.side_effects import side_effect_record
from inventory import services as inventory
from inventory.models import Warehouse
from orders import lock_objects, selectors, statuses, webhook_payloads
from orders.models import Carrier, Shipment, ShipmentLine
from orders.payment_gateways import PaymentMethod
from orders.services import billing, payments
from orders.services.errors import OrderError
from orders.services.permissions import owner_or_step_require, step_require
from orders.tasks import ORDER_DELIVERED_EMAIL, TRACKING_EMAIL

OrderNote = get_model("order", "OrderNote")


def _set_status(order: Any, status: str) -> None:
    if order.status == status:
        return
    try:
        order.set_status(status)
    except InvalidOrderStatus:
        raise OrderError(
            f"Order {order.number} is “{order.status}”; it cannot become “{status}”."
        ) from None


def _note(order: Any, user: Any, message: str) -> None:
    OrderNote.objects.create(
        order=order, user=user if getattr(user, "pk", None) else None, message=message
    )


def order_mark_paid(*, order: Any, user: Any, reference: str = "") -> Any:
    """The bank transfer arrived: the order may now be fulfilled."""
    step_require(user, "paid")
    with transaction.atomic():
        order = lock_objects.order_for_update(order.pk)
        _set_status(order, statuses.READY)
        billing.bank_transfer_received(order=order, reference=reference, user=user)
        _note(order, user, f"Payment received{f' ({reference})' if reference else ''}.")
        return order


def order_release_credit_hold(*, order: Any, user: Any) -> Any:
    """A credit controller accepts an order over its company's limit."""
    step_require(user, "release_credit")
    with transaction.atomic():
        order = lock_objects.order_for_update(order.pk)
        if order.status != statuses.CREDIT_HOLD:
            raise OrderError(f"Order {order.number} is “{order.status}”, not on credit hold.")
        _set_status(order, statuses.READY)
        _note(order, user, "Released from credit hold.")
        return order


def order_start_picking(*, order: Any, user: Any) -> Any:
    step_require(user, "pick")
    with transaction.atomic():
        order = lock_objects.order_for_update(order.pk)
        if order.status not in (statuses.READY, statuses.PARTIALLY_SHIPPED, statuses.PICKING):
            raise OrderError(f"Order {order.number} is “{order.status}”; it cannot be picked.")
        _set_status(order, statuses.PICKING)
        return order


def shipment_pack(
    *, order: Any, warehouse: Warehouse, quantities: dict[int, int], user: Any
) -> Shipment:
    """Confirm what went into a parcel in ``warehouse``: {order line id: quantity}."""
    step_require(user, "pack")
    quantities = {line_id: qty for line_id, qty in quantities.items() if qty}
    if not quantities:
        raise OrderError("Enter at least one quantity to pack.")
    with transaction.atomic():
        order = lock_objects.order_for_update(order.pk)
        if order.status not in statuses.FULFILLABLE:
            raise OrderError(f"Order {order.number} is “{order.status}”; nothing can be packed.")
        progress = {entry.line.pk: entry for entry in selectors.line_progress(order)}
        packed = selectors.packed_by_line_and_warehouse(order)
        for line_id, quantity in quantities.items():
            entry = progress.get(line_id)
            if entry is None:
                raise OrderError(f"Line {line_id} is not part of order {order.number}.")
            if not isinstance(quantity, int) or quantity < 0:
                raise OrderError(f"Quantity for “{entry.line.title}” must be a whole number.")
            free = entry.allocated.get(warehouse.pk, 0) - packed.get((line_id, warehouse.pk), 0)
            if quantity > free:
                raise OrderError(
                    f"Only {max(free, 0)} of “{entry.line.title}” are waiting in "
                    f"{warehouse.code}; cannot pack {quantity}."
                )
        shipment = Shipment.objects.create(
            order=order, warehouse=warehouse, packed_by=user if getattr(user, "pk", None) else None
        )
        ShipmentLine.objects.bulk_create(
            [
                ShipmentLine(shipment=shipment, order_line_id=line_id, quantity=quantity)
                for line_id, quantity in quantities.items()
            ]
        )
        if order.status == statuses.READY:
            _set_status(order, statuses.PICKING)
        _set_status(order, statuses.PACKED)
        return shipment


def shipment_ship(
    *, shipment: Shipment, carrier: Carrier, tracking_number: str, user: Any
) -> Shipment:
    """Hand a packed parcel to the carrier: issue stock, capture payment, e-mail tracking."""
    step_require(user, "ship")
    tracking_number = tracking_number.strip()
    if not tracking_number:
        raise OrderError("Enter the carrier's tracking number.")
    if not carrier.is_active:
        raise OrderError(f"{carrier.name} is not an active carrier.")
    with transaction.atomic():
        order = lock_objects.order_for_update(shipment.order_id)
        shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
        if shipment.status != Shipment.Status.PACKED:
            raise OrderError(f"Shipment {shipment.pk} has already been shipped.")
        for shipment_line in shipment.lines.all():
            try:
                inventory.stock_issue(
                    order_line_id=shipment_line.order_line_id,
                    quantity=shipment_line.quantity,
                    warehouse=shipment.warehouse,
                    reference=f"order {order.number} shipment {shipment.pk}",
                    user=user,
                )
            except inventory.InventoryError as refused:
                raise OrderError(str(refused)) from refused
        is_first = not order.shipments.exclude(pk=shipment.pk).exclude(
            status=Shipment.Status.PACKED
        )
        shipment.status = Shipment.Status.SHIPPED
        shipment.carrier = carrier
        shipment.tracking_number = tracking_number
        shipment.shipped_at = timezone.now()
        shipment.shipped_by = user if getattr(user, "pk", None) else None
        shipment.save()
        invoice = billing.invoice_shipment(
            order=order, shipment=shipment, first_parcel=is_first, user=user
        )
        captured = (
            invoice.balance if order.payment_method == PaymentMethod.TEST_CARD else Decimal("0")
        )
        reference = payments.capture(order=order, amount=captured)
        if reference:
            billing.card_capture_post(
                order=order, invoice=invoice, amount=captured, reference=reference, user=user
            )
        webhook_payloads.shipment_created(shipment)
        fully_shipped = all(entry.to_ship == 0 for entry in selectors.line_progress(order))
        _set_status(order, statuses.SHIPPED if fully_shipped else statuses.PARTIALLY_SHIPPED)
        side_effect_record(kind=TRACKING_EMAIL, subject=shipment)  # sent after commit
        return shipment


def shipment_deliver(*, shipment: Shipment, user: Any) -> Shipment:
    """The carrier reports delivery; the order is delivered when every parcel is."""
    step_require(user, "deliver")
    with transaction.atomic():
        order = lock_objects.order_for_update(shipment.order_id)
        shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
        if shipment.status != Shipment.Status.SHIPPED:
            raise OrderError(f"Shipment {shipment.pk} is {shipment.get_status_display().lower()}.")
        shipment.status = Shipment.Status.DELIVERED
        shipment.delivered_at = timezone.now()
        shipment.save(update_fields=["status", "delivered_at"])
        if order.status == statuses.SHIPPED and not order.shipments.exclude(
            status=Shipment.Status.DELIVERED
        ):
            _set_status(order, statuses.DELIVERED)
            side_effect_record(kind=ORDER_DELIVERED_EMAIL, subject=order)  # sent after commit
        return shipment


def order_cancel(*, order: Any, user: Any, by_customer: bool = False, reason: str = "") -> Any:
    """Cancel before anything shipped: release stock at once and void the payment.

    ``by_customer``: the customer cancels their own order (stricter statuses)."""
    if by_customer:
        owner_or_step_require(user, order, "cancel")
    else:
        step_require(user, "cancel")
    with transaction.atomic():
        order = lock_objects.order_for_update(order.pk)
        allowed = statuses.CUSTOMER_CANCELLABLE if by_customer else statuses.STAFF_CANCELLABLE
        if order.status not in allowed:
            if by_customer:
                raise OrderError(
                    f"Order {order.number} is already “{order.status}” and can no longer be "
                    "cancelled online. Please contact us."
                )
            raise OrderError(f"Order {order.number} is “{order.status}”; it cannot be cancelled.")
        order.shipments.filter(status=Shipment.Status.PACKED).delete()
        inventory.stock_release(order_line_ids=list(order.lines.values_list("pk", flat=True)))
        payments.void(order=order)
        refunded = billing.prepayments_refunded(order=order, user=user)
        if refunded:
            _note(order, user, f"{refunded} {order.currency} paid by transfer is to be refunded.")
        _set_status(order, statuses.CANCELLED)
        webhook_payloads.order_cancelled(order)
        who = "the customer" if by_customer else (getattr(user, "username", "") or "staff")
        _note(order, user, f"Cancelled by {who}{f': {reason}' if reason else ''}.")
        return order


def shipment_dispatch(
    *,
    order: Any,
    quantities: dict[int, int],
    carrier: Carrier,
    tracking_number: str,
    warehouse: Warehouse | None = None,
    user: Any,
) -> Shipment:
    """Pack and ship a parcel in one step (scanners, carriers' systems).

    ``quantities`` is {order line id: units}. Without a warehouse, the parcel
    leaves from the first warehouse (by priority) holding every requested unit.
    """
    step_require(user, "pack")
    step_require(user, "ship")
    quantities = {line_id: qty for line_id, qty in quantities.items() if qty}
    if not quantities:
        raise OrderError("Enter at least one quantity to ship.")
    with transaction.atomic():
        order = lock_objects.order_for_update(order.pk)
        if warehouse is None:
            progress = {entry.line.pk: entry for entry in selectors.line_progress(order)}
            packed = selectors.packed_by_line_and_warehouse(order)
            candidates = sorted(
                {w for entry in progress.values() for w in entry.allocated},
            )
            fitting = [
                warehouse_id
                for warehouse_id in candidates
                if all(
                    line_id in progress
                    and progress[line_id].allocated.get(warehouse_id, 0)
                    - packed.get((line_id, warehouse_id), 0)
                    >= quantity
                    for line_id, quantity in quantities.items()
                )
            ]
            if not fitting:
                raise OrderError(
                    f"No single warehouse holds all of these units for order {order.number}; "
                    "ship them as separate parcels, one per warehouse."
                )
            warehouse = Warehouse.objects.filter(pk__in=fitting).order_by("priority", "pk").first()
        assert warehouse is not None
        shipment = shipment_pack(order=order, warehouse=warehouse, quantities=quantities, user=user)
        return shipment_ship(
            shipment=shipment, carrier=carrier, tracking_number=tracking_number, user=user
        )
