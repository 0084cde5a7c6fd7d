"""Invoices and credit notes as PDF, drawn with fpdf2 (pure Python, from pip).

The same bytes for staff (admin) and for the customer (account pages): the
document is rendered from the invoice rows, never from anything the request
sends, and never from the settings: the seller (legal name, address, VAT ID,
registration, bank account) is the copy the invoice was issued with
(``accounting.seller``), so an issued invoice prints the same for ever.

What an EU invoice must carry is all here: the seller as above, the buyer's
name (once) and address and, for a business, its VAT ID; number, issue date,
the customer's order reference; lines with quantity, unit price and tax rate;
tax per rate (the VAT summary); payment terms, due date and bank details. A
credit note also names the invoice it corrects.

The layout flows: every block of text the customer or staff entered (name,
address, item names) wraps within its column, blocks are placed below the
lowest point of what came before, and the item table continues on further
pages with its heading repeated, so the longest address the forms accept
(seven lines of 255 characters) never runs over the heading or the table.
The bundled DejaVu Sans prints the Latin, Greek and Cyrillic scripts of every
EU language.

``Document``, ``letterhead`` and ``address_block`` are the building blocks
other documents of the business (orders' packing slips) draw with, so they
all look alike; this module imports no higher app.
"""

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from fpdf import FPDF
from fpdf.fonts import FontFace

from accounting.models import Invoice
from accounting.seller import Seller, seller_of

FONT_DIR = Path(__file__).resolve().parent / "fonts"
PAGE_BOTTOM_MARGIN = 20  # mm, room for the footer
DETAILS_X = 110  # mm, left edge of the document details beside the letterhead
DETAILS_LABEL_WIDTH = 34
BRAND = (31, 95, 74)
TABLE_HEADING = FontFace(emphasis="BOLD", fill_color=(232, 241, 237))
COLUMNS = ("Item", "Qty", "Unit price", "Tax", "Amount")
COLUMN_WIDTHS = (82, 16, 28, 16, 38)  # mm, the 180 mm between the margins
VAT_COLUMNS = ("VAT rate", "Net", "VAT")
VAT_COLUMN_WIDTHS = (30, 38, 38)
FOOTER_SIZE = 8  # pt, shrunk when a footer line would not fit the page


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def _rate(rate: Decimal) -> str:
    """0.19 -> "19 %", 0.055 -> "5.5 %"."""
    percent = (rate * 100).normalize()
    return f"{percent:f} %"


def _date(day: object) -> str:
    return f"{day:%d %b %Y}"


class Document(FPDF):
    """An A4 page of the business: margins, font, and a footer of the given
    lines (the page number added to the last) on every page."""

    def __init__(self, title: str, *, footer: Sequence[str] = ()) -> None:
        super().__init__(format="A4")
        self.title_text = title
        self.footer_lines = [line for line in footer if line]
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=PAGE_BOTTOM_MARGIN)
        self.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_font("DejaVu", size=10)
        self.set_title(title)
        self.set_author(settings.OSCAR_SHOP_NAME)

    def footer(self) -> None:
        lines = [
            *self.footer_lines[:-1],
            " · ".join([*self.footer_lines[-1:], f"page {self.page_no()}"]),
        ]
        self.set_y(-8 - 4 * len(lines))
        self.set_text_color(110, 110, 110)
        width = self.w - self.l_margin - self.r_margin
        for line in lines:
            size = float(FOOTER_SIZE)
            self.set_font("DejaVu", size=size)
            while size > 4 and self.get_string_width(line) > width:
                size -= 0.5
                self.set_font("DejaVu", size=size)
            self.cell(0, 4, line, align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)

    def text_block(self, text: str, *, width: float = 0, height: float = 5) -> None:
        """``text`` wrapped to ``width`` (0: to the right margin), long words
        broken, starting at the current position and leaving the cursor on the
        next line at the left margin."""
        self.multi_cell(width, height, text, new_x="LMARGIN", new_y="NEXT")


