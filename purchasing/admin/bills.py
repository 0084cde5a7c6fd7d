"""Supplier bills, debit notes and payments: read-only documents.

Bills are entered on a purchase order's "Enter bill" page and debit notes on its
"Return to supplier" page (``purchasing.admin.orders``); here a bill on hold is
approved or rejected (list actions, or the buttons on the bill, for who holds
``purchasing.approve_supplierbill``) and a posted bill is paid.
"""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from erp.admin_site import ReadOnlyAdmin, ReadOnlyInline
from erp.permissions import PermissionRefused, has_permissions
from purchasing import permissions, services
from purchasing.admin.common import form_page, money, require_perms
from purchasing.forms import BillActionForm, CancelForm, ConfirmForm, SupplierPaymentForm
from purchasing.models import SupplierBill, SupplierBillLine, SupplierPayment


class SupplierBillLineInline(ReadOnlyInline):
    model = SupplierBillLine
    verbose_name = "line"
    verbose_name_plural = "lines"
    fields = readonly_fields = (
        "order_line",
        "quantity",
        "unit_cost",
        "order_unit_cost",
        "tax_rate",
        "net",
        "tax",
        "total",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[SupplierBillLine]:
        return (
            super().get_queryset(request).select_related("order_line__order", "order_line__product")
        )


class SupplierPaymentInline(ReadOnlyInline):
    model = SupplierPayment
    fields = readonly_fields = ("date", "amount", "currency", "method", "reference")


@admin.register(SupplierBill)
class SupplierBillAdmin(ReadOnlyAdmin):
    """What suppliers bill us and what we claim back; approved, rejected and paid here."""

    list_display = [
        "number",
        "kind",
        "supplier_code",
        "order_number",
        "supplier_reference",
        "bill_date",
        "due_date",
        "total_amount",
        "balance_amount",
        "status",
        "reasons",
    ]
    list_filter = ["status", "kind", "supplier", "bill_date"]
    list_select_related = ["supplier", "order"]
    search_fields = [
        "number",
        "supplier_reference",
        "supplier__code",
        "supplier__name",
        "order__number",
    ]
    date_hierarchy = "bill_date"
    actions = ["approve_bills", "reject_bills"]
    action_form = BillActionForm
    fields = [
        "number",
        "kind",
        "status",
        "supplier",
        "order",
        "supplier_reference",
        "bill_date",
        "due_date",
        "currency",
        "net_total",
        "tax_total",
        "total",
        "amount_paid",
        "amount_credited",
        "credits",
        "reason",
        "entry",
        "created_by",
        "decided_at",
        "decided_by",
    ]
    inlines = [SupplierBillLineInline, SupplierPaymentInline]

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(permissions.BILL_APPROVE)

    @admin.display(description="supplier", ordering="supplier__code")
    def supplier_code(self, bill: SupplierBill) -> str:
        return bill.supplier.code

    @admin.display(description="order", ordering="order__number")
    def order_number(self, bill: SupplierBill) -> str:
        return bill.order.number

    @admin.display(description="total", ordering="total")
    def total_amount(self, bill: SupplierBill) -> str:
        return money(bill.total, bill.currency)

    @admin.display(description="to pay")
    def balance_amount(self, bill: SupplierBill) -> str:
        if bill.kind == SupplierBill.Kind.BILL:
            return money(bill.balance, bill.currency)
        if bill.credit_left > 0:  # a debit note no bill has absorbed yet
            return f"{money(bill.credit_left, bill.currency)} owed back"
        return ""

    @admin.display(description="hold reasons")
    def reasons(self, bill: SupplierBill) -> str:
        # staff and supplier text: escaped item by item, never marked safe as a whole
        if not bill.hold_reasons:
            return ""
        return format_html(
            '<ul class="hold-reasons">{}</ul>',
            format_html_join("", "<li>{}</li>", ((reason,) for reason in bill.hold_reasons)),
        )

    def get_list_display(self, request: HttpRequest) -> Any:
        """The links column offers only what this user may do next."""
        user = request.user

        @admin.display(description="")
        def bill_links(bill: SupplierBill) -> str:
            return format_html_join(
                " · ", '<a href="{}">{}</a>', ((url, text) for text, url in self._links(bill, user))
            )

        return [*super().get_list_display(request), bill_links]

    def _links(self, bill: SupplierBill, user: Any) -> list[tuple[str, str]]:
        def url(name: str) -> str:
            return reverse(f"admin:purchasing_supplierbill_{name}", args=[bill.pk])

        def may(*perms: str) -> bool:
            return has_permissions(user, *perms)

        links = []
        if bill.status == SupplierBill.Status.ON_HOLD and may(permissions.BILL_APPROVE):
            links += [("approve", url("approve")), ("reject", url("reject"))]
        if bill.balance > 0 and may(permissions.PAYMENT_ADD):
            links.append(("pay", url("pay")))
        return links

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        bill = self.get_object(request, object_id)
        links = self._links(bill, request.user) if bill is not None else []
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "bill_links": links}
        )

    # --- actions -------------------------------------------------------------

    def _decide(
        self, request: HttpRequest, queryset: QuerySet[SupplierBill], approve: bool
    ) -> None:
        reason = (request.POST.get("reason") or "").strip()
        if not approve and not reason:
            self.message_user(
                request, "Type the reason for the rejection beside the action.", messages.ERROR
            )
            return
        done = []
        for bill in queryset.order_by("pk"):
            try:
                if approve:
                    services.supplier_bill_approve(user=request.user, bill=bill)
                else:
                    services.supplier_bill_reject(user=request.user, bill=bill, reason=reason)
            except (services.PurchasingError, PermissionRefused) as refused:
                self.message_user(request, f"{bill.number}: {refused}", messages.ERROR)
            else:
                done.append(bill.number)
        if done:
            verb = "Approved and posted" if approve else "Rejected"
            self.message_user(request, f"{verb}: {', '.join(done)}.", messages.SUCCESS)

    @admin.action(description="Approve the selected bills on hold", permissions=["approve"])
    def approve_bills(self, request: HttpRequest, queryset: QuerySet[SupplierBill]) -> None:
        self._decide(request, queryset, approve=True)

    @admin.action(description="Reject the selected bills on hold", permissions=["approve"])
    def reject_bills(self, request: HttpRequest, queryset: QuerySet[SupplierBill]) -> None:
        self._decide(request, queryset, approve=False)

    # --- pages ---------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        pages = {"approve": self.approve_view, "reject": self.reject_view, "pay": self.pay_view}
        return [
            *(
                path(f"<int:pk>/{name}/", view(page), name=f"purchasing_supplierbill_{name}")
                for name, page in pages.items()
            ),
            *super().get_urls(),
        ]

    def _bill(self, pk: int) -> SupplierBill:
        return get_object_or_404(SupplierBill.objects.select_related("supplier", "order"), pk=pk)

    def _facts(self, bill: SupplierBill) -> list[tuple[str, str]]:
        return [
            ("Bill", f"{bill.number} ({bill.get_status_display().lower()})"),
            ("Supplier", f"{bill.supplier} — their number {bill.supplier_reference or '-'}"),
            ("Purchase order", bill.order.number),
            ("Dated", f"{bill.bill_date:%d %b %Y}, due {bill.due_date:%d %b %Y}"),
            ("Total", money(bill.total, bill.currency)),
            *(("On hold because", reason) for reason in bill.hold_reasons),
        ]

    def _back(self, request: HttpRequest, bill: SupplierBill, message: str) -> HttpResponse:
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:purchasing_supplierbill_change", args=[bill.pk]))

    def _decide_view(self, request: HttpRequest, pk: int, *, approve: bool) -> HttpResponse:
        require_perms(request, permissions.BILL_APPROVE)
        bill = self._bill(pk)
        form = ConfirmForm(request.POST or None) if approve else RejectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                if approve:
                    services.supplier_bill_approve(user=request.user, bill=bill)
                else:
                    services.supplier_bill_reject(
                        user=request.user, bill=bill, reason=form.cleaned_data["reason"]
                    )
            except (services.PurchasingError, PermissionRefused) as refused:
                form.add_error(None, str(refused))
            else:
                return self._back(
                    request,
                    bill,
                    f"{bill.number} approved and posted."
                    if approve
                    else f"{bill.number} rejected.",
                )
        return form_page(
            self,
            request,
            f"Approve {bill.number}" if approve else f"Reject {bill.number}",
            form,
            obj=bill,
            facts=self._facts(bill),
            submit_label="Approve and post" if approve else "Reject",
        )

    def approve_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._decide_view(request, pk, approve=True)

    def reject_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._decide_view(request, pk, approve=False)

    def pay_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        require_perms(request, permissions.PAYMENT_ADD)
        bill = self._bill(pk)
        form = SupplierPaymentForm(request.POST or None, bill=bill)
        if request.method == "POST" and form.is_valid():
            try:
                payment = form.save(request.user)
            except (services.PurchasingError, PermissionRefused) as refused:
                form.add_error(None, str(refused))
            else:
                return self._back(
                    request,
                    bill,
                    f"Paid {money(payment.amount, payment.currency)} to {bill.supplier.code} "
                    f"on {bill.number}.",
                )
        return form_page(
            self,
            request,
            f"Pay {bill.number}",
            form,
            obj=bill,
            facts=[*self._facts(bill), ("Left to pay", money(bill.balance, bill.currency))],
            submit_label="Record payment",
        )


class RejectForm(CancelForm):
    """A rejection must say why (the supplier is told)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = True
        self.fields["reason"].help_text = "Why the bill is refused, e.g. “price not agreed”."


@admin.register(SupplierPayment)
class SupplierPaymentAdmin(ReadOnlyAdmin):
    """Money paid to suppliers: recorded on a bill's "Pay" page or from the bank statement."""

    list_display = ["date", "supplier", "bill", "amount", "currency", "method", "reference"]
    list_filter = ["method", "date"]
    list_select_related = ["supplier", "bill"]
    search_fields = ["reference", "bill__number", "bill__supplier_reference", "supplier__code"]
    date_hierarchy = "date"
    fields = [
        "date",
        "supplier",
        "bill",
        "amount",
        "currency",
        "method",
        "reference",
        "source",
        "entry",
        "bank_line",
        "recorded_at",
        "recorded_by",
    ]
