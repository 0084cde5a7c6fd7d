"""Invoices and credit notes as PDF, drawn with fpdf2 (pure Python, from pip).

The same bytes for staff (admin) and for the customer (account pages): the
document is rendered from the invoice rows, never from anything the request
sends.

The layout flows: every block of text the customer or staff entered (name,
address, item names) wraps within its column, blocks are placed below the
lowest point of what came before, and the item table continues on further
pages with its heading repeated, so the longest address the forms accept
(seven lines of 255 characters) never runs over the heading or the table.
The bundled DejaVu Sans prints the Latin, Greek and Cyrillic scripts of every
EU language.
"""

from decimal import Decimal
from pathlib import Path

from django.conf import settings
from fpdf import FPDF
from fpdf.fonts import FontFace

from accounting.models import Invoice

FONT_DIR = Path(__file__).resolve().parent / "fonts"
PAGE_BOTTOM_MARGIN = 20  # mm, room for the footer
DETAILS_X = 122  # mm, left edge of the document details beside the letterhead
DETAILS_LABEL_WIDTH = 22
BRAND = (31, 95, 74)
TABLE_HEADING = FontFace(emphasis="BOLD", fill_color=(232, 241, 237))
COLUMNS = ("Item", "Qty", "Unit price", "Tax", "Amount")
COLUMN_WIDTHS = (82, 16, 28, 16, 38)  # mm, the 180 mm between the margins


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


class _Document(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.title_text = title
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=PAGE_BOTTOM_MARGIN)
        self.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_font("DejaVu", size=10)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("DejaVu", size=8)
        self.set_text_color(110, 110, 110)
        bank = settings.BANK_ACCOUNT
        self.cell(
            0,
            5,
            f"{bank['holder']} · IBAN {bank['iban']} · BIC {bank['bic']} · page {self.page_no()}",
            align="C",
        )
        self.set_text_color(0, 0, 0)

    def text_block(self, text: str, *, width: float = 0, height: float = 5) -> None:
        """``text`` wrapped to ``width`` (0: to the right margin), long words
        broken, starting at the current position and leaving the cursor on the
        next line at the left margin."""
        self.multi_cell(width, height, text, new_x="LMARGIN", new_y="NEXT")


def _details(invoice: Invoice, title: str) -> list[tuple[str, str]]:
    details = [
        (title, invoice.number),
        ("Date", invoice.issue_date.strftime("%d %b %Y")),
        ("Order", invoice.order_number or "-"),
    ]
    if invoice.is_credit_note and invoice.credits_id:
        details.append(("Credits", invoice.credits.number if invoice.credits else ""))
    else:
        details.append(("Due", invoice.due_date.strftime("%d %b %Y")))
        details.append(("Terms", invoice.payment_terms))
    return details


def _letterhead(pdf: _Document, invoice: Invoice, title: str) -> None:
    """Shop on the left, document details on the right; continues below the lower."""
    top = pdf.get_y()
    pdf.set_font("DejaVu", "B", 16)
    pdf.set_text_color(*BRAND)
    pdf.text_block(settings.OSCAR_SHOP_NAME, width=DETAILS_X - pdf.l_margin - 5, height=8)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("DejaVu", size=9)
    pdf.text_block(settings.BANK_ACCOUNT["holder"], width=DETAILS_X - pdf.l_margin - 5)
    left_bottom = pdf.get_y()

    pdf.set_y(top)
    value_width = pdf.w - pdf.r_margin - DETAILS_X - DETAILS_LABEL_WIDTH
    for label, value in _details(invoice, title):
        pdf.set_x(DETAILS_X)
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(DETAILS_LABEL_WIDTH, 5, label)
        pdf.set_font("DejaVu", size=10)
        pdf.multi_cell(value_width, 5, str(value), new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(left_bottom, pdf.get_y()) + 8)


def _lines_table(pdf: _Document, invoice: Invoice) -> None:
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
                    f"{(line.tax_rate * 100).quantize(Decimal('0.1'))} %",
                    _money(line.net, invoice.currency),
                )
            )


def _totals(pdf: _Document, invoice: Invoice) -> None:
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


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice or credit note as a one- or multi-page A4 PDF."""
    title = "Credit note" if invoice.is_credit_note else "Invoice"
    pdf = _Document(f"{title} {invoice.number}")
    pdf.set_title(f"{title} {invoice.number}")
    pdf.set_author(settings.OSCAR_SHOP_NAME)
    pdf.add_page()

    _letterhead(pdf, invoice, title)

    pdf.set_font("DejaVu", "B", 9)
    pdf.text_block("Bill to")
    pdf.set_font("DejaVu", size=10)
    pdf.text_block(invoice.billing_name)
    if invoice.billing_address.strip():
        pdf.text_block(invoice.billing_address.strip())
    if invoice.customer_email:
        pdf.text_block(invoice.customer_email)
    pdf.ln(8)

    pdf.set_font("DejaVu", "B", 14)
    pdf.text_block(f"{title} {invoice.number}", height=8)
    pdf.ln(2)

    _lines_table(pdf, invoice)
    _totals(pdf, invoice)

    pdf.ln(6)
    pdf.set_font("DejaVu", size=9)
    if invoice.is_credit_note:
        note = "This credit note reduces what you owe us, or is refunded to you."
    elif invoice.balance <= 0:
        note = "Paid with thanks."
    else:
        note = (
            f"Please pay {_money(invoice.balance, invoice.currency)} by "
            f"{invoice.due_date:%d %b %Y}, quoting {invoice.number}."
        )
    pdf.text_block(note)
    return bytes(pdf.output())