def seller_lines(seller: Seller) -> list[str]:
    """The seller's legal name, address (on one line), VAT ID and registration."""
    return [
        seller.legal_name,
        ", ".join(seller.address_lines),
        *([f"VAT ID {seller.vat_id}"] if seller.vat_id else []),
        *([seller.registration] if seller.registration else []),
    ]


def letterhead(pdf: Document, seller: Seller, details: Sequence[tuple[str, str]]) -> None:
    """The shop and the seller on the left, the document's details on the
    right; continues below the lower of the two."""
    top = pdf.get_y()
    left_width = DETAILS_X - pdf.l_margin - 5
    pdf.set_font("DejaVu", "B", 16)
    pdf.set_text_color(*BRAND)
    pdf.text_block(settings.OSCAR_SHOP_NAME, width=left_width, height=8)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("DejaVu", size=8)
    for line in seller_lines(seller):
        pdf.text_block(line, width=left_width, height=4)
    left_bottom = pdf.get_y()

    pdf.set_y(top)
    value_width = pdf.w - pdf.r_margin - DETAILS_X - DETAILS_LABEL_WIDTH
    for label, value in details:
        pdf.set_x(DETAILS_X)
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(DETAILS_LABEL_WIDTH, 5, label)
        pdf.set_font("DejaVu", size=10)
        pdf.multi_cell(value_width, 5, str(value), new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(left_bottom, pdf.get_y()) + 8)


def address_block(pdf: Document, label: str, name: str, lines: Sequence[str]) -> None:
    """A labelled addressee: the name once, then the other lines."""
    pdf.set_font("DejaVu", "B", 9)
    pdf.text_block(label)
    pdf.set_font("DejaVu", size=10)
    pdf.text_block(name)
    for line in lines:
        if line.strip():
            pdf.text_block(line.strip())
    pdf.ln(8)


def heading(pdf: Document, text: str) -> None:
    pdf.set_font("DejaVu", "B", 14)
    pdf.text_block(text, height=8)
    pdf.ln(2)


# --- invoices and credit notes ---------------------------------------------------


def _title(invoice: Invoice) -> str:
    return "Credit note" if invoice.is_credit_note else "Invoice"


def _details(invoice: Invoice) -> list[tuple[str, str]]:
    details = [
        (_title(invoice), invoice.number),
        ("Date", _date(invoice.issue_date)),
        ("Order", invoice.order_number or "-"),
    ]
    if invoice.customer_reference:
        details.append(("Your reference", invoice.customer_reference))
    if invoice.is_credit_note and invoice.credits is not None:
        details.append(("Corrects", invoice.credits.number))
        details.append(("Invoice date", _date(invoice.credits.issue_date)))
    else:
        details.append(("Terms", invoice.payment_terms))
        details.append(("Due", _date(invoice.due_date)))
    return details


def _buyer_lines(invoice: Invoice) -> list[str]:
    """The billing address without the name (printed once, above it), the
    buyer's VAT ID and e-mail."""
    lines = [line.strip() for line in invoice.billing_address.splitlines() if line.strip()]
    if lines and lines[0].casefold() == invoice.billing_name.strip().casefold():
        lines = lines[1:]  # documents issued before the name was kept apart
    if invoice.buyer_vat_id:
        lines.append(f"VAT ID {invoice.buyer_vat_id}")
    if invoice.customer_email:
        lines.append(invoice.customer_email)
    return lines


def _lines_table(pdf: Document, invoice: Invoice) -> None:
    pdf.set_font("DejaVu", size=9)
    with pdf.table(
        col_widths=COLUMN_WIDTHS,
        width=sum(COLUMN_WIDTHS),
        align="LEFT",
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        v_align="TOP",
        borders_layout="HORIZONTAL_LINES",
        headings_style=TABLE_HEADING,
        line_height=5,
        padding=(1, 1),
        repeat_headings=1,
    ) as table:
        table.row(COLUMNS)
        for line in invoice.lines.all():
            description = line.description if not line.sku else f"{line.description} ({line.sku})"
            table.row(
                (
                    description,
                    f"{line.quantity.normalize():f}",
                    _money(line.unit_price.quantize(Decimal("0.01")), invoice.currency),
                    _rate(line.tax_rate),
                    _money(line.net, invoice.currency),
                )
            )


