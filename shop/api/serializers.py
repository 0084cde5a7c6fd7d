"""Shapes of the shop endpoints: products with the caller's price, customer invoices.

Serializers only render what the views computed (prices come from the storefront
strategy, invoices from ``shop.account.selectors``); they hold no rules.
"""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from erp.api.serializers import MoneySerializer


class ProductQuerySerializer(serializers.Serializer):
    """Filters of the product list."""

    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Full-text search on name and description; an exact SKU or barcode also matches.",
    )
    category = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=255,
        help_text="A category slug; products of its subcategories are included.",
    )


class ProductSerializer(serializers.Serializer):
    sku = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField(help_text="HTML, as shown on the product page.")
    category = serializers.CharField(
        allow_null=True,
        help_text=(
            "Slug of the product's first public category in catalogue tree order "
            "(the one the storefront's breadcrumb shows); null when it has none."
        ),
    )
    price = MoneySerializer(
        allow_null=True,
        help_text=(
            "The caller's unit price: the list price including tax for anonymous callers "
            "and consumers, the negotiated net price for a B2B buyer. Null when not for sale."
        ),
    )
    price_includes_tax = serializers.BooleanField()
    available = serializers.IntegerField(
        help_text="Units available to promise over all sellable warehouses."
    )
    images = serializers.ListField(
        child=serializers.URLField(), help_text="Absolute URLs, primary image first."
    )


class InvoiceLineSerializer(serializers.Serializer):
    description = serializers.CharField()
    sku = serializers.CharField(allow_blank=True)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2)
    unit_price = serializers.DecimalField(
        max_digits=14, decimal_places=4, help_text="Excluding tax."
    )
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=4)
    net = serializers.DecimalField(max_digits=14, decimal_places=2)
    tax = serializers.DecimalField(max_digits=14, decimal_places=2)
    total = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="Including tax (net + tax)."
    )
    is_shipping = serializers.BooleanField()


@extend_schema_field(MoneySerializer)
class InvoiceMoneyField(serializers.Field):
    """One amount of an invoice, with the invoice's currency: ``{"amount", "currency"}``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance: Any) -> Any:
        return {"amount": super().get_attribute(instance), "currency": instance.currency}

    def to_representation(self, value: Any) -> Any:
        return MoneySerializer(value).data


class InvoiceSerializer(serializers.Serializer):
    number = serializers.CharField()
    kind = serializers.ChoiceField(choices=["invoice", "credit_note"])
    order_number = serializers.CharField(allow_blank=True)
    issue_date = serializers.DateField()
    due_date = serializers.DateField()
    status = serializers.ChoiceField(
        choices=["open", "partially_paid", "paid", "credited"],
        help_text=(
            "Invoices: open, partially_paid, paid, or credited (settled by credit notes). "
            "Credit notes stay open until refunded or applied; see amount_open."
        ),
    )
    payment_terms = serializers.CharField()
    net_total = InvoiceMoneyField(help_text="Excluding tax.")
    tax_total = InvoiceMoneyField()
    total = InvoiceMoneyField(help_text="Including tax.")
    amount_settled = InvoiceMoneyField(help_text="Paid, credited or refunded so far.")
    amount_open = InvoiceMoneyField(source="balance", help_text="Total minus amount settled.")
    lines = InvoiceLineSerializer(many=True)
