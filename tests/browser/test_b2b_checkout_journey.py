"""In Chromium, a B2B buyer's whole order: the quantity break that applies is
highlighted as they type a quantity, the basket charges it net "excl. VAT" with
the VAT on its own line and no bogus price warning, checkout offers their
company's addresses and takes their PO number, and the confirmation shows it."""

from decimal import Decimal

import pytest
from oscar.core.loading import get_model
from playwright.sync_api import Page, expect

from crm.models import CompanyAddress, PriceListItem
from erp.permissions import SYSTEM
from inventory.services import stock_receive
from tests.factories import (
    CompanyFactory,
    ProductFactory,
    WarehouseFactory,
    buyer_for,
    shipping_address,
)

Order = get_model("order", "Order")
OrderAndItemCharges = get_model("shipping", "OrderAndItemCharges")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_buyer_sees_the_break_apply_orders_net_with_company_address_and_po_number(
    page: Page, live_server
):
    germany = shipping_address().country
    OrderAndItemCharges.objects.create(
        code="standard", name="Standard delivery", price_per_order=Decimal("4.95")
    )
    tent = ProductFactory(title="Granite Dome Tent 2P", listing=Decimal("119.00"))
    stock_receive(
        user=SYSTEM,
        product=tent,
        warehouse=WarehouseFactory(code="BER-1", priority=1),
        quantity=40,
        unit_cost=Decimal(20),
    )
    company = CompanyFactory(name="Alpine Outfitters GmbH", credit_limit=Decimal("5000.00"))
    for minimum, price in ((1, "80.00"), (5, "76.00"), (10, "72.00")):
        PriceListItem.objects.create(
            price_list=company.price_list, product=tent, min_quantity=minimum, price=price
        )
    CompanyAddress.objects.create(
        company=company,
        label="Head office",
        line1="Hauptstraße 1",
        postcode="80331",
        city="München",
        country=germany,
        is_billing=True,
        is_shipping=True,
    )
    CompanyAddress.objects.create(
        company=company,
        label="Warehouse Ulm",
        attention="Goods receiving",
        line1="Lagerstraße 3",
        postcode="89073",
        city="Ulm",
        country=germany,
    )
    buyer_for(company, "anna")
    base = live_server.url

    page.goto(base + "/accounts/login/")
    page.fill("#id_login-username", "anna@example.com")
    page.fill("#id_login-password", "correct-horse-battery")
    page.click("button[name=login_submit]")

    # product page: the break for the typed quantity is the highlighted row
    page.goto(base + tent.get_absolute_url())
    breaks = page.locator("#quantity_breaks tbody tr")
    expect(breaks).to_have_count(3)
    applies = page.locator("#quantity_breaks tbody tr.applies")
    expect(applies).to_have_count(1)
    expect(applies).to_contain_text("1+")
    expect(applies).to_contain_text("€80.00")
    quantity = page.locator("#add_to_basket_form #id_quantity")
    expect(quantity).to_have_value("1")
    quantity.fill("7")
    expect(applies).to_contain_text("5+")
    expect(applies).to_contain_text("€76.00")
    quantity.fill("12")
    expect(applies).to_have_count(1)
    expect(applies).to_contain_text("10+")
    expect(applies).to_contain_text("€72.00")
    expect(breaks.nth(0)).not_to_have_class("table-success applies")
    # the field sits beside the button, on one line
    field_box = quantity.bounding_box()
    button_box = page.locator("#add_to_basket_form button[type=submit]").bounding_box()
    assert field_box and button_box
    assert field_box["x"] + field_box["width"] <= button_box["x"]
    assert field_box["width"] >= 80  # room for the digits
    assert abs(field_box["y"] + field_box["height"] - (button_box["y"] + button_box["height"])) < 2
    # on a phone the field and the button still share a line inside the screen
    page.set_viewport_size({"width": 390, "height": 844})
    field_box = quantity.bounding_box()
    button_box = page.locator("#add_to_basket_form button[type=submit]").bounding_box()
    assert field_box and button_box
    assert field_box["x"] >= 0 and button_box["x"] + button_box["width"] <= 390
    assert field_box["x"] + field_box["width"] <= button_box["x"]
    assert abs(field_box["y"] - button_box["y"]) < 2
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("#add_to_basket_form button[type=submit]").click()

    # basket: charged the 10+ break, net and labelled, VAT on its own line, no warning
    page.goto(base + "/basket/")
    expect(page.locator("#content_inner")).not_to_contain_text("The price of")
    expect(page.locator(".alert-warning")).to_have_count(0)
    expect(page.locator("#price_basis")).to_have_text("excl. VAT")
    expect(page.locator("#basket_formset .price_color").first).to_contain_text("€72.00")
    expect(page.locator("#basket_formset")).to_contain_text("€864.00")
    expect(page.locator("#basket_total_excl_tax")).to_have_text("€864.00")
    expect(page.locator("#vat_total")).to_have_text("€164.16")
    expect(page.locator("#order_total")).to_contain_text("€1,033.11")
    expect(page.locator("#basket_totals")).to_contain_text("incl. VAT")

    # checkout: the company's addresses, then the PO number
    page.goto(base + "/checkout/")
    expect(page.locator("#company_addresses")).to_contain_text(
        "Addresses of Alpine Outfitters GmbH"
    )
    page.locator("label", has_text="Warehouse Ulm").click()
    page.select_option(
        "#company_billing_address", label="Head office: Hauptstraße 1, 80331 München"
    )
    page.click("#use_company_address")  # one shipping method: Oscar skips its step
    expect(page.locator("input[value=on_account]")).to_be_checked()
    page.fill("#id_customer_reference", "x" * 70)  # the field takes 64
    expect(page.locator("#id_customer_reference")).to_have_value("x" * 64)
    page.fill("#id_customer_reference", "PO-4711/ULM")
    page.click("#choose_payment_method")
    page.click("#view_preview")
    expect(page.locator("#customer_reference_summary")).to_have_text(
        "Your order reference: PO-4711/ULM"
    )
    expect(page.locator("#price_basis")).to_have_text("excl. VAT")
    expect(page.locator("#vat_total")).to_have_text("€164.16")
    page.click("#place-order")

    # confirmation: the reference, both addresses, net lines, VAT, gross total
    expect(page.locator("body")).to_contain_text("Your order has been placed")
    expect(page.locator("#customer_reference")).to_have_text("Your order reference: PO-4711/ULM")
    expect(page.locator("#billing_address")).to_contain_text("Hauptstraße 1")
    expect(page.locator("body")).to_contain_text("Lagerstraße 3")
    expect(page.locator("body")).to_contain_text("Attn. Goods receiving")
    expect(page.locator("#price_basis")).to_have_text("excl. VAT")
    expect(page.locator("#order_basket_total_excl_tax")).to_have_text("€864.00")
    expect(page.locator("#basket_totals")).to_contain_text("€164.16")
    expect(page.locator("#order_total_incl_tax")).to_have_text("€1,033.11")

    order = Order.objects.get()
    assert order.customer_reference == "PO-4711/ULM"
    assert (order.total_excl_tax, order.total_incl_tax) == (Decimal("868.95"), Decimal("1033.11"))
    assert order.shipping_address.line1 == "Lagerstraße 3"
    assert order.billing_address.line1 == "Hauptstraße 1"
