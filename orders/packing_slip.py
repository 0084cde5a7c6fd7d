"""Packing slips: what is in a parcel, for whoever packs it and whoever opens
it. Items (SKU, title, quantity in this parcel), the order number, the
customer's order reference and the ship-to address; never a price.

Drawn with ``accounting.pdf``'s building blocks (letterhead, address block,
footer), so a slip looks like the invoice that goes with it; orders may import
accounting, never the reverse. The seller is the one the settings name now: a
slip is printed, not issued. Printing one is for the staff who fulfil
(Warehouse, Manager: ``order.add_shipment``), checked here whoever asks.
"""

from typing import Any

from accounting.pdf import TABLE_HEADING, Document, address_block, heading, letterhead
from accounting.seller import seller_now
from orders.models import Shipment
from orders.services.billing import postal_lines, without_name
from orders.services.permissions import step_require

COLUMNS = ("SKU", "Item", "Qty")
COLUMN_WIDTHS = (45, 115, 20)  # mm, the 180 mm between the margins


def parcel_position(shipment: Shipment) -> tuple[int, int]:
    """(n, of): the parcel's place among its order's parcels, first packed first."""
    parcels = list(
        Shipment.objects.filter(order_id=shipment.order_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return parcels.index(shipment.pk) + 1, len(parcels)


def _details(shipment: Shipment, order: Any) -> list[tuple[str, str]]:
    number, count = parcel_position(shipment)
    details = [("Order", order.number)]
    if order.customer_reference:
        details.append(("Your reference", order.customer_reference))
    details += [
        ("Parcel", f"{number} of {count}"),
        ("Packed", f"{shipment.packed_at:%d %b %Y}"),
        ("From", shipment.warehouse.name),
    ]
    if shipment.carrier is not None and shipment.tracking_number:
        details.append(("Carrier", f"{shipment.carrier.name} {shipment.tracking_number}"))
    return details


def _ship_to(order: Any) -> tuple[str, list[str]]:
    address = order.shipping_address
    if address is None:
        return order.email or "-", []
    name = address.salutation or order.email or "-"
    lines = without_name(postal_lines(address), name).splitlines()
    if address.phone_number:
        lines.append(f"Phone {address.phone_number}")
    return name, lines


def packing_slip_pdf(*, shipment: Shipment, user: Any) -> bytes:
    """The parcel's packing slip as an A4 PDF; ``PermissionRefused`` unless
    ``user`` may fulfil orders."""
    step_require(user, "packing_slip")
    order = shipment.order
    seller = seller_now()
    pdf = Document(f"Packing slip for order {order.number}", footer=[seller.legal_name])
    pdf.add_page()

    letterhead(pdf, seller, _details(shipment, order))
    name, address = _ship_to(order)
    address_block(pdf, "Ship to", name, address)
    heading(pdf, f"Packing slip for order {order.number}")

    lines = list(shipment.lines.select_related("order_line").order_by("order_line_id"))
    pdf.set_font("DejaVu", size=10)
    with pdf.table(
        col_widths=COLUMN_WIDTHS,
        width=sum(COLUMN_WIDTHS),
        align="LEFT",
        text_align=("LEFT", "LEFT", "RIGHT"),
        v_align="TOP",
        borders_layout="HORIZONTAL_LINES",
        headings_style=TABLE_HEADING,
        line_height=5,
        padding=(1, 1),
        repeat_headings=1,
    ) as table:
        table.row(COLUMNS)
        for line in lines:
            table.row((line.order_line.partner_sku, line.order_line.title, str(line.quantity)))
    units = sum(line.quantity for line in lines)
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 10)
    pdf.text_block(f"{units} {'item' if units == 1 else 'items'} in this parcel")
    return bytes(pdf.output())
