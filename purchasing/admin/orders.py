"""Purchase orders and receipts.

A purchase order is created on the "new purchase order" page (``purchase_order_create``),
then sent or cancelled (list actions or the buttons on the order), received on its
"Receive" page (``purchase_order_receive``, with freight, duty and insurance), billed
on its "Enter bill" page and partly sent back on its "Return to supplier" page. The
order itself, its lines and its receipts are never edited in a form.
"""

from typing import Any

from django.contrib import admin, messages
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join

from erp.admin_site import ReadOnlyAdmin, ReadOnlyInline
from erp.permissions import PermissionRefused, has_permissions
from purchasing import permissions, selectors, services
from purchasing.admin.common import form_page, money, require_perms
from purchasing.forms import (
    BillForm,
    CancelForm,
    ConfirmForm,
    PurchaseOrderCreateForm,
    PurchaseOrderEditForm,
    ReceiveForm,
    ReturnForm,
)
from purchasing.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptCharge,
    ReceiptLine,
    SupplierBill,
)

OPEN = (PurchaseOrder.Status.SENT, PurchaseOrder.Status.PARTIALLY_RECEIVED)
#: statuses in which goods have arrived, so bills and returns may be entered
RECEIVED = (
    PurchaseOrder.Status.PARTIALLY_RECEIVED,
    PurchaseOrder.Status.RECEIVED,
    PurchaseOrder.Status.BILLED,
)


class LateFilter(admin.SimpleListFilter):
    """Open orders past their expected date (the Purchasing home page links here)."""

    title = "arrival"
    parameter_name = "arrival"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("late", "Late (past the expected date)"), ("open", "Goods still to come")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[PurchaseOrder]
    ) -> QuerySet[PurchaseOrder]:
        if self.value() == "late":
            return queryset.filter(status__in=OPEN, expected_date__lt=timezone.localdate())
        if self.value() == "open":
            return queryset.filter(status__in=OPEN)
        return queryset


class PurchaseOrderLineInline(ReadOnlyInline):
    model = PurchaseOrderLine
    verbose_name = "line"
    verbose_name_plural = "lines"
    fields = readonly_fields = (
        "product",
        "supplier_sku",
        "quantity",
        "unit_cost",
        "received_quantity",
        "returned_quantity",
        "billed_quantity",
        "open_quantity",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[PurchaseOrderLine]:
        return super().get_queryset(request).select_related("product")


class ReceiptInline(ReadOnlyInline):
    model = Receipt
    fields = readonly_fields = ("number", "received_at", "received_by", "charges_total")
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Receipt]:
        return super().get_queryset(request).select_related("received_by")


