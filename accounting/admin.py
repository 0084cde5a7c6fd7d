"""The accounting back office: chart of accounts, posting rules, periods, the
journal, invoices, payments and bank statements.

Nothing here writes money directly: the journal, invoices, payments and
statement lines are read-only screens, and every change (closing a period,
reversing an entry, recording, applying or refunding a payment, importing a
statement) is a form or an action whose work is one ``accounting`` service
call. A refused call shows the service's message and changes nothing.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import (
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localdate
from oscar.templatetags.currency_filters import currency as money

from accounting.forms import (
    AccountForm,
    ApplyPaymentForm,
    BankStatementForm,
    PostingRuleForm,
    RecordPaymentForm,
    RefundForm,
    ReverseEntriesForm,
)
from accounting.models import (
    Account,
    BankStatementLine,
    FiscalPeriod,
    Invoice,
    InvoiceLine,
    JournalEntry,
    JournalLine,
    Payment,
    PaymentAllocation,
    PostingRule,
)
from accounting.pdf import invoice_pdf
from accounting.selectors import SIGNED, overdue
from accounting.services import AccountingError, payment_unapplied, period_close, period_reopen
from erp.admin_site import ReadOnlyAdmin, ReadOnlyInline

AMOUNT = DecimalField(max_digits=16, decimal_places=2)
ZERO = Value(0, output_field=AMOUNT)


def _require(request: HttpRequest, *permissions: str) -> None:
    if not request.user.has_perms(permissions):
        raise PermissionDenied


def _form_page(
    admin_: admin.ModelAdmin, request: HttpRequest, title: str, form: Any, **extra: Any
) -> TemplateResponse:
    context = {
        **admin_.admin_site.each_context(request),
        "opts": admin_.opts,
        "title": title,
        "form": form,
        "submit_label": "Save",
        **extra,
    }
    return TemplateResponse(request, "admin/accounting/form.html", context)


# --- chart of accounts and posting rules ---------------------------------------


def _accounts_in_use(accounts: QuerySet[Account]) -> dict[Account, str]:
    """The accounts that cannot be deleted, with the reason to tell people."""
    flagged = accounts.annotate(
        has_lines=Exists(JournalLine.objects.filter(account=OuterRef("pk"))),
        has_rule=Exists(PostingRule.objects.filter(account=OuterRef("pk"))),
    ).filter(Q(has_lines=True) | Q(has_rule=True))
    reasons: dict[Account, str] = {}
    for account in flagged:
        if account.has_lines:
            reasons[account] = (
                f"Account {account} has journal lines and cannot be deleted; "
                "mark it inactive instead."
            )
        else:
            reasons[account] = (
                f"Account {account} is used by a posting rule; point the rule at another "
                "account before deleting it."
            )
    return reasons


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    form = AccountForm
    list_display = ["code", "name", "type", "is_active", "balance"]
    list_filter = ["type", "is_active"]
    search_fields = ["code", "name"]
    fields = ["code", "name", "type", "is_active"]
    actions = ["delete_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Account]:
        balances = (
            JournalLine.objects.filter(account=OuterRef("pk"))
            .values("account")
            .annotate(total=Sum(SIGNED))
            .values("total")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(balance=Coalesce(Subquery(balances, output_field=AMOUNT), ZERO))
        )

    @admin.display(description="balance (debit +)", ordering="balance")
    def balance(self, account: Any) -> Any:
        return account.balance

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and JournalLine.objects.filter(account=obj).exists():
            return ["type"]  # the type decides the statements its lines appear in
        return []

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        account = self.get_object(request, unquote(object_id))
        if account is not None and self.has_delete_permission(request):
            reason = _accounts_in_use(Account.objects.filter(pk=account.pk)).get(account)
            if reason:
                self.message_user(request, reason, messages.ERROR)
                return HttpResponseRedirect(
                    reverse("admin:accounting_account_change", args=[account.pk])
                )
        return super().delete_view(request, object_id, extra_context)

    @admin.action(description="Delete selected accounts (unused only)", permissions=["delete"])
    def delete_selected(self, request: HttpRequest, queryset: QuerySet[Account]) -> Any:
        in_use = _accounts_in_use(queryset)
        if in_use:
            for reason in in_use.values():
                self.message_user(request, reason, messages.ERROR)
            return None
        return django_delete_selected(self, request, queryset)


@admin.register(PostingRule)
class PostingRuleAdmin(admin.ModelAdmin):
    """The one place that maps posting roles to accounts."""

    form = PostingRuleForm
    list_display = ["role", "account"]
    list_select_related = ["account"]
    search_fields = ["role", "account__code", "account__name"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # without its rule, every posting of that role would be refused


# --- fiscal periods -------------------------------------------------------------


@admin.register(FiscalPeriod)
class FiscalPeriodAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "start", "end", "is_closed", "closed_at", "closed_by"]
    list_filter = ["is_closed"]
    list_select_related = ["closed_by"]
    actions = ["close_periods", "reopen_periods"]

    def has_close_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounting.change_fiscalperiod")

    def _each(
        self, request: HttpRequest, queryset: QuerySet[FiscalPeriod], service: Callable[..., Any]
    ) -> None:
        done = "closed; nothing more can be posted into it" if service is period_close else "open"
        for period in queryset.order_by("start"):
            try:
                period = service(period=period, user=request.user)
            except AccountingError as refused:
                self.message_user(request, str(refused), messages.ERROR)
            else:
                self.message_user(request, f"{period.start:%B %Y} is {done}.", messages.SUCCESS)

    @admin.action(description="Close period", permissions=["close"])
    def close_periods(self, request: HttpRequest, queryset: QuerySet[FiscalPeriod]) -> None:
        self._each(request, queryset, period_close)

    @admin.action(description="Reopen period", permissions=["close"])
    def reopen_periods(self, request: HttpRequest, queryset: QuerySet[FiscalPeriod]) -> None:
        self._each(request, queryset, period_reopen)


# --- the journal ----------------------------------------------------------------


class PeriodFilter(admin.SimpleListFilter):
    title = "period"
    parameter_name = "period"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(str(period.pk), str(period)) for period in FiscalPeriod.objects.all()]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[JournalEntry]
    ) -> QuerySet[JournalEntry]:
        value = self.value()
        if not value or not value.isdigit():
            return queryset
        period = FiscalPeriod.objects.filter(pk=int(value)).first()
        if period is None:
            return queryset.none()
        return queryset.filter(date__range=(period.start, period.end))


class JournalLineInline(ReadOnlyInline):
    model = JournalLine
    fields = ["account", "debit", "credit", "memo"]
    readonly_fields = ["account", "debit", "credit", "memo"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[JournalLine]:
        return super().get_queryset(request).select_related("account")

    @admin.display(description="debit")
    def debit(self, line: JournalLine) -> Any:
        return line.amount if line.side == JournalLine.Side.DEBIT else ""

    @admin.display(description="credit")
    def credit(self, line: JournalLine) -> Any:
        return line.amount if line.side == JournalLine.Side.CREDIT else ""


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    """The journal: read-only for everyone; corrections are reversing entries."""

    list_display = [
        "pk",
        "date",
        "kind",
        "source",
        "description",
        "amount",
        "currency",
        "reversal_state",
        "posted_by",
    ]
    list_display_links = ["pk", "date"]
    list_filter = ["kind", PeriodFilter]
    list_select_related = ["posted_by", "reversed_by", "reverses"]
    search_fields = ["source", "description"]
    date_hierarchy = "date"
    fields = [
        "date",
        "kind",
        "source",
        "description",
        "currency",
        "reverses",
        "posted_at",
        "posted_by",
    ]
    inlines = [JournalLineInline]
    actions = ["reverse_entries"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[JournalEntry]:
        debits = (
            JournalLine.objects.filter(entry=OuterRef("pk"), side=JournalLine.Side.DEBIT)
            .values("entry")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(amount=Coalesce(Subquery(debits, output_field=AMOUNT), ZERO))
        )

    @admin.display(description="amount", ordering="amount")
    def amount(self, entry: Any) -> Any:
        return entry.amount

    @admin.display(description="reversal")
    def reversal_state(self, entry: JournalEntry) -> str:
        reversed_by = getattr(entry, "reversed_by", None)
        if reversed_by is not None:
            return f"reversed by {reversed_by.pk}"
        if entry.reverses_id:
            return f"reverses {entry.reverses_id}"
        return ""

    def has_reverse_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounting.add_journalentry")

    @admin.action(description="Reverse (asks for a reason)", permissions=["reverse"])
    def reverse_entries(
        self, request: HttpRequest, queryset: QuerySet[JournalEntry]
    ) -> TemplateResponse | None:
        confirmed = "apply" in request.POST
        form = ReverseEntriesForm(request.POST if confirmed else None)
        if confirmed and form.is_valid():
            for entry in queryset.order_by("pk"):
                try:
                    reversal = form.reverse(entry, request.user)
                except AccountingError as refused:
                    self.message_user(request, str(refused), messages.ERROR)
                else:
                    self.message_user(
                        request,
                        f"Entry {entry.pk} ({entry.kind} {entry.source}) reversed by "
                        f"entry {reversal.pk}.",
                        messages.SUCCESS,
                    )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Reverse journal entries",
            "entries": queryset.order_by("pk"),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/accounting/journalentry/reverse.html", context)


# --- invoices and credit notes -------------------------------------------------


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
        _require(request, "accounting.view_invoice")
        invoice = get_object_or_404(Invoice.objects.select_related("credits"), pk=pk)
        response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
        return response

    def refund_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        _require(request, "accounting.view_invoice", "accounting.add_payment")
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
        return _form_page(
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


# --- payments -------------------------------------------------------------------


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
        _require(request, "accounting.add_payment")
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
        return _form_page(self, request, "Record a payment", form, submit_label="Record payment")

    def apply_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        _require(request, "accounting.add_paymentallocation")
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
        return _form_page(
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


# --- bank statements -------------------------------------------------------------


@admin.register(BankStatementLine)
class BankStatementLineAdmin(ReadOnlyAdmin):
    list_display = [
        "date",
        "amount",
        "currency",
        "reference",
        "payer",
        "outcome",
        "note",
        "payment",
        "imported_at",
    ]
    list_filter = ["outcome", "date"]
    list_select_related = ["payment"]
    search_fields = ["reference", "payer", "note"]
    date_hierarchy = "date"

    def get_urls(self) -> list[Any]:
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="accounting_bankstatementline_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        _require(request, "accounting.add_bankstatementline", "accounting.add_payment")
        form = BankStatementForm(request.POST or None, request.FILES or None)
        result = None
        if request.method == "POST" and form.is_valid():
            result = form.save(request.user)
            form = BankStatementForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import bank statement",
            "form": form,
            "result": result,
        }
        return TemplateResponse(request, "admin/accounting/bankstatementline/import.html", context)
