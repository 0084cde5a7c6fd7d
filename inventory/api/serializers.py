"""Shapes of the inventory endpoints: stock per warehouse and goods receipts."""

from decimal import Decimal
from typing import Any

from rest_framework import serializers


class StockQuerySerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=128, help_text="The product's SKU (case-insensitive).")


class StockRowSerializer(serializers.Serializer):
    warehouse = serializers.CharField(source="warehouse.code", help_text="Warehouse code.")
    on_hand = serializers.IntegerField()
    allocated = serializers.IntegerField(help_text="Promised to open orders.")
    available = serializers.IntegerField(help_text="On hand minus allocated.")


class WholeNumberField(serializers.IntegerField):
    """A JSON integer only: no strings, floats or booleans (scanners send numbers)."""

    default_error_messages = {"invalid": "A whole number is required."}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class ReceiptInSerializer(serializers.Serializer):
    """Goods arrived: identify the product by ``sku`` or by ``barcode`` (exactly one)."""

    warehouse = serializers.CharField(max_length=16, help_text="Warehouse code, e.g. BER-1.")
    sku = serializers.CharField(required=False, max_length=128)
    barcode = serializers.CharField(
        required=False, max_length=128, help_text="UPC/EAN, or the SKU as printed on a label."
    )
    quantity = WholeNumberField(min_value=1, max_value=1_000_000)
    unit_cost = serializers.DecimalField(
        max_digits=14,
        decimal_places=4,
        min_value=Decimal("0"),
        max_value=Decimal("1000000"),
        help_text="Purchase cost per unit, excluding tax; a string or a number.",
    )
    reference = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        default="",
        help_text="The delivery note or purchase order number, kept on the stock move.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        has_sku, has_barcode = bool(attrs.get("sku")), bool(attrs.get("barcode"))
        if has_sku == has_barcode:
            message = (
                "Send either sku or barcode, not both."
                if has_sku
                else ("Send the product's sku or its barcode.")
            )
            raise serializers.ValidationError({"sku": [message], "barcode": [message]})
        return attrs


class ReceiptOutSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The stock move recording the receipt.")
    sku = serializers.CharField()
    warehouse = serializers.CharField(help_text="Warehouse code.")
    quantity = serializers.IntegerField()
    unit_cost = serializers.DecimalField(max_digits=14, decimal_places=4)
    reference = serializers.CharField(allow_blank=True)
    on_hand = serializers.IntegerField(
        help_text="Units on hand in the warehouse after the receipt."
    )
