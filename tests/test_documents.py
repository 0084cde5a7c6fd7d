"""The documents of an order: its invoice bills the right party with what an EU
invoice must carry, and each parcel has a packing slip (items, quantities,
order number and reference, ship-to address, no prices) that the staff who
fulfil print from the fulfil page; anyone else is refused.

PDFs are read back with pdfminer (``accounting/tests/test_pdf_layout.py``)."""

import os
import re
import subprocess
import sys
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import override_settings

from accounting.pdf import invoice_pdf
from accounting.tests.test_pdf_layout import (
    MM,
    detail,
    only,
    overlapping_glyphs,
    printed_text,
    rows_below,
    text_lines,
)
from erp.permissions import SYSTEM, PermissionRefused
from inventory.services import stock_receive
from orders.models import Carrier
from orders.packing_slip import packing_slip_pdf
from orders.services import shipment_pack, shipment_ship
from tests.factories import (
    CompanyFactory,
    ProductFactory,
    StaffFactory,
    UserFactory,
    WarehouseFactory,
    buyer_for,
    place_order,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def berlin():
    return WarehouseFactory(code="BER-1", name="Berlin warehouse", priority=1)


@pytest.fixture
def goods(berlin):
    tent = ProductFactory(title="Granite Tent", upc="4006381333931", listing=Decimal("119.00"))
    stove = ProductFactory(title="Alpine Stove", upc="4006381333948", listing=Decimal("59.50"))
    for product in (tent, stove):
        stock_receive(
            user=SYSTEM, product=product, warehouse=berlin, quantity=20, unit_cost=Decimal("30")
        )
    return tent, stove


def ship(order, warehouse, quantities, tracking="JJD0001"):
    parcel = shipment_pack(user=SYSTEM, order=order, warehouse=warehouse, quantities=quantities)
    return shipment_ship(
        user=SYSTEM,
        shipment=parcel,
        carrier=Carrier.objects.get(code="dhl"),
        tracking_number=tracking,
    )


def test_a_consumers_invoice_carries_the_order_reference_and_the_name_once(goods, berlin):
    tent, _stove = goods
    order = place_order([(tent, 1)], user=UserFactory(), customer_reference="PO-4711-A")

    parcel = ship(order, berlin, {order.lines.get().pk: 1})

    invoice = order.invoices.get()
    assert (invoice.billing_name, invoice.billing_address) == (
        "Erika Mustermann",
        "Heidestraße 17\nKöln\n51147\nGermany",
    )
    assert (invoice.customer_reference, invoice.buyer_vat_id, invoice.source) == (
        "PO-4711-A",
        "",
        f"shipment:{parcel.pk}",
    )
    pdf = invoice_pdf(invoice)
    assert detail(text_lines(pdf), "Your reference") == "PO-4711-A"
    assert printed_text(pdf).count("ErikaMustermann") == 1


def test_a_business_buyers_invoice_bills_the_company_with_its_vat_id(goods, berlin):
    tent, _stove = goods
    company = CompanyFactory(
        name="Bergwerk Outdoor GmbH",
        tax_id="DE811907980",
        billing_address="Bergwerk Outdoor GmbH\nIndustriestraße 1\n70565 Stuttgart\nGermany",
        payment_terms=30,
    )
    order = place_order(
        [(tent, 2)],
        user=buyer_for(company, "bea"),
        payment_method="on_account",
        customer_reference="PO-2026-118",
    )

    ship(order, berlin, {order.lines.get().pk: 2})

    invoice = order.invoices.get()
    assert (invoice.billing_name, invoice.billing_address, invoice.buyer_vat_id) == (
        "Bergwerk Outdoor GmbH",
        "Industriestraße 1\n70565 Stuttgart\nGermany",
        "DE811907980",
    )
    assert (invoice.payment_terms, (invoice.due_date - invoice.issue_date).days) == ("Net 30", 30)
    boxes = text_lines(invoice_pdf(invoice))
    assert only(boxes, "VAT ID DE811907980").y1 < only(boxes, "Industriestraße 1").y0
    assert detail(boxes, "Your reference") == "PO-2026-118"
    assert printed_text(invoice_pdf(invoice)).count("BergwerkOutdoorGmbH") == 1


def test_a_packing_slip_lists_the_parcels_items_reference_and_ship_to_without_prices(goods, berlin):
    tent, stove = goods
    order = place_order([(tent, 3), (stove, 1)], customer_reference="PO-4711-A")
    tent_line, stove_line = order.lines.get(product=tent), order.lines.get(product=stove)
    ship(order, berlin, {tent_line.pk: 1}, tracking="JJD0001")
    second = ship(order, berlin, {tent_line.pk: 2, stove_line.pk: 1}, tracking="JJD0002")

    with override_settings(SELLER_LEGAL_NAME="Kontor Outdoor Handels GmbH"):
        pdf = packing_slip_pdf(shipment=second, user=StaffFactory(role="Warehouse"))

    boxes = text_lines(pdf)
    heading = only(boxes, f"Packing slip for order {order.number}")
    details = {
        label: detail(boxes, label)
        for label in ("Order", "Your reference", "Parcel", "Packed", "From", "Carrier")
    }
    assert details == {
        "Order": order.number,
        "Your reference": "PO-4711-A",
        "Parcel": "2 of 2",
        "Packed": f"{second.packed_at:%d %b %Y}",
        "From": "Berlin warehouse",
        "Carrier": "DHL JJD0002",
    }
    ship_to = [
        only(boxes, "Ship to"),
        only(boxes, "Erika Mustermann"),
        only(boxes, "Heidestraße 17"),
        only(boxes, "Köln"),
        only(boxes, "51147"),
        only(boxes, "Germany"),
    ]
    tops = [box.y1 for box in ship_to]
    assert tops == sorted(tops, reverse=True)
    assert all(box.y0 > heading.y1 and box.x0 < 100 * MM for box in ship_to)
    assert rows_below(boxes, heading)[:4] == [
        ["SKU", "Item", "Qty"],
        ["SKU-4006381333931", "Granite Tent", "2"],
        ["SKU-4006381333948", "Alpine Stove", "1"],
        ["3 items in this parcel"],
    ]
    everything = " ".join(box.text for box in boxes)
    assert "Kontor Outdoor Handels GmbH" in everything
    assert re.findall(r"EUR|€|\d+[.,]\d\d\b", everything) == []
    assert overlapping_glyphs(pdf) == []


def test_only_the_staff_who_fulfil_may_print_a_packing_slip(goods, berlin):
    tent, _stove = goods
    order = place_order([(tent, 1)])
    parcel = ship(order, berlin, {order.lines.get().pk: 1})

    for role in ("Sales", "Accounting", "HR"):
        with pytest.raises(PermissionRefused, match="print packing slips"):
            packing_slip_pdf(shipment=parcel, user=StaffFactory(role=role))
    with pytest.raises(PermissionRefused):
        packing_slip_pdf(shipment=parcel, user=order.user)
    assert packing_slip_pdf(shipment=parcel, user=StaffFactory(role="Manager")).startswith(b"%PDF")


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.slips: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and "packing-slip" in (found.get("class") or "").split():
            self.slips.append((found["href"] or "", found.get("target") or ""))


def slip_links(html: str) -> list[tuple[str, str]]:
    parser = Links()
    parser.feed(html)
    return parser.slips


def test_the_fulfil_page_links_each_parcels_slip_which_downloads_as_a_pdf(client, goods, berlin):
    tent, stove = goods
    order = place_order([(tent, 1), (stove, 1)], customer_reference="PO-4711-A")
    first = ship(order, berlin, {order.lines.get(product=tent).pk: 1}, tracking="JJD1")
    second = shipment_pack(
        user=SYSTEM,
        order=order,
        warehouse=berlin,
        quantities={order.lines.get(product=stove).pk: 1},
    )
    client.force_login(StaffFactory(username="wes", role="Warehouse"))

    page = client.get(f"/admin/order/order/{order.pk}/fulfil/")
    links = slip_links(page.content.decode())
    downloads = [client.get(href) for href, _target in links]

    assert links == [
        (f"/admin/order/order/{order.pk}/parcels/{first.pk}/packing-slip/", "_blank"),
        (f"/admin/order/order/{order.pk}/parcels/{second.pk}/packing-slip/", "_blank"),
    ]
    assert [(r.status_code, r["Content-Type"]) for r in downloads] == [
        (200, "application/pdf"),
        (200, "application/pdf"),
    ]
    assert downloads[1]["Content-Disposition"] == (
        f'inline; filename="packing-slip-{order.number}-2.pdf"'
    )
    slip = text_lines(downloads[1].content)
    assert detail(slip, "Parcel") == "2 of 2"
    assert only(slip, "SKU-4006381333948").text == "SKU-4006381333948"


def test_other_roles_see_no_slip_link_and_get_403_and_a_wrong_parcel_404(client, goods, berlin):
    tent, _stove = goods
    order = place_order([(tent, 1)])
    parcel = ship(order, berlin, {order.lines.get().pk: 1})
    other = place_order([(tent, 1)])
    url = f"/admin/order/order/{order.pk}/parcels/{parcel.pk}/packing-slip/"

    client.force_login(StaffFactory(username="sam", role="Sales"))
    page = client.get(f"/admin/order/order/{order.pk}/fulfil/")
    refused = client.get(url)
    client.force_login(StaffFactory(username="wes", role="Warehouse"))
    elsewhere = client.get(f"/admin/order/order/{other.pk}/parcels/{parcel.pk}/packing-slip/")

    assert (page.status_code, slip_links(page.content.decode())) == (200, [])
    assert (refused.status_code, refused["Content-Type"].startswith("text/html")) == (403, True)
    assert elsewhere.status_code == 404


SELLER_SETTINGS = (
    "SELLER_LEGAL_NAME",
    "SELLER_ADDRESS",
    "SELLER_VAT_ID",
    "SELLER_REGISTRATION",
    "SELLER_BANK_IBAN",
    "SELLER_BANK_BIC",
)


def test_the_seller_comes_from_the_environment_with_demo_defaults_and_is_documented(tmp_path):
    inherited = {
        key: value
        for key, value in os.environ.items()
        if key != "DJANGO_ALLOW_ASYNC_UNSAFE" and not key.startswith(("SELLER_", "BANK_"))
    }
    shown = "; ".join(f"print(repr(s.{name}))" for name in SELLER_SETTINGS)

    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            f"from django.conf import settings as s; {shown}",
        ],
        cwd=settings.BASE_DIR,
        env={
            **inherited,
            "ERP_VAR_DIR": str(tmp_path / "var"),
            "SELLER_LEGAL_NAME": "Nordlicht Outdoor AG",
            "SELLER_ADDRESS": r"Hafenstraße 1\n20457 Hamburg\nGermany",
            "SELLER_VAT_ID": "",  # blank: the demo default
            "BANK_BIC": "HASPDEHHXXX",  # the older name, read when SELLER_BANK_BIC is unset
        },
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-6:] == [
        "'Nordlicht Outdoor AG'",
        "'Hafenstraße 1\\n20457 Hamburg\\nGermany'",
        "'DE123456789'",
        "'Amtsgericht Berlin-Charlottenburg HRB 123456 B'",
        "'DE89 3704 0044 0532 0130 00'",
        "'HASPDEHHXXX'",
    ]
    readme = (settings.BASE_DIR / "README.md").read_text()
    example = (settings.BASE_DIR / ".env.example").read_text()
    assert [name for name in SELLER_SETTINGS if f"`{name}`" not in readme] == []
    assert [name for name in SELLER_SETTINGS if f"\n{name}=" not in example] == []
