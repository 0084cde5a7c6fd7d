"""Order API shapes. Input serializers only parse and validate; prices are never read
from a request (a line carrying one is refused), totals come from the server."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from oscar.core.loading import get_model
from phonenumber_field.phonenumber import to_python as phone_to_python
from rest_framework import serializers

from accounting.services import money_json
from erp.api.serializers import ErrorSerializer, MoneySerializer
from inventory.product_codes import normalise_sku
from orders import payment_gateways, selectors
from orders.references import InvalidCustomerReference, customer_reference_clean

Country = get_model("address", "Country")
ShippingAddress = get_model("order", "ShippingAddress")

MAX_LINES = 200
MAX_QUANTITY = 10_000


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not know, so a client sending a price hears about it."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                hint = (
                    " Prices and totals are set by the shop, never by the request."
                    if any("price" in key or "total" in key for key in unknown)
                    else ""
                )
                raise serializers.ValidationError(
                    {key: [f"Unknown field “{key}”.{hint}"] for key in unknown}
                )
        return super().to_internal_value(data)


class LineInSerializer(StrictSerializer):
    sku = serializers.CharField(max_length=128)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class AddressSerializer(StrictSerializer):
    """Oscar's address fields; ``country`` is an ISO 3166-1 alpha-2 code we ship to."""

    first_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=255)
    line1 = serializers.CharField(max_length=255)
    line2 = serializers.CharField(max_length=255, required=False, allow_blank=True)
    line3 = serializers.CharField(max_length=255, required=False, allow_blank=True)
    line4 = serializers.CharField(max_length=255, help_text="City")
    state = serializers.CharField(max_length=255, required=False, allow_blank=True)
    postcode = serializers.CharField(max_length=64)
    country = serializers.CharField(min_length=2, max_length=2, help_text="ISO 3166-1 alpha-2")
    phone_number = serializers.CharField(max_length=32, required=False, allow_blank=True)

    def validate_country(self, value: str) -> Any:
        country = Country.objects.filter(
            iso_3166_1_a2=value.upper(), is_shipping_country=True
        ).first()
        if country is None:
            raise serializers.ValidationError(f"We do not ship to “{value}”.")
        return country

    def validate_phone_number(self, value: str) -> str:
        if not value:
            return ""
        number = phone_to_python(value, "DE")
        if number is None or not number.is_valid():
            raise serializers.ValidationError("Enter a valid phone number, e.g. +49 30 1234567.")
        return str(number)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        address = ShippingAddress(**attrs)
        try:
            address.clean()
        except DjangoValidationError as invalid:
            raise serializers.ValidationError(
                invalid.message_dict if hasattr(invalid, "error_dict") else invalid.messages
            ) from None
        attrs["instance"] = address
        return attrs


