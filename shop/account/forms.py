"""Forms of the customer's order pages. They check the shape of the input only;
what may be returned is decided by ``orders.services.return_request_create``."""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.forms import BoundField

from orders.models import ReturnLine
from orders.selectors import LineProgress
from orders.services.returns import ReturnItem


class OrderLookupForm(forms.Form):
    order_number = forms.CharField(label="Order number", max_length=128)
    email = forms.EmailField(label="E-mail address", help_text="The address you ordered with.")


@dataclass(frozen=True)
class ReturnRow:
    progress: LineProgress
    quantity: BoundField
    reason: BoundField
    note: BoundField


class ReturnRequestForm(forms.Form):
    """One quantity, reason and note per line that still has something to return."""

    def __init__(self, *args: Any, lines: list[LineProgress], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for entry in lines:
            pk = entry.line.pk
            self.fields[f"quantity_{pk}"] = forms.IntegerField(
                label=f"How many of “{entry.line.title}”",
                min_value=0,
                initial=0,
                widget=forms.NumberInput(attrs={"min": 0, "max": entry.returnable}),
            )
            self.fields[f"reason_{pk}"] = forms.ChoiceField(
                label="Reason",
                choices=[("", "Choose a reason"), *ReturnLine.Reason.choices],
                required=False,
            )
            self.fields[f"note_{pk}"] = forms.CharField(
                label="Note (optional)", max_length=255, required=False
            )

    def rows(self) -> list[ReturnRow]:
        return [
            ReturnRow(
                entry,
                self[f"quantity_{entry.line.pk}"],
                self[f"reason_{entry.line.pk}"],
                self[f"note_{entry.line.pk}"],
            )
            for entry in self.lines
        ]

    def items(self) -> list[ReturnItem]:
        return [
            ReturnItem(
                order_line_id=entry.line.pk,
                quantity=self.cleaned_data[f"quantity_{entry.line.pk}"],
                reason=self.cleaned_data[f"reason_{entry.line.pk}"],
                note=self.cleaned_data[f"note_{entry.line.pk}"],
            )
            for entry in self.lines
        ]
