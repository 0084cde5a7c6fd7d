"""Back-office forms for money: each validates what a person typed, says clearly
what is wrong, and saves through one ``accounting`` service call (nothing is
written when a form is invalid).

Recording forms carry a hidden key made when the form is shown; the payment's
source is ``manual:<key>``, so submitting the same form twice records it once.
"""

import re
import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.widgets import AdminDateWidget
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from accounting.bank import ImportResult, bank_statement_import
from accounting.models import (
    Account,
    Invoice,
    JournalEntry,
    Payment,
    PostingRule,
)
from accounting.services import (
    journal_entry_reverse,
    payment_allocate,
    payment_receive,
    payment_unapplied,
    refund_pay,
)

MAX_STATEMENT_BYTES = 2 * 1024 * 1024
Role = PostingRule.Role
Type = Account.Type
EXPECTED_TYPE = {
    Role.BANK: Type.ASSET,
    Role.CASH: Type.ASSET,
    Role.RECEIVABLE: Type.ASSET,
    Role.INVENTORY: Type.ASSET,
    Role.CUSTOMER_PREPAYMENTS: Type.LIABILITY,
    Role.GRNI: Type.LIABILITY,
    Role.PAYABLE: Type.LIABILITY,
    Role.TAX_PAYABLE: Type.LIABILITY,
    Role.REVENUE: Type.INCOME,
    Role.SHIPPING_INCOME: Type.INCOME,
    Role.COGS: Type.EXPENSE,
    Role.INVENTORY_ADJUSTMENT: Type.EXPENSE,
    Role.WAGES: Type.EXPENSE,
    Role.EQUITY: Type.EQUITY,
    Role.RETAINED_EARNINGS: Type.EQUITY,
}


def open_invoices() -> QuerySet[Invoice]:
    return Invoice.objects.filter(kind=Invoice.Kind.INVOICE, total__gt=F("amount_settled"))


