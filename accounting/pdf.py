"""Invoices and credit notes as PDF, drawn with fpdf2 (pure Python, from pip).

The same bytes for staff (admin) and for the customer (account pages): the
document is rendered from the invoice rows, never from anything the request
sends.
"""

from decimal import Decimal
from pathlib import Path

from django.conf import settings
from fpdf import FPDF

from accounting.models import Invoice

FONT_DIR = Path(__file__).resolve().parent / "fonts"


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


class _Document(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.title_text = title
        self.set_auto_page_break(auto=True, margin=20)
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


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice or credit note as a one- or multi-page A4 PDF."""
    title = "Credit note" if invoice.is_credit_note else "Invoice"
    pdf = _Document(f"{title} {invoice.number}")
    pdf.set_title(f"{title} {invoice.number}")
    pdf.set_author(settings.OSCAR_SHOP_NAME)
    pdf.add_page()

    pdf.set_font("DejaVu", "B", 16)
    pdf.set_text_color(31, 95, 74)
    pdf.cell(0, 9, settings.OSCAR_SHOP_NAME, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("DejaVu", size=9)
    pdf.cell(0, 5, settings.BANK_ACCOUNT["holder"], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)

    pdf.set_font("DejaVu", size=10)
    top = pdf.get_y()
    pdf.multi_cell(
        90, 5, f"{invoice.billing_name}\n{invoice.billing_address}\n{invoice.customer_email}"
    )
    pdf.set_xy(120, top)
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
    for label, value in details:
        pdf.set_x(120)
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(25, 5, label)
        pdf.set_font("DejaVu", size=10)
        pdf.cell(0, 5, str(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)

    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(0, 8, f"{title} {invoice.number}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    widths = (80, 18, 28, 18, 36)
    headers = ("Item", "Qty", "Unit price", "Tax", "Amount")
    pdf.set_font("DejaVu", "B", 9)
    pdf.set_fill_color(232, 241, 237)
    for width, header in zip(widths, headers, strict=True):
        pdf.cell(width, 7, header, border="B", fill=True, align="L" if header == "Item" else "R")
    pdf.ln()
    pdf.set_font("DejaVu", size=9)
    for line in invoice.lines.all():
        description = line.description if not line.sku else f"{line.description} ({line.sku})"
        cells = (
            description[:60],
            f"{line.quantity.normalize():f}",
            _money(line.unit_price.quantize(Decimal("0.01")), invoice.currency),
            f"{(line.tax_rate * 100).quantize(Decimal('0.1'))} %",
            _money(line.net, invoice.currency),
        )
        for width, value in zip(widths, cells, strict=True):
            pdf.cell(width, 6, value, border="B", align="L" if width == widths[0] else "R")
        pdf.ln()
    pdf.ln(3)
    for label, amount, bold in (
        ("Net", invoice.net_total, False),
        ("Tax", invoice.tax_total, False),
        ("Total", invoice.total, True),
    ):
        pdf.set_x(10 + sum(widths[:3]))
        pdf.set_font("DejaVu", "B" if bold else "", 10)
        pdf.cell(widths[3], 6, label, align="R")
        pdf.cell(
            widths[4], 6, _money(amount, invoice.currency), align="R", new_x="LMARGIN", new_y="NEXT"
        )
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
    pdf.multi_cell(0, 5, note)
    return bytes(pdf.output())
