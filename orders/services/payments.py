"""What a payment gateway's answers write: Oscar's payment ``Source`` (one per
order) and its ``Transaction`` rows (authorise, debit, refund, void), in the
caller's transaction. The gateways themselves are ``orders.payment_gateways``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import F
from oscar.core.loading import get_model

from orders.payment_gateways import Gateway, gateway_for

Source = get_model("payment", "Source")
SourceType = get_model("payment", "SourceType")
Transaction = get_model("payment", "Transaction")


def source_for(order: Any) -> Any | None:
    return Source.objects.filter(order=order).select_related("source_type").first()


def source_type_id(gateway: Gateway) -> int:
    """The id of the gateway's Oscar payment source type, created on its first payment."""
    found = SourceType.objects.filter(code=gateway.code).values_list("pk", flat=True).first()
    if found is None:
        found = SourceType.objects.get_or_create(
            code=gateway.code, defaults={"name": gateway.name}
        )[0].pk
    return int(found)


def record_authorisation(
    *, order: Any, gateway: Gateway, amount: Decimal, reference: str, label: str = ""
) -> Any:
    source = Source.objects.create(
        order=order,
        source_type_id=source_type_id(gateway),
        currency=order.currency,
        amount_allocated=amount if reference else Decimal("0"),
        reference=reference,
        label=label,
    )
    if reference:
        Transaction.objects.create(
            source=source, txn_type="Authorise", amount=amount, reference=reference, status="ok"
        )
    return source


def capture(*, order: Any, amount: Decimal) -> str:
    """Take ``amount`` of the authorised money (called when goods ship); the
    gateway's reference, or "" when nothing was authorised (bank transfer)."""
    source = source_for(order)
    if source is None or not source.reference or amount <= 0:
        return ""
    gateway = gateway_for(source.source_type.code)
    reference = gateway.capture(reference=source.reference, amount=amount)
    Source.objects.filter(pk=source.pk).update(amount_debited=F("amount_debited") + amount)
    Transaction.objects.create(
        source=source, txn_type="Debit", amount=amount, reference=reference, status="ok"
    )
    return reference


def refund(*, order: Any, amount: Decimal) -> bool:
    """Give money back to the card; False when it must be paid out by transfer."""
    source = source_for(order)
    if source is None or not source.reference or amount <= 0:
        return False
    gateway = gateway_for(source.source_type.code)
    reference = gateway.refund(reference=source.reference, amount=amount)
    Source.objects.filter(pk=source.pk).update(amount_refunded=F("amount_refunded") + amount)
    Transaction.objects.create(
        source=source, txn_type="Refund", amount=amount, reference=reference, status="ok"
    )
    return True


def void(*, order: Any) -> None:
    """Release an authorisation that will never be captured (a cancellation)."""
    source = source_for(order)
    if source is None or not source.reference:
        return
    uncaptured = source.amount_allocated - source.amount_debited
    if uncaptured <= 0:
        return
    gateway = gateway_for(source.source_type.code)
    reference = gateway.void(reference=source.reference)
    Source.objects.filter(pk=source.pk).update(amount_allocated=F("amount_debited"))
    Transaction.objects.create(
        source=source, txn_type="Void", amount=uncaptured, reference=reference, status="ok"
    )
