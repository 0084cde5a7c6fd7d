"""An anonymous shopper's journey in Chromium through what issue 14 (items 7 and
8) fixed: the favicon, the legal pages in every footer and at the checkout, one
hamburger on a phone, category titles, the free-delivery threshold with its
currency, and error pages with a way back."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.factories import CategoryFactory, ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEGAL_TITLES = [
    "Imprint",
    "Terms and conditions",
    "Privacy policy",
    "Shipping & returns",
    "Contact",
]


def seed_shop():
    from shop.demo.countries import seed_countries
    from shop.demo.orders import seed_shipping_methods

    seed_countries()
    seed_shipping_methods()
    tents = CategoryFactory(name="Tents & Shelters")
    tent = ProductFactory(title="Granite Dome Tent 2P", listing=Decimal("19.95"), stock=5)
    tent.categories.add(tents)
    return tents


def test_anonymous_shopper_sees_icon_footer_titles_free_delivery_and_checkout_terms(
    page: Page, live_server
):
    tents = seed_shop()
    base = live_server.url

    page.goto(base + "/")
    icon = page.locator("link[rel=icon]")
    expect(icon).to_have_attribute("href", "/static/img/kontor.svg")
    served = page.request.get(base + "/static/img/kontor.svg")
    assert (served.status, served.headers["content-type"]) == (200, "image/svg+xml")
    expect(page.locator("#footer_legal a")).to_have_text(LEGAL_TITLES)

    # a legal page from the footer, with the owner's placeholder text
    page.locator("#footer_legal a", has_text="Imprint").click()
    expect(page).to_have_url(base + "/imprint/")
    expect(page.locator(".page-header h1")).to_have_text("Imprint")
    expect(page.locator(".flatpage-content")).to_contain_text(
        "The shop owner has not written the imprint page yet."
    )
    expect(page.locator("#footer_legal a")).to_have_count(5)

    # the category page names the category once
    page.goto(base + tents.get_absolute_url())
    expect(page).to_have_title("Tents & Shelters | Kontor Demo Store")
    expect(page.locator(".page-header h1")).to_have_text("Tents & Shelters")

    # the tile's button, then the checkout as a guest
    page.locator("article.product_pod .product-buy button").click()
    expect(page.locator(".alert-success").first).to_contain_text("Granite Dome Tent 2P")
    page.goto(base + "/checkout/")
    page.check("input[name=options][value=anonymous]")
    page.fill("#id_username", "gus@example.com")
    page.get_by_role("button", name="Continue").click()
    page.fill("#id_first_name", "Gus")
    page.fill("#id_last_name", "Guest")
    page.fill("#id_line1", "Heidestraße 17")
    page.fill("#id_line4", "Köln")
    page.fill("#id_postcode", "51147")
    page.select_option("#id_country", "DE")
    page.locator("#new_shipping_address button[type=submit]").click()

    # the delivery choice states the threshold with its currency
    standard = page.locator(".basket-items", has_text="Standard delivery")
    expect(standard.locator(".free-shipping")).to_have_text("Free on orders of €50.00 or more.")
    expect(standard).not_to_contain_text("of 50.00")
    expect(page.locator("#footer_legal a")).to_have_text(LEGAL_TITLES)
    standard.locator("button[type=submit]").click()
    page.check("input[value=test_card]")
    page.click("#choose_payment_method")
    page.fill("#id_number", "4242 4242 4242 4242")
    page.fill("#id_expiry", "12/30")
    page.fill("#id_cvc", "123")
    page.click("#view_preview")

    # the last step links the terms and the privacy policy beside the button
    legal = page.locator("#checkout_legal a")
    expect(legal).to_have_text(["Terms and conditions", "Privacy policy"])
    expect(legal.first).to_have_attribute("href", "/terms/")
    expect(legal.last).to_have_attribute("href", "/privacy/")
    expect(page.locator("#place-order")).to_be_visible()
    with page.context.expect_page() as opened:
        legal.first.click()
    terms = opened.value
    expect(terms.locator(".page-header h1")).to_have_text("Terms and conditions")
    terms.close()
    page.click("#place-order")
    expect(page.locator("body")).to_contain_text("Your order has been placed")


def test_a_phone_shows_one_hamburger_and_the_account_links_without_it(browser, live_server):
    seed_shop()
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(live_server.url + "/catalogue/")

        togglers = page.locator(".navbar-toggler")
        expect(togglers).to_have_count(1)
        expect(togglers).to_be_visible()
        expect(page.locator("#login_link")).to_be_visible()
        expect(page.locator("#order_status_link")).to_be_visible()
        search = page.locator("header input[name=q]")
        expect(search).to_be_hidden()
        togglers.click()
        expect(search).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


def test_a_missing_page_is_a_styled_404_with_a_way_back_to_the_shop(page: Page, live_server):
    seed_shop()
    base = live_server.url

    response = page.goto(base + "/no-such-page/")

    assert response is not None and response.status == 404
    expect(page).to_have_title("Page not found | Kontor Demo Store")
    expect(page.locator("#error_page h1")).to_have_text("We can't find that page")
    expect(page.locator(".brand-name")).to_have_text("Kontor Demo Store")
    expect(page.locator("#footer_legal a")).to_have_text(LEGAL_TITLES)
    page.click("#error_home_link")
    expect(page).to_have_url(base + "/catalogue/")
    expect(page.locator("article.product_pod")).to_have_count(1)


@pytest.mark.urls("shop.tests.test_storefront_pages")
def test_a_server_error_is_a_styled_page_with_a_way_back_to_the_shop(
    page: Page, live_server, settings
):
    settings.DEBUG = False
    seed_shop()
    base = live_server.url

    response = page.goto(base + "/broken/")

    assert response is not None and response.status == 500
    expect(page).to_have_title("Something went wrong | Kontor Demo Store")
    expect(page.locator("#error_page h1")).to_have_text("Something went wrong on our side")
    expect(page.locator(".brand-name")).to_have_text("Kontor Demo Store")
    # the storefront's style sheet applies (the sand background of kontor.css)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(246, 244, 240)"
    expect(page.locator("#footer_legal a")).to_have_text(LEGAL_TITLES)
    page.click("#error_home_link")
    expect(page).to_have_url(base + "/catalogue/")
