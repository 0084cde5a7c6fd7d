"""Shapes of the purchasing endpoints.

Input serializers parse and bound what a client sends (codes, SKUs, whole
quantities, decimal strings for money in the supplier's currency); they look
nothing up. Output serializers document the bodies and return what
``purchasing.webhook_payloads`` builds (plus what only staff see: a bill's hold
reasons, an order's bills), so a webhook event and the API never disagree about
what a purchase order, a receipt or a bill looks like.
"""

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from erp.api.serializers import MoneySerializer
from inventory.api.serializers import WholeNumberField
from purchasing import webhook_payloads
from purchasing.models import PurchaseOrder, Receipt, ReceiptCharge, Supplier, SupplierBill

MAX_LINES = 200
MAX_QUANTITY = 1_000_000
MAX_UNIT_COST = Decimal("1000000")
MAX_DAYS = 3650


def _code(value: str) -> str:
    return value.strip().upper()


def _unit_cost(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=14,
        decimal_places=4,
        min_value=Decimal("0"),
        max_value=MAX_UNIT_COST,
        **kwargs,
    )


def _days(**kwargs: Any) -> serializers.IntegerField:
    return WholeNumberField(min_value=0, max_value=MAX_DAYS, **kwargs)


# --- input ---------------------------------------------------------------------------


class SupplierCreateSerializer(serializers.Serializer):
    code = serializers.RegexField(
        r"^\s*[A-Za-z0-9][A-Za-z0-9_-]*\s*$",
        max_length=16,
        help_text="Short code, e.g. ALPINE: letters, digits, - and _ (stored upper case).",
    )
    name = serializers.CharField(max_length=255, help_text="Legal name.")
    email = serializers.EmailField(max_length=254, help_text="Purchase orders are e-mailed here.")
    currency = serializers.RegexField(
        r"^[A-Za-z]{3}$",
        required=False,
        help_text="ISO 4217 code of the supplier's prices; default: the currency of the books.",
    )
    payment_terms_days = _days(default=30, help_text="Bills are due this many days after.")
    lead_time_days = _days(default=14, help_text="Days from sending an order to its arrival.")
    tax_id = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    address = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def validate_code(self, value: str) -> str:
        return _code(value)

    def validate_currency(self, value: str) -> str:
        return value.upper()


class SupplierItemSetSerializer(serializers.Serializer):
    """A supplier's terms for one product; sent again, they replace the old ones."""

    sku = serializers.CharField(max_length=128, help_text="Our SKU of the product.")
    supplier_sku = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", help_text="Their SKU."
    )
    unit_cost = _unit_cost(help_text='Price per unit in the supplier\'s currency, e.g. "12.50".')
    lead_time_days = _days(
        required=False, allow_null=True, default=None, help_text="Empty: the supplier's."
    )
    min_order_quantity = WholeNumberField(min_value=1, max_value=MAX_QUANTITY, default=1)
    pack_size = WholeNumberField(
        min_value=1, max_value=MAX_QUANTITY, default=1, help_text="Ordered in multiples of this."
    )
    is_preferred = serializers.BooleanField(
        default=False, help_text="The supplier replenishment orders from first."
    )


class PurchaseLineInSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=128)
    quantity = WholeNumberField(min_value=1, max_value=MAX_QUANTITY)
    unit_cost = _unit_cost(
        required=False, help_text="Default: the supplier item's unit cost for the product."
    )


