"""Row locks of purchasing, always in the same order: the purchase order first,
then its lines by primary key. Two receipts, bills or returns on the same order
queue behind the order row, so quantities are read and checked under the lock
and tolerances hold under any concurrency."""

from django.db.models import QuerySet

from purchasing.models import PurchaseOrder, PurchaseOrderLine, SupplierBill


def purchase_order_for_update(order_id: int) -> PurchaseOrder:
    return (
        PurchaseOrder.objects.select_for_update(of=("self",))
        .select_related("supplier", "warehouse")
        .get(pk=order_id)
    )


def order_lines_for_update(order_id: int) -> QuerySet[PurchaseOrderLine]:
    return (
        PurchaseOrderLine.objects.select_for_update(of=("self",))
        .filter(order_id=order_id)
        .select_related("product")
        .order_by("pk")
    )


def bill_for_update(bill_id: int) -> SupplierBill:
    return SupplierBill.objects.select_for_update(of=("self",)).get(pk=bill_id)