class OpenInvoiceInput(forms.TextInput):
    """A text box for an invoice number that suggests the open invoices."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        attrs = {**(attrs or {}), "list": f"{name}-open-invoices", "autocomplete": "off"}
        box = super().render(name, value, attrs, renderer)
        options = format_html_join(
            "",
            '<option value="{}">{} · {} {} open</option>',
            (
                (i.number, i.billing_name, i.total - i.amount_settled, i.currency)
                for i in open_invoices().order_by("-issue_date", "-pk")[:500]
            ),
        )
        return format_html('{}<datalist id="{}-open-invoices">{}</datalist>', box, name, options)


def _key_field() -> forms.CharField:
    return forms.CharField(widget=forms.HiddenInput, initial=lambda: uuid.uuid4().hex)


def _clean_key(value: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{32}", value):
        raise forms.ValidationError("This form has expired; open it again.")
    return value


def _invoice_field(required: bool) -> forms.CharField:
    return forms.CharField(
        required=required,
        max_length=32,
        label="Invoice" if required else "Apply to invoice",
        widget=OpenInvoiceInput(attrs={"placeholder": "INV-2026-000123"}),
        help_text="The number of an open invoice."
        + ("" if required else " Leave empty for money not yet tied to an invoice."),
    )


def _open_invoice(number: str) -> Invoice:
    number = number.strip().upper()
    invoice = Invoice.objects.filter(number=number).first()
    if invoice is None:
        raise forms.ValidationError(f"There is no invoice {number}.")
    if invoice.is_credit_note:
        raise forms.ValidationError(
            f"{number} is a credit note; pay its refund from the credit note instead."
        )
    if invoice.balance <= 0:
        raise forms.ValidationError(
            f"Invoice {number} is already {invoice.get_status_display().lower()}; nothing is open."
        )
    return invoice


def _positive(amount: Decimal) -> Decimal:
    if amount <= 0:
        raise forms.ValidationError("The amount must be more than zero.")
    return amount


class RecordPaymentForm(forms.Form):
    key = _key_field()
    date = forms.DateField(initial=timezone.localdate, widget=AdminDateWidget)
    amount = forms.DecimalField(max_digits=14, decimal_places=2)
    currency = forms.CharField(max_length=3, initial=lambda: settings.OSCAR_DEFAULT_CURRENCY)
    method = forms.ChoiceField(choices=Payment.Method.choices, initial=Payment.Method.BANK_TRANSFER)
    reference = forms.CharField(max_length=255, required=False)
    payer = forms.CharField(max_length=255, required=False)
    invoice = _invoice_field(required=False)

    def clean_key(self) -> str:
        return _clean_key(self.cleaned_data["key"])

    def clean_amount(self) -> Decimal:
        return _positive(self.cleaned_data["amount"])

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise forms.ValidationError("Use a three-letter currency code like EUR.")
        return currency

    def clean_invoice(self) -> Invoice | None:
        number = self.cleaned_data["invoice"]
        return _open_invoice(number) if number.strip() else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        invoice, amount = data.get("invoice"), data.get("amount")
        if invoice is not None and data.get("currency") not in (None, invoice.currency):
            self.add_error("currency", f"{invoice.number} is in {invoice.currency}.")
        if invoice is not None and amount is not None and amount > invoice.balance:
            self.add_error(
                "amount",
                f"Only {invoice.balance} {invoice.currency} is open on {invoice.number}; "
                "record at most that, or leave the invoice empty for a prepayment.",
            )
        return data

    def save(self, user: Any) -> str:
        data = self.cleaned_data
        invoice: Invoice | None = data["invoice"]
        payment = payment_receive(
            source=f"manual:{data['key']}",
            amount=data["amount"],
            method=data["method"],
            reference=data["reference"],
            payer=data["payer"],
            currency=data["currency"],
            day=data["date"],
            customer=invoice.customer if invoice else None,
            order_id=invoice.order_id if invoice else None,
            invoice=invoice,
            user=user,
        )
        if invoice is None:
            return f"Payment of {payment.amount} {payment.currency} recorded, not yet applied."
        invoice.refresh_from_db()
        return (
            f"Payment of {payment.amount} {payment.currency} recorded for {invoice.number}; "
            f"{invoice.balance} {invoice.currency} is still open."
        )


class ApplyPaymentForm(forms.Form):
    invoice = _invoice_field(required=True)
    amount = forms.DecimalField(max_digits=14, decimal_places=2)

    def __init__(self, *args: Any, payment: Payment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.payment = payment
        self.unapplied = payment_unapplied(payment)
        self.fields["amount"].initial = self.unapplied

    def clean_amount(self) -> Decimal:
        amount = _positive(self.cleaned_data["amount"])
        if amount > self.unapplied:
            raise forms.ValidationError(
                f"Only {self.unapplied} {self.payment.currency} of this payment is unapplied."
            )
        return amount

    def clean_invoice(self) -> Invoice:
        invoice = _open_invoice(self.cleaned_data["invoice"])
        if invoice.currency != self.payment.currency:
            raise forms.ValidationError(
                f"{invoice.number} is in {invoice.currency}, the payment in "
                f"{self.payment.currency}."
            )
        return invoice

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        invoice, amount = data.get("invoice"), data.get("amount")
        if invoice is not None and amount is not None and amount > invoice.balance:
            self.add_error(
                "amount",
                f"Only {invoice.balance} {invoice.currency} is open on {invoice.number}.",
            )
        return data

    def save(self, user: Any) -> str:
        allocation = payment_allocate(
            payment=self.payment,
            invoice=self.cleaned_data["invoice"],
            amount=self.cleaned_data["amount"],
            user=user,
        )
        return (
            f"Applied {allocation.amount} {self.payment.currency} to {allocation.invoice.number}."
        )


class RefundForm(forms.Form):
    key = _key_field()
    date = forms.DateField(initial=timezone.localdate, widget=AdminDateWidget)
    amount = forms.DecimalField(max_digits=14, decimal_places=2)
    method = forms.ChoiceField(choices=Payment.Method.choices, initial=Payment.Method.BANK_TRANSFER)
    reference = forms.CharField(max_length=255, required=False)

    def __init__(self, *args: Any, credit_note: Invoice, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.credit_note = credit_note
        self.fields["amount"].initial = credit_note.balance
        self.fields["reference"].initial = f"Refund {credit_note.number}"

    def clean_key(self) -> str:
        return _clean_key(self.cleaned_data["key"])

    def clean_amount(self) -> Decimal:
        amount = _positive(self.cleaned_data["amount"])
        if amount > self.credit_note.balance:
            raise forms.ValidationError(
                f"Only {self.credit_note.balance} {self.credit_note.currency} of "
                f"{self.credit_note.number} is left to refund."
            )
        return amount

    def save(self, user: Any) -> str:
        data = self.cleaned_data
        refund = refund_pay(
            source=f"manual:{data['key']}",
            amount=data["amount"],
            method=data["method"],
            credit_note=self.credit_note,
            order_id=self.credit_note.order_id,
            reference=data["reference"],
            customer=self.credit_note.customer,
            day=data["date"],
            user=user,
        )
        return f"Refund of {refund.amount} {refund.currency} for {self.credit_note.number} paid."


class ReverseEntriesForm(forms.Form):
    reason = forms.CharField(
        max_length=200,
        help_text="Why the entries are wrong; it becomes part of each reversal's description.",
    )

    def clean_reason(self) -> str:
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise forms.ValidationError("Say why the entries are reversed.")
        return reason

    def reverse(self, entry: JournalEntry, user: Any) -> JournalEntry:
        return journal_entry_reverse(entry=entry, reason=self.cleaned_data["reason"], user=user)


class BankStatementForm(forms.Form):
    file = forms.FileField(
        label="Statement (CSV)",
        help_text="Columns date, amount, reference, optionally currency and payer; "
        "at most 2 MB. Lines imported before are skipped.",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_STATEMENT_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is 2 MB."
            )
        return upload

    def save(self, user: Any) -> ImportResult:
        return bank_statement_import(file_bytes_or_text=self.cleaned_data["file"].read(), user=user)


class AccountForm(forms.ModelForm):
    class Meta:
        model = Account
        fields = ["code", "name", "type", "is_active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk and data.get("is_active") is False:
            roles = [
                rule.get_role_display()
                for rule in PostingRule.objects.filter(account=self.instance)
            ]
            if roles:
                self.add_error(
                    "is_active",
                    f"The posting rules still post {', '.join(roles)} to this account; "
                    "point them at another account first.",
                )
        return data


class PostingRuleForm(forms.ModelForm):
    class Meta:
        model = PostingRule
        fields = ["role", "account"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.instance.account_id if self.instance.pk else None
        self.fields["account"].queryset = Account.objects.filter(  # type: ignore[attr-defined]
            Q(is_active=True) | Q(pk=current)
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role, account = data.get("role"), data.get("account")
        expected = EXPECTED_TYPE.get(role) if role else None
        if account is not None and expected is not None and account.type != expected:
            self.add_error(
                "account",
                f"{Role(str(role)).label} must post to an account of type {expected.label}; "
                f"{account} is of type {account.get_type_display()}.",
            )
        return data