def _totals(pdf: Document, invoice: Invoice) -> None:
    label_x = pdf.l_margin + sum(COLUMN_WIDTHS[:3])
    if pdf.will_page_break(3 * 6 + 3):
        pdf.add_page()  # the three totals stay together
    pdf.ln(3)
    for label, amount, bold in (
        ("Net", invoice.net_total, False),
        ("Tax", invoice.tax_total, False),
        ("Total", invoice.total, True),
    ):
        pdf.set_x(label_x)
        pdf.set_font("DejaVu", "B" if bold else "", 10)
        pdf.cell(COLUMN_WIDTHS[3], 6, label, align="R")
        pdf.cell(
            COLUMN_WIDTHS[4],
            6,
            _money(amount, invoice.currency),
            align="R",
            new_x="LMARGIN",
            new_y="NEXT",
        )


def vat_summary(invoice: Invoice) -> list[tuple[Decimal, Decimal, Decimal]]:
    """(rate, net, VAT) per tax rate of the document's lines, lowest rate first."""
    per_rate: dict[Decimal, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in invoice.lines.all():
        per_rate[line.tax_rate][0] += line.net
        per_rate[line.tax_rate][1] += line.tax
    return [(rate, net, tax) for rate, (net, tax) in sorted(per_rate.items())]


def _vat_table(pdf: Document, invoice: Invoice) -> None:
    rows = vat_summary(invoice)
    if pdf.will_page_break(8 + 7 * (len(rows) + 1)):
        pdf.add_page()  # the summary stays in one piece
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 9)
    pdf.text_block("VAT summary")
    pdf.set_font("DejaVu", size=9)
    with pdf.table(
        col_widths=VAT_COLUMN_WIDTHS,
        width=sum(VAT_COLUMN_WIDTHS),
        align="LEFT",
        text_align=("LEFT", "RIGHT", "RIGHT"),
        borders_layout="HORIZONTAL_LINES",
        headings_style=TABLE_HEADING,
        line_height=5,
        padding=(1, 1),
    ) as table:
        table.row(VAT_COLUMNS)
        for rate, net, tax in rows:
            table.row((_rate(rate), _money(net, invoice.currency), _money(tax, invoice.currency)))


def _payment(pdf: Document, invoice: Invoice, seller: Seller) -> None:
    pdf.ln(6)
    pdf.set_font("DejaVu", size=9)
    if invoice.is_credit_note:
        if invoice.credits is not None:
            pdf.text_block(
                f"This credit note corrects invoice {invoice.credits.number} of "
                f"{_date(invoice.credits.issue_date)}."
            )
        pdf.text_block("It reduces what you owe us, or is refunded to you.")
        return
    pdf.text_block(f"Payment terms: {invoice.payment_terms}, due {_date(invoice.due_date)}.")
    if invoice.balance <= 0:
        pdf.text_block("Paid with thanks.")
    else:
        pdf.text_block(
            f"Please pay {_money(invoice.balance, invoice.currency)} by "
            f"{_date(invoice.due_date)}, quoting {invoice.number}."
        )
    pdf.text_block(f"Bank: {seller.legal_name} · IBAN {seller.bank_iban} · BIC {seller.bank_bic}")


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice or credit note as a one- or multi-page A4 PDF."""
    title = _title(invoice)
    seller = seller_of(invoice)
    pdf = Document(
        f"{title} {invoice.number}",
        footer=[
            " · ".join(
                part
                for part in (
                    seller.legal_name,
                    f"VAT ID {seller.vat_id}" if seller.vat_id else "",
                    seller.registration,
                )
                if part
            ),
            f"IBAN {seller.bank_iban} · BIC {seller.bank_bic}",
        ],
    )
    pdf.add_page()

    letterhead(pdf, seller, _details(invoice))
    address_block(pdf, "Bill to", invoice.billing_name, _buyer_lines(invoice))
    heading(pdf, f"{title} {invoice.number}")
    _lines_table(pdf, invoice)
    _totals(pdf, invoice)
    _vat_table(pdf, invoice)
    _payment(pdf, invoice, seller)
    return bytes(pdf.output())
