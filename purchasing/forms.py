"""Forms of the purchasing screens (admin pages and the receiving station).

They parse what staff type and hand it to one ``purchasing.services`` call each;
every rule (tolerances, pack sizes, states, permissions) is the service's, and a
refusal comes back as the service's own message on the form.
"""

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.admin.helpers import ActionForm
from django.utils import timezone

from inventory import selectors as inventory_selectors
from purchasing import services
from purchasing.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptCharge,
    Supplier,
    SupplierBill,
)

MAX_LINES = 200
MAX_QUANTITY = 999_999
AMOUNT = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0")}
COST = {"max_digits": 14, "decimal_places": 4, "min_value": Decimal("0")}
#: the landed-cost charges a receipt page asks for (ReceiptCharge.Kind minus "other")
CHARGE_KINDS = (
    ReceiptCharge.Kind.FREIGHT.value,
    ReceiptCharge.Kind.DUTY.value,
    ReceiptCharge.Kind.INSURANCE.value,
)


def parse_purchase_lines(text: str) -> tuple[list[Any], list[str]]:
    """``SKU-or-EAN quantity [unit cost]`` per line; the lines and one error per bad line."""
    lines: list[Any] = []
    errors: list[str] = []
    if "\x00" in text:
        return [], ["The lines contain a NUL character; type SKUs, quantities and costs only."]
    rows = [row.strip() for row in text.splitlines() if row.strip()]
    if len(rows) > MAX_LINES:
        return [], [f"At most {MAX_LINES} lines per purchase order."]
    for number, row in enumerate(rows, start=1):
        parts = row.replace(";", " ").split()
        if len(parts) > 3:
            errors.append(
                f"Line {number} (“{row[:80]}”): write the SKU, quantity and unit cost only."
            )
            continue
        code, quantity_text = parts[0], parts[1] if len(parts) > 1 else "1"
        if not (
            quantity_text.isascii()
            and quantity_text.isdigit()
            and len(quantity_text) <= 9
            and 1 <= int(quantity_text) <= MAX_QUANTITY
        ):
            errors.append(
                f"Line {number} (“{row[:80]}”): the quantity must be a whole number "
                f"above zero (at most {MAX_QUANTITY:,})."
            )
            continue
        unit_cost = None
        if len(parts) == 3:
            try:
                unit_cost = Decimal(parts[2].replace(",", "."))
            except ArithmeticError:
                unit_cost = None
            if unit_cost is None or not unit_cost.is_finite() or unit_cost < 0:
                errors.append(
                    f"Line {number} (“{row[:80]}”): the unit cost must be an amount such as 12.50."
                )
                continue
        product = inventory_selectors.product_by_barcode(code)
        if product is None:
            errors.append(f"Line {number}: no product has the SKU or EAN “{code[:64]}”.")
            continue
        lines.append(services.PurchaseLineRequest(product, int(quantity_text), unit_cost))
    return lines, errors


class PurchaseOrderCreateForm(forms.Form):
    supplier = forms.ModelChoiceField(queryset=Supplier.objects.none())
    warehouse = forms.ModelChoiceField(queryset=inventory_selectors.active_warehouses().none())
    expected_date = forms.DateField(
        required=False,
        help_text="Empty: today plus the longest lead time of the lines.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    lines = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "TEN-0001 20\nKIT-0503 12 4.80"}),
        help_text=(
            "One line per product: SKU or EAN, the quantity and, optionally, the unit cost "
            "(empty: the supplier item's)."
        ),
    )
    round_to_pack = forms.BooleanField(
        required=False,
        label="Round up to full packs",
        help_text="Raise each quantity to the supplier's minimum and a multiple of its pack size.",
    )
    notes = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Printed on the order the supplier gets.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = Supplier.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["warehouse"].queryset = inventory_selectors.active_warehouses()  # type: ignore[attr-defined]
        self.requested: list[Any] = []

    def clean_lines(self) -> str:
        text = self.cleaned_data["lines"]
        self.requested, errors = parse_purchase_lines(text)
        if errors:
            raise forms.ValidationError(errors)
        if not self.requested:
            raise forms.ValidationError("Enter at least one product.")
        return text

    def save(self, user: Any) -> PurchaseOrder:
        data = self.cleaned_data
        return services.purchase_order_create(
            user=user,
            supplier=data["supplier"],
            warehouse=data["warehouse"],
            lines=self.requested,
            expected_date=data["expected_date"],
            notes=data["notes"],
            round_to_pack=data["round_to_pack"],
        )


