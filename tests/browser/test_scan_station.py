"""A warehouse worker scans a receipt; the storefront shows it at the next load."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from erp.permissions import SYSTEM
from inventory import services
from tests.factories import ProductFactory, StaffFactory, WarehouseFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_scanned_receipt_shows_on_the_product_page(page: Page, live_server):
    warehouse = WarehouseFactory(code="BER-1", name="Berlin")
    product = ProductFactory(title="Basalt Lantern", upc="4000000000701")
    services.stock_receive(
        user=SYSTEM, product=product, warehouse=warehouse, quantity=2, unit_cost=Decimal(4)
    )
    StaffFactory(username="wes", role="Warehouse")

    page.goto(live_server.url + product.get_absolute_url())
    expect(page.locator(".product_main .availability")).to_contain_text("Only 2 left")

    page.goto(live_server.url + "/warehouse/scan/")
    page.fill("input[name=username]", "wes")
    page.fill("input[name=password]", "correct-horse-battery")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Scan station: receive goods")

    # keyboard only, as with a wedge scanner: the barcode field has the focus
    expect(page.locator("input[name=barcode]")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("10")
    page.keyboard.press("Tab")
    page.keyboard.type("4000000000701")
    page.keyboard.press("Enter")

    expect(page.locator("#scan-result")).to_contain_text(
        "Received 10 × Basalt Lantern into BER-1: now 12 on hand there."
    )
    expect(page.locator("input[name=barcode]")).to_be_focused()

    page.keyboard.type("0000000000000")
    page.keyboard.press("Enter")
    expect(page.locator(".errorlist")).to_contain_text("Unknown barcode “0000000000000”")

    page.goto(live_server.url + product.get_absolute_url())
    expect(page.locator(".product_main .availability")).to_contain_text("In stock")
    expect(page.locator("#add_to_basket_form")).to_be_visible()