class PurchaseOrderCreateSerializer(serializers.Serializer):
    supplier = serializers.CharField(max_length=16, help_text="Supplier code.")
    warehouse = serializers.CharField(max_length=16, help_text="Code of the receiving warehouse.")
    expected_date = serializers.DateField(
        required=False, help_text="Default: today plus the supplier's lead time."
    )
    notes = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, help_text="Printed on it."
    )
    round_to_pack = serializers.BooleanField(
        default=False, help_text="Round each quantity up to the supplier item's pack size."
    )
    lines = serializers.ListField(
        child=PurchaseLineInSerializer(), min_length=1, max_length=MAX_LINES
    )

    def validate_lines(self, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        seen: set[str] = set()
        for line in lines:
            sku = line["sku"].strip().upper()
            if sku in seen:
                raise serializers.ValidationError(
                    f"The SKU “{line['sku']}” is on two lines; a purchase order has one line "
                    "per product."
                )
            seen.add(sku)
        return lines


class PurchaseReceiptLineInSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=128)
    quantity = WholeNumberField(min_value=1, max_value=MAX_QUANTITY)


class ChargeInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReceiptCharge.Kind.choices)
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("100000000"),
        help_text='In the order\'s currency, e.g. "25.00".',
    )


class PurchaseReceiptCreateSerializer(serializers.Serializer):
    lines = serializers.ListField(
        child=PurchaseReceiptLineInSerializer(), min_length=1, max_length=MAX_LINES
    )
    charges = serializers.ListField(
        child=ChargeInSerializer(),
        required=False,
        default=list,
        max_length=20,
        help_text="Landed cost (freight, duty, insurance) spread over the received lines.",
    )
    basis = serializers.ChoiceField(
        choices=Receipt.Basis.choices,
        default=Receipt.Basis.VALUE,
        help_text="How the charges are spread: by the lines' value or by their quantity.",
    )


class BillLineInSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=128)
    quantity = WholeNumberField(min_value=1, max_value=MAX_QUANTITY)
    unit_cost = _unit_cost(help_text="The supplier's price per unit, excluding tax.")
    tax_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        min_value=Decimal("0"),
        max_value=Decimal("1"),
        required=False,
        help_text='e.g. "0.19"; default: the purchase tax rate (PURCHASE_TAX_RATE).',
    )


class SupplierBillCreateSerializer(serializers.Serializer):
    supplier_reference = serializers.CharField(
        max_length=64, help_text="The bill number printed on the supplier's bill."
    )
    bill_date = serializers.DateField()
    lines = serializers.ListField(child=BillLineInSerializer(), min_length=1, max_length=MAX_LINES)

    def validate_lines(self, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        seen: set[str] = set()
        for line in lines:
            sku = line["sku"].strip().upper()
            if sku in seen:
                raise serializers.ValidationError(
                    f"The SKU “{line['sku']}” is on two lines; bill each product on one line."
                )
            seen.add(sku)
        return lines


class PurchaseOrderQuerySerializer(serializers.Serializer):
    """Filters of the list; one left out or empty (``?status=``) does not filter."""

    status = serializers.ChoiceField(
        choices=PurchaseOrder.Status.choices, required=False, allow_blank=True
    )
    supplier = serializers.CharField(
        max_length=16, required=False, allow_blank=True, help_text="Supplier code."
    )
    sku = serializers.CharField(
        max_length=128, required=False, allow_blank=True, help_text="Orders with this SKU."
    )
    origin = serializers.ChoiceField(
        choices=PurchaseOrder.Origin.choices, required=False, allow_blank=True
    )


# --- output --------------------------------------------------------------------------


class SupplierOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = Supplier
        fields = [
            "code",
            "name",
            "email",
            "currency",
            "payment_terms_days",
            "lead_time_days",
            "tax_id",
            "address",
            "is_active",
        ]
        read_only_fields = fields


class SupplierItemOutSerializer(serializers.Serializer):
    sku = serializers.CharField(help_text="Our SKU of the product.")
    supplier_sku = serializers.CharField(allow_blank=True, help_text="Their SKU.")
    unit_cost = serializers.DecimalField(
        max_digits=14, decimal_places=4, help_text="In the supplier's currency."
    )
    lead_time_days = serializers.IntegerField(allow_null=True, help_text="Empty: the supplier's.")
    min_order_quantity = serializers.IntegerField()
    pack_size = serializers.IntegerField()
    is_preferred = serializers.BooleanField()

    def to_representation(self, item: Any) -> dict[str, Any]:
        body = super().to_representation(item)
        body["sku"] = item.sku or ""  # a product without a listing has no SKU
        return body


class SupplierBillOutSerializer(serializers.Serializer):
    """A bill as its webhook event shows it, with why it is on hold."""

    number = serializers.CharField(help_text="Our number, e.g. BILL-2026-000001.")
    kind = serializers.ChoiceField(choices=SupplierBill.Kind.choices)
    status = serializers.ChoiceField(choices=SupplierBill.Status.choices)
    supplier = serializers.CharField(help_text="Supplier code.")
    supplier_reference = serializers.CharField(
        allow_blank=True, help_text="The supplier's bill number."
    )
    purchase_order = serializers.CharField()
    bill_date = serializers.DateField()
    due_date = serializers.DateField()
    total = MoneySerializer(help_text="Including VAT.")
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text="Why it is on hold; empty when it matched."
    )

    def to_representation(self, bill: Any) -> dict[str, Any]:
        return {
            **webhook_payloads.supplier_bill_payload(bill),
            "reasons": [str(reason) for reason in bill.hold_reasons],
        }


