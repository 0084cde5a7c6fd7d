"""The back office's home page (``/admin/``): the role's figures, each linking
to the admin list it counts, the last 30 days' sales, and the role's screens.

Who sees a figure is decided by the permissions of the list it links to (and,
for money, of the people who deal with it): a role never sees a figure whose
list would answer 403. The page runs a constant number of queries per role.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from oscar.templatetags.currency_filters import currency as money

from backoffice import navigation, selectors
from backoffice.charts import sales_chart_svg
from inventory.selectors import active_warehouses
from orders import statuses

#: what each figure needs: every permission of the first tuple, any one of the second
FIGURE_PERMISSIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "sales": (("order.view_order",), ("order.change_order", "accounting.view_invoice")),
    "waiting": (("order.view_order",), ()),
    "credit_hold": (("order.view_order", "crm.view_company"), ()),
    "low_stock": (("inventory.view_stock",), ()),
    "overdue": (("accounting.view_invoice",), ()),
    "po_drafts": (("purchasing.view_purchaseorder", "purchasing.change_purchaseorder"), ()),
    "po_late": (
        ("purchasing.view_purchaseorder",),
        ("purchasing.change_purchaseorder", "purchasing.add_receipt"),
    ),
    "deliveries_due": (("purchasing.view_purchaseorder", "purchasing.add_receipt"), ()),
    "bills_on_hold": (("purchasing.view_supplierbill",), ()),
}
STEP_LABELS = {
    "pay": "Waiting for payment",
    "pick": "To pick",
    "pack": "Being picked, to pack",
    "ship": "Packed, to ship",
}
#: the deliveries due listed on the home page (the figure counts them all)
DELIVERIES_LISTED = 10
#: every status an order counts as a sale in
SOLD = tuple(status for status in statuses.PIPELINE if status != statuses.CANCELLED)


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: str
    detail: str
    url: str


def may_see(user: Any, figure: str) -> bool:
    every, any_one = FIGURE_PERMISSIONS[figure]
    return all(user.has_perm(p) for p in every) and (
        not any_one or any(user.has_perm(p) for p in any_one)
    )


def _amounts(totals: dict[str, Decimal]) -> str:
    if not totals:
        return money(Decimal("0"), settings.OSCAR_DEFAULT_CURRENCY)
    return " + ".join(money(amount, code) for code, amount in sorted(totals.items()))


def _orders(count: int) -> str:
    return f"{count} order{'' if count == 1 else 's'}"


def _placed_between(first: date, last: date) -> str:
    """The order list of sales placed from ``first`` to ``last`` inclusive."""

    def midnight(day: date) -> str:
        return timezone.make_aware(datetime.combine(day, time.min)).isoformat()

    return navigation.order_list(
        date_placed__gte=midnight(first),
        date_placed__lt=midnight(last + timedelta(days=1)),
        status__in=",".join(SOLD),
    )


def _sales_figures(sales: selectors.Sales, today: date) -> list[Figure]:
    return [
        Figure(
            "sales-today",
            "Sales today",
            _amounts(sales.today.totals),
            _orders(sales.today.orders),
            _placed_between(today, today),
        ),
        Figure(
            "sales-week",
            f"Sales this week (since Mon {sales.week_start.day} {sales.week_start:%b})",
            _amounts(sales.this_week.totals),
            _orders(sales.this_week.orders),
            _placed_between(sales.week_start, today),
        ),
    ]


def _chart(sales: selectors.Sales) -> Any:
    currency = settings.OSCAR_DEFAULT_CURRENCY
    first, last = sales.days[0][0], sales.days[-1][0]
    return sales_chart_svg(
        days=[(day, totals.get(currency, Decimal("0")), n) for day, totals, n in sales.days],
        currency=currency,
        title=(
            f"Sales per day in {currency}, incl. tax, "
            f"{first.day} {first:%b} to {last.day} {last:%b %Y}"
        ),
    )


def _purchasing_figures(user: Any, today: date) -> list[Figure]:
    """Purchase orders to send, late and due, and bills on hold: the Purchasing
    role's home, and what Warehouse and Accounting need of it."""
    figures = []
    shown = [key for key in ("po_drafts", "po_late", "deliveries_due") if may_see(user, key)]
    if shown:
        counts = selectors.purchase_orders(today=today)
        orders = reverse("admin:purchasing_purchaseorder_changelist")
        every = {
            "po_drafts": Figure(
                "po-drafts",
                "Purchase orders to send",
                str(counts["draft"]),
                "drafts",
                f"{orders}?status__exact=draft",
            ),
            "po_late": Figure(
                "po-late",
                "Purchase orders late",
                str(counts["late"]),
                "past their expected date",
                f"{orders}?arrival=late",
            ),
            "deliveries_due": Figure(
                "deliveries-due",
                "Deliveries due",
                str(counts["due"]),
                f"purchase orders expected within {selectors.DELIVERIES_DAYS} days",
                reverse("purchasing:incoming") + "?due=soon",
            ),
        }
        figures += [every[key] for key in shown]
    if may_see(user, "bills_on_hold"):
        held = selectors.bills_on_hold()
        figures.append(
            Figure(
                "bills-on-hold",
                "Supplier bills on hold",
                str(sum(bills for bills, _ in held.values())),
                _amounts({currency: amount for currency, (_, amount) in held.items()})
                + " to approve",
                reverse("admin:purchasing_supplierbill_changelist") + "?status__exact=on_hold",
            )
        )
    return figures


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    context: dict[str, Any] = {
        **admin.site.each_context(request),
        "title": "Home",
        "sales_figures": [],
        "waiting_figures": [],
        "attention_figures": [],
        "purchasing_figures": [],
        "chart": None,
    }
    if may_see(user, "sales"):
        sales = selectors.sales(today=today)
        context["sales_figures"] = _sales_figures(sales, today)
        context["chart"] = _chart(sales)
    waiting = None
    if may_see(user, "waiting"):
        waiting = selectors.orders_waiting()
        context["waiting_figures"] = [
            Figure(
                f"waiting-{step}",
                STEP_LABELS[step],
                str(waiting[step]),
                status,
                navigation.order_list(status__exact=status),
            )
            for step, status in selectors.WAITING
        ]
    attention = context["attention_figures"]
    if waiting is not None and may_see(user, "credit_hold"):
        attention.append(
            Figure(
                "credit-holds",
                "Orders on credit hold",
                str(waiting["credit_hold"]),
                "over a company's credit limit",
                navigation.order_list(status__exact=statuses.CREDIT_HOLD),
            )
        )
    if may_see(user, "low_stock"):
        attention.append(
            Figure(
                "low-stock",
                "Low-stock rows",
                str(selectors.low_stock()),
                "at or below the reorder level",
                reverse("admin:inventory_stock_changelist") + "?" + urlencode({"level": "low"}),
            )
        )
    if may_see(user, "overdue"):
        overdue = selectors.overdue_invoices(today=today)
        attention.append(
            Figure(
                "overdue-invoices",
                "Overdue invoices",
                str(sum(row.invoices for row in overdue)),
                _amounts({row.currency: row.amount for row in overdue}) + " open",
                reverse("admin:accounting_invoice_changelist") + "?due=overdue",
            )
        )
    context["purchasing_figures"] = _purchasing_figures(user, today)
    if may_see(user, "deliveries_due"):
        context["deliveries"] = selectors.deliveries_due(today=today, limit=DELIVERIES_LISTED)
        context["today"] = today
    screens = navigation.screens_for(user)
    sections: dict[str, list[Any]] = {}
    for screen in screens:
        sections.setdefault(screen.section, []).append(screen)
    context["sections"] = sections
    if user.has_perm("order.view_order"):
        context["pick_lists"] = [
            (warehouse, reverse("admin:order_order_pick_list", args=[warehouse.pk]))
            for warehouse in active_warehouses()
        ]
    context["app_list"] = admin.site.get_app_list(request)
    return TemplateResponse(request, "admin/backoffice/home.html", context)
