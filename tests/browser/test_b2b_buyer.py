"""End to end in Chromium: a B2B buyer sees their net price and quantity breaks,
fills the basket by quick order (a bad line is reported, the good ones added),
checks out on account, and finds the order's weight in the account statement."""

from decimal import Decimal

import pytest
from oscar.core.loading import get_model
from playwright.sync_api import Page, expect

from crm.models import PriceListItem
from erp.permissions import SYSTEM
from inventory.services import stock_receive
from orders import statuses
from tests.factories import CompanyFactory, ProductFactory, WarehouseFactory, buyer_for

Order = get_model("order", "Order")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_buyer_sees_net_prices_quick_orders_and_checks_out_on_account(page: Page, live_server):
    from shop.demo.countries import seed_countries
    from shop.demo.orders import seed_shipping_methods

    seed_countries()
    seed_shipping_methods()
    berlin = WarehouseFactory(code="BER-1", priority=1)
    tent = ProductFactory(title="Granite Dome Tent 2P", listing=Decimal("119.00"))
    stove = ProductFactory(title="Ember Camp Stove", listing=Decimal("59.50"))
    for product in (tent, stove):
        stock_receive(
            user=SYSTEM, product=product, warehouse=berlin, quantity=40, unit_cost=Decimal(20)
        )
    company = CompanyFactory(name="Alpine Outfitters GmbH", credit_limit=Decimal("2000.00"))
    PriceListItem.objects.create(
        price_list=company.price_list, product=tent, price=Decimal("80.00")
    )
    PriceListItem.objects.create(
        price_list=company.price_list, product=tent, min_quantity=10, price=Decimal("72.00")
    )
    buyer_for(company, "anna")
    base = live_server.url

    page.goto(base + "/accounts/login/")
    page.fill("#id_login-username", "anna@example.com")
    page.fill("#id_login-password", "correct-horse-battery")
    page.click("button[name=login_submit]")

    # the product page: net price, struck list price (net), quantity breaks
    page.goto(base + tent.get_absolute_url())
    expect(page.locator(".product_main .price_color")).to_contain_text("€80.00")
    expect(page.locator(".product_main .price_color")).to_contain_text("excl. VAT")
    expect(page.locator(".product_main .list-price s")).to_have_text("€100.00")
    expect(page.locator("#quantity_breaks tbody tr")).to_have_count(2)
    expect(page.locator("#quantity_breaks")).to_contain_text("€72.00")

    # quick order: one unknown SKU reported, the two good lines in the basket
    tent_sku = tent.stockrecords.get().partner_sku
    stove_sku = stove.stockrecords.get().partner_sku
    page.goto(base + "/accounts/quick-order/")
    page.fill("#id_lines", f"{tent_sku} 10\nNOPE-123 2\n{stove_sku} 1")
    page.click("#quick_order_form button[type=submit]")
    expect(page.locator("body")).to_contain_text("NOPE-123")
    page.goto(base + "/basket/")
    expect(page.locator("body")).to_contain_text("Granite Dome Tent 2P")
    expect(page.locator("body")).to_contain_text("Ember Camp Stove")

    # checkout: on account is the default, no card asked
    page.goto(base + "/checkout/")
    page.fill("#id_first_name", "Anna")
    page.fill("#id_last_name", "Alpin")
    page.fill("#id_line1", "Bergstraße 5")
    page.fill("#id_line4", "München")
    page.fill("#id_postcode", "80331")
    page.select_option("#id_country", "DE")
    page.locator("#new_shipping_address button[type=submit]").click()
    page.locator("form[action*='shipping-method'] button[type=submit]").first.click()
    expect(page.locator("input[value=on_account]")).to_be_checked()
    page.click("#choose_payment_method")
    page.click("#view_preview")
    page.click("#place-order")
    expect(page.locator("body")).to_contain_text("Your order has been placed")

    order = Order.objects.get()
    assert (order.payment_method, order.status) == ("on_account", statuses.READY)
    # 10 tents at the 10+ break (72.00) + 1 stove at list net (50.00), plus 19 % VAT
    assert order.total_excl_tax - order.shipping_excl_tax == Decimal("770.00")

    page.goto(base + "/accounts/statement/")
    available = Decimal("2000.00") - order.total_incl_tax
    expect(page.locator("#credit_available")).to_contain_text(f"{available:,.2f}")
