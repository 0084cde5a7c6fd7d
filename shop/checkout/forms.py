"""Checkout forms: the payment method, and card details for the test gateway."""

import re
from datetime import date
from typing import Any

from django import forms

from orders.payment_gateways import CardDetails, payment_choices
from orders.references import MAX_LENGTH, InvalidCustomerReference, customer_reference_clean


class PaymentMethodForm(forms.Form):
    method = forms.ChoiceField(
        choices=[],
        widget=forms.RadioSelect,
        label="How would you like to pay?",
        error_messages={"required": "Choose how you would like to pay."},
    )

    customer_reference = forms.CharField(
        label="Your order reference / PO number",
        required=False,
        strip=False,  # customer_reference_clean trims, one rule for every channel
        help_text="Optional. Printed on your order confirmation, invoice and delivery note.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "maxlength": MAX_LENGTH, "class": "form-control"}
        ),
    )

    def __init__(self, *args: Any, is_buyer: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = payment_choices(is_buyer=is_buyer)  # type: ignore[attr-defined]
        if not is_buyer:  # a purchase-order number is a business buyer's
            del self.fields["customer_reference"]

    def clean_customer_reference(self) -> str:
        try:
            return customer_reference_clean(self.cleaned_data.get("customer_reference", ""))
        except InvalidCustomerReference as invalid:
            raise forms.ValidationError(str(invalid)) from invalid


class CardForm(forms.Form):
    number = forms.CharField(
        label="Card number",
        max_length=23,
        widget=forms.TextInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
    )
    expiry = forms.CharField(
        label="Expiry (MM/YY)",
        max_length=5,
        widget=forms.TextInput(attrs={"autocomplete": "cc-exp", "placeholder": "MM/YY"}),
    )
    cvc = forms.CharField(
        label="Security code",
        max_length=4,
        widget=forms.TextInput(attrs={"autocomplete": "cc-csc", "inputmode": "numeric"}),
    )

    def clean_number(self) -> str:
        number = re.sub(r"[\s-]", "", self.cleaned_data["number"])
        if not number.isdigit() or not 12 <= len(number) <= 19:
            raise forms.ValidationError("Enter the card number printed on your card.")
        return number

    def clean_expiry(self) -> tuple[int, int]:
        match = re.fullmatch(r"(\d{2})\s*/\s*(\d{2})", self.cleaned_data["expiry"].strip())
        if not match or not 1 <= int(match.group(1)) <= 12:
            raise forms.ValidationError("Enter the expiry date as MM/YY, e.g. 08/29.")
        month, year = int(match.group(1)), 2000 + int(match.group(2))
        today = date.today()
        if (year, month) < (today.year, today.month):
            raise forms.ValidationError("This card has expired.")
        return month, year

    def clean_cvc(self) -> str:
        cvc = self.cleaned_data["cvc"].strip()
        if not cvc.isdigit() or len(cvc) not in (3, 4):
            raise forms.ValidationError("Enter the 3 or 4 digits on the back of the card.")
        return cvc

    def card(self) -> CardDetails:
        data: dict[str, Any] = self.cleaned_data
        month, year = data["expiry"]
        return CardDetails(data["number"], month, year, data["cvc"])
