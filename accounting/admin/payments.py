"""Payments: read-only; recorded and applied to open invoices through forms
whose work is one ``accounting`` service call each.
"""

from typing import Any

from django.contrib import admin, messages
from django.db.models import (
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from accounting.admin.common import AMOUNT, ZERO, form_page, require_perms
from accounting.forms import (
    ApplyPaymentForm,
    RecordPaymentForm,
)
from accounting.models import (
    Payment,
    PaymentAllocation,
)
from accounting.services import AccountingError, payment_unapplied
from erp.admin_site import ReadOnlyAdmin, ReadOnlyInline


class UnappliedFilter(admin.SimpleListFilter):
    title = "applied"
    parameter_name = "applied"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", "Has an unapplied amount"), ("yes", "Fully applied or refunded")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Payment]) -> QuerySet[Payment]:
        if self.value() not in ("yes", "no"):
            return queryset
        allocated = (
            PaymentAllocation.objects.filter(payment=OuterRef("pk"))
            .values("payment")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        refunded = (
            Payment.objects.filter(refund_of=OuterRef("pk"))
            .values("refund_of")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        queryset = queryset.filter(direction=Payment.Direction.RECEIVED).alias(
            used=Coalesce(Subquery(allocated, output_field=AMOUNT), ZERO)
            + Coalesce(Subquery(refunded, output_field=AMOUNT), ZERO)
        )
        if self.value() == "no":
            return queryset.filter(amount__gt=F("used"))
        return queryset.filter(amount__lte=F("used"))


class PaymentAllocationInline(ReadOnlyInline):
    model = PaymentAllocation
    fk_name = "payment"
    verbose_name = "application"
    verbose_name_plural = "applied to"
    fields = ["invoice", "amount", "created_at"]
    readonly_fields = ["invoice", "amount", "created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PaymentAllocation]:
        return super().get_queryset(request).select_related("invoice")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    """Money in and out; recorded, applied and refunded through the forms here."""

    list_display = [
        "date",
        "direction",
        "method",
        "amount",
        "currency",
        "reference",
        "payer",
        "applied_to",
        "unapplied",
        "payment_links",
    ]
    list_filter = ["direction", "method", "date", UnappliedFilter]
    search_fields = ["reference", "payer", "source"]
    date_hierarchy = "date"
    fields = [
        "direction",
        "method",
        "date",
        "amount",
        "currency",
        "reference",
        "payer",
        "customer",
        "order",
        "refund_of",
        "source",
        "entry",
        "recorded_at",
    ]
    inlines = [PaymentAllocationInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Payment]:
        return (
            super()
            .get_queryset(request)
            .prefetch_related("allocations__invoice", "allocations__credit_note", "refunds")
        )

    @admin.display(description="applied to")
    def applied_to(self, payment: Payment) -> str:
        return ", ".join(a.invoice.number for a in payment.allocations.all())

    @admin.display(description="unapplied")
    def unapplied(self, payment: Payment) -> Any:
        if payment.direction != Payment.Direction.RECEIVED:
            return ""
        return payment_unapplied(payment)

    @admin.display(description="")
    def payment_links(self, payment: Payment) -> str:
        if payment.direction != Payment.Direction.RECEIVED or payment_unapplied(payment) <= 0:
            return ""
        return format_html(
            '<a href="{}">apply to invoice</a>',
            reverse("admin:accounting_payment_apply", args=[payment.pk]),
        )

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("record/", view(self.record_view), name="accounting_payment_record"),
            path("<int:pk>/apply/", view(self.apply_view), name="accounting_payment_apply"),
            *super().get_urls(),
        ]

    def record_view(self, request: HttpRequest) -> HttpResponse:
        require_perms(request, "accounting.add_payment")
        prefill = {
            name: request.GET[name]
            for name in ("date", "invoice", "amount", "reference", "payer", "currency")
            if name in request.GET
        }
        form = RecordPaymentForm(request.POST or None, initial=prefill)
        if request.method == "POST" and form.is_valid():
            try:
                message = form.save(request.user)
            except AccountingError as refused:
                form.add_error(None, str(refused))
            else:
                self.message_user(request, message, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:accounting_payment_changelist"))
        return form_page(self, request, "Record a payment", form, submit_label="Record payment")

    def apply_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        require_perms(request, "accounting.add_paymentallocation")
        payment = get_object_or_404(
            Payment.objects.filter(direction=Payment.Direction.RECEIVED), pk=pk
        )
        form = ApplyPaymentForm(request.POST or None, payment=payment)
        if form.unapplied <= 0:
            self.message_user(
                request, "This payment is fully applied or refunded already.", messages.ERROR
            )
            return HttpResponseRedirect(reverse("admin:accounting_payment_changelist"))
        if request.method == "POST" and form.is_valid():
            try:
                message = form.save(request.user)
            except AccountingError as refused:
                form.add_error(None, str(refused))
            else:
                self.message_user(request, message, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:accounting_payment_changelist"))
        return form_page(
            self,
            request,
            f"Apply payment {payment.pk} to an invoice",
            form,
            submit_label="Apply",
            facts=[
                ("Received", f"{payment.date:%d %b %Y} from {payment.payer or 'unknown payer'}"),
                ("Reference", payment.reference or "-"),
                ("Amount", f"{payment.amount} {payment.currency}"),
                ("Unapplied", f"{form.unapplied} {payment.currency}"),
            ],
        )
