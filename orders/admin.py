"""Back-office screens for orders: the list, fulfilment (pick, pack, ship,
deliver), pick lists per warehouse, staff-entered orders, carriers, shipments
and returns. Every write is a call to ``orders.services``, which checks the
actor's permission (``orders.services.permissions``); a refusal is shown as
an error message and writes nothing.

A placed order is a posted document: the order record, its lines, prices,
discounts, surcharges, addresses, notes, status history, payment and shipping
events are read-only here for everyone (superusers too), Oscar's editable
admins for them are replaced, and corrections are services that leave a
trail (cancel, returns, credit notes, the shipping-address correction on the
fulfil page).
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from oscar.apps.order import admin as oscar_admin
from oscar.apps.payment import admin as oscar_payment_admin
from oscar.core.loading import get_model
from oscar.templatetags.currency_filters import currency as money

from erp.admin_site import ReadOnlyAdmin, ReadOnlyInline
from erp.permissions import PermissionRefused
from inventory.models import Warehouse
from inventory.selectors import active_warehouses
from inventory.services import InventoryError
from orders import payment_gateways, selectors, services, statuses
from orders.models import Carrier, ReturnLine, ReturnRequest, Shipment, ShipmentLine
from orders.packing_slip import packing_slip_pdf, parcel_position
from orders.services.corrections import ADDRESS_FIELDS
from orders.services.payments import source_for as payment_source_for
from orders.services.permissions import STEPS, step_allowed, step_require
from orders.staff_orders import StaffOrderForm

Order = get_model("order", "Order")
Line = get_model("order", "Line")
ShippingAddress = get_model("order", "ShippingAddress")


def _run(request: HttpRequest, action: Any, success: str, **kwargs: Any) -> bool:
    """Call a service; show its refusal (also for lack of permission) as an
    error message instead of a 500."""
    try:
        action(**kwargs)
    except (services.OrderError, payment_gateways.PaymentDeclined, PermissionRefused) as refused:
        messages.error(request, str(refused))
        return False
    messages.success(request, success)
    return True


def _posted_id(request: HttpRequest, name: str) -> int:
    """A posted row id; 0 (found nowhere) when missing or not a number."""
    value = request.POST.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else 0


# --- the order's own records: read-only everywhere -----------------------------


def _read_only(model: Any, oscar_class: type[admin.ModelAdmin]) -> None:
    """Replace Oscar's editable admin of ``model`` by a read-only one (same list,
    search and filters; inlines read-only too)."""
    inlines = [
        type(f"ReadOnly{inline.__name__}", (ReadOnlyInline, inline), {})
        for inline in oscar_class.inlines
    ]
    read_only = type(
        f"ReadOnly{oscar_class.__name__}",
        (ReadOnlyAdmin, oscar_class),
        {"inlines": inlines, "__module__": __name__},
    )
    admin.site.unregister(model)
    admin.site.register(model, read_only)


for _name, _oscar_class in [
    ("Line", oscar_admin.LineAdmin),
    ("LinePrice", oscar_admin.LinePriceAdmin),
    ("LineAttribute", oscar_admin.LineAttributeAdmin),
    ("OrderDiscount", oscar_admin.OrderDiscountAdmin),
    ("Surcharge", oscar_admin.SurchargeAdmin),
    ("ShippingAddress", oscar_admin.ShippingAddressAdmin),
    ("BillingAddress", oscar_admin.BillingAddressAdmin),
    ("OrderNote", oscar_admin.OrderNoteAdmin),
    ("OrderStatusChange", oscar_admin.OrderStatusAdmin),
    ("PaymentEvent", oscar_admin.PaymentEventAdmin),
    ("ShippingEvent", oscar_admin.ShippingEventAdmin),
    ("CommunicationEvent", oscar_admin.CommunicationEventAdmin),
]:
    _read_only(get_model("order", _name), _oscar_class)
# payments of orders: recorded by orders.services.payments, never typed in
_read_only(get_model("payment", "Source"), oscar_payment_admin.SourceAdmin)
_read_only(get_model("payment", "Transaction"), oscar_payment_admin.TransactionAdmin)


LINE_FIELDS = (
    "title",
    "partner_sku",
    "upc",
    "quantity",
    "unit_price_incl_tax",
    "line_price_before_discounts_incl_tax",
    "line_price_incl_tax",
    "line_price_excl_tax",
    "status",
)


class LineInline(ReadOnlyInline):
    model = Line
    fields = LINE_FIELDS
    readonly_fields = LINE_FIELDS


class ShipmentInline(ReadOnlyInline):
    model = Shipment
    fields = ["warehouse", "status", "carrier", "tracking_link", "shipped_at"]
    readonly_fields = ["warehouse", "status", "carrier", "tracking_link", "shipped_at"]

    @admin.display(description="tracking")
    def tracking_link(self, shipment: Shipment) -> str:
        if not shipment.tracking_url:
            return ""
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            shipment.tracking_url,
            shipment.tracking_number,
        )


#: the order record as staff read it: amounts with their currency, labels not
#: codes; the storefront's internals (site, basket, shipping method code) left out
ORDER_FIELDS = (
    "number",
    "user",
    "guest_email",
    "total_with_tax",
    "total_without_tax",
    "shipping_with_tax",
    "shipping_without_tax",
    "shipping_method",
    "status",
    "channel",
    "payment_method_label",
    "customer_reference",
    "date_placed",
    "shipping_address",
    "billing_address",
)


class AddressCorrectionForm(forms.ModelForm):
    """The fulfil page's shipping-address correction; the country stays."""

    reason = forms.CharField(
        max_length=255, help_text="Why it changes; kept in the order's notes with the old address."
    )

    class Meta:
        model = ShippingAddress
        fields = [name for name in ADDRESS_FIELDS if name not in ("title", "notes")]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].widget.attrs["size"] = 60