class PurchaseOrderEditForm(forms.Form):
    """A draft's expected date, lines and notes, changed through ``purchase_order_update``."""

    expected_date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    lines = PurchaseOrderCreateForm.base_fields["lines"]
    round_to_pack = PurchaseOrderCreateForm.base_fields["round_to_pack"]
    notes = PurchaseOrderCreateForm.base_fields["notes"]

    def __init__(self, *args: Any, order: PurchaseOrder, **kwargs: Any) -> None:
        skus = inventory_selectors.skus_of(line.product_id for line in order.lines.all())
        initial = {
            "expected_date": order.expected_date,
            "notes": order.notes,
            "lines": "\n".join(
                f"{skus.get(line.product_id, line.product.upc)} {line.quantity} "
                f"{line.unit_cost.normalize():f}"
                for line in order.lines.all()
            ),
        }
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.order = order
        self.requested: list[Any] = []

    clean_lines = PurchaseOrderCreateForm.clean_lines

    def save(self, user: Any) -> PurchaseOrder:
        data = self.cleaned_data
        return services.purchase_order_update(
            user=user,
            order=self.order,
            lines=self.requested,
            expected_date=data["expected_date"],
            notes=data["notes"],
            round_to_pack=data["round_to_pack"],
        )


def _quantity_field(label: str, initial: int = 0) -> forms.IntegerField:
    return forms.IntegerField(
        min_value=0,
        max_value=MAX_QUANTITY,
        initial=initial,
        label=label,
        required=False,
        error_messages={
            "invalid": "Enter a whole number, e.g. 0 or 12.",
            "min_value": "The quantity cannot be negative.",
            "max_value": f"At most {MAX_QUANTITY:,} per line.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "vIntegerField"}),
    )


class LinesForm(forms.Form):
    """A form with fields per purchase-order line (``qty-<line pk>``, ``cost-<line pk>``),
    shown as a table (``table()``) under the form's other fields (``header_fields()``)."""

    lines: list[PurchaseOrderLine]

    def header_fields(self) -> list[Any]:
        return [
            field for field in self.visible_fields() if not field.name.startswith(("qty-", "cost-"))
        ]

    def _add_quantity_fields(self, lines: list[PurchaseOrderLine]) -> None:
        self.lines = lines
        for line in lines:
            self.fields[f"qty-{line.pk}"] = _quantity_field(line.product.get_title())

    def quantity(self, line: PurchaseOrderLine) -> Any:
        return self[f"qty-{line.pk}"]

    def quantities(self) -> list[tuple[PurchaseOrderLine, int]]:
        return [
            (line, self.cleaned_data.get(f"qty-{line.pk}") or 0)
            for line in self.lines
            if self.cleaned_data.get(f"qty-{line.pk}")
        ]


class ReceiveForm(LinesForm):
    """Goods arrived on a purchase order: a quantity per open line, and what it
    cost to bring them in (freight, duty, insurance), spread by value or quantity."""

    freight = forms.DecimalField(required=False, **AMOUNT)  # type: ignore[arg-type]
    duty = forms.DecimalField(required=False, **AMOUNT)  # type: ignore[arg-type]
    insurance = forms.DecimalField(required=False, **AMOUNT)  # type: ignore[arg-type]
    basis = forms.ChoiceField(
        choices=Receipt.Basis.choices,
        initial=Receipt.Basis.VALUE,
        label="Spread the charges",
        help_text="Over the lines received, by their value at the PO price or by units.",
    )
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, order: PurchaseOrder, with_charges: bool = True, **kwargs: Any):
        kwargs.setdefault("initial", {}).setdefault("token", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.order = order
        if not with_charges:
            for name in (*CHARGE_KINDS, "basis"):
                del self.fields[name]
        lines = [line for line in order.lines.all() if line.open_quantity > 0]
        self._add_quantity_fields(lines)

    def table(self) -> tuple[list[str], list[list[Any]]]:
        headers = ["Product", "Supplier's SKU", "Ordered", "Received", "Open", "Arrived now"]
        rows = [
            [
                line.product.get_title(),
                line.supplier_sku,
                line.quantity,
                line.received_quantity,
                line.open_quantity,
                self.quantity(line),
            ]
            for line in self.lines
        ]
        return headers, rows

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not self.quantities():
            raise forms.ValidationError("Enter the quantity that arrived on at least one line.")
        return cleaned

    def save(self, user: Any) -> Receipt:
        charges = [
            services.ChargeRequest(kind, self.cleaned_data[kind])
            for kind in CHARGE_KINDS
            if self.cleaned_data.get(kind)
        ]
        return services.purchase_order_receive(
            user=user,
            order=self.order,
            lines=[
                services.ReceiptLineRequest(line.product, quantity)
                for line, quantity in self.quantities()
            ],
            charges=charges,
            basis=self.cleaned_data.get("basis") or Receipt.Basis.VALUE,
            idempotency_key=f"admin:{self.cleaned_data['token']}",
        )


class BillForm(LinesForm):
    """A supplier's bill against a purchase order: their number, date, and per
    line the quantity and unit cost they charge (prefilled with what was received
    and not yet billed, at the PO price)."""

    supplier_reference = forms.CharField(
        max_length=64, label="Supplier's bill number", help_text="As printed on their bill."
    )
    bill_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args: Any, order: PurchaseOrder, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("bill_date", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.order = order
        self.lines = [line for line in order.lines.all() if line.received_quantity > 0]
        for line in self.lines:
            self.fields[f"qty-{line.pk}"] = _quantity_field(
                f"{line.product.get_title()}: quantity",
                initial=max(line.received_quantity - line.billed_quantity, 0),
            )
            self.fields[f"cost-{line.pk}"] = forms.DecimalField(
                label=f"{line.product.get_title()}: unit cost",
                initial=line.unit_cost,
                required=False,
                **COST,  # type: ignore[arg-type]
            )

    def table(self) -> tuple[list[str], list[list[Any]]]:
        headers = ["Product", "Received", "Billed", "PO unit cost", "Quantity", "Their unit cost"]
        rows = [
            [
                line.product.get_title(),
                line.received_quantity,
                line.billed_quantity,
                line.unit_cost,
                self[f"qty-{line.pk}"],
                self[f"cost-{line.pk}"],
            ]
            for line in self.lines
        ]
        return headers, rows

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        self.requested = []
        for line in self.lines:
            quantity = cleaned.get(f"qty-{line.pk}") or 0
            if not quantity:
                continue
            cost = cleaned.get(f"cost-{line.pk}")
            if cost is None:
                self.add_error(f"cost-{line.pk}", "Enter the unit cost on their bill.")
                continue
            self.requested.append(services.BillLineRequest(line.product, quantity, cost))
        if not self.requested and not self.errors:
            raise forms.ValidationError("Enter a quantity on at least one line.")
        return cleaned

    def save(self, user: Any) -> SupplierBill:
        return services.supplier_bill_enter(
            user=user,
            order=self.order,
            supplier_reference=self.cleaned_data["supplier_reference"].strip(),
            bill_date=self.cleaned_data["bill_date"],
            lines=self.requested,
        )


class ReturnForm(LinesForm):
    """Goods sent back to the supplier: a debit note, stock out of the PO's warehouse."""

    reason = forms.CharField(
        max_length=255, help_text="Why the goods go back: damaged, wrong item..."
    )
    supplier_reference = forms.CharField(
        max_length=64,
        required=False,
        label="Supplier's reference",
        help_text="Their return authorisation or credit note number, if any.",
    )

    def __init__(self, *args: Any, order: PurchaseOrder, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order = order
        lines = [line for line in order.lines.all() if line.received_quantity > 0]
        self._add_quantity_fields(lines)

    def table(self) -> tuple[list[str], list[list[Any]]]:
        headers = ["Product", "Received (net of returns)", "Billed", "Send back"]
        rows = [
            [
                line.product.get_title(),
                line.received_quantity,
                line.billed_quantity,
                self.quantity(line),
            ]
            for line in self.lines
        ]
        return headers, rows

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not self.quantities():
            raise forms.ValidationError("Enter the quantity going back on at least one line.")
        return cleaned

    def save(self, user: Any) -> SupplierBill:
        return services.supplier_return(
            user=user,
            order=self.order,
            lines=[
                services.ReturnLineRequest(line.product, quantity)
                for line, quantity in self.quantities()
            ],
            reason=self.cleaned_data["reason"],
            supplier_reference=self.cleaned_data["supplier_reference"],
        )


class ConfirmForm(forms.Form):
    """Nothing to type: the button is the confirmation (sending an order)."""


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=255, required=False, help_text="Kept on the order, e.g. “supplier out of stock”."
    )


class SupplierPaymentForm(forms.Form):
    amount = forms.DecimalField(**{**AMOUNT, "min_value": Decimal("0.01")})  # type: ignore[arg-type]
    day = forms.DateField(
        label="Paid on", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reference = forms.CharField(
        max_length=255, required=False, help_text="The bank transfer's reference."
    )
    method = forms.ChoiceField(choices=[("bank_transfer", "Bank transfer"), ("cash", "Cash")])

    def __init__(self, *args: Any, bill: SupplierBill, **kwargs: Any) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("amount", bill.balance)
        initial.setdefault("day", timezone.localdate())
        initial.setdefault("reference", bill.supplier_reference)
        super().__init__(*args, **kwargs)
        self.bill = bill

    def save(self, user: Any) -> Any:
        data = self.cleaned_data
        return services.supplier_payment_record(
            user=user,
            bill=self.bill,
            amount=data["amount"],
            day=data["day"],
            reference=data["reference"],
            method=data["method"],
        )


class BillActionForm(ActionForm):
    """The admin's action bar on the bill list, with the reason a rejection needs."""

    reason = forms.CharField(required=False, max_length=255, label="Reason (to reject):")


class ScanForm(forms.Form):
    """The receiving station: a warehouse, a barcode and how many arrived."""

    warehouse = forms.ModelChoiceField(
        queryset=inventory_selectors.active_warehouses().none(), empty_label=None
    )
    quantity = forms.IntegerField(
        min_value=1,
        max_value=10_000,
        initial=1,
        error_messages={
            "invalid": "Quantity must be a whole number, e.g. 1 or 12.",
            "min_value": "Quantity must be at least 1.",
            "max_value": "Quantity can be at most 10,000 per scan.",
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
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("token", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = inventory_selectors.active_warehouses()  # type: ignore[attr-defined]
        self.product: Any = None

    def clean_barcode(self) -> str:
        code = self.cleaned_data["barcode"].strip()
        self.product = inventory_selectors.product_by_barcode(code)
        if self.product is None:
            raise forms.ValidationError(
                f"Unknown barcode “{code}”: no product has this EAN/UPC or SKU. "
                "Nothing was received."
            )
        return code
