"""Shapes of the accounting endpoints: the trial balance."""

from rest_framework import serializers


def _amount(**kwargs: object) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=None, decimal_places=2, **kwargs)  # type: ignore[arg-type]


class TrialBalanceQuerySerializer(serializers.Serializer):
    date = serializers.DateField(
        required=False, help_text="YYYY-MM-DD, inclusive; today when left out."
    )


class TrialBalanceRowSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Account code.")
    name = serializers.CharField()
    debit = _amount(help_text="Debit balance (0.00 when the account has a credit balance).")
    credit = _amount(help_text="Credit balance (0.00 when the account has a debit balance).")


class TrialBalanceSerializer(serializers.Serializer):
    date = serializers.DateField(source="as_of")
    rows = TrialBalanceRowSerializer(many=True, help_text="Accounts with a balance, by code.")
    total_debit = _amount()
    total_credit = _amount()
