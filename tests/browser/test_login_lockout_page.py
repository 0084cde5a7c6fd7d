"""In Chromium: a customer locked out after failed logins reads how long to wait
and follows the link to reset the password; a registered customer's order looked
up by number and e-mail asks for a login, then shows the order."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.factories import ProductFactory, UserFactory, place_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"  # UserFactory's


def log_in(page: Page, email: str, password: str) -> None:
    page.fill("#id_login-username", email)
    page.fill("#id_login-password", password)
    page.click("button[name=login_submit]")


def test_a_locked_out_customer_is_told_how_long_to_wait_and_resets_the_password(
    page: Page, live_server
):
    UserFactory(username="erika", email="erika@example.com")
    for _ in range(5):
        page.goto(live_server.url + "/accounts/login/")
        log_in(page, "erika@example.com", "a wrong guess")

    expect(page.locator("#login_locked_out")).to_have_text(
        "Too many failed attempts; try again in 15 minutes or reset your password."
    )
    page.goto(live_server.url + "/accounts/login/")
    log_in(page, "erika@example.com", PASSWORD)  # the right one, still refused
    expect(page.locator("#login_locked_out")).to_be_visible()

    page.click("#locked_out_reset_password")
    page.fill("#id_email", "erika@example.com")
    page.click("#password_reset_form button[type=submit]")
    expect(page.locator("#password_reset_sent")).to_contain_text(
        "If an account uses the address you entered"
    )


def test_a_registered_customers_order_asks_for_a_login_then_shows_the_order(
    page: Page, live_server
):
    erika = UserFactory(username="erika", email="erika@example.com")
    tent = ProductFactory(title="Granite Tent", listing=Decimal("100.00"), stock=5)
    order = place_order([(tent, 1)], user=erika)

    page.goto(live_server.url + "/order-status/")
    page.fill("#id_order_number", order.number)
    page.fill("#id_email", "erika@example.com")
    page.click("#order_lookup_form button[type=submit]")

    expect(page.locator("body")).to_contain_text("This order belongs to a customer account")
    expect(page.locator("body")).not_to_contain_text("Granite Tent")
    log_in(page, "erika@example.com", PASSWORD)
    expect(page).to_have_url(live_server.url + f"/accounts/orders/{order.number}/")
    expect(page.locator("body")).to_contain_text("Granite Tent")