class OrderCreateSerializer(StrictSerializer):
    lines = serializers.ListField(child=LineInSerializer(), min_length=1, max_length=MAX_LINES)
    shipping_address = AddressSerializer()
    shipping_method = serializers.CharField(
        max_length=128, required=False, help_text="A shipping method code; default: the cheapest"
    )
    payment_method = serializers.ChoiceField(
        choices=[(code, gateway.name) for code, gateway in payment_gateways.GATEWAYS.items()],
        required=False,
        help_text="Default: on_account for a B2B buyer, bank_transfer otherwise",
    )
    customer_reference = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Your own order reference (PO number): at most 64 printable characters",
    )

    def validate_customer_reference(self, value: str) -> str:
        try:
            return customer_reference_clean(value)
        except InvalidCustomerReference as invalid:
            raise serializers.ValidationError(str(invalid)) from invalid

    def validate_lines(self, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Resolve SKUs (normalised by the SKU policy) to products in one query;
        repeated SKUs are added up."""
        wanted: dict[str, int] = {}
        for line in lines:
            sku = normalise_sku(line["sku"]) or line["sku"].strip()
            wanted[sku] = wanted.get(sku, 0) + line["quantity"]
        records = {
            record.partner_sku: record
            for record in selectors.public_listings_by_sku([sku for sku in wanted if sku])
        }
        unknown = [sku for sku in wanted if sku not in records]
        if unknown:
            raise serializers.ValidationError(
                [f"No product has the SKU “{sku}”." for sku in unknown]
            )
        too_many = [sku for sku, quantity in wanted.items() if quantity > MAX_QUANTITY]
        if too_many:
            raise serializers.ValidationError(
                [f"At most {MAX_QUANTITY} units of “{sku}” per order." for sku in too_many]
            )
        return [
            {
                "sku": sku,
                "product": records[sku].product,
                "stockrecord": records[sku],
                "quantity": quantity,
            }
            for sku, quantity in wanted.items()
        ]


class LineOutSerializer(serializers.Serializer):
    sku = serializers.CharField(source="partner_sku")
    name = serializers.CharField(source="title")
    quantity = serializers.IntegerField()
    unit_price = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()

    @extend_schema_field(MoneySerializer)
    def get_unit_price(self, line: Any) -> dict[str, str]:
        return money_json(line.unit_price_incl_tax, line.order.currency)

    @extend_schema_field(MoneySerializer)
    def get_total(self, line: Any) -> dict[str, str]:
        return money_json(line.line_price_incl_tax, line.order.currency)


class ShipmentLineOutSerializer(serializers.Serializer):
    sku = serializers.CharField()
    quantity = serializers.IntegerField()


class ShipmentOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    carrier = serializers.CharField(source="carrier.code", allow_null=True)
    tracking_number = serializers.CharField()
    tracking_url = serializers.CharField()
    shipped_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    warehouse = serializers.CharField(source="warehouse.code")
    lines = serializers.SerializerMethodField()

    @extend_schema_field(ShipmentLineOutSerializer(many=True))
    def get_lines(self, shipment: Any) -> list[dict[str, Any]]:
        return [
            {"sku": line.order_line.partner_sku, "quantity": line.quantity}
            for line in shipment.lines.all()
        ]


class AddressOutSerializer(serializers.Serializer):
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    line1 = serializers.CharField()
    line2 = serializers.CharField()
    line3 = serializers.CharField()
    line4 = serializers.CharField()
    state = serializers.CharField()
    postcode = serializers.CharField()
    country = serializers.CharField(source="country_id")
    phone_number = serializers.CharField()


class OrderOutSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.CharField()
    channel = serializers.CharField()
    placed_at = serializers.DateTimeField(source="date_placed")
    payment_method = serializers.CharField()
    customer_reference = serializers.CharField()
    lines = LineOutSerializer(many=True)
    shipping_method = serializers.CharField(source="shipping_code")
    shipping_charge = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    total_excl_tax = serializers.SerializerMethodField()
    shipping_address = AddressOutSerializer(allow_null=True)
    shipments = serializers.SerializerMethodField()

    @extend_schema_field(MoneySerializer)
    def get_shipping_charge(self, order: Any) -> dict[str, str]:
        return money_json(order.shipping_incl_tax, order.currency)

    @extend_schema_field(MoneySerializer)
    def get_total(self, order: Any) -> dict[str, str]:
        return money_json(order.total_incl_tax, order.currency)

    @extend_schema_field(MoneySerializer)
    def get_total_excl_tax(self, order: Any) -> dict[str, str]:
        return money_json(order.total_excl_tax, order.currency)

    @extend_schema_field(ShipmentOutSerializer(many=True))
    def get_shipments(self, order: Any) -> list[dict[str, Any]]:
        shipped = [s for s in order.shipments.all() if s.shipped_at is not None]
        return ShipmentOutSerializer(shipped, many=True).data  # type: ignore[return-value]


class ShipmentCreateSerializer(StrictSerializer):
    order = serializers.CharField(max_length=128, help_text="The order number")
    lines = serializers.ListField(child=LineInSerializer(), min_length=1, max_length=MAX_LINES)
    carrier = serializers.CharField(max_length=32, help_text="A carrier code, e.g. dhl")
    tracking_number = serializers.CharField(max_length=64)
    warehouse = serializers.CharField(
        max_length=32, required=False, help_text="Default: the warehouse holding every unit"
    )


class ShortageSerializer(serializers.Serializer):
    sku = serializers.CharField()
    requested = serializers.IntegerField()
    available = serializers.IntegerField()


class InsufficientStockErrorSerializer(ErrorSerializer):
    """409 ``insufficient_stock``: the error shape plus what each short line could get."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {**super().get_fields(), "lines": ShortageSerializer(many=True)}


class CreditLimitErrorSerializer(ErrorSerializer):
    """409 ``credit_limit_exceeded``: the error shape plus the credit the company has left."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {**super().get_fields(), "available": MoneySerializer()}
