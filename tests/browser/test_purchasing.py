"""Purchasing end to end in Chromium, under the Content-Security-Policy: a
Purchasing user drafts and sends an order, the storefront says when the sold-out
product is expected, a Warehouse user receives part of it at the receiving
station (the storefront then shows stock), an accountant enters the supplier's
bill with a price variance, approves it and pays it."""

from collections.abc import Iterator
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from purchasing.models import PurchaseOrder, SupplierBill, SupplierPayment
from purchasing.tests.factories import SupplierFactory, SupplierItemFactory
from tests.browser.test_csp import REPORT_VIOLATIONS
from tests.factories import ProductFactory, StaffFactory, WarehouseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pages(browser: Browser) -> Iterator[tuple[list[Page], list[str]]]:
    """Fresh sessions (one per person) and every CSP violation or script error in them."""
    opened: list[Page] = []
    problems: list[str] = []
    yield opened, problems
    for page in opened:
        page.context.close()


def session(browser: Browser, opened: list[Page], problems: list[str]) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    page.expose_function("kontorCspViolation", lambda text: problems.append(text))
    page.add_init_script(REPORT_VIOLATIONS)
    page.on("pageerror", lambda error: problems.append(str(error)))
    opened.append(page)
    return page


def log_in(page: Page, url: str, username: str) -> None:
    page.goto(url)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct-horse-battery")
    page.keyboard.press("Enter")


def test_a_purchase_order_from_draft_to_paid_bill(browser: Browser, live_server, pages):
    opened, problems = pages
    main = WarehouseFactory(code="MAIN", name="Main warehouse", priority=1)
    tent = ProductFactory(title="Granite Tent", upc="4006381333931")
    supplier = SupplierFactory(code="ALPINE", name="Alpine Gear GmbH")
    SupplierItemFactory(supplier=supplier, product=tent, unit_cost=Decimal("50.00"))
    for username, role in (("pat", "Purchasing"), ("wes", "Warehouse"), ("ada", "Accounting")):
        StaffFactory(username=username, role=role)
    sku = tent.stockrecords.get().partner_sku

    buyer = session(browser, opened, problems)
    log_in(buyer, live_server.url + "/admin/purchasing/purchaseorder/add/", "pat")
    buyer.select_option("select[name=supplier]", label=str(supplier))
    buyer.select_option("select[name=warehouse]", label=str(main))
    buyer.fill("textarea[name=lines]", f"{sku} 10")
    buyer.click("input[type=submit][value='Create draft order']")
    expect(buyer.locator(".messagelist")).to_contain_text("drafted for ALPINE")
    buyer.click("a.po-send")
    buyer.click("input[type=submit][value='Send to the supplier']")
    expect(buyer.locator(".messagelist")).to_contain_text("orders@alpine.example gets it")
    order = PurchaseOrder.objects.get()
    assert order.status == "sent"

    shopper = session(browser, opened, problems)
    shopper.goto(live_server.url + tent.get_absolute_url())
    expect(shopper.locator(".product_main .availability")).to_contain_text("Out of stock")
    expect(shopper.locator(".product_main .expected-date")).to_have_text(
        f"Expected around {order.expected_date.day} {order.expected_date:%b %Y}"
    )

    warehouse = session(browser, opened, problems)
    log_in(warehouse, live_server.url + "/warehouse/scan/", "wes")
    warehouse.click("#receive-on-po")
    expect(warehouse.locator("#open-orders")).to_contain_text(order.number)
    expect(warehouse.locator("input[name=barcode]")).to_be_focused()
    warehouse.fill("input[name=quantity]", "6")
    warehouse.fill("input[name=barcode]", "4006381333931")
    warehouse.keyboard.press("Enter")
    expect(warehouse.locator("#scan-result")).to_contain_text(
        f"received 6 × Granite Tent on {order.number} (ALPINE) into MAIN."
    )
    warehouse.fill("input[name=quantity]", "5")
    warehouse.fill("input[name=barcode]", "4006381333931")
    warehouse.keyboard.press("Enter")
    expect(warehouse.locator("#scan-errors")).to_contain_text("at most 4 more")

    shopper.reload()
    expect(shopper.locator(".product_main .availability")).to_contain_text("In stock")
    expect(shopper.locator(".product_main .expected-date")).to_have_count(0)

    accountant = session(browser, opened, problems)
    log_in(
        accountant, live_server.url + f"/admin/purchasing/purchaseorder/{order.pk}/change/", "ada"
    )
    accountant.click("a.po-enter-bill")
    line = order.lines.get()
    accountant.fill("input[name=supplier_reference]", "AG-2026-118")
    expect(accountant.locator(f"input[name=qty-{line.pk}]")).to_have_value("6")
    accountant.fill(f"input[name=cost-{line.pk}]", "55.00")
    accountant.click("input[type=submit][value='Enter bill']")
    expect(accountant.locator(".messagelist")).to_contain_text("is on hold until it is approved")
    expect(accountant.locator("ul.hold-reasons")).to_contain_text("price 55 against 50")
    accountant.click("a.bill-approve")
    accountant.click("input[type=submit][value='Approve and post']")
    expect(accountant.locator(".messagelist")).to_contain_text("approved and posted")
    bill = SupplierBill.objects.get()
    accountant.click("a.bill-pay")
    expect(accountant.locator("input[name=amount]")).to_have_value(str(bill.total))
    accountant.click("input[type=submit][value='Record payment']")
    expect(accountant.locator(".messagelist")).to_contain_text(f"to ALPINE on {bill.number}")

    bill.refresh_from_db()
    assert (bill.status, bill.balance) == ("approved", Decimal("0.00"))
    assert SupplierPayment.objects.get().amount == bill.total
    assert problems == []
