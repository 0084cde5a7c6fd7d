"""Payables in the back office: the payables aging and the payment proposal.

Both for Accounting and Managers (the reports' permission and the right to see
supplier bills), both as a page and as CSV with the same filter, in the look of
the financial reports (``accounting.reports``): the aging has the receivables
aging's buckets, stacked bar chart per currency and CSV columns.

What the pages keep true:

- figures come from ``purchasing.payables`` (aggregated or selected in SQL): a
  constant number of queries per page however many bills there are;
- money is added up per currency, never across;
- a bad date never fails the request: the page says so and shows the default.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.timezone import localdate

from accounting.reports.charts import stacked_bar_svg
from accounting.reports.views import (
    AGING_COLOURS,
    AGING_LABELS,
    REPORT_PERMISSION,
    AgingTotal,
    date_filter,
)
from accounting.selectors import AGING_BUCKETS
from erp.csv_export import csv_response, query, wants_csv
from erp.permissions import staff_permission_required
from purchasing.models import SupplierBill
from purchasing.payables import payables_aging
from purchasing.selectors import bills_due

ZERO = Decimal("0")
#: Accounting and Managers: they read the books and see supplier bills
BILLS_PERMISSION = "purchasing.view_supplierbill"
#: the payment proposal looks this far ahead unless asked otherwise
PROPOSAL_DAYS_AHEAD = 7


def _render(request: HttpRequest, template: str, title: str, **context: Any) -> HttpResponse:
    return render(
        request,
        f"purchasing/reports/{template}",
        {**admin.site.each_context(request), "title": title, **context},
    )


@staff_permission_required(REPORT_PERMISSION)
@staff_permission_required(BILLS_PERMISSION)
def payables_aging_report(request: HttpRequest) -> HttpResponse:
    """Open supplier bills per supplier by days past due, with a chart per currency."""
    problems: list[str] = []
    as_of = date_filter(
        request.GET, "date", label="the date", default=localdate(), problems=problems
    )
    rows = payables_aging(as_of)
    currencies = sorted({row.currency for row in rows}) or [settings.OSCAR_DEFAULT_CURRENCY]
    totals = {
        currency: {
            bucket: sum((r.buckets[bucket] for r in rows if r.currency == currency), ZERO)
            for bucket in AGING_BUCKETS
        }
        for currency in currencies
    }
    if wants_csv(request):
        return csv_response(
            f"payables-aging-{as_of}.csv",
            ["supplier", "supplier_code", "currency", *AGING_BUCKETS, "total"],
            [
                *(
                    (
                        row.supplier,
                        row.supplier_code,
                        row.currency,
                        *(row.buckets[b] for b in AGING_BUCKETS),
                        row.total,
                    )
                    for row in rows
                ),
                *(
                    ("Total", "", currency, *amounts.values(), sum(amounts.values(), ZERO))
                    for currency, amounts in totals.items()
                ),
            ],
        )
    footer = [
        AgingTotal(
            currency,
            list(amounts.values()),
            sum(amounts.values(), ZERO),
            stacked_bar_svg(
                title=f"Open payables in {currency} by age on {as_of:%d %b %Y}",
                segments=[
                    (AGING_LABELS[bucket], amounts[bucket], AGING_COLOURS[bucket])
                    for bucket in AGING_BUCKETS
                ],
            ),
        )
        for currency, amounts in totals.items()
    ]
    table = [
        (
            row.supplier,
            row.supplier_code,
            row.currency,
            [row.buckets[b] for b in AGING_BUCKETS],
            row.total,
        )
        for row in rows
    ]
    return _render(
        request,
        "payables_aging.html",
        "Payables aging",
        problems=problems,
        as_of=as_of,
        bucket_labels=[AGING_LABELS[bucket] for bucket in AGING_BUCKETS],
        table=table,
        footer=footer,
        csv_url=query(date=as_of, format="csv"),
    )


@dataclass
class SupplierDue:
    """One supplier's bills due in one currency, and what they come to."""

    code: str
    name: str
    currency: str
    bills: list[SupplierBill] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((bill.open_balance for bill in self.bills), ZERO)  # type: ignore[attr-defined]


def _by_supplier(bills: list[SupplierBill]) -> list[SupplierDue]:
    """The bills (oldest due first) per supplier and currency, suppliers by name."""
    groups: dict[tuple[int, str], SupplierDue] = {}
    for bill in bills:
        key = (bill.supplier_id, bill.currency)
        if key not in groups:
            groups[key] = SupplierDue(bill.supplier.code, bill.supplier.name, bill.currency)
        groups[key].bills.append(bill)
    return sorted(groups.values(), key=lambda due: (due.name, due.code, due.currency))


@staff_permission_required(REPORT_PERMISSION)
@staff_permission_required(BILLS_PERMISSION)
def payment_proposal(request: HttpRequest) -> HttpResponse:
    """Posted bills with a balance due by a date (overdue ones included), per
    supplier with its total: what to pay in the next payment run."""
    problems: list[str] = []
    today = localdate()
    by = date_filter(
        request.GET,
        "by",
        label="“due by”",
        default=today + timedelta(days=PROPOSAL_DAYS_AHEAD),
        problems=problems,
    )
    bills = list(bills_due(by))
    suppliers = _by_supplier(bills)
    currencies = sorted({bill.currency for bill in bills})
    totals = [
        (
            currency,
            sum((s.total for s in suppliers if s.currency == currency), ZERO),
            sum(1 for bill in bills if bill.currency == currency),
        )
        for currency in currencies
    ]
    if wants_csv(request):
        return csv_response(
            f"payment-proposal-{by}.csv",
            [
                "supplier",
                "supplier_code",
                "bill",
                "supplier_reference",
                "purchase_order",
                "bill_date",
                "due_date",
                "currency",
                "total",
                "paid",
                "debit_notes",
                "balance",
            ],
            [
                *(
                    (
                        supplier.name,
                        supplier.code,
                        bill.number,
                        bill.supplier_reference,
                        bill.order.number,
                        bill.bill_date,
                        bill.due_date,
                        bill.currency,
                        bill.total,
                        bill.amount_paid,
                        bill.amount_credited,
                        bill.open_balance,  # type: ignore[attr-defined]
                    )
                    for supplier in suppliers
                    for bill in supplier.bills
                ),
                *(
                    ("Total", "", "", "", "", "", "", currency, "", "", "", amount)
                    for currency, amount, _ in totals
                ),
            ],
        )
    quick_links = [
        (label, day, query(by=day))
        for label, day in (
            ("Overdue today", today - timedelta(days=1)),
            ("Due today", today),
            ("Due within 7 days", today + timedelta(days=7)),
            ("Due within 14 days", today + timedelta(days=14)),
            ("Due within 30 days", today + timedelta(days=30)),
        )
    ]
    return _render(
        request,
        "payment_proposal.html",
        "Payment proposal",
        problems=problems,
        by=by,
        today=today,
        suppliers=suppliers,
        totals=totals,
        quick_links=quick_links,
        csv_url=query(by=by, format="csv"),
    )
