"""In Chromium: the fulfil page shows each parcel's packing-slip link to the
warehouse, the link answers a PDF of that parcel in the staff member's
session, and a Sales login sees no link and is refused the slip."""

from decimal import Decimal
from io import BytesIO

import pytest
from pdfminer.high_level import extract_text
from playwright.sync_api import Browser, Page, expect

from erp.permissions import SYSTEM
from inventory.services import stock_receive
from orders.models import Carrier
from orders.services import shipment_pack, shipment_ship
from tests.factories import ProductFactory, StaffFactory, WarehouseFactory, place_order

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def login(page: Page, url: str, username: str) -> None:
    page.goto(url)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct-horse-battery")
    page.keyboard.press("Enter")


def test_the_warehouse_prints_a_parcels_packing_slip_from_the_fulfil_page(
    page: Page, browser: Browser, live_server
):
    berlin = WarehouseFactory(code="BER-1", name="Berlin warehouse", priority=1)
    tent = ProductFactory(title="Granite Dome Tent 2P", listing=Decimal("149.00"))
    stock_receive(user=SYSTEM, product=tent, warehouse=berlin, quantity=5, unit_cost=Decimal(60))
    order = place_order([(tent, 2)], customer_reference="PO-4711-A")
    parcel = shipment_pack(
        user=SYSTEM, order=order, warehouse=berlin, quantities={order.lines.get().pk: 2}
    )
    shipment_ship(
        user=SYSTEM,
        shipment=parcel,
        carrier=Carrier.objects.get(code="dhl"),
        tracking_number="JJD0099887766",
    )
    StaffFactory(username="wes", role="Warehouse")
    StaffFactory(username="sam", role="Sales")
    fulfil = f"{live_server.url}/admin/order/order/{order.pk}/fulfil/"

    login(page, fulfil, "wes")
    link = page.locator(f"#shipment-{parcel.pk} a.packing-slip")
    expect(link).to_have_text("Packing slip (PDF)")
    expect(link).to_be_visible()
    href = link.get_attribute("href") or ""
    slip = page.request.get(live_server.url + href)

    sales = browser.new_context().new_page()
    login(sales, fulfil, "sam")
    expect(sales.locator("h2", has_text="Parcels")).to_be_visible()
    refused = sales.request.get(live_server.url + href)

    assert href == f"/admin/order/order/{order.pk}/parcels/{parcel.pk}/packing-slip/"
    assert (slip.status, slip.headers["content-type"]) == (200, "application/pdf")
    text = extract_text(BytesIO(slip.body()))
    assert order.number in text and "PO-4711-A" in text and "Granite Dome Tent 2P" in text
    assert "149.00" not in text and "298.00" not in text and "EUR" not in text
    assert sales.locator("a.packing-slip").count() == 0
    assert refused.status == 403
