"""Reads behind the customer's order pages: who may see an order, its timeline,
parcels, returns, and whether it can still be cancelled or returned online.

Invariants:

- an order is only found for its owner (logged in) or for someone who knows
  both its number and its e-mail address (guest lookup, case-insensitive);
- what can be cancelled or returned is decided again by ``orders.services``
  when the customer asks; these reads only decide what the page offers.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from oscar.core.loading import get_model

from orders import selectors as order_selectors
from orders import statuses
from orders.models import ReturnRequest, Shipment
from orders.services.returns import RETURNABLE, return_deadline

Order = get_model("order", "Order")

PLACED = "Order placed"


@dataclass(frozen=True)
class TimelineStep:
    label: str
    at: datetime | None  # None: a step still to come
    is_current: bool = False

    @property
    def is_reached(self) -> bool:
        return self.at is not None


@dataclass(frozen=True)
class ReturnEligibility:
    lines: list[order_selectors.LineProgress]  # lines with something left to return
    deadline: datetime | None
    refusal: str  # why nothing can be returned online; "" when lines is not empty


@dataclass(frozen=True)
class OrderTracking:
    timeline: list[TimelineStep]
    shipments: list[Shipment]
    returns: list[ReturnRequest]
    can_cancel: bool
    returns_allowed: ReturnEligibility
    returns_address: list[str]  # where authorised returns go; [] when none is authorised


def customer_order(*, user: Any, number: str) -> Any | None:
    return Order.objects.filter(user=user, number=number).first()


def order_for_lookup(*, number: str, email: str) -> Any | None:
    """The order with this number whose e-mail (guest's or account's) is ``email``."""
    number, email = number.strip(), email.strip()
    if not number or not email:
        return None
    return (
        Order.objects.filter(number=number)
        .filter(
            Q(user__isnull=True, guest_email__iexact=email)
            | Q(user__isnull=False, user__email__iexact=email)
        )
        .select_related("user")
        .first()
    )


def order_for_status_page(*, number: str, verification_hash: str, email: str) -> Any | None:
    """The order behind a signed status link, if ``email`` is the order's e-mail."""
    order = order_for_lookup(number=number, email=email or "")
    if order is None or not order.check_verification_hash(verification_hash):
        return None
    return order


def order_timeline(order: Any) -> list[TimelineStep]:
    """Placement, then every status change oldest first, then the steps still to come."""
    changes = list(order.status_changes.order_by("date_created", "pk"))
    initial = changes[0].old_status if changes else order.status
    steps = [TimelineStep(PLACED, order.date_placed)]
    if initial:
        steps.append(TimelineStep(initial, order.date_placed))
    steps += [TimelineStep(change.new_status, change.date_created) for change in changes]
    steps[-1] = TimelineStep(steps[-1].label, steps[-1].at, is_current=True)
    if order.status in statuses.TIMELINE:
        upcoming = statuses.TIMELINE[statuses.TIMELINE.index(order.status) + 1 :]
        steps += [
            TimelineStep(status, None)
            for status in upcoming
            if status != statuses.PARTIALLY_SHIPPED
        ]
    return steps


def return_eligibility(order: Any) -> ReturnEligibility:
    deadline = return_deadline(order)
    if order.status == statuses.CANCELLED:
        refusal = f"Order {order.number} was cancelled; there is nothing to return."
        return ReturnEligibility([], deadline, refusal)
    if order.status not in RETURNABLE or deadline is None:
        refusal = f"Order {order.number} has not shipped yet; nothing can be returned yet."
        return ReturnEligibility([], deadline, refusal)
    if timezone.now() > deadline:
        refusal = (
            f"The {settings.RETURN_WINDOW_DAYS}-day return window for order {order.number} "
            "has closed. Please contact us."
        )
        return ReturnEligibility([], deadline, refusal)
    lines = [entry for entry in order_selectors.line_progress(order) if entry.returnable > 0]
    if not lines:
        refusal = f"Everything shipped on order {order.number} has already been sent back."
        return ReturnEligibility([], deadline, refusal)
    return ReturnEligibility(lines, deadline, "")


