"""Invoice PDFs lay out whatever the forms accept: every text block wraps, the
layout flows down and onto further pages, nothing overlaps, nothing is cut off,
and non-Latin names and addresses print with their own letters.

The PDF is read back with pdfminer: each text line's box on each page."""

import uuid
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings
from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTChar, LTTextContainer, LTTextLine

from accounting.models import Invoice
from accounting.pdf import invoice_pdf
from accounting.services import Customer, InvoiceLineData, credit_note_issue, invoice_issue

pytestmark = pytest.mark.django_db

A4_WIDTH, A4_HEIGHT = 595.28, 841.89  # points
# Oscar's address form: name parts, four lines, state of 255 characters each
FIELD = 255
CYRILLIC = "Улица Независимости дом семнадцать корпус два"
GREEK = "Οδός Ερμού δεκαεπτά Αθήνα"
LATIN_EXTENDED = "Łódź Żółć Größe Ærø Şişli Čačak Đà Nẵng"


@dataclass(frozen=True)
class Box:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    def overlaps(self, other: "Box", tolerance: float = 0.3) -> bool:
        return (
            self.page == other.page
            and self.x0 < other.x1 - tolerance
            and other.x0 < self.x1 - tolerance
            and self.y0 < other.y1 - tolerance
            and other.y0 < self.y1 - tolerance
        )


def text_lines(pdf: bytes) -> list[Box]:
    # char_margin small: two blocks side by side stay two lines, so overlaps show
    params = LAParams(char_margin=1.0, line_margin=0.0, word_margin=0.1)
    boxes = []
    for number, page in enumerate(extract_pages(BytesIO(pdf), laparams=params), start=1):
        for element in page:
            if not isinstance(element, LTTextContainer):
                continue
            for line in element:
                if isinstance(line, LTTextLine) and line.get_text().strip():
                    boxes.append(Box(number, *line.bbox, line.get_text().strip()))
    return boxes


def glyphs(pdf: bytes) -> list[Box]:
    """Every printed character's box: two texts drawn over each other show up
    here even where the layout analysis would merge them into one line."""
    boxes = []
    for number, page in enumerate(extract_pages(BytesIO(pdf)), start=1):
        stack = list(page)
        while stack:
            element = stack.pop()
            if isinstance(element, LTChar):
                if element.get_text().strip():
                    boxes.append(Box(number, *element.bbox, element.get_text()))
            elif hasattr(element, "__iter__"):
                stack.extend(element)
    return boxes


