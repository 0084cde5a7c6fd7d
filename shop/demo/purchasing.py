"""Demo purchasing: the suppliers the demo stock came from, as real documents.

Every unit of demo stock arrives on a purchase order (sent, received, most of
them billed and the older bills paid), so "goods received not invoiced" and
Accounts payable carry what the documents say, not hand-made entries. Three
suppliers share the catalogue by category. Besides the history there is one of
each state staff meet: a draft to send, an order on its way for products that
sold out (the storefront shows when they are expected), a partial delivery, and
a bill on hold for a price increase. Idempotent: nothing is created when the
demo suppliers have orders already.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounting.services import backdated
from erp.permissions import SYSTEM
from erp.side_effects import side_effects_settle, side_effects_unqueued
from purchasing.models import PurchaseOrder, Supplier, SupplierItem
from purchasing.services import (
    BillLineRequest,
    ChargeRequest,
    PurchaseLineRequest,
    ReceiptLineRequest,
    purchase_order_create,
    purchase_order_receive,
    purchase_order_send,
    supplier_bill_enter,
    supplier_item_set,
    supplier_payment_record,
)

SUPPLIERS = [
    (
        "ALPINE",
        "Alpine Outdoor Supply GmbH",
        "orders@alpine-supply.example",
        "DE814253647",
        "Bergweg 12\n82467 Garmisch-Partenkirchen\nGermany",
        30,
        21,
    ),
    (
        "NORDIC",
        "Nordic Trail AB",
        "inkop@nordictrail.example",
        "SE556677889901",
        "Hamngatan 4\n111 47 Stockholm\nSweden",
        45,
        35,
    ),
    (
        "CAMPWARE",
        "Campware Trading B.V.",
        "sales@campware.example",
        "NL812345678B01",
        "Havenstraat 88\n3024 AB Rotterdam\nNetherlands",
        14,
        10,
    ),
]
BILLED_AFTER_DAYS = 20  # deliveries older than this have their bill
FREIGHT = Decimal("85.00")


@dataclass(frozen=True)
class Delivery:
    """Units of one product that arrived on a day at a cost."""

    product: Any
    supplier: Supplier
    quantity: int
    unit_cost: Decimal
    days_ago: int


def seed_suppliers() -> list[Supplier]:
    suppliers = []
    for code, name, email, tax_id, address, terms, lead_time in SUPPLIERS:
        supplier, _ = Supplier.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "email": email,
                "tax_id": tax_id,
                "address": address,
                "payment_terms_days": terms,
                "lead_time_days": lead_time,
            },
        )
        suppliers.append(supplier)
    return suppliers


def supplier_for(index: int, suppliers: list[Supplier]) -> Supplier:
    # twenty products per category: a category comes from one supplier
    return suppliers[(index // 20) % len(suppliers)]


def seed_supplier_items(products: list[Any], suppliers: list[Supplier]) -> None:
    for index, product in enumerate(products):
        price = product.stockrecords.all()[0].price
        supplier_item_set(
            user=SYSTEM,
            supplier=supplier_for(index, suppliers),
            product=product,
            unit_cost=(price * Decimal("0.55")).quantize(Decimal("0.01")),
            supplier_sku=f"{supplier_for(index, suppliers).code[:3]}-{10000 + index}",
            pack_size=1,
            is_preferred=True,
        )


def _send(order: PurchaseOrder) -> PurchaseOrder:
    """Send without e-mailing the demo supplier (the side effect is settled)."""
    with side_effects_unqueued():
        order = purchase_order_send(user=SYSTEM, order=order)
    side_effects_settle(subject=order, note="Not sent: demo data.")
    return order


def _day(days_ago: int) -> date:
    return timezone.localdate() - timedelta(days=days_ago)


def receive_history(deliveries: list[Delivery], warehouse: Any, suppliers: list[Supplier]) -> int:
    """One purchase order per supplier and delivery day, received that day; the
    older ones billed and, when due, paid. Returns how many orders it made."""
    waves: dict[tuple[int, int], list[Delivery]] = defaultdict(list)
    for delivery in deliveries:
        waves[(delivery.days_ago, delivery.supplier.pk)].append(delivery)
    by_pk = {supplier.pk: supplier for supplier in suppliers}
    made = 0
    for (days_ago, supplier_pk), wave in sorted(waves.items(), key=lambda item: -item[0][0]):
        supplier = by_pk[supplier_pk]
        arrived = _day(days_ago)
        with backdated(arrived - timedelta(days=supplier.lead_time_days)):
            order = purchase_order_create(
                user=SYSTEM,
                supplier=supplier,
                warehouse=warehouse,
                lines=[PurchaseLineRequest(d.product, d.quantity, d.unit_cost) for d in wave],
                expected_date=arrived,
            )
            _send(order)
        with backdated(arrived):
            purchase_order_receive(
                user=SYSTEM,
                order=order,
                lines=[ReceiptLineRequest(d.product, d.quantity) for d in wave],
                charges=[ChargeRequest("freight", FREIGHT)],
            )
        made += 1
        if days_ago <= BILLED_AFTER_DAYS:
            continue
        bill_day = arrived + timedelta(days=3)
        with backdated(bill_day):
            bill = supplier_bill_enter(
                user=SYSTEM,
                order=order,
                supplier_reference=f"{supplier.code[:3]}-{bill_day:%y%m%d}-{order.pk}",
                bill_date=bill_day,
                lines=[BillLineRequest(d.product, d.quantity, d.unit_cost) for d in wave],
            )
        if bill.is_posted and bill.due_date <= timezone.localdate():
            supplier_payment_record(
                user=SYSTEM,
                bill=bill,
                amount=bill.total,
                day=bill.due_date,
                reference=f"{bill.supplier_reference} {bill.number}",
            )
    return made


def _by_supplier(products: list[Any]) -> dict[Supplier, list[Any]]:
    items = SupplierItem.objects.filter(product__in=products, is_preferred=True).select_related(
        "supplier"
    )
    supplier_of = {item.product_id: item.supplier for item in items}
    grouped: dict[Supplier, list[Any]] = defaultdict(list)
    for product in products:
        grouped[supplier_of[product.pk]].append(product)
    return grouped


def seed_open_purchasing(
    sold_out: list[Any], low: list[Any], regular: list[Any], warehouse: Any
) -> None:
    """Today's work: orders on their way for what sold out, drafts for what runs
    low, a partial delivery of two well-stocked products with a bill on hold."""
    for supplier, products in _by_supplier(sold_out).items():
        coming = purchase_order_create(
            user=SYSTEM,
            supplier=supplier,
            warehouse=warehouse,
            lines=[PurchaseLineRequest(product, 24) for product in products],
            expected_date=timezone.localdate() + timedelta(days=12),
            notes="Sold out: please ship as soon as you can.",
        )
        _send(coming)
    for supplier, products in _by_supplier(low).items():
        purchase_order_create(
            user=SYSTEM,
            supplier=supplier,
            warehouse=warehouse,
            lines=[PurchaseLineRequest(product, 20) for product in products],
        )
    pair = next((p for p in _by_supplier(regular).items() if len(p[1]) >= 2), None)
    if pair is None:
        return
    supplier, products = pair[0], pair[1][:2]
    partial = purchase_order_create(
        user=SYSTEM,
        supplier=supplier,
        warehouse=warehouse,
        lines=[PurchaseLineRequest(product, 10) for product in products],
        expected_date=timezone.localdate() + timedelta(days=3),
    )
    _send(partial)
    purchase_order_receive(
        user=SYSTEM,
        order=partial,
        lines=[ReceiptLineRequest(products[0], 10), ReceiptLineRequest(products[1], 4)],
    )
    first_line = partial.lines.get(product=products[0])
    supplier_bill_enter(  # 8 % above the order: held for Accounting
        user=SYSTEM,
        order=partial,
        supplier_reference=f"{supplier.code[:3]}-{timezone.localdate():%y%m%d}-{partial.pk}",
        bill_date=timezone.localdate(),
        lines=[
            BillLineRequest(
                products[0], 10, (first_line.unit_cost * Decimal("1.08")).quantize(Decimal("0.01"))
            )
        ],
    )


def purchasing_seeded_today() -> bool:
    """Whether today's open documents exist already (orders not yet received)."""
    return PurchaseOrder.objects.filter(
        supplier__code__in=[spec[0] for spec in SUPPLIERS],
        status__in=[PurchaseOrder.Status.DRAFT, PurchaseOrder.Status.SENT],
    ).exists()