def order_tracking(order: Any) -> OrderTracking:
    returns = list(order_selectors.order_returns(order))
    authorised = any(r.status == ReturnRequest.Status.AUTHORISED for r in returns)
    return OrderTracking(
        timeline=order_timeline(order),
        shipments=list(order_selectors.order_shipments(order)),
        returns=returns,
        can_cancel=order.status in statuses.CUSTOMER_CANCELLABLE,
        returns_allowed=return_eligibility(order),
        returns_address=order_selectors.returns_address_lines() if authorised else [],
    )


def order_history(*, user: Any) -> QuerySet[Any]:
    """The customer's orders, newest first, with their item counts (one query a page)."""
    return (
        Order.objects.filter(user=user)
        .annotate(item_count=Sum("lines__quantity"))
        .order_by("-date_placed", "-pk")
    )


def order_documents(*, user: Any, order: Any) -> list[Any]:
    """The invoices and credit notes of ``order`` that ``user`` may open, oldest first."""
    return list(customer_invoices(user=user).filter(order=order).order_by("issue_date", "pk"))


def document_status(document: Any) -> str:
    """What a customer reads as the state of an invoice or credit note.

    A credit note's stored status stays "open" (accounting settles only invoices),
    so its label comes from how it was settled: deducted from the invoice it
    corrects (``applied_to_invoices``, annotated by ``customer_invoices``), paid
    out to the customer, or not yet.
    """
    if not document.is_credit_note:
        return str(document.get_status_display())
    applied = getattr(document, "applied_to_invoices", None) or Decimal("0")
    if document.amount_settled <= 0:
        return "To be refunded"
    if document.balance > 0:
        return "Partly refunded" if applied == 0 else "Partly settled"
    if applied >= document.total:
        return "Deducted from the invoice"
    return "Refunded" if applied == 0 else "Part deducted, part refunded"


def customer_invoices(*, user: Any) -> Any:
    """The user's invoices, and for a B2B buyer every invoice of their company."""
    from accounting.models import Invoice, PaymentAllocation
    from crm.selectors import company_for

    company = company_for(user)
    if company is None:
        documents = Invoice.objects.filter(customer=user)
    else:
        documents = Invoice.objects.filter(customer__buyer__company=company)
    # how much of each credit note went against invoices (the rest was paid out)
    applied = (
        PaymentAllocation.objects.filter(credit_note=OuterRef("pk"))
        .values("credit_note")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return documents.annotate(applied_to_invoices=Subquery(applied)).order_by("-issue_date", "-pk")


def customer_invoice(*, user: Any, number: str) -> Any | None:
    return customer_invoices(user=user).filter(number=number).first()


@dataclass(frozen=True)
class Statement:
    company: Any
    open_invoices: list[Any]
    open_credit_notes: list[Any]
    position: Any

    @property
    def balance(self) -> Any:
        return sum(i.balance for i in self.open_invoices) - sum(
            c.balance for c in self.open_credit_notes
        )


def account_statement(*, user: Any) -> Statement | None:
    """Open invoices, balance and credit of the buyer's company; None for consumers."""
    from crm.selectors import company_for
    from orders.services.credit import credit_position

    company = company_for(user)
    if company is None:
        return None
    documents = [d for d in customer_invoices(user=user) if d.balance > 0]
    return Statement(
        company=company,
        open_invoices=[d for d in documents if not d.is_credit_note],
        open_credit_notes=[d for d in documents if d.is_credit_note],
        position=credit_position(company),
    )


def customer_invoices_with_lines(*, user: Any) -> Any:
    """:func:`customer_invoices` with their lines prefetched (one query per page)."""
    return customer_invoices(user=user).prefetch_related("lines")
