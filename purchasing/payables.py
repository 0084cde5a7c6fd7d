"""Reads of what we owe suppliers: the payables aging and the bills due by a date.

Read-only querysets over posted supplier bills (matched, or approved after a
hold); a bill on hold or rejected is owed nothing yet, and a debit note owes
nothing itself. The open balance of a bill is ``total - amount_paid``. Each
function is one query, however many bills there are.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounting.selectors import AGING_BUCKETS
from purchasing.models import SupplierBill

ZERO = Decimal("0")
POSTED = (SupplierBill.Status.MATCHED, SupplierBill.Status.APPROVED)
#: a posted bill with money still owed on it
OPEN_BILL = Q(kind=SupplierBill.Kind.BILL, status__in=POSTED, total__gt=F("amount_paid"))
BALANCE = ExpressionWrapper(
    F("total") - F("amount_paid"), output_field=DecimalField(max_digits=14, decimal_places=2)
)


def open_bills() -> QuerySet[SupplierBill]:
    """Posted bills not fully paid, with ``balance_due`` annotated."""
    return SupplierBill.objects.filter(OPEN_BILL).annotate(balance_due=BALANCE)


def bills_due(by: date) -> QuerySet[SupplierBill]:
    """Posted bills with a balance, due on or before ``by``: by supplier, oldest due first."""
    return (
        open_bills()
        .filter(due_date__lte=by)
        .select_related("supplier", "order")
        .order_by("supplier__name", "supplier__code", "currency", "due_date", "pk")
    )


@dataclass(frozen=True)
class PayablesAgingRow:
    supplier_code: str
    supplier: str  # the legal name
    currency: str
    buckets: dict[str, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)


def _bucket_filters(as_of: date) -> dict[str, Q]:
    """Days past due of a bill on ``as_of``, in the receivables aging's buckets."""

    def days_ago(days: int) -> date:
        return as_of - timedelta(days=days)

    return {
        "current": Q(due_date__gte=as_of),
        "1-30": Q(due_date__lte=days_ago(1), due_date__gte=days_ago(30)),
        "31-60": Q(due_date__lte=days_ago(31), due_date__gte=days_ago(60)),
        "61-90": Q(due_date__lte=days_ago(61), due_date__gte=days_ago(90)),
        "90+": Q(due_date__lt=days_ago(90)),
    }


def payables_aging(as_of: date | None = None) -> list[PayablesAgingRow]:
    """Open bill balances per supplier and currency by days past due, for bills
    dated on or before ``as_of``; one query."""
    as_of = as_of or timezone.localdate()
    filters = _bucket_filters(as_of)
    rows = (
        open_bills()
        .filter(bill_date__lte=as_of)
        .values("supplier__code", "supplier__name", "currency")
        .annotate(
            **{
                f"bucket_{index}": Coalesce(Sum(BALANCE, filter=condition), ZERO)
                for index, condition in enumerate(filters[bucket] for bucket in AGING_BUCKETS)
            }
        )
        .order_by("supplier__name", "supplier__code", "currency")
    )
    return [
        PayablesAgingRow(
            row["supplier__code"],
            row["supplier__name"],
            row["currency"],
            {bucket: row[f"bucket_{index}"] for index, bucket in enumerate(AGING_BUCKETS)},
        )
        for row in rows
    ]
