"""A purchase order as PDF: what the supplier gets with the "send" e-mail and
what staff download, the same bytes for both.

Drawn with the building blocks of the invoices (``accounting.pdf``: the page,
letterhead, address block and heading), so every document of the business looks
alike. Here we are the buyer: the letterhead names our company as the invoices
name it as seller (``accounting.seller.seller_now``, the settings as they are:
a purchase order is not an accounting document and keeps no copy), the supplier
is the addressee, and the goods go to the PO's warehouse.

What a supplier needs to fill the order is all here: our company and tax id, the
supplier's name, address and tax id, the PO number (to quote on their bill),
order and expected delivery dates, where to deliver, each line with our SKU,
their SKU, description, quantity, unit cost and amount, the total, the payment
terms and the notes. The layout flows like the invoice's: long names and
addresses wrap within their column and the line table continues on further pages
with its heading repeated.
"""

from decimal import Decimal

from oscar.core.loading import get_model

from accounting.money import money
from accounting.pdf import TABLE_HEADING, Document, address_block, heading, letterhead
from accounting.seller import Seller, seller_now
from purchasing.models import PurchaseOrder, PurchaseOrderLine

StockRecord = get_model("partner", "StockRecord")

TITLE = "Purchase order"
COLUMNS = ("Our SKU", "Supplier SKU", "Description", "Qty", "Unit cost", "Amount")
COLUMN_WIDTHS = (36, 28, 46, 12, 28, 30)  # mm, the 180 mm between the margins
CENT = Decimal("0.01")


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def _unit_cost(amount: Decimal, currency: str) -> str:
    """Two decimals, or up to four where the supplier's price has them."""
    shown = amount.quantize(CENT) if amount == amount.quantize(CENT) else amount.normalize()
    return f"{shown:,f} {currency}"


def _date(day: object) -> str:
    return f"{day:%d %b %Y}"


def payment_terms(order: PurchaseOrder) -> str:
    """ "Net 30 days"; "Due on receipt" for zero days."""
    days = order.payment_terms_days
    if not days:
        return "Due on receipt"
    return f"Net {days} day{'s' if days != 1 else ''}"


def _details(order: PurchaseOrder) -> list[tuple[str, str]]:
    return [
        (TITLE, order.number),
        ("Order date", _date(order.order_date)),
        ("Expected", _date(order.expected_date)),
        ("Terms", payment_terms(order)),
        ("Currency", order.currency),
    ]


def _supplier_lines(order: PurchaseOrder) -> list[str]:
    supplier = order.supplier
    lines = [line.strip() for line in supplier.address.splitlines() if line.strip()]
    if lines and lines[0].casefold() == supplier.name.strip().casefold():
        lines = lines[1:]  # the name is printed once, above
    if supplier.tax_id:
        lines.append(f"VAT ID {supplier.tax_id}")
    if supplier.email:
        lines.append(supplier.email)
    return lines


def _delivery_lines(order: PurchaseOrder, seller: Seller) -> list[str]:
    """The warehouse by name and address (our company's address if it has none)."""
    warehouse = order.warehouse
    address = [line.strip() for line in warehouse.address.splitlines() if line.strip()]
    return [warehouse.name, *(address or seller.address_lines)]


def _skus(lines: list[PurchaseOrderLine]) -> dict[int, str]:
    """Our SKU per product: its first listing's (one query)."""
    skus: dict[int, str] = {}
    records = (
        StockRecord.objects.filter(product_id__in={line.product_id for line in lines})
        .order_by("pk")
        .values_list("product_id", "partner_sku")
    )
    for product_id, sku in records:
        skus.setdefault(product_id, sku)
    return skus


def _lines_table(pdf: Document, order: PurchaseOrder, lines: list[PurchaseOrderLine]) -> None:
    skus = _skus(lines)
    pdf.set_font("DejaVu", size=9)
    with pdf.table(
        col_widths=COLUMN_WIDTHS,
        width=sum(COLUMN_WIDTHS),
        align="LEFT",
        text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
        v_align="TOP",
        borders_layout="HORIZONTAL_LINES",
        headings_style=TABLE_HEADING,
        line_height=5,
        padding=(1, 1),
        repeat_headings=1,
    ) as table:
        table.row(COLUMNS)
        for line in lines:
            table.row(
                (
                    skus.get(line.product_id, ""),
                    line.supplier_sku,
                    line.product.get_title(),
                    str(line.quantity),
                    _unit_cost(line.unit_cost, order.currency),
                    _money(line_amount(line), order.currency),
                )
            )


def line_amount(line: PurchaseOrderLine) -> Decimal:
    """Quantity at the unit cost, rounded as the API and webhooks round it."""
    return money(line.quantity * line.unit_cost)


def order_total(lines: list[PurchaseOrderLine]) -> Decimal:
    """The sum of the rounded line amounts: what the API and webhooks call the total."""
    return sum((line_amount(line) for line in lines), money(0))


def _total(pdf: Document, order: PurchaseOrder, total: Decimal) -> None:
    """The total right-aligned under the amounts; a wide amount pushes its label left."""
    if pdf.will_page_break(6 + 5 + 3):
        pdf.add_page()  # the total and its note stay together
    pdf.ln(3)
    right = pdf.w - pdf.r_margin
    amount = _money(total, order.currency)
    pdf.set_font("DejaVu", "B", 10)
    amount_width = max(COLUMN_WIDTHS[5], pdf.get_string_width(amount) + 2)
    pdf.set_x(right - amount_width - 30)
    pdf.cell(30, 6, "Total", align="R")
    pdf.cell(amount_width, 6, amount, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=8)
    pdf.set_x(right - 60)
    pdf.cell(60, 5, "Net of VAT", align="R", new_x="LMARGIN", new_y="NEXT")


def _terms(pdf: Document, order: PurchaseOrder) -> None:
    pdf.ln(6)
    pdf.set_font("DejaVu", size=9)
    pdf.text_block(f"Payment terms: {payment_terms(order)} from the date of your bill.")
    pdf.text_block(f"Please deliver by {_date(order.expected_date)}.")
    pdf.text_block(f"Quote {order.number} on your delivery note and your bill.")
    if order.notes.strip():
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", 9)
        pdf.text_block("Notes")
        pdf.set_font("DejaVu", size=9)
        pdf.text_block(order.notes.strip())


def purchase_order_pdf(order: PurchaseOrder) -> bytes:
    """The purchase order as a one- or multi-page A4 PDF."""
    seller = seller_now()
    lines = list(order.lines.select_related("product").order_by("pk"))
    pdf = Document(
        f"{TITLE} {order.number}",
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
            f"{TITLE} {order.number}",
        ],
    )
    pdf.add_page()

    letterhead(pdf, seller, _details(order))
    address_block(pdf, "Supplier", order.supplier.name, _supplier_lines(order))
    address_block(pdf, "Deliver to", seller.legal_name, _delivery_lines(order, seller))
    heading(pdf, f"{TITLE} {order.number}")
    _lines_table(pdf, order, lines)
    _total(pdf, order, order_total(lines))
    _terms(pdf, order)
    return bytes(pdf.output())
