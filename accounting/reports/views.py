"""The report pages: filters, figures, CSV and charts (see the package docstring)."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString
from django.utils.timezone import localdate

from accounting import selectors
from accounting.reports.charts import ChartSeries, bar_chart_svg, stacked_bar_svg
from erp.csv_export import csv_response, query, wants_csv
from erp.permissions import staff_permission_required

REPORT_PERMISSION = "accounting.view_journalentry"
ZERO = Decimal("0")
#: the monthly chart is drawn for periods up to this many months
MAX_CHART_MONTHS = 36
AGING_LABELS = {
    "current": "Not yet due",
    "1-30": "1-30 days",
    "31-60": "31-60 days",
    "61-90": "61-90 days",
    "90+": "Over 90 days",
}
AGING_COLOURS = {
    "current": "#2e7d32",
    "1-30": "#827717",
    "31-60": "#f9a825",
    "61-90": "#ef6c00",
    "90+": "#c62828",
}
INCOME_COLOUR, EXPENSE_COLOUR = "#2e7d32", "#c62828"


# --- filters -----------------------------------------------------------------


def date_filter(
    params: Mapping[str, str], name: str, *, label: str, default: date, problems: list[str]
) -> date:
    """The ISO date in ``params[name]``, or ``default`` (saying why in ``problems``)."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        shown = raw if len(raw) <= 40 else raw[:40] + "…"
        problems.append(
            f"“{shown}” is not a date for {label}; use YYYY-MM-DD. "
            f"Showing {default:%d %b %Y} instead."
        )
        return default


def month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date


