"""The purchase order PDF for staff: the same bytes the supplier was e-mailed.

Staff who may see purchase orders (Purchasing, Warehouse, Accounting, Manager)
download it by the order's number; anyone else gets 403, an unknown number 404.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from erp.permissions import staff_permission_required
from purchasing.models import PurchaseOrder
from purchasing.pdf import purchase_order_pdf


@staff_permission_required("purchasing.view_purchaseorder")
def purchase_order_pdf_view(request: HttpRequest, number: str) -> HttpResponse:
    if "\x00" in number:  # PostgreSQL refuses NUL in text: no order has it
        raise Http404
    order = get_object_or_404(
        PurchaseOrder.objects.select_related("supplier", "warehouse"), number=number
    )
    response = HttpResponse(purchase_order_pdf(order), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{order.number}.pdf"'
    return response
