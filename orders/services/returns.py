"""Returns (RMA): the customer asks, staff authorise, the goods come back into a
chosen warehouse through inventory, and the refund is triggered.

A return can cover only what shipped and was not already asked back, within
``RETURN_WINDOW_DAYS`` of the last shipment. Receiving is one transaction:
stock moves, refund, statuses. Customers open returns of their own orders;
every other step checks its actor's permission first
(``orders.services.permissions``).
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from erp.services.sequences import sequence_next
from erp.side_effects import side_effect_record
from inventory import services as inventory
from inventory.models import Warehouse
from orders import lock_objects, selectors, statuses
from orders.models import ReturnLine, ReturnRequest, Shipment
from orders.services import billing, payments
from orders.services.errors import OrderError
from orders.services.fulfilment import _note, _set_status
from orders.services.permissions import owner_or_step_require, step_require
from orders.tasks import RETURN_AUTHORISED_EMAIL, RETURN_RECEIVED_EMAIL, RETURN_REQUESTED_EMAIL

RETURN_SERIES = "R"  # erp document sequence of return numbers, per year
RETURNABLE = (statuses.SHIPPED, statuses.DELIVERED, statuses.RETURN_REQUESTED, statuses.RETURNED)


@dataclass(frozen=True)
class ReturnItem:
    order_line_id: int
    quantity: int
    reason: str
    note: str = ""


def return_deadline(order: Any) -> Any | None:
    last = order.shipments.exclude(status=Shipment.Status.PACKED).aggregate(last=Max("shipped_at"))
    if last["last"] is None:
        return None
    return last["last"] + timedelta(days=settings.RETURN_WINDOW_DAYS)


def _return_number() -> str:
    """The next return number, R-<year>-<6 digits>; inside the return's transaction
    (the series row stays locked until it commits, a rollback gives the number back)."""
    year = timezone.localdate().year
    return f"{RETURN_SERIES}-{year}-{sequence_next(series=RETURN_SERIES, year=year):06d}"


def return_request_create(*, order: Any, items: list[ReturnItem], user: Any) -> ReturnRequest:
    owner_or_step_require(user, order, "request_return")
    items = [item for item in items if item.quantity]
    if not items:
        raise OrderError("Choose at least one item and how many to return.")
    reasons = set(ReturnLine.Reason.values)
    with transaction.atomic():
        order = lock_objects.order_for_update(order.pk)
        if order.status not in RETURNABLE:
            raise OrderError(
                f"Order {order.number} is “{order.status}”; nothing can be returned yet."
            )
        deadline = return_deadline(order)
        if deadline is None or timezone.now() > deadline:
            raise OrderError(
                f"The {settings.RETURN_WINDOW_DAYS}-day return window for order {order.number} "
                "has closed. Please contact us."
            )
        progress = {entry.line.pk: entry for entry in selectors.line_progress(order)}
        for item in items:
            entry = progress.get(item.order_line_id)
            if entry is None:
                raise OrderError(f"Line {item.order_line_id} is not part of order {order.number}.")
            if item.reason not in reasons:
                raise OrderError(f"Choose a reason for returning “{entry.line.title}”.")
            if item.quantity < 0 or item.quantity > entry.returnable:
                raise OrderError(
                    f"You can return at most {entry.returnable} of “{entry.line.title}”."
                )
        return_request = ReturnRequest.objects.create(order=order, number=_return_number())
        ReturnLine.objects.bulk_create(
            [
                ReturnLine(
                    return_request=return_request,
                    order_line_id=item.order_line_id,
                    quantity=item.quantity,
                    reason=item.reason,
                    note=item.note[:255],
                )
                for item in items
            ]
        )
        _set_status(order, statuses.RETURN_REQUESTED)
        side_effect_record(kind=RETURN_REQUESTED_EMAIL, subject=return_request)
        return return_request


def _locked_return(return_request: ReturnRequest) -> tuple[Any, ReturnRequest]:
    order = lock_objects.order_for_update(return_request.order_id)
    return order, ReturnRequest.objects.select_for_update().get(pk=return_request.pk)


def return_authorise(*, return_request: ReturnRequest, user: Any) -> ReturnRequest:
    step_require(user, "authorise_return")
    with transaction.atomic():
        order, return_request = _locked_return(return_request)
        if return_request.status != ReturnRequest.Status.REQUESTED:
            raise OrderError(
                f"Return {return_request.number} is {return_request.get_status_display().lower()}."
            )
        return_request.status = ReturnRequest.Status.AUTHORISED
        return_request.authorised_at = timezone.now()
        return_request.save(update_fields=["status", "authorised_at"])
        _note(order, user, f"Return {return_request.number} authorised.")
        side_effect_record(kind=RETURN_AUTHORISED_EMAIL, subject=return_request)
        return return_request


def return_reject(*, return_request: ReturnRequest, user: Any, note: str = "") -> ReturnRequest:
    step_require(user, "authorise_return")
    with transaction.atomic():
        order, return_request = _locked_return(return_request)
        if return_request.status not in (
            ReturnRequest.Status.REQUESTED,
            ReturnRequest.Status.AUTHORISED,
        ):
            raise OrderError(
                f"Return {return_request.number} is {return_request.get_status_display().lower()}."
            )
        return_request.status = ReturnRequest.Status.REJECTED
        return_request.staff_note = note
        return_request.save(update_fields=["status", "staff_note"])
        if not order.returns.exclude(
            status__in=[ReturnRequest.Status.REJECTED, ReturnRequest.Status.RECEIVED]
        ).exists():
            delivered = not order.shipments.exclude(status=Shipment.Status.DELIVERED).exists()
            received = order.returns.filter(status=ReturnRequest.Status.RECEIVED).exists()
            if received:
                _set_status(order, statuses.RETURNED)
            else:
                _set_status(order, statuses.DELIVERED if delivered else statuses.SHIPPED)
        _note(order, user, f"Return {return_request.number} rejected{f': {note}' if note else ''}.")
        return return_request


def return_receive(
    *, return_request: ReturnRequest, warehouse: Warehouse, user: Any
) -> ReturnRequest:
    """The parcel is back: restock into ``warehouse`` (sellable or quarantine), refund."""
    step_require(user, "receive_return")
    with transaction.atomic():
        order, return_request = _locked_return(return_request)
        if return_request.status != ReturnRequest.Status.AUTHORISED:
            raise OrderError(
                f"Return {return_request.number} is "
                f"{return_request.get_status_display().lower()}; authorise it first."
            )
        for line in return_request.lines.select_related("order_line__product"):
            inventory.stock_return(
                product=line.order_line.product,
                warehouse=warehouse,
                quantity=line.quantity,
                reference=f"order {order.number} return {return_request.number}",
                reason=line.get_reason_display(),
                user=user,
            )
        credit_notes = billing.credit_return(order=order, return_request=return_request, user=user)
        refund = sum((note.total for note in credit_notes), Decimal("0"))
        refunded_to_card = payments.refund(order=order, amount=refund)
        if refunded_to_card:
            billing.refund_credit_notes(
                order=order,
                credit_notes=credit_notes,
                method="card",
                reference=f"card refund for return {return_request.number}",
                user=user,
            )
        return_request.status = ReturnRequest.Status.RECEIVED
        return_request.received_at = timezone.now()
        return_request.warehouse = warehouse
        return_request.refund_amount = refund
        return_request.refund_status = (
            ReturnRequest.Refund.REFUNDED if refunded_to_card else ReturnRequest.Refund.DUE
        )
        return_request.save()
        if not order.returns.filter(
            status__in=[ReturnRequest.Status.REQUESTED, ReturnRequest.Status.AUTHORISED]
        ).exists():
            _set_status(order, statuses.RETURNED)
        _note(
            order,
            user,
            f"Return {return_request.number} received into {warehouse.code}; "
            f"refund {refund} {order.currency} "
            f"{'to the card' if refunded_to_card else 'due by bank transfer'}.",
        )
        side_effect_record(kind=RETURN_RECEIVED_EMAIL, subject=return_request)
        return return_request
