"""Each staff role logs in to its home page: its figures and its screens, not
another role's; the order, stock and returns lists fit a 1280 px laptop."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounting.services import Customer, InvoiceLineData, invoice_issue
from erp.permissions import SYSTEM
from inventory.models import Stock
from inventory.services import stock_receive
from orders.models import Carrier
from orders.services import return_request_create, shipment_pack, shipment_ship
from orders.services.returns import ReturnItem
from tests.factories import (
    ProductFactory,
    StaffFactory,
    UserFactory,
    WarehouseFactory,
    place_order,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def business() -> dict[str, object]:
    """A shop on an ordinary day: orders in each state, a low stock row, a late invoice."""
    berlin = WarehouseFactory(code="BER-1", name="Berlin", priority=1)
    tent = ProductFactory(
        title="Granite Peak Four-Season Expedition Tent with Vestibule", listing=Decimal("349.00")
    )
    lamp = ProductFactory(title="Basalt Lantern", listing=Decimal("24.90"))
    for product, quantity in ((tent, 40), (lamp, 3)):
        stock_receive(
            user=SYSTEM, product=product, warehouse=berlin, quantity=quantity, unit_cost=Decimal(9)
        )
    Stock.objects.filter(product=lamp).update(reorder_level=5)
    customer = UserFactory(
        username="erika", email="erika.mustermann-schneider@example-outdoor-company.de"
    )
    shipped = place_order([(tent, 2), (lamp, 1)], user=customer)
    parcel = shipment_pack(
        user=SYSTEM,
        order=shipped,
        warehouse=berlin,
        quantities={line.pk: line.quantity for line in shipped.lines.all()},
    )
    shipment_ship(
        user=SYSTEM, shipment=parcel, carrier=Carrier.objects.get(code="dhl"), tracking_number="1"
    )
    returned = return_request_create(
        user=SYSTEM,
        order=shipped,
        items=[ReturnItem(shipped.lines.get(product=tent).pk, 1, "damaged")],
    )
    place_order([(tent, 1)], payment_method="bank_transfer")  # waits for payment
    place_order([(tent, 1)])  # ready to pick
    today = timezone.localdate()
    invoice_issue(
        source="test:late",
        customer=Customer("buyer@alpine.example", "Alpine Outfitters GmbH", "1 Test Street"),
        lines=[InvoiceLineData("Goods", Decimal(1), Decimal("80.00"))],
        day=today - timedelta(days=40),
        due_in_days=14,
    )
    return {"shipped": shipped, "return": returned, "tent": tent}


def log_in(page: Page, live_server, role: str) -> None:
    StaffFactory(username=f"the-{role.lower()}", role=role)
    page.goto(live_server.url + "/admin/")
    page.fill("input[name=username]", f"the-{role.lower()}")
    page.fill("input[name=password]", "correct-horse-battery")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Home")


ORDER_FIGURES = (
    "sales-today",
    "sales-week",
    "waiting-pay",
    "waiting-pick",
    "waiting-pack",
    "waiting-ship",
    "credit-holds",
)
PURCHASING_FIGURES = ("po-drafts", "po-late", "deliveries-due", "bills-on-hold")
EVERY_FIGURE = (*ORDER_FIGURES, "low-stock", "overdue-invoices", *PURCHASING_FIGURES)
ROLES = {
    # role: (figures shown, links in the bar, links the bar must not have)
    "Manager": (
        EVERY_FIGURE,
        ("Orders", "Fulfil queue", "Stock", "Invoices", "Reports", "Purchase orders"),
        (),
    ),
    "Warehouse": (
        (*ORDER_FIGURES[2:6], "low-stock", "po-late", "deliveries-due"),
        ("Orders", "Fulfil queue", "Returns", "Stock", "Scan station", "Receiving station"),
        ("Invoices", "Reports", "Companies", "Supplier bills"),
    ),
    "Sales": (
        (*ORDER_FIGURES, "low-stock"),
        ("Orders", "Fulfil queue", "Returns", "Stock", "Companies"),
        ("Invoices", "Reports", "Scan station", "Purchase orders"),
    ),
    "Accounting": (
        (*ORDER_FIGURES, "overdue-invoices", "bills-on-hold"),
        ("Orders", "Fulfil queue", "Invoices", "Reports", "Companies", "Supplier bills"),
        ("Stock", "Scan station", "Returns", "Receiving station"),
    ),
    "Purchasing": (
        ("low-stock", "po-drafts", "po-late", "bills-on-hold"),
        ("Stock", "Purchase orders", "Supplier bills"),
        ("Orders", "Invoices", "Reports", "Scan station", "Receiving station"),
    ),
    "HR": ((), ("Staff accounts",), ("Orders", "Stock", "Invoices", "Reports")),
}


@pytest.mark.parametrize("role", list(ROLES))
def test_each_staff_role_sees_its_home_page_figures_and_navigation(
    page: Page, live_server, business, role
):
    shown, in_bar, not_in_bar = ROLES[role]

    log_in(page, live_server, role)

    for figure in EVERY_FIGURE:
        expect(page.locator(f"#figure-{figure}")).to_have_count(1 if figure in shown else 0)
    bar = page.get_by_role("navigation", name="Back-office screens")
    if in_bar:
        expect(bar.get_by_role("link", name="Home")).to_have_attribute("href", "/admin/")
    for title in in_bar:
        expect(bar.get_by_role("link", name=title, exact=True)).to_be_visible()
    for title in not_in_bar:
        expect(bar.get_by_role("link", name=title, exact=True)).to_have_count(0)
    if "waiting-pay" in shown:
        expect(page.locator("#figure-waiting-pay .bo-figure-value")).to_have_text("1")
        expect(page.locator("#figure-waiting-pick .bo-figure-value")).to_have_text("1")
        page.locator("#figure-waiting-pay").click()
        expect(page.locator("#result_list tbody tr")).to_have_count(1)
        expect(page.locator("#result_list tbody td.field-status")).to_have_text("Pending payment")
        page.go_back()
    if "sales-today" in shown:
        expect(page.locator("#figure-sales-today .bo-figure-detail")).to_have_text("3 orders")
        expect(page.locator("svg.bo-chart rect")).to_have_count(30)
    if "overdue-invoices" in shown:
        expect(page.locator("#figure-overdue-invoices .bo-figure-detail")).to_have_text(
            "€80.00 open"
        )
    if "low-stock" in shown:
        page.locator("#figure-low-stock").click()
        expect(page.locator("#result_list tbody .field-product_title")).to_have_text(
            "Basalt Lantern"
        )
    if role == "HR":
        expect(page.locator(".bo-none")).to_contain_text("Your role has no figures to watch")
        expect(
            page.locator(".bo-screens").get_by_role("link", name="Staff accounts")
        ).to_be_visible()


def fits(page: Page) -> None:
    """Neither the page nor the admin's own scrolling box around the table
    scrolls sideways, and the last column ends inside the window. (With
    Django's model sidebar open, the page fitted but the table's box scrolled:
    780 px of order list in 631 px, measured.)"""
    width = page.evaluate("document.scrollingElement.scrollWidth")
    box = page.evaluate(
        "() => { const box = document.querySelector('#changelist .results');"
        " return [box.scrollWidth, box.clientWidth]; }"
    )
    right = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('#result_list tr > *')]"
        ".map(cell => cell.getBoundingClientRect().right))"
    )
    assert width <= 1280, f"{page.url} is {width} px wide"
    assert box[0] <= box[1], f"{page.url}: the table is {box[0]} px in a {box[1]} px box"
    assert right <= 1280, f"{page.url}: the last column ends at {right} px"


def cells(page: Page, row: int = 0) -> list[str]:
    return [
        text.strip()
        for text in page.locator("#result_list tbody tr")
        .nth(row)
        .locator("th, td")
        .all_inner_texts()
    ]


def test_order_stock_and_returns_lists_fit_a_1280_px_laptop(page: Page, live_server, business):
    shipped, returned = business["shipped"], business["return"]
    log_in(page, live_server, "Manager")

    page.goto(live_server.url + "/admin/order/order/?status__exact=Return+requested")
    fits(page)
    headers = page.locator("#result_list thead th").all_inner_texts()
    assert [h.strip() for h in headers][1:] == [
        "ORDER NUMBER",
        "DATE PLACED",
        "CUSTOMER",
        "CHANNEL",
        "PAYMENT",
        "STATUS",
        "TOTAL",
        "",
    ]
    row = cells(page)
    assert row[1] == shipped.number
    assert row[2].startswith(f"{timezone.localtime(shipped.date_placed):%-d %b %Y}")
    assert row[3] == "erika.mustermann-schneider@example-outdoor-company.de"
    assert row[4:8] == [
        "Web shop",
        "Card (test gateway)",
        "Return requested",
        f"€{shipped.total_incl_tax:,.2f}",
    ]
    assert row[8] == "fulfil"

    page.goto(live_server.url + "/admin/inventory/stock/")
    fits(page)
    tent_row = cells(page, 1)
    assert tent_row[0] == "Granite Peak Four-Season Expedition Tent with Vestibule"
    assert tent_row[-1] == "transfer · count · adjust"
    expect(page.get_by_role("link", name="transfer").first).to_be_visible()

    page.goto(live_server.url + "/admin/order/returnrequest/")
    fits(page)
    row = cells(page)
    assert row[1] == str(returned)  # "Return R-… of order 100047" (ReturnRequest.__str__)
    assert row[2] == "Requested"