class BillInline(ReadOnlyInline):
    model = SupplierBill
    fk_name = "order"
    verbose_name = "bill or debit note"
    verbose_name_plural = "bills and debit notes"
    fields = readonly_fields = (
        "number",
        "kind",
        "supplier_reference",
        "bill_date",
        "status",
        "total",
    )
    show_change_link = True


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(admin.ModelAdmin):
    """Orders to suppliers; every change is a service call (see the module docstring)."""

    list_display = [
        "number",
        "supplier_code",
        "warehouse_code",
        "status",
        "order_date",
        "expected_date",
        "total",
        "received",
    ]
    list_filter = ["status", LateFilter, "origin", "warehouse", "supplier"]
    search_fields = ["number", "supplier__code", "supplier__name"]
    date_hierarchy = "order_date"
    actions = ["send_orders", "cancel_orders"]
    fields = readonly_fields = (
        "number",
        "status",
        "origin",
        "supplier",
        "warehouse",
        "currency",
        "order_date",
        "expected_date",
        "payment_terms_days",
        "notes",
        "created_by",
        "sent_at",
        "sent_by",
        "cancelled_at",
        "cancel_reason",
    )
    inlines = [PurchaseOrderLineInline, ReceiptInline, BillInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PurchaseOrder]:
        return selectors.purchase_orders_for_list()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # the actions need it; an order itself is never edited in a form
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # cancelled, never deleted (the number series has no gaps)

    @admin.display(description="supplier", ordering="supplier__code")
    def supplier_code(self, order: PurchaseOrder) -> str:
        return order.supplier.code

    @admin.display(description="warehouse", ordering="warehouse__code")
    def warehouse_code(self, order: PurchaseOrder) -> str:
        return order.warehouse.code

    @admin.display(description="total", ordering="total_amount")
    def total(self, order: Any) -> str:
        return money(order.total_amount, order.currency)

    @admin.display(description="received / ordered")
    def received(self, order: PurchaseOrder) -> str:
        lines = list(order.lines.all())
        return (
            f"{sum(line.received_quantity for line in lines)} / "
            f"{sum(line.quantity for line in lines)}"
        )

    def get_list_display(self, request: HttpRequest) -> Any:
        """The links column offers only what this user may do next."""
        user = request.user

        @admin.display(description="")
        def order_links(order: PurchaseOrder) -> str:
            return format_html_join(
                " · ",
                '<a href="{}">{}</a>',
                ((url, text) for text, url in self._links(order, user)),
            )

        return [*super().get_list_display(request), order_links]

    def _links(self, order: PurchaseOrder, user: Any) -> list[tuple[str, str]]:
        """What ``user`` may do next with ``order``."""

        def url(name: str) -> str:
            return reverse(f"admin:purchasing_purchaseorder_{name}", args=[order.pk])

        def may(*perms: str) -> bool:
            return has_permissions(user, *perms)

        links = [("PDF", reverse("purchasing-documents:purchase-order-pdf", args=[order.number]))]
        if order.status == PurchaseOrder.Status.DRAFT and may(permissions.PURCHASE_ORDER_CHANGE):
            links.append(("edit", url("edit")))
            links.append(("send", url("send")))
        if order.status in OPEN and may(permissions.RECEIPT_ADD):
            links.append(("receive", url("receive")))
        if order.status in RECEIVED and may(permissions.BILL_ADD):
            if order.status != PurchaseOrder.Status.BILLED:
                links.append(("enter bill", url("bill")))
            links.append(("return to supplier", url("return")))
        if order.status in (PurchaseOrder.Status.DRAFT, PurchaseOrder.Status.SENT) and may(
            permissions.PURCHASE_ORDER_CHANGE
        ):
            links.append(("cancel", url("cancel")))
        return links

    # --- actions -------------------------------------------------------------

    def _run(
        self, request: HttpRequest, queryset: QuerySet[PurchaseOrder], verb: str, call: Any
    ) -> None:
        done = []
        for order in queryset.order_by("pk"):
            try:
                call(order)
            except (services.PurchasingError, PermissionRefused) as refused:
                self.message_user(request, f"{order.number}: {refused}", messages.ERROR)
            else:
                done.append(order.number)
        if done:
            self.message_user(request, f"{verb}: {', '.join(done)}.", messages.SUCCESS)

    @admin.action(
        description="Send the selected draft orders to their suppliers", permissions=["change"]
    )
    def send_orders(self, request: HttpRequest, queryset: QuerySet[PurchaseOrder]) -> None:
        self._run(
            request,
            queryset,
            "Sent",
            lambda order: services.purchase_order_send(user=request.user, order=order),
        )

    @admin.action(description="Cancel the selected orders", permissions=["change"])
    def cancel_orders(self, request: HttpRequest, queryset: QuerySet[PurchaseOrder]) -> None:
        self._run(
            request,
            queryset,
            "Cancelled",
            lambda order: services.purchase_order_cancel(
                user=request.user, order=order, reason="cancelled in the back office"
            ),
        )

    # --- pages ---------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        pages = {
            "edit": self.edit_view,
            "send": self.send_view,
            "cancel": self.cancel_view,
            "receive": self.receive_view,
            "bill": self.bill_view,
            "return": self.return_view,
        }
        return [
            *(
                path(f"<int:pk>/{name}/", view(page), name=f"purchasing_purchaseorder_{name}")
                for name, page in pages.items()
            ),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        order = self.get_object(request, object_id)
        links = self._links(order, request.user) if order is not None else []
        extra_context = {**(extra_context or {}), "order_links": links}
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        """A new draft through ``purchase_order_create``: lines typed as SKU and quantity."""
        if not self.has_add_permission(request):
            require_perms(request, permissions.PURCHASE_ORDER_ADD)
        form = PurchaseOrderCreateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                order = form.save(request.user)
            except (services.PurchasingError, PermissionRefused) as refused:
                form.add_error(None, str(refused))
            else:
                self.message_user(
                    request,
                    f"{order.number} drafted for {order.supplier.code}: check it, then send it.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:purchasing_purchaseorder_change", args=[order.pk])
                )
        return form_page(
            self, request, "New purchase order", form, submit_label="Create draft order"
        )

    def _order(self, pk: int) -> PurchaseOrder:
        lines = PurchaseOrderLine.objects.select_related("product").order_by("pk")
        return get_object_or_404(
            PurchaseOrder.objects.select_related("supplier", "warehouse").prefetch_related(
                Prefetch("lines", queryset=lines)
            ),
            pk=pk,
        )

    def _facts(self, order: PurchaseOrder) -> list[tuple[str, str]]:
        return [
            ("Purchase order", f"{order.number} ({order.get_status_display().lower()})"),
            ("Supplier", str(order.supplier)),
            ("Warehouse", str(order.warehouse)),
            ("Expected", f"{order.expected_date:%d %b %Y}"),
        ]

    def _done(self, request: HttpRequest, order: PurchaseOrder, message: str) -> HttpResponse:
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(
            reverse("admin:purchasing_purchaseorder_change", args=[order.pk])
        )

    def _confirm(self, request: HttpRequest, pk: int, *, cancel: bool) -> HttpResponse:
        require_perms(request, permissions.PURCHASE_ORDER_CHANGE)
        order = self._order(pk)
        form = CancelForm(request.POST or None) if cancel else ConfirmForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                if cancel:
                    services.purchase_order_cancel(
                        user=request.user, order=order, reason=form.cleaned_data["reason"]
                    )
                else:
                    services.purchase_order_send(user=request.user, order=order)
            except (services.PurchasingError, PermissionRefused) as refused:
                form.add_error(None, str(refused))
            else:
                return self._done(
                    request,
                    order,
                    f"{order.number} cancelled."
                    if cancel
                    else f"{order.number} sent: {order.supplier.email} gets it by e-mail.",
                )
        return form_page(
            self,
            request,
            f"Cancel {order.number}" if cancel else f"Send {order.number}",
            form,
            obj=order,
            facts=[*self._facts(order), ("E-mail to", order.supplier.email)],
            submit_label="Cancel the order" if cancel else "Send to the supplier",
        )

    def _form_page(
        self,
        request: HttpRequest,
        pk: int,
        *,
        permission: str,
        form_class: Any,
        title: str,
        done: Any,
        **page: Any,
    ) -> HttpResponse:
        """A page of ``order`` whose form calls one service: the service's refusal
        shows on the form, success goes where ``done(document, order)`` says."""
        require_perms(request, permission)
        order = self._order(pk)
        form = form_class(request.POST or None, order=order)
        if request.method == "POST" and form.is_valid():
            try:
                document = form.save(request.user)
            except (services.PurchasingError, PermissionRefused) as refused:
                form.add_error(None, str(refused))
            else:
                return done(document, order)
        return form_page(
            self,
            request,
            title.format(order=order),
            form,
            obj=order,
            facts=self._facts(order),
            **page,
        )

    def edit_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Change a draft's lines, expected date and notes (``purchase_order_update``)."""
        return self._form_page(
            request,
            pk,
            permission=permissions.PURCHASE_ORDER_CHANGE,
            form_class=PurchaseOrderEditForm,
            title="Change {order.number}",
            done=lambda order, _: self._done(request, order, f"{order.number} changed."),
            submit_label="Save the draft",
        )

    def send_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._confirm(request, pk, cancel=False)

    def cancel_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._confirm(request, pk, cancel=True)

    def receive_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        def done(receipt: Receipt, order: PurchaseOrder) -> HttpResponse:
            if getattr(receipt, "_replayed", False):
                return self._done(
                    request,
                    order,
                    f"{receipt.number} was booked already by this form: nothing more was received.",
                )
            return self._done(
                request, order, f"{receipt.number}: goods received on {order.number}."
            )

        return self._form_page(
            request,
            pk,
            permission=permissions.RECEIPT_ADD,
            form_class=ReceiveForm,
            title="Receive goods on {order.number}",
            done=done,
            submit_label="Receive",
            no_lines="Nothing is open on this order: everything ordered has arrived.",
        )

    def bill_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        def done(bill: SupplierBill, order: PurchaseOrder) -> HttpResponse:
            if bill.status == SupplierBill.Status.ON_HOLD:
                self.message_user(
                    request,
                    f"{bill.number} is on hold until it is approved: "
                    + " ".join(bill.hold_reasons),
                    messages.WARNING,
                )
                return HttpResponseRedirect(
                    reverse("admin:purchasing_supplierbill_change", args=[bill.pk])
                )
            return self._done(request, order, f"{bill.number} matched and posted.")

        return self._form_page(
            request,
            pk,
            permission=permissions.BILL_ADD,
            form_class=BillForm,
            title="Enter a bill for {order.number}",
            done=done,
            submit_label="Enter bill",
            no_lines="Nothing has been received on this order yet: there is nothing to bill.",
        )

    def return_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._form_page(
            request,
            pk,
            permission=permissions.BILL_ADD,
            form_class=ReturnForm,
            title="Return goods from {order.number} to the supplier",
            done=lambda note, order: self._done(
                request, order, f"Debit note {note.number}: goods sent back to the supplier."
            ),
            submit_label="Send back",
            no_lines="Nothing has been received on this order: there is nothing to send back.",
        )


class ReceiptLineInline(ReadOnlyInline):
    model = ReceiptLine
    fields = readonly_fields = (
        "order_line",
        "quantity",
        "unit_cost",
        "value",
        "charges",
        "landed_unit_cost",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReceiptLine]:
        return (
            super().get_queryset(request).select_related("order_line__order", "order_line__product")
        )


class ReceiptChargeInline(ReadOnlyInline):
    model = ReceiptCharge
    fields = readonly_fields = ("kind", "amount")


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    """Goods received against purchase orders: posted documents, read-only."""

    list_display = [
        "number",
        "order",
        "warehouse",
        "received_at",
        "received_by",
        "charges_basis",
        "charges_total",
    ]
    list_filter = ["warehouse", "received_at"]
    list_select_related = ["order", "warehouse", "received_by"]
    search_fields = ["number", "order__number", "order__supplier__code"]
    date_hierarchy = "received_at"
    fields = [
        "number",
        "order",
        "warehouse",
        "received_at",
        "received_by",
        "charges_basis",
        "charges_total",
        "idempotency_key",
    ]
    inlines = [ReceiptLineInline, ReceiptChargeInline]
