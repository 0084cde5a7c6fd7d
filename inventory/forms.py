"""Forms of the warehouse screens: they validate input, services do the work."""

from decimal import Decimal
from typing import Any

from django import forms

from inventory import selectors
from inventory.models import Warehouse

MAX_SCAN_QUANTITY = 10_000


class ScanReceiptForm(forms.Form):
    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.none(), empty_label=None, label="Warehouse"
    )
    quantity = forms.IntegerField(
        min_value=1,
        max_value=MAX_SCAN_QUANTITY,
        initial=1,
        label="Quantity",
        error_messages={
            "invalid": "Quantity must be a whole number, e.g. 1 or 12.",
            "min_value": "Quantity must be at least 1.",
            "max_value": f"Quantity can be at most {MAX_SCAN_QUANTITY:,} per scan.",
            "required": "Enter how many units arrived.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    barcode = forms.CharField(
        max_length=64,
        label="Barcode (EAN/UPC or SKU)",
        error_messages={"required": "Scan or type a barcode."},
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
    unit_cost = forms.DecimalField(
        required=False,
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=4,
        label="Unit cost (optional)",
        help_text="Leave empty to receive at the product's current average cost.",
        error_messages={"invalid": "Unit cost must be a number such as 12.50."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = selectors.active_warehouses()  # type: ignore[attr-defined]
        self.product: Any = None

    def clean_barcode(self) -> str:
        code = self.cleaned_data["barcode"].strip()
        self.product = selectors.product_by_barcode(code)
        if self.product is None:
            raise forms.ValidationError(
                f"Unknown barcode “{code}”: no product has this EAN/UPC or SKU. "
                "Nothing was received."
            )
        return code

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.product is not None and cleaned.get("unit_cost") is None:
            average = selectors.average_cost(self.product.pk)
            if average is None:
                self.add_error(
                    "unit_cost",
                    f"“{self.product.title}” has never been received: enter its unit cost.",
                )
            else:
                cleaned["unit_cost"] = average
        return cleaned
