"""The chart of accounts, posting rules, fiscal periods and the journal.

The journal is read-only: an entry is corrected by reversing it (a form whose
work is one ``accounting`` service call), a period is closed or reopened by
an action.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.utils import unquote
from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from accounting.admin.common import AMOUNT, ZERO
from accounting.forms import (
    AccountForm,
    PostingRuleForm,
    ReverseEntriesForm,
)
from accounting.models import (
    Account,
    FiscalPeriod,
    JournalEntry,
    JournalLine,
    PostingRule,
)
from accounting.selectors import SIGNED
from accounting.services import AccountingError, period_close, period_reopen
from erp.admin_site import ReadOnlyAdmin, ReadOnlyInline


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
