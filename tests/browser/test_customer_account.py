"""End to end in Chromium: a customer's account. The order history shows each
order's status and total with its currency and fits the screen; the order page
links its invoice as a PDF; a return asked for on the order page gets its number,
shown in the message and in the order's returns."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from erp.permissions import SYSTEM
from inventory.services import stock_receive
from orders.models import Carrier, ReturnRequest
from orders.services import shipment_pack, shipment_ship
from tests.factories import ProductFactory, UserFactory, WarehouseFactory, place_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("#id_login-username", username)
    page.fill("#id_login-password", "correct-horse-battery")
    page.click("button[name=login_submit]")


def test_customer_sees_history_invoice_and_asks_for_a_numbered_return(page: Page, live_server):
    berlin = WarehouseFactory(code="BER-1", priority=1)
    jacket = ProductFactory(title="Fjord Jacket", listing=Decimal("89.00"))
    stock_receive(user=SYSTEM, product=jacket, warehouse=berlin, quantity=10, unit_cost=30)
    erika = UserFactory(username="erika@example.com", email="erika@example.com")
    shipped = place_order([(jacket, 2)], user=erika)
    line = shipped.lines.get()
    shipment = shipment_pack(user=SYSTEM, order=shipped, warehouse=berlin, quantities={line.pk: 2})
    shipment_ship(
        user=SYSTEM,
        shipment=shipment,
        carrier=Carrier.objects.get(code="dhl"),
        tracking_number="X1",
    )
    pending = place_order([(jacket, 1)], user=erika, payment_method="bank_transfer")
    invoice = shipped.invoices.get()
    base = live_server.url

    log_in(page, base, "erika@example.com")

    # the order history: newest first, status and total with its currency
    page.goto(base + "/accounts/orders/")
    rows = page.locator("#order_history tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator(".order-number")).to_have_text(pending.number)
    expect(rows.nth(0).locator(".order-status")).to_have_text("Pending payment")
    expect(rows.nth(0).locator(".order-total")).to_have_text("€89.00")
    expect(rows.nth(1).locator(".order-number")).to_have_text(shipped.number)
    expect(rows.nth(1).locator(".order-status")).to_have_text("Shipped")
    expect(rows.nth(1).locator(".order-total")).to_have_text("€178.00")
    table = page.locator("#order_history").bounding_box()
    assert table is not None and table["x"] >= 0 and table["x"] + table["width"] <= 1280
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1280

    # the order page: its invoice, as a PDF of the customer's own
    rows.nth(1).locator(".order-number a").click()
    expect(page).to_have_url(f"{base}/accounts/orders/{shipped.number}/")
    pdf_link = page.locator("#order_documents a.document-pdf")
    expect(pdf_link).to_have_text(f"Invoice {invoice.number} (PDF)")
    expect(page.locator("#order_documents .document-status")).to_have_text(
        "Paid"
    )  # captured when it shipped
    href = pdf_link.get_attribute("href")
    assert href == f"/accounts/invoices/{invoice.number}/pdf/"
    download = page.request.get(base + href)
    assert download.status == 200
    assert download.headers["content-type"] == "application/pdf"
    assert download.body().startswith(b"%PDF")

    # a return: asked for on the order page, numbered, shown with its number
    page.click("#return_items_link")
    page.fill(f"#id_quantity_{line.pk}", "1")
    page.select_option(f"#id_reason_{line.pk}", "damaged")
    page.click("#return_form button[type=submit]")
    expect(page).to_have_url(f"{base}/accounts/orders/{shipped.number}/")
    number = f"R-{timezone.localdate().year}-000001"
    assert ReturnRequest.objects.get().number == number
    expect(page.locator(".alert-success")).to_contain_text(
        f"We have received your return request {number} for order {shipped.number}."
    )
    expect(page.locator("#order_returns .order-return h3")).to_have_text(
        f"Return {number}: Requested"
    )
    expect(page.locator("#order_status")).to_have_text("Return requested")

    # another customer finds neither the order nor its invoice
    page.context.clear_cookies()
    UserFactory(username="max@example.com", email="max@example.com")
    log_in(page, base, "max@example.com")
    assert page.goto(f"{base}/accounts/orders/{shipped.number}/").status == 404
    assert page.request.get(base + href).status == 404
