"""Invoice PDFs lay out whatever the forms accept: every text block wraps, the
layout flows down and onto further pages, nothing overlaps, nothing is cut off,
and non-Latin names and addresses print with their own letters.

The PDF is read back with pdfminer: each text line's box on each page."""

import uuid
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

import pytest
from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTChar, LTTextContainer, LTTextLine

from accounting.models import Invoice
from accounting.pdf import invoice_pdf
from accounting.services import Customer, InvoiceLineData, invoice_issue

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