class PurchaseOrderLineOutSerializer(serializers.Serializer):
    sku = serializers.CharField()
    quantity = serializers.IntegerField(help_text="Ordered.")
    received_quantity = serializers.IntegerField(help_text="Received, net of goods sent back.")
    billed_quantity = serializers.IntegerField()
    unit_cost = serializers.DecimalField(max_digits=14, decimal_places=4)


class PurchaseOrderOutSerializer(serializers.Serializer):
    """A purchase order as its webhook events show it, with its bills.

    ``context["skus"]`` (product id -> SKU), when given, names the lines' products
    without a query per order (the list reads them for the whole page)."""

    number = serializers.CharField(help_text="e.g. PO-2026-000001.")
    status = serializers.ChoiceField(choices=PurchaseOrder.Status.choices)
    supplier = serializers.CharField(help_text="Supplier code.")
    warehouse = serializers.CharField(help_text="Code of the receiving warehouse.")
    expected_date = serializers.DateField()
    origin = serializers.ChoiceField(choices=PurchaseOrder.Origin.choices)
    lines = PurchaseOrderLineOutSerializer(many=True)
    total = MoneySerializer(help_text="Ordered quantities at the order's prices, excluding VAT.")
    bills = SupplierBillOutSerializer(many=True, help_text="Bills and debit notes, oldest first.")

    def to_representation(self, order: Any) -> dict[str, Any]:
        bills = SupplierBillOutSerializer(many=True)
        return {
            **webhook_payloads.purchase_order_payload(order, self.context.get("skus")),
            "bills": bills.to_representation(order.bills.all()),
        }


class PurchaseReceiptLineOutSerializer(serializers.Serializer):
    sku = serializers.CharField()
    quantity = serializers.IntegerField()
    landed_unit_cost = serializers.DecimalField(
        max_digits=14,
        decimal_places=4,
        help_text="The order's price plus the charges allocated to the line, per unit: "
        "the cost that went into stock.",
    )


class PurchaseReceiptOutSerializer(serializers.Serializer):
    """A receipt as the ``purchase_order.received`` event shows it."""

    receipt = serializers.CharField(help_text="The receipt's number, e.g. GR-2026-000001.")
    purchase_order = serializers.CharField()
    status = serializers.ChoiceField(
        choices=PurchaseOrder.Status.choices, help_text="The order's status after the receipt."
    )
    supplier = serializers.CharField(help_text="Supplier code.")
    warehouse = serializers.CharField()
    lines = PurchaseReceiptLineOutSerializer(many=True)
    charges = MoneySerializer(help_text="The receipt's charges in all.")

    def to_representation(self, receipt: Any) -> dict[str, Any]:
        return webhook_payloads.receipt_payload(receipt)