class PaymentMethodFilter(admin.SimpleListFilter):
    """The payment methods by their labels (the plain field filter listed codes)."""

    title = "payment"
    parameter_name = "payment_method"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(code, gateway.label) for code, gateway in payment_gateways.GATEWAYS.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value():
            return queryset.filter(payment_method=self.value())
        return queryset


admin.site.unregister(Order)


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "date_placed",
        "customer",
        "channel",
        "payment_method_label",
        "status",
        "total",
        "fulfil_link",
    ]
    list_filter = ["status", "channel", PaymentMethodFilter, "date_placed"]
    list_select_related = ["user__buyer__company"]
    search_fields = [
        "number",
        "customer_reference",
        "user__buyer__company__name",
        "guest_email",
        "user__email",
        "shipping_address__last_name",
    ]
    date_hierarchy = "date_placed"
    # the order record is read-only for everyone: staff orders are placed through
    # "New staff order" (priced and allocated by the server), changes are services
    fields = ORDER_FIELDS
    readonly_fields = ORDER_FIELDS
    inlines = [LineInline, ShipmentInline]
    actions = ["mark_paid", "release_credit_hold", "start_picking", "cancel_orders"]

    @admin.display(description="customer")
    def customer(self, order: Any) -> str:
        """Who ordered, as staff name them: a buyer's company, a customer's name
        (their e-mail when they gave none), a guest's e-mail; the e-mail on hover."""
        if not order.user_id:
            return f"{order.guest_email} (guest)"
        user = order.user
        buyer = getattr(user, "buyer", None)
        name = buyer.company.name if buyer is not None else user.get_full_name()
        if not name:
            return user.email
        return format_html('<span title="{}">{}</span>', user.email, name)

    @admin.display(description="payment", ordering="payment_method")
    def payment_method_label(self, order: Any) -> str:
        return payment_gateways.method_label(order.payment_method)

    @admin.display(description="total", ordering="total_incl_tax")
    def total(self, order: Any) -> str:
        return money(order.total_incl_tax, order.currency)

    @admin.display(description="total incl. tax")
    def total_with_tax(self, order: Any) -> str:
        return money(order.total_incl_tax, order.currency)

    @admin.display(description="total excl. tax")
    def total_without_tax(self, order: Any) -> str:
        return money(order.total_excl_tax, order.currency)

    @admin.display(description="shipping incl. tax")
    def shipping_with_tax(self, order: Any) -> str:
        return money(order.shipping_incl_tax, order.currency)

    @admin.display(description="shipping excl. tax")
    def shipping_without_tax(self, order: Any) -> str:
        return money(order.shipping_excl_tax, order.currency)

    @admin.display(description="")
    def fulfil_link(self, order: Any) -> str:
        return format_html(
            '<a href="{}">fulfil</a>', reverse("admin:order_order_fulfil", args=[order.pk])
        )

    # --- actions -----------------------------------------------------------
    def _for_each(
        self, request: HttpRequest, queryset: QuerySet[Any], action: Any, done: str
    ) -> None:
        for order in queryset:
            _run(request, action, f"Order {order.number}: {done}.", order=order, user=request.user)

    # each action is offered to the roles its service allows (the service checks again)
    def has_paid_permission(self, request: HttpRequest) -> bool:
        return step_allowed(request.user, "paid")

    def has_release_credit_permission(self, request: HttpRequest) -> bool:
        return step_allowed(request.user, "release_credit")

    def has_pick_permission(self, request: HttpRequest) -> bool:
        return step_allowed(request.user, "pick")

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        return step_allowed(request.user, "cancel")

    @admin.action(description="Payment received (bank transfer)", permissions=["paid"])
    def mark_paid(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._for_each(request, queryset, services.order_mark_paid, "ready to fulfil")

    @admin.action(description="Release credit hold", permissions=["release_credit"])
    def release_credit_hold(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._for_each(request, queryset, services.order_release_credit_hold, "ready to fulfil")

    @admin.action(description="Start picking", permissions=["pick"])
    def start_picking(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._for_each(request, queryset, services.order_start_picking, "picking")

    @admin.action(description="Cancel (releases stock)", permissions=["cancel"])
    def cancel_orders(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._for_each(request, queryset, services.order_cancel, "cancelled, stock released")

    # --- fulfilment pages ----------------------------------------------------
    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("new/", view(self.staff_order_view), name="order_order_new"),
            path(
                "pick-list/<int:warehouse_pk>/",
                view(self.pick_list_view),
                name="order_order_pick_list",
            ),
            path("<int:pk>/fulfil/", view(self.fulfil_view), name="order_order_fulfil"),
            path(
                "<int:pk>/parcels/<int:shipment_pk>/packing-slip/",
                view(self.packing_slip_view),
                name="order_order_packing_slip",
            ),
            *super().get_urls(),
        ]

    def _require(self, request: HttpRequest, permission: str) -> None:
        if not request.user.has_perm(permission):
            raise PermissionDenied

    def fulfil_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        self._require(request, "order.view_order")
        order = get_object_or_404(Order.objects.select_related("user", "shipping_address"), pk=pk)
        address_form = None
        if request.method == "POST":
            address_form = self._fulfil_post(request, order)
            if address_form is None:
                return HttpResponseRedirect(reverse("admin:order_order_fulfil", args=[pk]))
        can = {step: step_allowed(request.user, step) for step in STEPS}
        shipped = order.shipments.exclude(status=Shipment.Status.PACKED).exists()
        if (
            address_form is None
            and can["correct_address"]
            and order.shipping_address is not None
            and order.status in statuses.STAFF_CANCELLABLE
            and not shipped
        ):
            address_form = AddressCorrectionForm(instance=order.shipping_address)
        progress = selectors.line_progress(order)
        warehouses = {w.pk: w for w in Warehouse.objects.all()}
        packed = selectors.packed_by_line_and_warehouse(order)
        pack_sections = []
        for warehouse_id in sorted({w for entry in progress for w in entry.allocated}):
            rows = []
            for entry in progress:
                waiting = entry.allocated.get(warehouse_id, 0) - packed.get(
                    (entry.line.pk, warehouse_id), 0
                )
                if waiting > 0:
                    rows.append({"entry": entry, "waiting": waiting})
            if rows:
                pack_sections.append({"warehouse": warehouses[warehouse_id], "rows": rows})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Fulfil order {order.number}",
            "order": order,
            "progress": progress,
            "pack_sections": pack_sections,
            "shipments": order.shipments.select_related("warehouse", "carrier").prefetch_related(
                "lines__order_line"
            ),
            "carriers": selectors.active_carriers(),
            "timeline": order.status_changes.order_by("date_created"),
            "notes": order.notes.order_by("date_created"),
            "source": payment_source_for(order),
            "payment_method": payment_gateways.method_label(order.payment_method),
            "can": can,
            "address_form": address_form,
            "statuses": statuses,
        }
        return TemplateResponse(request, "admin/order/order/fulfil.html", context)

    def packing_slip_view(self, request: HttpRequest, pk: int, shipment_pk: int) -> HttpResponse:
        """The parcel's packing slip (PDF), linked per parcel on the fulfil page."""
        shipment = get_object_or_404(
            Shipment.objects.select_related("order__shipping_address", "warehouse", "carrier"),
            pk=shipment_pk,
            order_id=pk,
        )
        try:
            pdf = packing_slip_pdf(shipment=shipment, user=request.user)
        except PermissionRefused as refused:
            raise PermissionDenied(str(refused)) from refused
        number, _count = parcel_position(shipment)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="packing-slip-{shipment.order.number}-{number}.pdf"'
        )
        return response

    def _fulfil_post(self, request: HttpRequest, order: Any) -> AddressCorrectionForm | None:
        """Run the posted step through its service (which checks the permission);
        an invalid address correction comes back to be shown with its errors."""
        action = request.POST.get("action", "")
        user = request.user
        if action == "address":
            return self._correct_address(request, order)
        if action == "pack":
            warehouse = get_object_or_404(Warehouse, pk=_posted_id(request, "warehouse"))
            quantities = {}
            for key in request.POST:
                if key.startswith("qty-"):
                    value = request.POST.get(key, "")
                    try:
                        quantities[int(key[4:])] = int(value or 0)
                    except ValueError:
                        messages.error(request, f"“{value}” is not a whole number; nothing packed.")
                        return None
            _run(
                request,
                services.shipment_pack,
                "Packed; hand the parcel to the carrier with its tracking number.",
                order=order,
                warehouse=warehouse,
                quantities=quantities,
                user=user,
            )
        elif action == "ship":
            shipment = get_object_or_404(Shipment, pk=_posted_id(request, "shipment"), order=order)
            carrier = Carrier.objects.filter(pk=_posted_id(request, "carrier")).first()
            if carrier is None:
                messages.error(request, "Choose the carrier.")
                return None
            _run(
                request,
                services.shipment_ship,
                "Shipped; the customer gets the tracking e-mail.",
                shipment=shipment,
                carrier=carrier,
                tracking_number=request.POST.get("tracking_number", ""),
                user=user,
            )
        elif action == "deliver":
            shipment = get_object_or_404(Shipment, pk=_posted_id(request, "shipment"), order=order)
            _run(
                request,
                services.shipment_deliver,
                "Marked delivered.",
                shipment=shipment,
                user=user,
            )
        elif action == "paid":
            _run(request, services.order_mark_paid, "Payment recorded.", order=order, user=user)
        elif action == "release_credit":
            _run(
                request,
                services.order_release_credit_hold,
                "Released from credit hold; ready to fulfil.",
                order=order,
                user=user,
            )
        elif action == "pick":
            _run(request, services.order_start_picking, "Picking started.", order=order, user=user)
        elif action == "cancel":
            _run(
                request,
                services.order_cancel,
                "Order cancelled; its stock is available again.",
                order=order,
                user=user,
                reason=request.POST.get("reason", "").strip(),
            )
        else:
            messages.error(request, "Unknown action.")
        return None

    def _correct_address(self, request: HttpRequest, order: Any) -> AddressCorrectionForm | None:
        try:
            step_require(request.user, "correct_address")  # before showing form errors
        except PermissionRefused as refused:
            messages.error(request, str(refused))
            return None
        current = ShippingAddress.objects.filter(pk=order.shipping_address_id).first()
        form = AddressCorrectionForm(request.POST, instance=current)
        if not form.is_valid():
            return form
        corrected = _run(
            request,
            services.order_shipping_address_correct,
            "Shipping address corrected; the old one is kept in the order's notes.",
            order=order,
            user=request.user,
            address={name: form.cleaned_data[name] for name in form.Meta.fields},
            reason=form.cleaned_data["reason"],
        )
        return None if corrected else form

    def pick_list_view(self, request: HttpRequest, warehouse_pk: int) -> HttpResponse:
        self._require(request, "order.view_order")
        warehouse = get_object_or_404(Warehouse, pk=warehouse_pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Pick list: {warehouse}",
            "warehouse": warehouse,
            "warehouses": active_warehouses(),
            "lines": selectors.pick_list(warehouse),
        }
        return TemplateResponse(request, "admin/order/order/pick_list.html", context)

    def staff_order_view(self, request: HttpRequest) -> HttpResponse:
        self._require(request, "order.add_order")
        form = StaffOrderForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():  # a refusal leaves no basket behind
                    order = form.place(user=request.user)
            except (
                services.OrderError,
                payment_gateways.PaymentDeclined,
                InventoryError,
            ) as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, f"Order {order.number} placed.")
                return HttpResponseRedirect(reverse("admin:order_order_fulfil", args=[order.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "New staff order (phone, counter, B2B)",
            "form": form,
        }
        return TemplateResponse(request, "admin/order/order/staff_order.html", context)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "warehouses": active_warehouses()}
        return super().changelist_view(request, extra_context)


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "tracking_url_pattern", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]