def quick_periods(today: date) -> list[Period]:
    this_month = today.replace(day=1)
    last_month_end = this_month - timedelta(days=1)
    return [
        Period("This month", this_month, month_end(today)),
        Period("Last month", last_month_end.replace(day=1), last_month_end),
        Period("This year", date(today.year, 1, 1), date(today.year, 12, 31)),
        Period("Last year", date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
    ]


# --- pages ---------------------------------------------------------------------


def _render(request: HttpRequest, template: str, title: str, **context: Any) -> HttpResponse:
    return render(
        request,
        f"admin/accounting/reports/{template}",
        {**admin.site.each_context(request), "title": title, **context},
    )


@dataclass(frozen=True)
class ReportLink:
    title: str
    url_name: str
    description: str


REPORTS = [
    ReportLink(
        "Trial balance",
        "reports:trial-balance",
        "Every account's balance on a date, debits beside credits.",
    ),
    ReportLink(
        "Profit and loss",
        "reports:profit-and-loss",
        "Income and expenses over a period, with a monthly chart.",
    ),
    ReportLink(
        "Balance sheet",
        "reports:balance-sheet",
        "Assets against liabilities and equity on a date.",
    ),
    ReportLink(
        "Receivables aging",
        "reports:receivables-aging",
        "Open customer invoices by days past due.",
    ),
    ReportLink(
        "Inventory valuation",
        "inventory:valuation",
        "Stock on hand at moving-average cost, checked against the inventory account.",
    ),
]


def report_link_register(link: ReportLink) -> None:
    """List a higher app's report on the index (its ``ready()`` calls this)."""
    if link not in REPORTS:
        REPORTS.append(link)


@staff_permission_required(REPORT_PERMISSION)
def index(request: HttpRequest) -> HttpResponse:
    return _render(request, "index.html", "Reports", reports=REPORTS)


@staff_permission_required(REPORT_PERMISSION)
def trial_balance(request: HttpRequest) -> HttpResponse:
    problems: list[str] = []
    as_of = date_filter(
        request.GET, "date", label="the date", default=localdate(), problems=problems
    )
    rows = selectors.trial_balance(as_of=as_of)
    total_debit = sum((row.debit for row in rows), ZERO)
    total_credit = sum((row.credit for row in rows), ZERO)
    if wants_csv(request):
        return csv_response(
            f"trial-balance-{as_of}.csv",
            ["code", "account", "debit", "credit"],
            [
                *((row.code, row.name, row.debit, row.credit) for row in rows),
                ("", "Total", total_debit, total_credit),
            ],
        )
    return _render(
        request,
        "trial_balance.html",
        "Trial balance",
        problems=problems,
        as_of=as_of,
        rows=rows,
        total_debit=total_debit,
        total_credit=total_credit,
        is_balanced=total_debit == total_credit,
        csv_url=query(date=as_of, format="csv"),
    )


def _period(request: HttpRequest, problems: list[str]) -> tuple[date, date, list[Period]]:
    periods = quick_periods(localdate())
    default = periods[2]
    start = date_filter(
        request.GET, "from", label="“from”", default=default.start, problems=problems
    )
    end = date_filter(request.GET, "to", label="“to”", default=default.end, problems=problems)
    if start > end:
        problems.append(
            f"The period starts ({start:%d %b %Y}) after it ends ({end:%d %b %Y}); "
            f"showing {default.label.lower()} instead."
        )
        start, end = default.start, default.end
    return start, end, periods


def _month_label(month: date, start: date, end: date) -> str:
    return f"{month:%b}" if start.year == end.year else f"{month:%b %Y}"


@staff_permission_required(REPORT_PERMISSION)
def profit_and_loss(request: HttpRequest) -> HttpResponse:
    problems: list[str] = []
    start, end, periods = _period(request, problems)
    statement = selectors.profit_and_loss(start=start, end=end)
    if wants_csv(request):
        return csv_response(
            f"profit-and-loss-{start}-to-{end}.csv",
            ["section", "code", "account", "amount"],
            [
                *(("Income", row.code, row.name, row.amount) for row in statement.income),
                ("Income", "", "Total income", statement.total_income),
                *(("Expenses", row.code, row.name, row.amount) for row in statement.expenses),
                ("Expenses", "", "Total expenses", statement.total_expenses),
                ("Profit", "", "Profit (loss if negative)", statement.profit),
            ],
        )
    months_in_period = (end.year - start.year) * 12 + end.month - start.month + 1
    months: list[selectors.MonthTotals] = []
    chart = None
    if months_in_period <= MAX_CHART_MONTHS:
        months = selectors.monthly_income_and_expenses(start=start, end=end)
        chart = bar_chart_svg(
            title=f"Income and expenses per month, {start:%d %b %Y} to {end:%d %b %Y}",
            labels=[_month_label(row.month, start, end) for row in months],
            series=[
                ChartSeries("Income", INCOME_COLOUR, [row.income for row in months]),
                ChartSeries("Expenses", EXPENSE_COLOUR, [row.expenses for row in months]),
            ],
        )
    quick_links = [
        (period, query(**{"from": period.start, "to": period.end})) for period in periods
    ]
    return _render(
        request,
        "profit_and_loss.html",
        "Profit and loss",
        problems=problems,
        start=start,
        end=end,
        statement=statement,
        quick_links=quick_links,
        chart=chart,
        months=months,
        max_chart_months=MAX_CHART_MONTHS,
        csv_url=query(**{"from": start, "to": end, "format": "csv"}),
    )


@staff_permission_required(REPORT_PERMISSION)
def balance_sheet(request: HttpRequest) -> HttpResponse:
    problems: list[str] = []
    as_of = date_filter(
        request.GET, "date", label="the date", default=localdate(), problems=problems
    )
    sheet = selectors.balance_sheet(as_of=as_of)
    total_liabilities = sum((row.amount for row in sheet.liabilities), ZERO)
    total_equity = sum((row.amount for row in sheet.equity), ZERO)
    if wants_csv(request):
        sections = [
            ("Assets", sheet.assets),
            ("Liabilities", sheet.liabilities),
            ("Equity", sheet.equity),
        ]
        return csv_response(
            f"balance-sheet-{as_of}.csv",
            ["section", "code", "account", "amount"],
            [
                *(
                    (section, row.code, row.name, row.amount)
                    for section, rows in sections
                    for row in rows
                ),
                ("Total", "", "Total assets", sheet.total_assets),
                ("Total", "", "Total liabilities", total_liabilities),
                ("Total", "", "Total equity", total_equity),
                ("Total", "", "Total liabilities and equity", sheet.total_liabilities_and_equity),
            ],
        )
    return _render(
        request,
        "balance_sheet.html",
        "Balance sheet",
        problems=problems,
        as_of=as_of,
        sheet=sheet,
        total_liabilities=total_liabilities,
        total_equity=total_equity,
        is_balanced=sheet.total_assets == sheet.total_liabilities_and_equity,
        csv_url=query(date=as_of, format="csv"),
    )


@dataclass(frozen=True)
class AgingTotal:
    currency: str
    amounts: list[Decimal]  # per bucket
    total: Decimal
    chart: SafeString


@staff_permission_required(REPORT_PERMISSION)
def receivables_aging(request: HttpRequest) -> HttpResponse:
    problems: list[str] = []
    as_of = date_filter(
        request.GET, "date", label="the date", default=localdate(), problems=problems
    )
    rows = selectors.receivables_aging(as_of=as_of)
    # money is added up per currency, never across
    currencies = sorted({row.currency for row in rows}) or [settings.OSCAR_DEFAULT_CURRENCY]
    totals = {
        currency: {
            bucket: sum((r.buckets[bucket] for r in rows if r.currency == currency), ZERO)
            for bucket in selectors.AGING_BUCKETS
        }
        for currency in currencies
    }
    if wants_csv(request):
        return csv_response(
            f"receivables-aging-{as_of}.csv",
            ["customer", "currency", *selectors.AGING_BUCKETS, "total"],
            [
                *(
                    (
                        row.customer,
                        row.currency,
                        *(row.buckets[b] for b in selectors.AGING_BUCKETS),
                        row.total,
                    )
                    for row in rows
                ),
                *(
                    ("Total", currency, *amounts.values(), sum(amounts.values(), ZERO))
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
                title=f"Open receivables in {currency} by age on {as_of:%d %b %Y}",
                segments=[
                    (AGING_LABELS[bucket], amounts[bucket], AGING_COLOURS[bucket])
                    for bucket in selectors.AGING_BUCKETS
                ],
            ),
        )
        for currency, amounts in totals.items()
    ]
    bucket_labels = [AGING_LABELS[bucket] for bucket in selectors.AGING_BUCKETS]
    table = [
        (row.customer, row.currency, [row.buckets[b] for b in selectors.AGING_BUCKETS], row.total)
        for row in rows
    ]
    return _render(
        request,
        "receivables_aging.html",
        "Receivables aging",
        problems=problems,
        as_of=as_of,
        bucket_labels=bucket_labels,
        table=table,
        footer=footer,
        csv_url=query(date=as_of, format="csv"),
    )
