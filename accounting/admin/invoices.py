"""Invoices and credit notes: read-only, with their PDF and, for a credit note,
a form that refunds what is left of it.
"""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.timezone import localdate
from oscar.templatetags.currency_filters import currency as money

from accounting.admin.common import form_page, require_perms
from accounting.forms import RefundForm
from accounting.models import (
    Invoice,
    InvoiceLine,
    PaymentAllocation,
)
from accounting.pdf import invoice_pdf
from accounting.selectors import overdue
from accounting.services import AccountingError
from erp.admin_site import ReadOnlyAdmin, ReadOnlyInline


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = [
        "description",
        "sku",
        "quantity",
        "unit_price",
        "tax_rate",
        "net",
        "tax",
        "total",
    ]
    readonly_fields = [
        "description",
        "sku",
        "quantity",
        "unit_price",
        "tax_rate",
        "net",
        "tax",
        "total",
    ]


class SettlementInline(ReadOnlyInline):
    model = PaymentAllocation
    fk_name = "invoice"
    verbose_name = "settlement"
    verbose_name_plural = "settled by"
    fields = ["payment", "credit_note", "amount", "created_at"]
    readonly_fields = ["payment", "credit_note", "amount", "created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PaymentAllocation]:
        return super().get_queryset(request).select_related("payment", "credit_note")


class OverdueFilter(admin.SimpleListFilter):
    """Invoices still open after their due date (the back office's home links here)."""

    title = "payment"
    parameter_name = "due"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("overdue", "Overdue")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> QuerySet[Invoice]:
        if self.value() == "overdue":
            return queryset.filter(overdue(localdate()))
        return queryset


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    """Invoices come from shipments and credit notes from returns: never typed in."""

    list_display = [
        "number",
        "kind",
        "customer_name",
        "issue_date",
        "due_date",
        "total_amount",
        "balance",
        "status",
        "document_links",
    ]
    list_filter = ["kind", "status", OverdueFilter, "issue_date"]
    search_fields = [
        "number",
        "customer_email",
        "order_number",
        "billing_name",
        "customer_reference",
    ]
    date_hierarchy = "issue_date"
    fields = [
        "number",
        "kind",
        "status",
        "issue_date",
        "due_date",
        "payment_terms",
        "currency",
        "net_total",
        "tax_total",
        "total",
        "amount_settled",
        "balance",
        "billing_name",
        "customer_email",
        "billing_address",
        "buyer_vat_id",
        "order_number",
        "customer_reference",
        "credits",
        "seller_legal_name",
        "seller_address",
        "seller_vat_id",
        "seller_registration",
        "seller_bank_iban",
        "seller_bank_bic",
        "source",
        "entry",
    ]
    inlines = [InvoiceLineInline, SettlementInline]

    @admin.display(description="customer", ordering="billing_name")
    def customer_name(self, invoice: Invoice) -> str:
        return f"{invoice.billing_name} <{invoice.customer_email}>"

    @admin.display(description="total", ordering="total")
    def total_amount(self, invoice: Invoice) -> str:
        return money(invoice.total, invoice.currency)

    @admin.display(description="balance")
    def balance(self, invoice: Invoice) -> str:
        return money(invoice.balance, invoice.currency)

    @admin.display(description="")
    def document_links(self, invoice: Invoice) -> str:
        links = [("PDF", reverse("admin:accounting_invoice_pdf", args=[invoice.pk]))]
        if invoice.balance > 0 and invoice.is_credit_note:
            links.append(
                ("pay refund", reverse("admin:accounting_invoice_refund", args=[invoice.pk]))
            )
        elif invoice.balance > 0:
            record = reverse("admin:accounting_payment_record")
            links.append(("record payment", f"{record}?invoice={invoice.number}"))
        return format_html_join(" · ", '<a href="{}">{}</a>', ((url, text) for text, url in links))

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/pdf/", view(self.pdf_view), name="accounting_invoice_pdf"),
            path("<int:pk>/refund/", view(self.refund_view), name="accounting_invoice_refund"),
            *super().get_urls(),
        ]

    def pdf_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        require_perms(request, "accounting.view_invoice")
        invoice = get_object_or_404(Invoice.objects.select_related("credits"), pk=pk)
        response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
        return response

    def refund_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        require_perms(request, "accounting.view_invoice", "accounting.add_payment")
        credit_note = get_object_or_404(Invoice, pk=pk)
        if not credit_note.is_credit_note or credit_note.balance <= 0:
            self.message_user(
                request,
                f"{credit_note.number} is not a credit note with an amount left to refund.",
                messages.ERROR,
            )
            return HttpResponseRedirect(
                reverse("admin:accounting_invoice_change", args=[credit_note.pk])
            )
        form = RefundForm(request.POST or None, credit_note=credit_note)
        if request.method == "POST" and form.is_valid():
            try:
                message = form.save(request.user)
            except AccountingError as refused:
                form.add_error(None, str(refused))
            else:
                self.message_user(request, message, messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:accounting_invoice_change", args=[credit_note.pk])
                )
        return form_page(
            self,
            request,
            f"Pay refund for {credit_note.number}",
            form,
            submit_label="Pay refund",
            facts=[
                ("Customer", f"{credit_note.billing_name} <{credit_note.customer_email}>"),
                ("Credit note total", f"{credit_note.total} {credit_note.currency}"),
                ("Left to refund", f"{credit_note.balance} {credit_note.currency}"),
            ],
        )
