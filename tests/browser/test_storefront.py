"""The storefront and back office in a real headless Chromium."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import ProductFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_shopper_browses_opens_a_product_and_adds_it_to_the_basket(page: Page, live_server):
    ProductFactory(title="Granite Dome Tent 2P", listing="199.95", stock=3)
    ProductFactory(title="Basalt Headlamp 400 lm", listing="39.95")

    page.goto(live_server.url + "/")

    expect(page).to_have_url(live_server.url + "/catalogue/")
    tiles = page.locator("article.product_pod")
    expect(tiles).to_have_count(2)
    expect(page.locator(".brand-name")).to_have_text("Kontor Demo Store")

    page.get_by_role("link", name="Granite Dome Tent 2P").first.click()
    expect(page.locator("h1")).to_have_text("Granite Dome Tent 2P")
    expect(page.locator(".product_main .price_color")).to_contain_text("199.95")

    page.locator("#add_to_basket_form button[type=submit]").click()
    expect(page.locator(".alert-success").first).to_contain_text("Granite Dome Tent 2P")

    page.goto(live_server.url + "/basket/")
    lines = page.locator("#basket_formset .basket-items")
    expect(lines).to_have_count(1)
    expect(lines.first).to_contain_text("Granite Dome Tent 2P")
    expect(page.locator("#basket_totals")).to_contain_text("199.95")


def test_back_office_login_page_renders(page: Page, live_server):
    page.goto(live_server.url + "/admin/")

    expect(page).to_have_url(live_server.url + "/admin/login/?next=/admin/")
    expect(page.locator("#site-name")).to_contain_text("Kontor back office")
    expect(page.locator("input[name=username]")).to_be_visible()
    expect(page.locator("input[name=password]")).to_be_visible()
