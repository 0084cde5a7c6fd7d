"""End to end in Chromium: a customer checks out, staff pick, pack and ship in
the back office, the customer's account page shows the tracking link, and
exactly one tracking e-mail went out."""

from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from erp.celery import app
from erp.permissions import SYSTEM
from inventory.services import stock_receive
from orders.models import Shipment
from tests.factories import ProductFactory, StaffFactory, UserFactory, WarehouseFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process, so the e-mail lands in Django's test outbox."""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def login(page: Page, url: str, username: str) -> None:
    page.goto(url)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct-horse-battery")
    page.keyboard.press("Enter")


def test_checkout_pick_pack_ship_then_tracking_on_the_account_page(
    page: Page, browser: Browser, live_server, eager_tasks
):
    berlin = WarehouseFactory(code="BER-1", priority=1)
    tent = ProductFactory(title="Granite Dome Tent 2P", listing=Decimal("149.00"))
    stock_receive(user=SYSTEM, product=tent, warehouse=berlin, quantity=5, unit_cost=Decimal(60))
    UserFactory(username="erika", email="erika@example.com", first_name="Erika")
    StaffFactory(username="wes", role="Warehouse")
    from shop.demo.countries import seed_countries
    from shop.demo.orders import seed_shipping_methods

    seed_countries()
    seed_shipping_methods()
    base = live_server.url

    # the customer shops and pays by (test) card
    page.goto(base + "/accounts/login/")
    page.fill("#id_login-username", "erika@example.com")
    page.fill("#id_login-password", "correct-horse-battery")
    page.click("button[name=login_submit]")
    page.goto(base + tent.get_absolute_url())
    page.click("#add_to_basket_form button[type=submit]")
    page.goto(base + "/checkout/")
    page.fill("#id_first_name", "Erika")
    page.fill("#id_last_name", "Mustermann")
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
    from oscar.core.loading import get_model

    order = get_model("order", "Order").objects.get()
    assert order.status == "Ready to fulfil"

    # the warehouse picks, packs and ships in the back office
    staff = browser.new_context().new_page()
    login(staff, base + f"/admin/order/order/{order.pk}/fulfil/", "wes")
    staff.click("input[value='Start picking']")
    expect(staff.locator("#order-status")).to_have_text("Picking")
    staff.click("#pack-BER-1 input[type=submit]")
    expect(staff.locator("#order-status")).to_have_text("Packed")
    staff.select_option("select[name=carrier]", label="DHL")
    staff.fill("input[name=tracking_number]", "JJD0099887766")
    staff.click("input[value=Ship]")
    expect(staff.locator("#order-status")).to_have_text("Shipped")

    # the customer sees the parcel and its tracking link
    page.goto(base + f"/accounts/orders/{order.number}/")
    link = page.get_by_role("link", name="JJD0099887766")
    expect(link).to_be_visible()
    assert "piececode=JJD0099887766" in (link.get_attribute("href") or "")
    assert Shipment.objects.get().tracking_email_sent_at is not None
    subjects = [message.subject for message in mail.outbox]
    tracking = [m for m in mail.outbox if m.subject == f"Your order {order.number} is on its way"]
    assert len(tracking) == 1, subjects  # besides Oscar's order confirmation
    assert len(mail.outbox) == 2, subjects
    assert tracking[0].to == ["erika@example.com"]
    assert "JJD0099887766" in tracking[0].body
