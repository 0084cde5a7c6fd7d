"""Purchase order PDFs carry what a supplier needs to fill the order, each in its
place, and lay out whatever the forms accept: long names and addresses wrap,
long orders flow onto more pages, nothing overlaps, nothing is cut off.

Read back with pdfminer as the invoice tests do (``accounting/tests/test_pdf_layout``)."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from accounting.tests.test_pdf_layout import (
    A4_HEIGHT,
    A4_WIDTH,
    CYRILLIC,
    FIELD,
    GREEK,
    LATIN_EXTENDED,
    MM,
    detail,
    filled,
    only,
    overlapping_glyphs,
    printed_text,
    rows_below,
    text_lines,
)
from purchasing.models import PurchaseOrder, PurchaseOrderLine, Supplier
from purchasing.pdf import purchase_order_pdf
from purchasing.webhook_payloads import purchase_order_payload
from tests.factories import ProductFactory, StaffFactory, UserFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

SELLER = {
    "SELLER_LEGAL_NAME": "Kontor Outdoor Handels GmbH",
    "SELLER_ADDRESS": "Musterstraße 12\n10115 Berlin\nGermany",
    "SELLER_VAT_ID": "DE123456789",
    "SELLER_REGISTRATION": "Amtsgericht Charlottenburg HRB 123456 B",
}


def purchase_order(
    *,
    supplier_name: str = "Alpine Gear Manufacturing AG",
    supplier_address: str = "Industriestrasse 4\n6300 Zug\nSwitzerland",
    lines: list[tuple[str, str, int, Decimal]] | None = None,
    notes: str = "",
    warehouse_address: str = "Lagerweg 1\n14979 Großbeeren\nGermany",
) -> PurchaseOrder:
    """A purchase order as the purchasing services store it (rows only: the PDF
    draws what is there, whatever state the order is in)."""
    code = uuid.uuid4().hex[:8].upper()
    supplier = Supplier.objects.create(
        code=code,
        name=supplier_name,
        tax_id="CHE-123.456.789 MWST",
        address=supplier_address,
        email="orders@alpine.example",
        payment_terms_days=30,
    )
    warehouse = WarehouseFactory(name="Berlin central warehouse", address=warehouse_address)
    order = PurchaseOrder.objects.create(
        number=f"PO-2026-{uuid.uuid4().int % 1_000_000:06d}",
        supplier=supplier,
        warehouse=warehouse,
        currency="EUR",
        order_date=date(2026, 12, 1),
        expected_date=date(2026, 12, 15),
        payment_terms_days=30,
        notes=notes,
    )
    for title, supplier_sku, quantity, unit_cost in lines or [
        ("Granite Tent", "AG-T-100", 10, Decimal("120.50")),
        ("Summit Sleeping Bag", "AG-S-7", 4, Decimal("45.1250")),
    ]:
        product = ProductFactory(title=title)
        PurchaseOrderLine.objects.create(
            order=order,
            product=product,
            supplier_sku=supplier_sku,
            quantity=quantity,
            unit_cost=unit_cost,
        )
    return order


def sku_of(order: PurchaseOrder, title: str) -> str:
    line = order.lines.get(product__title=title)
    return line.product.stockrecords.get().partner_sku


def test_a_purchase_order_carries_buyer_supplier_delivery_lines_total_and_terms_each_in_its_place():
    with override_settings(**SELLER):
        order = purchase_order(notes="Deliver to gate 3, weekdays 7-15 h.")
        pdf = purchase_order_pdf(order)

    boxes = text_lines(pdf)
    supplier_label = only(boxes, "Supplier")
    deliver_to = only(boxes, "Deliver to")
    heading = only(boxes, f"Purchase order {order.number}")
    # our company as buyer in the letterhead's left column
    buyer = [
        only(boxes, "Musterstraße 12, 10115 Berlin, Germany"),
        only(boxes, "VAT ID DE123456789"),
        only(boxes, "Amtsgericht Charlottenburg HRB 123456 B"),
    ]
    assert all(box.x0 < 100 * MM and box.y0 > supplier_label.y1 for box in buyer)
    # the supplier below "Supplier", in this order, then where to deliver, then the heading
    supplier = [
        only(boxes, "Alpine Gear Manufacturing AG"),
        only(boxes, "Industriestrasse 4"),
        only(boxes, "6300 Zug"),
        only(boxes, "Switzerland"),
        only(boxes, "VAT ID CHE-123.456.789 MWST"),
        only(boxes, "orders@alpine.example"),
    ]
    delivery = [
        deliver_to,
        only(boxes, "Berlin central warehouse"),
        only(boxes, "Lagerweg 1"),
        only(boxes, "14979 Großbeeren"),
    ]
    tops = [box.y1 for box in [supplier_label, *supplier, *delivery, heading]]
    assert tops == sorted(tops, reverse=True)
    details = {
        label: detail(boxes, label)
        for label in ("Purchase order", "Order date", "Expected", "Terms", "Currency")
    }
    assert details == {
        "Purchase order": order.number,
        "Order date": "01 Dec 2026",
        "Expected": "15 Dec 2026",
        "Terms": "Net 30 days",
        "Currency": "EUR",
    }
    table = only(boxes, "Our SKU")
    assert rows_below(boxes, heading)[:5] == [
        ["Our SKU", "Supplier SKU", "Description", "Qty", "Unit cost", "Amount"],
        [
            sku_of(order, "Granite Tent"),
            "AG-T-100",
            "Granite Tent",
            "10",
            "120.50 EUR",
            "1,205.00 EUR",
        ],
        [
            sku_of(order, "Summit Sleeping Bag"),
            "AG-S-7",
            "Summit Sleeping Bag",
            "4",
            "45.125 EUR",
            "180.50 EUR",
        ],
        ["Total", "1,385.50 EUR"],
        ["Net of VAT"],
    ]
    below_table = [
        only(boxes, "Payment terms: Net 30 days from the date of your bill."),
        only(boxes, "Please deliver by 15 Dec 2026."),
        only(boxes, f"Quote {order.number} on your delivery note and your bill."),
        only(boxes, "Notes"),
        only(boxes, "Deliver to gate 3, weekdays 7-15 h."),
    ]
    assert all(box.y1 < table.y0 for box in below_table)
    footer = [box.text for box in boxes if box.y0 < 15 * MM]
    assert footer == [
        "Kontor Outdoor Handels GmbH · VAT ID DE123456789"
        " · Amtsgericht Charlottenburg HRB 123456 B",
        f"Purchase order {order.number} · page 1",
    ]
    assert overlapping_glyphs(pdf) == []


def test_the_longest_supplier_names_addresses_and_descriptions_wrap_without_overlapping():
    address = "\n".join(
        [
            filled(CYRILLIC),
            filled(GREEK),
            filled(LATIN_EXTENDED),
            "X" * FIELD,  # a line without a single space must still wrap
            filled("Postfach") + " " + "9" * 64,
        ]
    )
    order = purchase_order(
        supplier_name=filled("Ανώνυμη Εταιρεία Εξοπλισμού Βουνού Müller-Lüdenscheidt"),
        supplier_address=address,
        warehouse_address=filled("Lagerweg 1, Halle 7, Tor 12, 14979 Großbeeren"),
        lines=[
            (
                filled(f"Expedition tent {number} with vestibule, footprint and repair kit"),
                "S" * 64,
                1234,
                Decimal("1234.5678"),
            )
            for number in range(3)
        ],
        notes=filled("Call before delivery; pallets no higher than 1.8 m. ", 2000),
    )

    pdf = purchase_order_pdf(order)

    assert overlapping_glyphs(pdf) == []
    boxes = text_lines(pdf)
    assert [box.text[:40] for box in boxes if box.x0 < 0 or box.x1 > A4_WIDTH] == []
    assert [box for box in boxes if box.y0 < 0 or box.y1 > A4_HEIGHT] == []
    everything = printed_text(pdf)
    supplier_sku_column = printed_text(pdf, left_mm=15 + 36, right_mm=15 + 64)
    description_column = printed_text(pdf, left_mm=15 + 64, right_mm=15 + 110)
    for entered in [order.supplier.name, *address.splitlines(), order.notes]:
        assert "".join(entered.split()) in everything, entered[:40]
    for line in order.lines.all():
        assert "".join(line.product.title.split()) in description_column
        assert line.supplier_sku in supplier_sku_column
    heading = only(boxes, f"Purchase order {order.number}")
    greek = [box for box in boxes if box.text.startswith("Οδός")]
    assert greek and heading.y1 <= min(box.y0 for box in greek)


def test_a_long_purchase_order_flows_onto_more_pages_and_repeats_the_table_heading():
    order = purchase_order(
        lines=[
            (filled(f"Trail lamp model {number} with spare batteries", 120), "", 5, Decimal("9.99"))
            for number in range(60)
        ]
    )

    pdf = purchase_order_pdf(order)

    boxes = text_lines(pdf)
    pages = max(box.page for box in boxes)
    assert pages >= 3
    table_pages = {box.page for box in boxes if "Trail lamp model" in box.text}
    assert table_pages <= {box.page for box in boxes if box.text == "Our SKU"}
    assert any(box.text == "Total" for box in boxes if box.page in (pages - 1, pages))
    assert only(boxes, "2,997.00 EUR").page >= pages - 1
    assert overlapping_glyphs(pdf) == []


def test_line_amounts_and_the_total_are_rounded_as_the_api_and_webhooks_round_them():
    order = purchase_order(
        lines=[
            ("Tent pegs", "P-1", 3, Decimal("0.0150")),
            ("Guy line", "G-1", 1, Decimal("0.0050")),
        ]
    )

    boxes = text_lines(purchase_order_pdf(order))

    rows = rows_below(boxes, only(boxes, f"Purchase order {order.number}"))
    assert [row[-2:] for row in rows[1:4]] == [
        ["0.015 EUR", "0.05 EUR"],  # 0.045, half up
        ["0.005 EUR", "0.01 EUR"],
        ["Total", "0.06 EUR"],
    ]
    assert purchase_order_payload(order)["total"] == {"amount": "0.06", "currency": "EUR"}


def test_zero_payment_days_print_as_due_on_receipt():
    order = purchase_order()
    PurchaseOrder.objects.filter(pk=order.pk).update(payment_terms_days=0)
    order.refresh_from_db()

    boxes = text_lines(purchase_order_pdf(order))

    assert detail(boxes, "Terms") == "Due on receipt"


# --- the staff download ------------------------------------------------------------


def pdf_url(order: PurchaseOrder) -> str:
    return reverse("purchasing-documents:purchase-order-pdf", args=[order.number])


@pytest.mark.parametrize("role", ["Purchasing", "Warehouse", "Accounting", "Manager"])
def test_staff_who_see_purchase_orders_download_the_pdf_the_supplier_got(role):
    order = purchase_order()
    client = Client()
    client.force_login(StaffFactory(role=role))

    response = client.get(pdf_url(order))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{order.number}.pdf"'
    assert printed_text(response.content) == printed_text(purchase_order_pdf(order))


@pytest.mark.parametrize("role", ["Sales", "HR"])
def test_other_staff_are_refused_the_pdf_and_visitors_sent_to_log_in(role):
    order = purchase_order()
    client = Client()
    client.force_login(StaffFactory(role=role))

    assert client.get(pdf_url(order)).status_code == 403
    visitor = Client().get(pdf_url(order))
    assert visitor.status_code == 302 and visitor["Location"].startswith("/admin/login/")


def test_a_customer_is_refused_and_an_unknown_number_is_not_found():
    order = purchase_order()
    customer = Client()
    customer.force_login(UserFactory())
    buyer = Client()
    buyer.force_login(StaffFactory(role="Purchasing"))

    assert customer.get(pdf_url(order)).status_code == 403
    missing = reverse("purchasing-documents:purchase-order-pdf", args=["PO-1999-000001"])
    assert buyer.get(missing).status_code == 404
