"""The back office's home page: each role's figures (exact, linking to the list
they count), its screens, no figure of another role, internals out of the
navigation, and a constant number of queries per role."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounting.services import Customer, InvoiceLineData, invoice_issue
from backoffice.selectors import week_start
from erp.admin_site import HIDDEN_FROM_NAVIGATION
from inventory.models import Stock
from orders import statuses
from tests.factories import OrderFactory, ProductFactory, StaffFactory

pytestmark = pytest.mark.django_db
HOME = "/admin/"


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def order(day: date, total: str, status: str = statuses.READY, currency: str = "EUR", hour=12):
    return OrderFactory(
        date_placed=at(day, hour),
        total_incl_tax=Decimal(total),
        total_excl_tax=Decimal(total),
        status=status,
        currency=currency,
    )


def overdue_invoice(email: str, amount: str, issued: date, due_in_days: int) -> None:
    invoice_issue(
        source=f"test:{email}:{issued}",
        customer=Customer(email, "Alpine Outfitters GmbH", "1 Test Street"),
        lines=[InvoiceLineData("Goods", Decimal(1), Decimal(amount))],
        day=issued,
        due_in_days=due_in_days,
    )


@pytest.fixture
def business() -> dict[str, object]:
    today = timezone.localdate()
    monday = week_start(today)
    order(today, "100.00", statuses.READY)
    order(today, "50.00", statuses.PENDING_PAYMENT)
    order(today, "20.00", statuses.PACKED, currency="GBP")
    order(today, "999.00", statuses.CANCELLED)  # not a sale
    order(monday, "30.00", statuses.PICKING, hour=0)
    order(today - timedelta(days=45), "70.00", statuses.SHIPPED)  # before the chart
    order(today - timedelta(days=20), "10.00", statuses.CREDIT_HOLD)
    low, fine = ProductFactory(stock=3), ProductFactory(stock=50)
    Stock.objects.filter(product__in=[low, fine]).update(reorder_level=5)
    overdue_invoice("ada@example.com", "80.00", today - timedelta(days=40), 14)
    overdue_invoice("bea@example.com", "25.00", today - timedelta(days=3), 30)  # not yet due
    return {"today": today, "monday": monday}


def login(client: Client, role: str) -> None:
    client.force_login(StaffFactory(username=f"home-{role.lower()}", role=role))


def figures(response) -> dict[str, tuple[str, str, str]]:
    found = {}
    for group in ("sales_figures", "waiting_figures", "attention_figures", "purchasing_figures"):
        for figure in response.context[group]:
            found[figure.key] = (figure.value, figure.detail, figure.url)
    return found


def test_the_manager_sees_every_figure_with_exact_values(client, business):
    today, monday = business["today"], business["monday"]
    login(client, "Manager")

    response = client.get(HOME)

    shown = {key: (value, detail) for key, (value, detail, _) in figures(response).items()}
    today_eur = Decimal("150.00") + (Decimal("30.00") if monday == today else 0)
    today_orders = 3 + (1 if monday == today else 0)
    assert shown == {
        "sales-today": (f"€{today_eur:,.2f} + £20.00", f"{today_orders} orders"),
        "sales-week": ("€180.00 + £20.00", "4 orders"),
        "waiting-pay": ("1", "Pending payment"),
        "waiting-pick": ("1", "Ready to fulfil"),
        "waiting-pack": ("1", "Picking"),
        "waiting-ship": ("1", "Packed"),
        "credit-holds": ("1", "over a company's credit limit"),
        "low-stock": ("1", "at or below the reorder level"),
        "overdue-invoices": ("1", "€80.00 open"),
        "po-drafts": ("0", "drafts"),
        "po-late": ("0", "past their expected date"),
        "deliveries-due": ("0", "purchase orders expected within 7 days"),
        "bills-on-hold": ("0", "€0.00 to approve"),
    }
    page = response.content.decode()
    assert 'id="figure-sales-today"' in page
    assert '<title id="sales-chart-title">Sales per day in EUR, incl. tax,' in page
    assert page.count("<rect ") == 30
    assert f"{today:%a} {today.day} {today:%b}: {today_orders} orders, €{today_eur:,.2f}" in page


def test_each_figure_links_to_the_list_it_counts(client, business):
    login(client, "Manager")
    links = {key: url for key, (_, _, url) in figures(client.get(HOME)).items()}
    counted = {
        "waiting-pay": 1,
        "waiting-pick": 1,
        "waiting-pack": 1,
        "waiting-ship": 1,
        "credit-holds": 1,
        "low-stock": 1,
        "overdue-invoices": 1,
        "sales-week": 4,
    }
    answered = {}

    for key in counted:
        response = client.get(links[key])
        answered[key] = (response.status_code, response.context["cl"].result_count)

    assert answered == {key: (200, expected) for key, expected in counted.items()}
    today_query = parse_qs(urlsplit(links["sales-today"]).query)
    assert statuses.CANCELLED not in today_query["status__in"][0].split(",")
    assert urlsplit(links["low-stock"]).query == "level=low"
    assert urlsplit(links["overdue-invoices"]).query == "due=overdue"


#: the figures each role sees (and no other)
ROLE_FIGURES = {
    "Manager": {
        "sales-today",
        "sales-week",
        "waiting-pay",
        "waiting-pick",
        "waiting-pack",
        "waiting-ship",
        "credit-holds",
        "low-stock",
        "overdue-invoices",
        "po-drafts",
        "po-late",
        "deliveries-due",
        "bills-on-hold",
    },
    "Sales": {
        "sales-today",
        "sales-week",
        "waiting-pay",
        "waiting-pick",
        "waiting-pack",
        "waiting-ship",
        "credit-holds",
        "low-stock",
    },
    "Accounting": {
        "sales-today",
        "sales-week",
        "waiting-pay",
        "waiting-pick",
        "waiting-pack",
        "waiting-ship",
        "credit-holds",
        "overdue-invoices",
        "bills-on-hold",
    },
    "Warehouse": {
        "waiting-pay",
        "waiting-pick",
        "waiting-pack",
        "waiting-ship",
        "low-stock",
        "po-late",
        "deliveries-due",
    },
    "Purchasing": {"low-stock", "po-drafts", "po-late", "bills-on-hold"},
    "HR": set(),
}
#: the screens each role is offered on its home page
ROLE_SCREENS = {
    "Manager": [
        "Orders",
        "Fulfil queue",
        "New staff order",
        "Returns",
        "Shipments",
        "Stock",
        "Scan station",
        "Stock moves",
        "Inventory valuation",
        "Receiving station",
        "Incoming goods",
        "Purchase orders",
        "New purchase order",
        "Suppliers",
        "Supplier bills",
        "Invoices",
        "Payments",
        "Record a payment",
        "Payment proposal",
        "Reports",
        "Companies",
        "Products",
        "Data quality",
        "Import data",
        "Export data",
        "Staff accounts",
    ],
    "Sales": [
        "Orders",
        "Fulfil queue",
        "New staff order",
        "Returns",
        "Shipments",
        "Stock",
        "Stock moves",
        "Inventory valuation",
        "Companies",
        "Products",
        "Data quality",
        "Import data",
        "Export data",
        "Staff accounts",
    ],
    "Accounting": [
        "Orders",
        "Fulfil queue",
        "Inventory valuation",
        "Incoming goods",
        "Purchase orders",
        "Suppliers",
        "Supplier bills",
        "Invoices",
        "Payments",
        "Record a payment",
        "Payment proposal",
        "Reports",
        "Companies",
        "Products",
        "Export data",
    ],
    "Warehouse": [
        "Orders",
        "Fulfil queue",
        "Returns",
        "Shipments",
        "Stock",
        "Scan station",
        "Stock moves",
        "Inventory valuation",
        "Receiving station",
        "Incoming goods",
        "Purchase orders",
        "Suppliers",
        "Products",
        "Import data",
        "Export data",
    ],
    "Purchasing": [
        "Stock",
        "Stock moves",
        "Inventory valuation",
        "Incoming goods",
        "Purchase orders",
        "New purchase order",
        "Suppliers",
        "Supplier bills",
        "Products",
        "Import data",
        "Export data",
    ],
    "HR": ["Staff accounts"],
}


@pytest.mark.parametrize("role", list(ROLE_FIGURES))
def test_each_role_sees_its_figures_and_screens_and_every_screen_opens(client, business, role):
    login(client, role)

    response = client.get(HOME)

    assert set(figures(response)) == ROLE_FIGURES[role]
    offered = [s for screens in response.context["sections"].values() for s in screens]
    assert [screen.title for screen in offered] == ROLE_SCREENS[role]
    opened = {screen.title: client.get(screen.url).status_code for screen in offered}
    assert opened == {screen.title: 200 for screen in offered}
    for key, (_, _, url) in figures(response).items():
        assert client.get(url).status_code == 200, key


@pytest.mark.parametrize("role", ["Warehouse", "Sales", "Manager"])
def test_pick_lists_are_linked_for_every_active_warehouse(client, business, role):
    login(client, role)

    page = client.get(HOME).content.decode()

    assert 'href="/admin/order/order/pick-list/' in page
    assert "Pick list MAIN" in page


def test_internals_are_registered_but_in_no_navigation(client, business):
    login(client, "Manager")

    response = client.get(HOME)
    apps = response.context["app_list"]
    listed = {model["model"]._meta.label for app in apps for model in app["models"]}
    line_attributes = client.get("/admin/order/lineattribute/")

    assert listed & HIDDEN_FROM_NAVIGATION == set()
    assert {"order.Order", "inventory.Stock", "accounting.Invoice"} <= listed
    assert {m._meta.label for m in admin.site._registry} >= HIDDEN_FROM_NAVIGATION
    assert line_attributes.status_code == 200  # still there for whoever follows a link
    assert client.get("/admin/order/").context["app_list"][0]["models"][0]["object_name"] in {
        "Carrier",
        "Order",
    }


def test_the_bar_of_screens_is_on_every_back_office_page(client, business):
    login(client, "Warehouse")

    page = client.get("/admin/inventory/stock/").content.decode()

    assert 'aria-label="Back-office screens"' in page
    for title in ("Home", "Orders", "Fulfil queue", "Returns", "Stock", "Scan station"):
        assert f">{title}</a>" in page
    assert ">Invoices</a>" not in page
    assert ">Reports</a>" not in page


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"


def test_customers_do_not_get_the_back_office(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="shopper"))

    assert client.get(HOME).status_code == 302


def more_business(n: int) -> None:
    today = timezone.localdate()
    for index in range(n):
        order(today - timedelta(days=index % 30), "12.50", statuses.READY)
        order(today, "5.00", statuses.PACKED, currency="USD")
        overdue_invoice(f"late{index}@example.com", "9.00", today - timedelta(days=60), 14)
        ProductFactory(stock=1)
        purchasing_business(today)


def purchasing_business(today: date) -> dict[str, object]:
    """A draft order, one sent and late, one due in three days, a bill on hold."""
    from erp.permissions import SYSTEM
    from purchasing.models import PurchaseOrder
    from purchasing.services import (
        BillLineRequest,
        PurchaseLineRequest,
        ReceiptLineRequest,
        purchase_order_create,
        purchase_order_receive,
        supplier_bill_enter,
    )
    from purchasing.tests.factories import SupplierFactory, sent_order
    from tests.factories import WarehouseFactory

    main = WarehouseFactory(code="MAIN", priority=1)
    product = ProductFactory()
    draft = purchase_order_create(
        user=SYSTEM,
        supplier=SupplierFactory(code="ALPINE"),
        warehouse=main,
        lines=[PurchaseLineRequest(product, 1, Decimal("5"))],
    )
    late = sent_order((product, 4, Decimal("10")), warehouse=main)
    PurchaseOrder.objects.filter(pk=late.pk).update(expected_date=today - timedelta(days=2))
    due = sent_order((product, 4, Decimal("10")), warehouse=main)
    PurchaseOrder.objects.filter(pk=due.pk).update(expected_date=today + timedelta(days=3))
    purchase_order_receive(user=SYSTEM, order=due, lines=[ReceiptLineRequest(product, 2)])
    held = supplier_bill_enter(
        user=SYSTEM,
        order=due,
        supplier_reference=f"INV-{due.pk}",
        bill_date=today,
        lines=[BillLineRequest(product, 2, Decimal("12.00"))],
    )
    return {"draft": draft, "late": late, "due": due, "held": held}


def test_the_purchasing_figures_count_drafts_late_orders_deliveries_due_and_held_bills(client):
    today = timezone.localdate()
    business = purchasing_business(today)
    held = business["held"]
    login(client, "Manager")

    shown = figures(client.get(HOME))

    assert held.status == "on_hold"
    assert {key: shown[key][:2] for key in ("po-drafts", "po-late", "deliveries-due")} == {
        "po-drafts": ("1", "drafts"),
        "po-late": ("1", "past their expected date"),
        "deliveries-due": ("2", "purchase orders expected within 7 days"),
    }
    assert shown["bills-on-hold"][:2] == ("1", f"€{held.total:,.2f} to approve")
    counted = {
        key: client.get(shown[key][2]).context["cl"].result_count
        for key in ("po-drafts", "po-late", "bills-on-hold")
    }
    assert counted == {"po-drafts": 1, "po-late": 1, "bills-on-hold": 1}
    assert len(client.get(shown["deliveries-due"][2]).context["lines"]) == 2
    listed = [order.number for order in client.get(HOME).context["deliveries"]]
    assert listed == [business["late"].number, business["due"].number]


@pytest.mark.parametrize(
    ("role", "queries"),
    # purchasing adds one query for the order counts, one for the bills on hold
    # and one for the deliveries due
    [
        ("Manager", 13),
        ("Sales", 9),
        ("Accounting", 10),
        ("Warehouse", 10),
        ("Purchasing", 8),
        ("HR", 5),
    ],
)
def test_the_home_page_runs_a_constant_number_of_queries_per_role(client, role, queries):
    login(client, role)
    more_business(1)
    client.get(HOME)  # the session, warmed

    with CaptureQueriesContext(connection) as one:
        assert client.get(HOME).status_code == 200
    more_business(12)
    with CaptureQueriesContext(connection) as many:
        assert client.get(HOME).status_code == 200

    assert (len(one), len(many)) == (queries, queries)


def test_the_overdue_invoices_list_shows_money_with_its_currency(client, business):
    login(client, "Accounting")

    page = client.get("/admin/accounting/invoice/?due=overdue").content.decode()

    assert '<td class="field-total_amount">€80.00</td>' in page
    assert '<td class="field-balance">€80.00</td>' in page
    assert "€25.00" not in page  # not yet due
