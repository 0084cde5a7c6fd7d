"""The payables aging: what we owe each supplier, by days past due.

Not in ``purchasing.selectors`` (the lead's module) only because it was written
beside the report; it is as read-only as they are. One query, however many bills.

What it counts, so that its total is the Accounts payable account (the figure
``ledger_audit`` proves): every posted bill (matched, or approved after a hold)
with its open balance ``total - amount_paid - amount_credited``, less what every
debit note still credits us (``total - amount_credited``: money the supplier owes
back for returned goods that no bill of theirs has absorbed yet), each by its due
date. Bills on hold or rejected are owed
nothing yet.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Case, DecimalField, F, Q, Sum, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounting.selectors import AGING_BUCKETS
from purchasing.models import SupplierBill

ZERO = Decimal("0")
POSTED = (SupplierBill.Status.MATCHED, SupplierBill.Status.APPROVED)
#: posted bills with money owed, and debit notes (always posted) for money back
OWED = Q(
    kind=SupplierBill.Kind.BILL,
    status__in=POSTED,
    total__gt=F("amount_paid") + F("amount_credited"),
) | Q(kind=SupplierBill.Kind.DEBIT_NOTE, total__gt=F("amount_credited"))
#: what each row adds to what we owe: a bill its balance, a debit note less its total
OWED_AMOUNT = Case(
    When(kind=SupplierBill.Kind.DEBIT_NOTE, then=F("amount_credited") - F("total")),
    default=F("total") - F("amount_paid") - F("amount_credited"),
    output_field=DecimalField(max_digits=14, decimal_places=2),
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
    """Days past due on ``as_of``, in the receivables aging's buckets."""

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
    """What we owe per supplier and currency by days past due, counting the
    bills and debit notes dated on or before ``as_of``; one query."""
    as_of = as_of or timezone.localdate()
    filters = _bucket_filters(as_of)
    names = [f"bucket_{index}" for index in range(len(AGING_BUCKETS))]
    rows = (
        SupplierBill.objects.filter(OWED, bill_date__lte=as_of)
        .values("supplier__code", "supplier__name", "currency")
        .annotate(
            **{
                name: Coalesce(Sum(OWED_AMOUNT, filter=filters[bucket]), ZERO)
                for name, bucket in zip(names, AGING_BUCKETS, strict=True)
            }
        )
        .order_by("supplier__name", "supplier__code", "currency")
        .values_list("supplier__code", "supplier__name", "currency", *names)
    )
    return [
        PayablesAgingRow(code, name, currency, dict(zip(AGING_BUCKETS, amounts, strict=True)))
        for code, name, currency, *amounts in rows
    ]
