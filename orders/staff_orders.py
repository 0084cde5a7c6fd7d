"""Orders entered by staff (phone, counter, B2B): the form that parses what
staff type and hands it to the one placement service (``order_place_from_lines``).

Prices come from the catalogue through the customer's strategy, never from
the form; availability is checked again when the order is placed.
"""

from dataclasses import dataclass
from typing import Any

from django import forms
from oscar.core.loading import get_model
from phonenumber_field.formfields import PhoneNumberField

from inventory import selectors as inventory_selectors
from orders import selectors
from orders.payment_gateways import PaymentMethod
from orders.references import MAX_LENGTH, InvalidCustomerReference, customer_reference_clean
from orders.services.placement import OrderLineRequest, order_place_from_lines
from orders.shipping import Repository

Country = get_model("address", "Country")
ShippingAddress = get_model("order", "ShippingAddress")

MAX_LINES = 200
MAX_QUANTITY = 999_999  # per line; also keeps a typed quantity far inside a basket line's int


@dataclass(frozen=True)
class RequestedLine:
    product: Any
    quantity: int


def parse_lines(text: str) -> tuple[list[RequestedLine], list[str]]:
    """``SKU-or-EAN quantity`` per line; returns the lines and one error per bad line."""
    lines: list[RequestedLine] = []
    errors: list[str] = []
    if "\x00" in text:  # PostgreSQL stores no NUL, so no SKU contains one
        return [], ["The lines contain a NUL character; type SKUs and quantities only."]
    rows = [row.strip() for row in text.splitlines() if row.strip()]
    if len(rows) > MAX_LINES:
        return [], [f"At most {MAX_LINES} lines per order."]
    for number, row in enumerate(rows, start=1):
        parts = row.replace(",", " ").replace(";", " ").split()
        code, quantity_text = (parts[0], parts[1]) if len(parts) == 2 else (parts[0], "1")
        if len(parts) > 2:
            errors.append(f"Line {number} (“{row}”): write the SKU and the quantity, nothing else.")
            continue
        # ASCII digits only: "²" is a digit to isdigit() but not to int()
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
        product = inventory_selectors.product_by_barcode(code)
        if product is None:
            errors.append(f"Line {number}: no product has the SKU or EAN “{code}”.")
            continue
        lines.append(RequestedLine(product, int(quantity_text)))
    return lines, errors


def merged(requested: list[RequestedLine]) -> list[OrderLineRequest]:
    """One line per product, quantities added up, in the order first typed (a
    basket holds a product once)."""
    quantities: dict[int, int] = {}
    products: dict[int, Any] = {}
    for line in requested:
        products.setdefault(line.product.pk, line.product)
        quantities[line.product.pk] = quantities.get(line.product.pk, 0) + line.quantity
    return [OrderLineRequest(products[pk], quantity) for pk, quantity in quantities.items()]


class StaffOrderForm(forms.Form):
    channel = forms.ChoiceField(
        choices=[("staff", "Phone / counter"), ("b2b", "B2B account")], initial="staff"
    )
    email = forms.EmailField(
        help_text="The customer's e-mail; an existing account is used if one matches."
    )
    first_name = forms.CharField(max_length=255)
    last_name = forms.CharField(max_length=255)
    line1 = forms.CharField(max_length=255, label="Street and number")
    line2 = forms.CharField(max_length=255, required=False, label="Address line 2")
    line4 = forms.CharField(max_length=255, label="City")
    postcode = forms.CharField(max_length=64)
    country = forms.ModelChoiceField(queryset=Country.objects.none())
    phone_number = PhoneNumberField(required=False, region="DE")
    lines = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "TEN-0001 2\nKIT-0503 1"}),
        help_text="One line per product: SKU or EAN, then the quantity.",
    )
    customer_reference = forms.CharField(
        max_length=MAX_LENGTH,
        required=False,
        label="Customer's order reference",
        help_text="Their purchase-order number, printed on the invoice and packing slip.",
    )
    shipping_method = forms.ChoiceField(choices=[])
    payment_method = forms.ChoiceField(
        choices=[(PaymentMethod.BANK_TRANSFER, "Bank transfer (pay on invoice)")],
        help_text="Card payments are taken by the customer in the web shop only.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].queryset = Country.objects.filter(is_shipping_country=True)  # type: ignore[attr-defined]
        methods = Repository().get_available_shipping_methods(basket=None)
        self.fields["shipping_method"].choices = [(m.code, m.name) for m in methods]  # type: ignore[attr-defined]
        self.requested: list[RequestedLine] = []

    def clean_customer_reference(self) -> str:
        try:
            return customer_reference_clean(self.cleaned_data["customer_reference"])
        except InvalidCustomerReference as invalid:
            raise forms.ValidationError(str(invalid)) from invalid

    def clean_lines(self) -> str:
        text = self.cleaned_data["lines"]
        self.requested, errors = parse_lines(text)
        if errors:
            raise forms.ValidationError(errors)
        if not self.requested:
            raise forms.ValidationError("Enter at least one product.")
        return text

    def place(self, *, user: Any) -> Any:
        """Place the order through the one placement service, for the account with
        the e-mail address when there is one, else for a guest."""
        data = self.cleaned_data
        customer = selectors.customer_by_email(data["email"])
        address = ShippingAddress(
            first_name=data["first_name"],
            last_name=data["last_name"],
            line1=data["line1"],
            line2=data["line2"],
            line4=data["line4"],
            postcode=data["postcode"],
            country=data["country"],
            phone_number=data["phone_number"] or "",
        )
        return order_place_from_lines(
            user=customer,
            lines=merged(self.requested),
            shipping_address=address,
            shipping_method_code=data["shipping_method"],
            payment_method=data["payment_method"],
            channel=data["channel"],
            customer_reference=data["customer_reference"],
            guest_email="" if customer else data["email"],
        )