class ShipmentLineInline(ReadOnlyInline):
    model = ShipmentLine
    readonly_fields = ["order_line", "quantity"]


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyAdmin):
    """Parcels are packed, shipped and delivered on the order's fulfil page."""

    list_display = [
        "order_number",
        "warehouse",
        "status",
        "carrier",
        "tracking_number",
        "shipped_at",
    ]
    list_filter = ["status", "warehouse", "carrier"]
    list_select_related = ["order", "warehouse", "carrier"]
    search_fields = ["order__number", "tracking_number"]
    inlines = [ShipmentLineInline]

    @admin.display(description="order", ordering="order__number")
    def order_number(self, shipment: Shipment) -> str:
        return shipment.order.number

    readonly_fields = [
        "order",
        "warehouse",
        "status",
        "carrier",
        "tracking_number",
        "packed_at",
        "shipped_at",
        "delivered_at",
        "packed_by",
        "shipped_by",
        "tracking_email_sent_at",
    ]


class ReturnLineInline(ReadOnlyInline):
    model = ReturnLine
    readonly_fields = ["order_line", "quantity", "reason", "note"]


class ReceiveReturnForm(forms.Form):
    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.none(),
        help_text="Back to sellable stock, or to a quarantine warehouse for inspection.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = active_warehouses()  # type: ignore[attr-defined]


