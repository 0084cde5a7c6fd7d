"""The rules and locks of the order e-mails (``orders.tasks`` sends them).

Each function takes the pk a task was given and answers either the rows to
write about or an ``Outcome`` saying why nothing is to be sent. Rows that must
not be told twice are locked here, in the task's transaction, and marked here
once the message went out: the shipment's ``tracking_email_sent_at``, the
credit-hold order note.
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from oscar.core.loading import get_model

from crm.models import Company
from crm.selectors import company_for
from erp.side_effects import Outcome
from orders import selectors, statuses
from orders.lock_objects import order_for_update
from orders.models import ReturnRequest, Shipment
from orders.services.credit import CreditPosition, credit_position

Order = get_model("order", "Order")

CREDIT_HOLD_ALERT = "Credit hold alert"  # the note type that marks an alert as sent

NO_ORDER = Outcome(False, "Nothing sent: the order no longer exists.")
NO_EMAIL = Outcome(False, "Nothing sent: the order has no e-mail address.")
NO_RETURN = Outcome(False, "Nothing sent: the return no longer exists.")


def order_for_confirmation(order_id: int) -> Any:
    """The order to confirm, or why not: every order placed with an e-mail address."""
    order = Order.objects.select_related("user").filter(pk=order_id).first()
    if order is None:
        return NO_ORDER
    return order if order.email else NO_EMAIL


def shipment_for_tracking_email(shipment_id: int) -> Shipment | Outcome:
    """The shipment whose tracking link is to be sent, locked until the task's
    commit, or why not (sent before, no tracking number, no e-mail address)."""
    shipment = (
        Shipment.objects.select_for_update(of=("self",))
        .select_related("order", "carrier")
        .filter(pk=shipment_id)
        .first()
    )
    if shipment is None:
        return Outcome(False, "Nothing sent: the shipment no longer exists.")
    if shipment.tracking_email_sent_at:
        return Outcome(False, "Nothing sent: the tracking e-mail went out before.")
    if not shipment.tracking_number:
        return Outcome(False, "Nothing sent: the shipment has no tracking number.")
    if not shipment.order.email:
        return NO_EMAIL
    return shipment


def shipment_tracking_email_mark_sent(shipment: Shipment) -> None:
    shipment.tracking_email_sent_at = timezone.now()
    shipment.save(update_fields=["tracking_email_sent_at"])


def order_for_delivered_email(order_id: int) -> Any:
    """The order whose every parcel has arrived, or why not."""
    order = Order.objects.select_related("shipping_address").filter(pk=order_id).first()
    if order is None:
        return NO_ORDER
    if (
        not order.shipments.exists()
        or order.shipments.exclude(status=Shipment.Status.DELIVERED).exists()
    ):
        return Outcome(False, "Nothing sent: not every parcel of the order is delivered.")
    return order


def _return_request(return_request_id: int) -> ReturnRequest | None:
    return (
        ReturnRequest.objects.select_related("order", "order__shipping_address")
        .prefetch_related("lines__order_line")
        .filter(pk=return_request_id)
        .first()
    )


def return_for_requested_email(return_request_id: int) -> ReturnRequest | Outcome:
    return _return_request(return_request_id) or NO_RETURN


def return_for_authorised_email(return_request_id: int) -> ReturnRequest | Outcome:
    """The authorised return, or why not (rejected meanwhile)."""
    return_request = _return_request(return_request_id)
    if return_request is None:
        return NO_RETURN
    if return_request.status == ReturnRequest.Status.REJECTED:
        return Outcome(False, "Nothing sent: the return was rejected meanwhile.")
    return return_request


def return_for_received_email(return_request_id: int) -> ReturnRequest | Outcome:
    """The received return, or why not (any other status)."""
    return_request = _return_request(return_request_id)
    if return_request is None:
        return NO_RETURN
    if return_request.status != ReturnRequest.Status.RECEIVED:
        return Outcome(False, f"Nothing sent: the return is {return_request.status}.")
    return return_request


@dataclass(frozen=True)
class CreditHoldAlert:
    order: Any
    company: Company
    position: CreditPosition
    recipients: list[str]

    @property
    def over_by(self) -> Any:
        return self.order.total_incl_tax - self.position.available


def credit_hold_alert_for(order_id: int) -> CreditHoldAlert | Outcome:
    """What to tell the credit controllers about an order on credit hold, the
    order locked until the task's commit; or why not (it left credit hold, they
    were told before, nobody may release holds, the customer has no company)."""
    try:
        order = order_for_update(order_id)
    except ObjectDoesNotExist:
        return NO_ORDER
    if order.status != statuses.CREDIT_HOLD:
        return Outcome(False, f"Nothing sent: the order is “{order.status}”, not on credit hold.")
    if order.notes.filter(note_type=CREDIT_HOLD_ALERT).exists():
        return Outcome(False, "Nothing sent: the credit controllers were told before.")
    recipients = selectors.credit_controllers()
    company = company_for(order.user)
    if not recipients:
        return Outcome(False, "Nothing sent: no active staff may release credit holds.")
    if company is None:
        return Outcome(False, "Nothing sent: the customer belongs to no company.")
    return CreditHoldAlert(order, company, credit_position(company), recipients)


def credit_hold_alert_record(alert: CreditHoldAlert) -> None:
    """The order note that marks the alert as sent and shows staff who was told."""
    alert.order.notes.create(
        note_type=CREDIT_HOLD_ALERT,
        message=f"Credit hold: {', '.join(alert.recipients)} told by e-mail.",
    )
