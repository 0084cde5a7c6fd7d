"""The figures of the back office's home page, read through each app's selectors.

Each figure is one aggregate query however many orders, stock rows or invoices
there are: the day-by-day sales of the last 30 days (today's and this week's
figures are taken from the same rows), the orders per waiting status, the
low-stock rows, the overdue invoices, the purchase orders to send, late or due,
and the supplier bills on hold. Money stays per currency: nothing
adds euros to pounds.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from accounting import selectors as accounting_selectors
from inventory import selectors as inventory_selectors
from orders import selectors as order_selectors
from orders import statuses
from purchasing import selectors as purchasing_selectors
from purchasing.models import PurchaseOrder

#: the chart covers this many days, today included
CHART_DAYS = 30
#: deliveries due within this many days count as "due this week"
DELIVERIES_DAYS = 7
ZERO = Decimal("0")

#: the pipeline steps shown as "waiting": (step, status the orders wait in)
WAITING = (
    ("pay", statuses.PENDING_PAYMENT),
    ("pick", statuses.READY),
    ("pack", statuses.PICKING),
    ("ship", statuses.PACKED),
)


@dataclass
class SalesTotal:
    """Orders placed (cancelled left out) and their totals per currency."""

    orders: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)

    def add(self, currency: str, orders: int, total: Decimal) -> None:
        self.orders += orders
        self.totals[currency] = self.totals.get(currency, ZERO) + total


@dataclass(frozen=True)
class Sales:
    today: SalesTotal
    this_week: SalesTotal
    week_start: date
    #: one entry per day of the chart, oldest first: (day, {currency: total}, orders)
    days: list[tuple[date, dict[str, Decimal], int]]


def week_start(today: date) -> date:
    """The Monday of ``today``'s week."""
    return today - timedelta(days=today.weekday())


def sales(*, today: date) -> Sales:
    start = min(today - timedelta(days=CHART_DAYS - 1), week_start(today))
    per_day: dict[date, dict[str, Decimal]] = defaultdict(dict)
    orders_per_day: dict[date, int] = defaultdict(int)
    today_total, week_total = SalesTotal(), SalesTotal()
    monday = week_start(today)
    for row in order_selectors.daily_sales(start=start, end=today):
        per_day[row.day][row.currency] = row.total
        orders_per_day[row.day] += row.orders
        if row.day == today:
            today_total.add(row.currency, row.orders, row.total)
        if row.day >= monday:
            week_total.add(row.currency, row.orders, row.total)
    days = [today - timedelta(days=back) for back in range(CHART_DAYS - 1, -1, -1)]
    return Sales(
        today=today_total,
        this_week=week_total,
        week_start=monday,
        days=[(day, per_day.get(day, {}), orders_per_day.get(day, 0)) for day in days],
    )


def orders_waiting() -> dict[str, int]:
    """Orders waiting per step (pay, pick, pack, ship) and on credit hold."""
    counts = order_selectors.orders_per_status(
        (*(status for _, status in WAITING), statuses.CREDIT_HOLD)
    )
    return {
        **{step: counts[status] for step, status in WAITING},
        "credit_hold": counts[statuses.CREDIT_HOLD],
    }


def low_stock() -> int:
    return inventory_selectors.low_stock_count()


def overdue_invoices(*, today: date) -> list[accounting_selectors.OverdueTotal]:
    return accounting_selectors.overdue_invoices(as_of=today)


def purchase_orders(*, today: date) -> dict[str, int]:
    """Drafts to send, open orders late, and open orders due within a week."""
    return purchasing_selectors.purchase_order_counts(
        today=today, due_by=today + timedelta(days=DELIVERIES_DAYS)
    )


def bills_on_hold() -> dict[str, tuple[int, Decimal]]:
    """Supplier bills on hold per currency: (how many, their total)."""
    return purchasing_selectors.bills_on_hold_totals()


def deliveries_due(*, today: date, limit: int) -> list[PurchaseOrder]:
    """The open purchase orders expected within a week (late ones first), at most ``limit``."""
    due_by = today + timedelta(days=DELIVERIES_DAYS)
    return list(purchasing_selectors.open_orders(due_by=due_by)[:limit])
