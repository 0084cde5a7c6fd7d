"""Warehouse screens of purchasing outside the admin: the receiving station
(goods arriving on purchase orders, by barcode or order) and what is incoming.

The inventory scan station (``inventory:scan``) receives goods with no order
behind them; inventory may not import purchasing, so this station lives here and
the scan station links to it by URL. Each receipt is one
``purchase_order_receive`` call; a form's token is the call's idempotency key, so
a double-submitted scan books the goods once.
"""

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from erp.permissions import PermissionRefused, staff_permission_required
from inventory import selectors as inventory_selectors
from purchasing import permissions, selectors, services
from purchasing.forms import ReceiveForm, ScanForm
from purchasing.models import PurchaseOrder, PurchaseOrderLine

SESSION_WAREHOUSE = "receiving_station_warehouse"
SESSION_HISTORY = "receiving_station_history"
HISTORY_LENGTH = 10
INCOMING_PER_PAGE = 100
DUE_SOON_DAYS = 7
#: the answer to a form sent twice (the service returned the first receipt)
ALREADY_BOOKED = "{number} was booked already by this form: nothing more was received."


def _remember(request: HttpRequest, warehouse_id: int, text: str) -> None:
    messages.success(request, text)
    request.session[SESSION_WAREHOUSE] = warehouse_id
    history = [text, *request.session.get(SESSION_HISTORY, [])]
    request.session[SESSION_HISTORY] = history[:HISTORY_LENGTH]


def _warehouse_id(request: HttpRequest) -> int | None:
    chosen = str(request.GET.get("warehouse") or request.session.get(SESSION_WAREHOUSE) or "")
    return int(chosen) if chosen.isdigit() else None


def _receive_scanned(request: HttpRequest, form: ScanForm) -> str | None:
    """Book a scan on the oldest open order line for the product at the warehouse;
    the confirmation, or None with the reason on the form."""
    warehouse, product = form.cleaned_data["warehouse"], form.product
    quantity = form.cleaned_data["quantity"]
    line = selectors.open_lines_for(product.pk, warehouse.pk).first()
    if line is None:
        form.add_error(
            None,
            f"No open purchase order brings “{product.get_title()}” to {warehouse.code}. "
            "Nothing was received: check the delivery note, or receive it on the scan "
            "station without an order.",
        )
        return None
    try:
        receipt = services.purchase_order_receive(
            user=request.user,
            order=line.order,
            lines=[services.ReceiptLineRequest(product, quantity)],
            idempotency_key=f"station:{form.cleaned_data['token']}",
        )
    except (services.PurchasingError, PermissionRefused) as refused:
        form.add_error(None, f"{refused} Nothing was received.")
        return None
    if getattr(receipt, "_replayed", False):
        return ALREADY_BOOKED.format(number=receipt.number)
    return (
        f"{receipt.number}: received {quantity} × {product.get_title()} on "
        f"{line.order.number} ({line.order.supplier.code}) into {warehouse.code}."
    )


@staff_permission_required(permissions.RECEIPT_ADD)
def receiving_station(request: HttpRequest) -> HttpResponse:
    """Scan what arrived: the station finds the open order line for it, oldest
    expected first. Or pick an open order below and count its lines."""
    if request.method == "POST":
        form = ScanForm(request.POST)
        if form.is_valid():
            text = _receive_scanned(request, form)
            if text is not None:
                _remember(request, form.cleaned_data["warehouse"].pk, text)
                return redirect(
                    reverse("purchasing:receive")
                    + f"?warehouse={form.cleaned_data['warehouse'].pk}"
                )
        # an empty barcode field, so the next scan is not appended to the bad one
        data = request.POST.copy()
        data["barcode"] = ""
        form.data = data
        posted = request.POST.get("warehouse", "")
        warehouse_id = int(posted) if posted.isdigit() else _warehouse_id(request)
    else:
        warehouse_id = _warehouse_id(request)
        form = ScanForm(initial={"quantity": 1, "warehouse": warehouse_id})
    warehouses = list(inventory_selectors.active_warehouses())
    if warehouse_id not in {warehouse.pk for warehouse in warehouses}:
        warehouse_id = warehouses[0].pk if warehouses else None
    context = {
        "form": form,
        "warehouses": warehouses,
        "warehouse_id": warehouse_id,
        "orders": selectors.open_orders(warehouse_id=warehouse_id) if warehouse_id else [],
        "history": request.session.get(SESSION_HISTORY, []),
        "title": "Receiving station: goods on purchase orders",
        "site_header": "Kontor back office",
    }
    return render(request, "purchasing/receive.html", context)


@staff_permission_required(permissions.RECEIPT_ADD)
def receive_order(request: HttpRequest, pk: int) -> HttpResponse:
    """Count what arrived on one order, line by line."""
    lines = PurchaseOrderLine.objects.select_related("product").order_by("pk")
    order = get_object_or_404(
        PurchaseOrder.objects.select_related("supplier", "warehouse").prefetch_related(
            Prefetch("lines", queryset=lines)
        ),
        pk=pk,
    )
    form = ReceiveForm(request.POST or None, order=order, with_charges=False)
    if request.method == "POST" and form.is_valid():
        try:
            receipt = form.save(request.user)
        except (services.PurchasingError, PermissionRefused) as refused:
            form.add_error(None, f"{refused} Nothing was received.")
        else:
            units = sum(quantity for _, quantity in form.quantities())
            _remember(
                request,
                order.warehouse_id,
                ALREADY_BOOKED.format(number=receipt.number)
                if getattr(receipt, "_replayed", False)
                else f"{receipt.number}: received {units} unit{'' if units == 1 else 's'} on "
                f"{order.number} ({order.supplier.code}) into {order.warehouse.code}.",
            )
            return redirect(reverse("purchasing:receive") + f"?warehouse={order.warehouse_id}")
    headers, rows = form.table()
    context = {
        "order": order,
        "form": form,
        "line_headers": headers,
        "line_rows": rows,
        "title": f"Receive {order.number} from {order.supplier.code}",
        "site_header": "Kontor back office",
    }
    return render(request, "purchasing/receive_order.html", context)


@staff_permission_required("purchasing.view_purchaseorder")
def incoming(request: HttpRequest) -> HttpResponse:
    """What is on its way, per product and warehouse: open quantity, expected date, order."""
    warehouses = list(inventory_selectors.active_warehouses())
    warehouse_id = None
    if request.GET.get("warehouse", "").isdigit():
        warehouse_id = int(request.GET["warehouse"])
    due_soon = request.GET.get("due") == "soon"
    today = timezone.localdate()
    lines = selectors.incoming_lines(
        warehouse_id=warehouse_id,
        due_by=today + timedelta(days=DUE_SOON_DAYS) if due_soon else None,
    )
    page = Paginator(lines, INCOMING_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "lines": list(page.object_list),
        "warehouses": warehouses,
        "warehouse_id": warehouse_id,
        "due_soon": due_soon,
        "due_soon_days": DUE_SOON_DAYS,
        "today": today,
        "title": "Incoming goods",
        "site_header": "Kontor back office",
        "may_receive": request.user.has_perm(permissions.RECEIPT_ADD),
    }
    return render(request, "purchasing/incoming.html", context)
