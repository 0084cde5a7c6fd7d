"""Warehouse screens outside the admin: the scan station for barcode scanners."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from erp.permissions import staff_permission_required
from inventory import selectors, services
from inventory.forms import ScanReceiptForm

SESSION_WAREHOUSE = "scan_station_warehouse"
SESSION_HISTORY = "scan_station_history"
HISTORY_LENGTH = 10


@staff_permission_required("inventory.add_stockmove")
def scan_station(request: HttpRequest) -> HttpResponse:
    """Receive goods by scanning: pick the warehouse once, then scan, scan, scan."""
    initial: dict[str, Any] = {"quantity": 1, "warehouse": request.session.get(SESSION_WAREHOUSE)}
    if request.method == "POST":
        form = ScanReceiptForm(request.POST)
        if form.is_valid():
            warehouse = form.cleaned_data["warehouse"]
            quantity = form.cleaned_data["quantity"]
            try:
                move = services.stock_receive(
                    product=form.product,
                    warehouse=warehouse,
                    quantity=quantity,
                    unit_cost=form.cleaned_data["unit_cost"],
                    reference="scan station",
                    user=request.user,
                )
            except services.InventoryError as refused:
                form.add_error(None, str(refused))
            else:
                on_hand = selectors.on_hand(form.product.pk, warehouse.pk)
                line = (
                    f"Received {quantity} × {form.product.title} into {warehouse.code}: "
                    f"now {on_hand} on hand there."
                )
                messages.success(request, line)
                request.session[SESSION_WAREHOUSE] = warehouse.pk
                history = [
                    {"move": move.pk, "text": line},
                    *request.session.get(SESSION_HISTORY, []),
                ]
                request.session[SESSION_HISTORY] = history[:HISTORY_LENGTH]
                return redirect("inventory:scan")
        # an empty barcode field, so the next scan is not appended to the bad one
        data = request.POST.copy()
        data["barcode"] = ""
        form.data = data
    else:
        form = ScanReceiptForm(initial=initial)
    context = {
        "form": form,
        "history": request.session.get(SESSION_HISTORY, []),
        "title": "Scan station: receive goods",
        "site_header": "Kontor back office",
    }
    return render(request, "inventory/scan.html", context)
