"""In Chromium, under the Content-Security-Policy: the storefront (browse, product,
basket, every checkout step, the customer's account), the back office (index, a
change form, the fulfil page, a pick list) and the API docs report no policy
violation and no script error, and what their scripts do still happens."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from oscar.core.loading import get_model
from playwright.sync_api import Page, expect

from erp.permissions import SYSTEM
from inventory.services import stock_receive
from orders import statuses
from tests.factories import (
    ProductFactory,
    StaffFactory,
    UserFactory,
    WarehouseFactory,
    place_order,
)

Email = get_model("communication", "Email")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
    window.kontorCspViolation(
        `${event.violatedDirective} blocked ${event.blockedURI || "inline"} `
        + `at ${event.sourceFile}:${event.lineNumber} on ${document.location.pathname}`
    );
});
"""


@dataclass
class Problems:
    violations: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)


@pytest.fixture
def problems(page: Page) -> Iterator[Problems]:
    """Every CSP violation (the DOM event and Chromium's console report) and
    every uncaught script error of the page, across navigations."""
    found = Problems()
    page.expose_function("kontorCspViolation", lambda text: found.violations.append(text))
    page.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            found.violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: found.script_errors.append(str(error)))
    yield found


def assert_injected_inline_script_is_refused(page: Page, problems: Problems) -> None:
    """The policy is in force on this page, and this test sees it when it bites:
    an injected inline script and an inline handler do not run, and are reported."""
    seen = len(problems.violations)
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "document.body.dataset.injected = 'ran'";
            document.body.appendChild(script);
            const button = document.createElement("button");
            button.setAttribute("onclick", "document.body.dataset.clicked = 'ran'");
            document.body.appendChild(button);
            button.click();
        }"""
    )
    for _ in range(50):
        reported = problems.violations[seen:]
        if any("script-src-elem" in text for text in reported) and any(
            "script-src-attr" in text for text in reported
        ):
            break
        page.wait_for_timeout(100)
    assert page.evaluate("[document.body.dataset.injected, document.body.dataset.clicked]") == [
        None,
        None,
    ]
    reported = problems.violations[seen:]
    assert any(text.startswith("script-src-elem blocked inline") for text in reported), reported
    assert any(text.startswith("script-src-attr blocked inline") for text in reported), reported
    del problems.violations[seen:]  # expected: the canary's own reports


def stub_print(page: Page) -> None:
    """window.print() would open a dialog; record that it was called instead."""
    page.evaluate("window.print = () => { document.body.dataset.printed = 'yes'; }")


def log_in_to_the_shop(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("#id_login-username", email)
    page.fill("#id_login-password", "correct-horse-battery")
    page.click("button[name=login_submit]")
    expect(page.locator(".alert-success, .alert-info").first).to_be_visible()


def test_storefront_pages_run_their_scripts_without_a_policy_violation(
    page: Page, live_server, problems: Problems
):
    from shop.demo.countries import seed_countries
    from shop.demo.orders import seed_shipping_methods

    seed_countries()
    seed_shipping_methods()
    berlin = WarehouseFactory(code="BER-1", priority=1)
    tent = ProductFactory(
        title="Granite Dome Tent 2P",
        listing=Decimal("149.00"),
        description="<p>Two doors, <strong>two</strong> porches.</p>",
    )
    stock_receive(user=SYSTEM, product=tent, warehouse=berlin, quantity=5, unit_cost=Decimal(60))
    customer = UserFactory(username="erika", email="erika@example.com")
    open_order = place_order([(tent, 1)], user=customer)
    email = Email.objects.create(
        user=customer,
        subject="Your order",
        body_text="Thank you",
        body_html="<p>Thank you for your <strong>order</strong>.</p><script>alert(1)</script>",
    )
    base = live_server.url

    # browse: Bootstrap (a static file) opens the mini basket's menu
    page.goto(base + "/catalogue/")
    expect(page.locator("article.product_pod")).to_have_count(1)
    page.click(".basket-mini .dropdown-toggle")
    expect(page.locator(".basket-mini .dropdown-menu")).to_be_visible()

    # product: the nonced start-up script ran oscar.init(), which marks a
    # submitted button as busy while its request runs
    page.goto(base + tent.get_absolute_url())
    expect(page.locator(".product-description strong")).to_have_text("two")
    assert_injected_inline_script_is_refused(page, problems)
    button = page.locator("#add_to_basket_form button[type=submit]")
    page.evaluate(  # keep this first click on the page
        "document.getElementById('add_to_basket_form')"
        ".addEventListener('submit', (event) => event.preventDefault())"
    )
    button.click()
    expect(button).to_have_text("Adding...")
    expect(button).to_be_disabled()
    page.reload()
    page.locator("#add_to_basket_form button[type=submit]").click()
    expect(page.locator(".alert-success").first).to_contain_text("Granite Dome Tent 2P")

    # basket: oscar.basket.init() (nonced) opens the voucher form
    page.goto(base + "/basket/")
    expect(page.locator("#voucher_form_container")).to_be_hidden()
    page.click("#voucher_form_link a")
    expect(page.locator("#voucher_form_container")).to_be_visible()

    # checkout as a guest: oscar.checkout.gateway.init() (nonced) disables the
    # password box unless the shopper has an account
    page.goto(base + "/checkout/")
    page.check("input[name=options][value=existing]")
    expect(page.locator("#id_password")).to_be_enabled()
    page.check("input[name=options][value=anonymous]")
    expect(page.locator("#id_password")).to_be_disabled()
    page.fill("#id_username", "guest@example.com")
    page.get_by_role("button", name="Continue").click()
    page.fill("#id_first_name", "Gus")
    page.fill("#id_last_name", "Guest")
    page.fill("#id_line1", "Heidestraße 17")
    page.fill("#id_line4", "Köln")
    page.fill("#id_postcode", "51147")
    page.select_option("#id_country", "DE")
    page.locator("#new_shipping_address button[type=submit]").click()
    page.locator("form[action*='shipping-method'] button[type=submit]").first.click()
    page.check("input[value=test_card]")
    page.click("#choose_payment_method")
    page.fill("#id_number", "4242 4242 4242 4242")
    page.fill("#id_expiry", "12/30")
    page.fill("#id_cvc", "123")
    page.click("#view_preview")
    page.click("#place-order")
    expect(page.locator("body")).to_contain_text("Your order has been placed")

    # thank-you page: "Print this page" prints through static/js/kontor.js
    stub_print(page)
    page.click("a[data-behaviours=print]")
    expect(page.locator("body")).to_have_attribute("data-printed", "yes")

    # the customer's account: cancelling asks first (kontor.js, no onsubmit=)
    page.context.clear_cookies()
    log_in_to_the_shop(page, base, "erika@example.com")
    page.goto(base + "/accounts/")
    # the e-mail history shows the HTML in a sandboxed frame, its script not run
    page.goto(base + f"/accounts/emails/{email.pk}/")
    expect(page.frame_locator("#preview_box").locator("strong")).to_have_text("order")
    page.goto(base + f"/accounts/orders/{open_order.number}/")
    questions: list[str] = []

    def answer(dialog, accept: bool) -> None:
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    page.click("#cancel_order_form button[type=submit]")
    expect(page.locator("#order_status")).to_have_text(open_order.status)
    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    page.click("#cancel_order_form button[type=submit]")
    expect(page.locator("#order_status")).to_have_text(statuses.CANCELLED)
    assert questions == ["Cancel this order? This cannot be undone."] * 2

    assert problems.violations == []
    assert problems.script_errors == []


def test_back_office_pages_run_their_scripts_without_a_policy_violation(
    page: Page, live_server, problems: Problems
):
    StaffFactory(username="root", is_superuser=True)
    berlin = WarehouseFactory(code="BER-1", priority=1)
    tent = ProductFactory(title="Granite Dome Tent 2P", listing=Decimal("149.00"))
    stock_receive(user=SYSTEM, product=tent, warehouse=berlin, quantity=5, unit_cost=Decimal(60))
    order = place_order([(tent, 1)], user=UserFactory())
    base = live_server.url

    page.goto(base + "/admin/login/")
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", "correct-horse-battery")
    page.keyboard.press("Enter")
    expect(page).to_have_url(base + "/admin/")
    expect(page.locator("#site-name")).to_contain_text("Kontor back office")

    # index: the admin's theme switcher (a static file) changes the theme
    theme_before = page.evaluate("document.documentElement.dataset.theme || 'auto'")
    page.click("button.theme-toggle")
    expect(page.locator("html")).not_to_have_attribute("data-theme", theme_before)

    # a change form: the date widgets' "Today" shortcut fills the date
    page.goto(base + "/admin/offer/conditionaloffer/add/")
    shortcut = page.locator("#id_start_datetime_0 ~ .datetimeshortcuts a").first
    expect(shortcut).to_have_text("Today")
    shortcut.click()
    expect(page.locator("#id_start_datetime_0")).not_to_have_value("")
    assert_injected_inline_script_is_refused(page, problems)

    # the fulfil page and a pick list, whose Print link is kontor.js's
    page.goto(base + f"/admin/order/order/{order.pk}/fulfil/")
    expect(page.locator("#order-status")).to_have_text(statuses.READY)
    page.goto(base + f"/admin/order/order/pick-list/{berlin.pk}/")
    stub_print(page)
    page.click("a[data-behaviours=print]")
    expect(page.locator("body")).to_have_attribute("data-printed", "yes")

    assert problems.violations == []
    assert problems.script_errors == []


def test_the_api_docs_run_swagger_ui_without_a_policy_violation(
    page: Page, live_server, problems: Problems
):
    page.goto(live_server.url + "/api/docs/")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Kontor API")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    assert_injected_inline_script_is_refused(page, problems)

    assert problems.violations == []
    assert problems.script_errors == []