def overlapping_glyphs(pdf: bytes) -> list[tuple[str, str]]:
    """Pairs of characters whose boxes intersect (compared within bands of height)."""
    bands: dict[tuple[int, int], list[Box]] = {}
    for box in glyphs(pdf):
        for band in range(int(box.y0 // 10), int(box.y1 // 10) + 1):
            bands.setdefault((box.page, band), []).append(box)
    found = set()
    for members in bands.values():
        members.sort(key=lambda box: box.x0)
        for index, first in enumerate(members):
            for second in members[index + 1 :]:
                if second.x0 >= first.x1:
                    break
                # glyph boxes of neighbours in one word may touch; a real overlap
                # is a sizeable intersection in both directions
                if first.overlaps(second, tolerance=1.0):
                    found.add((f"{first.text}@{first.x0:.0f},{first.y0:.0f}", second.text))
    return sorted(found)


def filled(words: str, length: int = FIELD) -> str:
    """``words`` repeated to exactly ``length`` characters."""
    return ((words + " ") * (length // len(words) + 1))[:length].strip()


def longest_invoice(lines: int = 3) -> Invoice:
    address = "\n".join(
        [
            filled(CYRILLIC),
            filled(GREEK),
            filled(LATIN_EXTENDED),
            "X" * FIELD,  # a line without a single space must still wrap
            filled("Building 7, staircase B, floor 12, door 1204"),
            filled("Postfach") + " " + "9" * 64,
            filled("Bosnia and Herzegovina"),
        ]
    )
    return invoice_issue(
        source=f"test:{uuid.uuid4().hex}",
        customer=Customer(
            email=f"{'a' * 64}@{'example-' * 20}.com"[:254],
            name=filled("Анна-Мария Παπαδοπούλου Müller-Lüdenscheidt"),
            address=address,
        ),
        lines=[
            InvoiceLineData(
                filled(f"Expedition tent {number} with vestibule, footprint and repair kit"),
                Decimal("3"),
                Decimal("1234.5678"),
                tax_rate=Decimal("0.19"),
                sku=f"SKU-{number:04d}-{'Z' * 40}",
            )
            for number in range(lines)
        ],
        due_in_days=30,
        terms="Net 30",
        order_number="100042",
    )


def test_a_seven_line_address_ends_above_the_heading():
    invoice = invoice_issue(
        source=f"test:{uuid.uuid4().hex}",
        customer=Customer(
            email="ada@example.com",
            name="Ada Lovelace",
            address=(
                "Analytical Engines Ltd\nAttn. Accounts Payable\nBuilding 7, floor 3\n"
                "12 Difference Street\nMarylebone\nLondon NW1 6XE\nUnited Kingdom"
            ),
        ),
        lines=[InvoiceLineData("Granite Tent", Decimal("1"), Decimal("188.95"))],
    )
    pdf = invoice_pdf(invoice)

    assert overlapping_glyphs(pdf) == []
    boxes = text_lines(pdf)
    heading = next(box for box in boxes if box.text == f"Invoice {invoice.number}")
    country = next(box for box in boxes if box.text == "United Kingdom")
    assert heading.y1 <= country.y0


def test_the_longest_address_and_item_names_wrap_without_overlapping_anything():
    invoice = longest_invoice()

    pdf = invoice_pdf(invoice)

    assert overlapping_glyphs(pdf) == []
    boxes = text_lines(pdf)
    outside = [box.text[:40] for box in boxes if box.x0 < 0 or box.x1 > A4_WIDTH]
    assert outside == []
    assert [box for box in boxes if box.y0 < 0 or box.y1 > A4_HEIGHT] == []


MM = 72 / 25.4  # points per millimetre


def printed_text(pdf: bytes, *, left_mm: float = 0, right_mm: float = 210) -> str:
    """The characters printed between two x positions, page by page, top line
    first, without whitespace and without the footer."""
    inside = [
        box
        for box in glyphs(pdf)
        if box.x0 >= left_mm * MM - 0.5 and box.x1 <= right_mm * MM + 0.5 and box.y0 > 15 * MM
    ]
    lines: dict[tuple[int, float], list[Box]] = {}
    for box in inside:
        lines.setdefault((box.page, round(box.y0, 0)), []).append(box)
    ordered = sorted(lines.items(), key=lambda item: (item[0][0], -item[0][1]))
    return "".join(
        "".join(box.text for box in sorted(members, key=lambda box: box.x0))
        for _, members in ordered
    )


def test_nothing_the_customer_entered_is_cut_off_or_loses_its_letters():
    invoice = longest_invoice()
    pdf = invoice_pdf(invoice)

    everything = printed_text(pdf)
    item_column = printed_text(pdf, left_mm=15, right_mm=15 + 82)

    for entered in [invoice.billing_name, *invoice.billing_address.splitlines()]:
        assert "".join(entered.split()) in everything, entered[:40]
    for line in invoice.lines.all():
        assert "".join(f"{line.description} ({line.sku})".split()) in item_column
    assert "".join(CYRILLIC.split()) in everything
    assert "".join(GREEK.split()) in everything
    assert "".join(LATIN_EXTENDED.split()) in everything


def test_the_heading_comes_below_the_address_and_the_table_below_the_heading():
    invoice = longest_invoice()

    boxes = text_lines(invoice_pdf(invoice))

    heading = next(box for box in boxes if box.text == f"Invoice {invoice.number}")
    address = [box for box in boxes if box.text.startswith(("XXXXXXXX", "Bosnia", "Улица"))]
    assert {box.page for box in address} == {heading.page} == {1}
    assert heading.y1 <= min(box.y0 for box in address)  # PDF y grows upwards
    details = next(box for box in boxes if box.text.startswith("Terms"))
    assert details.y0 >= max(box.y1 for box in address)
    table_header = next(box for box in boxes if box.text.startswith("Item"))
    assert (table_header.page, table_header.y1 <= heading.y0) == (heading.page, True)


def test_a_long_invoice_flows_onto_more_pages_and_repeats_the_table_heading():
    invoice = longest_invoice(lines=40)

    pdf = invoice_pdf(invoice)

    boxes = text_lines(pdf)
    pages = max(box.page for box in boxes)
    assert pages >= 3
    headers_per_page = {box.page for box in boxes if box.text.startswith("Item")}
    table_pages = {box.page for box in boxes if "Expedition tent" in box.text}
    assert table_pages <= headers_per_page
    assert any(box.text.startswith("Total") for box in boxes if box.page == pages)
    assert overlapping_glyphs(pdf) == []


# --- what an EU invoice must carry -------------------------------------------------

SELLER = {
    "SELLER_LEGAL_NAME": "Kontor Outdoor Handels GmbH",
    "SELLER_ADDRESS": "Musterstraße 12\n10115 Berlin\nGermany",
    "SELLER_VAT_ID": "DE123456789",
    "SELLER_REGISTRATION": "Amtsgericht Charlottenburg HRB 123456 B",
    "SELLER_BANK_IBAN": "DE89 3704 0044 0532 0130 00",
    "SELLER_BANK_BIC": "COBADEFFXXX",
}
BUYER = "Bergwerk Outdoor GmbH"


def b2b_invoice() -> Invoice:
    """Tents at 19 %, a book at 7 %, shipping at 19 %, for a business buyer."""
    with override_settings(**SELLER):
        return invoice_issue(
            source=f"test:{uuid.uuid4().hex}",
            customer=Customer(
                email="accounts@bergwerk.example",
                name=BUYER,
                address="Industriestraße 1\n70565 Stuttgart\nGermany",
                vat_id="DE811907980",
            ),
            lines=[
                InvoiceLineData(
                    "Granite Tent", Decimal("2"), Decimal("100.00"), Decimal("0.19"), sku="TENT-1"
                ),
                InvoiceLineData(
                    "Trail Guide Alps",
                    Decimal("3"),
                    Decimal("20.00"),
                    Decimal("0.07"),
                    sku="BOOK-1",
                ),
                InvoiceLineData(
                    "Shipping: Standard",
                    Decimal("1"),
                    Decimal("10.00"),
                    Decimal("0.19"),
                    is_shipping=True,
                ),
            ],
            due_in_days=30,
            terms="Net 30",
            order_number="100042",
            customer_reference="PO-4711-A",
        )


def only(boxes: list[Box], text: str) -> Box:
    found = [box for box in boxes if box.text == text]
    assert len(found) == 1, (text, [box.text for box in boxes])
    return found[0]


def detail(boxes: list[Box], label: str) -> str:
    """The value printed right of the document detail ``label``."""
    found = [
        box
        for box in boxes
        if box.x0 > 100 * MM and (box.text == label or box.text.startswith(f"{label} "))
    ]
    assert len(found) == 1, (label, [box.text for box in boxes])
    (box,) = found
    right = sorted(
        (other for other in boxes if abs(other.y0 - box.y0) < 1 and other.x0 > box.x1),
        key=lambda other: other.x0,
    )
    return " ".join(
        [box.text.removeprefix(label).strip(), *(other.text for other in right)]
    ).strip()


def rows_below(boxes: list[Box], heading: Box) -> list[list[str]]:
    """The table rows below ``heading`` (cells left to right, top row first)."""
    rows: dict[float, list[Box]] = {}
    for box in boxes:
        if box.page == heading.page and box.y1 <= heading.y0:
            rows.setdefault(round(box.y0), []).append(box)
    return [
        [box.text for box in sorted(cells, key=lambda box: box.x0)]
        for _, cells in sorted(rows.items(), reverse=True)
    ]


def test_an_invoice_carries_seller_buyer_vat_id_reference_terms_and_bank_each_in_its_place():
    invoice = b2b_invoice()

    pdf = invoice_pdf(invoice)

    boxes = text_lines(pdf)
    bill_to = only(boxes, "Bill to")
    heading = only(boxes, f"Invoice {invoice.number}")
    seller = [
        only(boxes, "Kontor Outdoor Handels GmbH"),
        only(boxes, "Musterstraße 12, 10115 Berlin, Germany"),
        only(boxes, "VAT ID DE123456789"),
        only(boxes, "Amtsgericht Charlottenburg HRB 123456 B"),
    ]
    buyer = [
        only(boxes, BUYER),
        only(boxes, "Industriestraße 1"),
        only(boxes, "70565 Stuttgart"),
        only(boxes, "Germany"),
        only(boxes, "VAT ID DE811907980"),
        only(boxes, "accounts@bergwerk.example"),
    ]
    # the seller in the letterhead's left column, above the buyer
    assert all(box.x0 < 100 * MM and box.y0 > bill_to.y1 for box in seller)
    # the buyer below "Bill to", in this order, above the heading
    tops = [box.y1 for box in [bill_to, *buyer]]
    assert tops == sorted(tops, reverse=True)
    assert all(box.y0 > heading.y1 for box in buyer)
    # the document's details on the right, beside the seller
    details = {
        label: detail(boxes, label)
        for label in ("Invoice", "Date", "Order", "Your reference", "Terms", "Due")
    }
    assert details == {
        "Invoice": invoice.number,
        "Date": f"{invoice.issue_date:%d %b %Y}",
        "Order": "100042",
        "Your reference": "PO-4711-A",
        "Terms": "Net 30",
        "Due": f"{invoice.due_date:%d %b %Y}",
    }
    # payment terms, due date and bank details below the table
    table = only(boxes, "Item")
    payment = [
        only(boxes, f"Payment terms: Net 30, due {invoice.due_date:%d %b %Y}."),
        only(
            boxes,
            "Bank: Kontor Outdoor Handels GmbH · IBAN DE89 3704 0044 0532 0130 00"
            " · BIC COBADEFFXXX",
        ),
    ]
    assert all(box.y1 < table.y0 for box in payment)
    assert overlapping_glyphs(pdf) == []


def test_an_invoice_sums_its_tax_per_rate_below_the_totals():
    invoice = b2b_invoice()

    boxes = text_lines(invoice_pdf(invoice))

    summary = only(boxes, "VAT summary")
    total = next(box for box in boxes if box.text == "Total")
    assert summary.y1 <= total.y0
    assert rows_below(boxes, summary)[:3] == [
        ["VAT rate", "Net", "VAT"],
        ["7 %", "60.00 EUR", "4.20 EUR"],
        ["19 %", "210.00 EUR", "39.90 EUR"],
    ]
    assert (invoice.net_total, invoice.tax_total) == (Decimal("270.00"), Decimal("44.10"))


def test_the_customers_name_is_printed_once():
    invoice = b2b_invoice()
    consumer = invoice_issue(
        source=f"test:{uuid.uuid4().hex}",
        # as invoices issued before the name was kept apart from the address
        customer=Customer("ada@example.com", "Ada Lovelace", "Ada Lovelace\n12 Difference St"),
        lines=[InvoiceLineData("Granite Tent", Decimal("1"), Decimal("188.95"))],
    )

    b2b_text = printed_text(invoice_pdf(invoice))
    consumer_text = printed_text(invoice_pdf(consumer))

    assert b2b_text.count("BergwerkOutdoorGmbH") == 1
    assert consumer_text.count("AdaLovelace") == 1
    assert "12DifferenceSt" in consumer_text


def test_a_settings_change_after_issue_does_not_change_the_issued_invoice():
    invoice = b2b_invoice()
    before = printed_text(invoice_pdf(invoice))

    with override_settings(
        SELLER_LEGAL_NAME="Neue Firma AG",
        SELLER_ADDRESS="Hafenstraße 1\n20457 Hamburg\nGermany",
        SELLER_VAT_ID="DE999999999",
        SELLER_REGISTRATION="Amtsgericht Hamburg HRB 999",
        SELLER_BANK_IBAN="DE02 1203 0000 0000 2020 51",
        SELLER_BANK_BIC="BYLADEM1001",
    ):
        again = invoice_pdf(Invoice.objects.get(pk=invoice.pk))
        later = invoice_issue(
            source=f"test:{uuid.uuid4().hex}",
            customer=Customer("ada@example.com", "Ada Lovelace", "12 Difference St"),
            lines=[InvoiceLineData("Granite Tent", Decimal("1"), Decimal("188.95"))],
        )
        later_text = printed_text(invoice_pdf(later))

    again_text = printed_text(again)
    assert again_text == before
    assert "DE123456789" in again_text and "DE999999999" not in again_text
    assert "NeueFirmaAG" not in again_text
    assert "VATIDDE999999999" in later_text and "IBANDE0212030000000020205" in later_text
    assert (later.seller_legal_name, later.seller_bank_bic) == ("Neue Firma AG", "BYLADEM1001")


def test_postgresql_refuses_to_change_the_seller_or_buyer_of_an_issued_invoice():
    invoice = b2b_invoice()

    for change in (
        {"seller_vat_id": "DE999999999"},
        {"seller_bank_iban": "DE02 1203 0000 0000 2020 51"},
        {"buyer_vat_id": ""},
        {"customer_reference": "PO-FORGED"},
        {"billing_name": "Someone Else"},
    ):
        with pytest.raises(IntegrityError, match="is issued"), transaction.atomic():
            Invoice.objects.filter(pk=invoice.pk).update(**change)

    stored = Invoice.objects.get(pk=invoice.pk)
    assert (stored.seller_vat_id, stored.buyer_vat_id, stored.customer_reference) == (
        "DE123456789",
        "DE811907980",
        "PO-4711-A",
    )


def test_a_credit_note_carries_the_same_and_names_the_invoice_it_corrects():
    invoice = b2b_invoice()
    with override_settings(**SELLER):
        credit_note = credit_note_issue(
            source=f"test:{uuid.uuid4().hex}",
            invoice=invoice,
            lines=[
                InvoiceLineData(
                    "Return: Trail Guide Alps",
                    Decimal("1"),
                    Decimal("20.00"),
                    Decimal("0.07"),
                    sku="BOOK-1",
                )
            ],
        )

    pdf = invoice_pdf(credit_note)

    boxes = text_lines(pdf)
    heading = only(boxes, f"Credit note {credit_note.number}")
    details = {
        label: detail(boxes, label)
        for label in ("Credit note", "Date", "Order", "Your reference", "Corrects", "Invoice date")
    }
    assert details == {
        "Credit note": credit_note.number,
        "Date": f"{credit_note.issue_date:%d %b %Y}",
        "Order": "100042",
        "Your reference": "PO-4711-A",
        "Corrects": invoice.number,
        "Invoice date": f"{invoice.issue_date:%d %b %Y}",
    }
    for text in (
        "Kontor Outdoor Handels GmbH",
        "Musterstraße 12, 10115 Berlin, Germany",
        "VAT ID DE123456789",
        "Amtsgericht Charlottenburg HRB 123456 B",
        "VAT ID DE811907980",
        f"This credit note corrects invoice {invoice.number} of {invoice.issue_date:%d %b %Y}.",
    ):
        only(boxes, text)
    assert only(boxes, "VAT ID DE811907980").y0 > heading.y1
    assert rows_below(boxes, only(boxes, "VAT summary"))[:2] == [
        ["VAT rate", "Net", "VAT"],
        ["7 %", "20.00 EUR", "1.40 EUR"],
    ]
    assert printed_text(pdf).count("BergwerkOutdoorGmbH") == 1
    footer = [box.text for box in boxes if box.y0 < 15 * MM]
    assert footer == [
        "Kontor Outdoor Handels GmbH · VAT ID DE123456789"
        " · Amtsgericht Charlottenburg HRB 123456 B",
        "IBAN DE89 3704 0044 0532 0130 00 · BIC COBADEFFXXX · page 1",
    ]
    assert overlapping_glyphs(pdf) == []