@admin.register(ReturnRequest)
class ReturnRequestAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "status",
        "requested_at",
        "refund_status",
        "refund",
        "receive_link",
    ]
    list_filter = ["status", "refund_status"]
    list_select_related = ["order"]
    search_fields = ["number", "order__number"]
    inlines = [ReturnLineInline]
    readonly_fields = [
        "number",
        "order",
        "status",
        "requested_at",
        "authorised_at",
        "received_at",
        "warehouse",
        "refund_status",
        "refund_amount",
    ]
    fields = [*readonly_fields, "staff_note"]
    actions = ["authorise", "reject"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="refund amount", ordering="refund_amount")
    def refund(self, return_request: ReturnRequest) -> str:
        return money(return_request.refund_amount, return_request.order.currency)

    @admin.display(description="")
    def receive_link(self, return_request: ReturnRequest) -> str:
        if return_request.status != ReturnRequest.Status.AUTHORISED:
            return ""
        return format_html(
            '<a href="{}">receive</a>',
            reverse("admin:order_returnrequest_receive", args=[return_request.pk]),
        )

    def has_authorise_permission(self, request: HttpRequest) -> bool:
        return step_allowed(request.user, "authorise_return")

    @admin.action(description="Authorise", permissions=["authorise"])
    def authorise(self, request: HttpRequest, queryset: QuerySet[ReturnRequest]) -> None:
        for return_request in queryset:
            _run(
                request,
                services.return_authorise,
                f"{return_request} authorised.",
                return_request=return_request,
                user=request.user,
            )

    @admin.action(description="Reject", permissions=["authorise"])
    def reject(self, request: HttpRequest, queryset: QuerySet[ReturnRequest]) -> None:
        for return_request in queryset:
            _run(
                request,
                services.return_reject,
                f"{return_request} rejected.",
                return_request=return_request,
                user=request.user,
            )

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:pk>/receive/",
                self.admin_site.admin_view(self.receive_view),
                name="order_returnrequest_receive",
            ),
            *super().get_urls(),
        ]

    def receive_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return_request = get_object_or_404(ReturnRequest.objects.select_related("order"), pk=pk)
        step_require(request.user, "receive_return")  # 403 before the form; the service checks too
        form = ReceiveReturnForm(request.POST or None)
        received = (
            request.method == "POST"
            and form.is_valid()
            and _run(
                request,
                services.return_receive,
                "Return received, goods restocked, refund triggered.",
                return_request=return_request,
                warehouse=form.cleaned_data["warehouse"],
                user=request.user,
            )
        )
        if received:
            return HttpResponseRedirect(reverse("admin:order_returnrequest_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Receive {return_request}",
            "return_request": return_request,
            "lines": return_request.lines.select_related("order_line"),
            "form": form,
        }
        return TemplateResponse(request, "admin/order/returnrequest/receive.html", context)
