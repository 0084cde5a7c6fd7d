"""Serializers shared by every app's endpoints: the error body and money."""

from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """Every error: a stable code, a sentence for people, messages per field.

    Declared in ``get_fields`` because a class attribute named ``fields``
    would hide the serializer's own ``fields``.
    """

    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            "code": serializers.CharField(),
            "detail": serializers.CharField(),
            "fields": serializers.DictField(
                child=serializers.ListField(child=serializers.CharField())
            ),
        }


class MoneySerializer(serializers.Serializer):
    """An amount as a decimal string with two places, and its ISO 4217 currency."""

    amount = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)
    currency = serializers.CharField(max_length=3)
