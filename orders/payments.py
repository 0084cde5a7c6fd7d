"""Payment methods behind one gateway interface.

A gateway authorises at order time, captures when goods ship, refunds after a
return and voids an authorisation when an order is cancelled. Two ship with
the product:

- ``bank_transfer`` (pay on invoice): nothing is authorised; the order waits
  in "Pending payment" until staff record the money as received;
- ``test_card``: an OFFLINE TEST gateway, clearly labelled as such, that moves
  no money and talks to no network. Card 4000 0000 0000 0002 is declined; any
  other number passing the Luhn check is approved. A real card gateway
  implements the same four methods.

Card numbers are never stored: only the last four digits end up in the
payment source's label. Money is recorded with Oscar's payment ``Source`` and
``Transaction`` rows.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.db.models import F
from oscar.core.loading import get_model

Source = get_model("payment", "Source")
SourceType = get_model("payment", "SourceType")
Transaction = get_model("payment", "Transaction")

DECLINED_TEST_CARD = "4000000000000002"


class PaymentDeclined(Exception):
    """The gateway said no; the message is meant for the customer."""


@dataclass(frozen=True)
class CardDetails:
    number: str
    expiry_month: int
    expiry_year: int
    cvc: str

    @property
    def last4(self) -> str:
        return self.number[-4:]


class Gateway(Protocol):
    code: str
    name: str  # what the customer chooses at checkout
    label: str  # what staff read in lists
    authorises_at_checkout: bool

    def authorise(self, *, amount: Decimal, currency: str, card: CardDetails | None) -> str: ...

    def capture(self, *, reference: str, amount: Decimal) -> str: ...

    def refund(self, *, reference: str, amount: Decimal) -> str: ...

    def void(self, *, reference: str) -> str: ...


class BankTransfer:
    code = "bank_transfer"
    name = "Bank transfer (pay on invoice)"
    label = "Bank transfer"
    authorises_at_checkout = False

    def authorise(self, *, amount: Decimal, currency: str, card: CardDetails | None) -> str:
        return ""

    def capture(self, *, reference: str, amount: Decimal) -> str:
        return ""

    def refund(self, *, reference: str, amount: Decimal) -> str:
        return ""  # refunds by transfer are paid out by accounting

    def void(self, *, reference: str) -> str:
        return ""


def luhn_ok(number: str) -> bool:
    digits = [int(char) for char in number]
    checksum = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        checksum += digit
    return checksum % 10 == 0


class OfflineTestCard:
    """TEST ONLY: an offline card gateway that moves no money."""

    code = "test_card"
    name = "Card (offline test gateway: no money moves)"
    label = "Card (test gateway)"
    authorises_at_checkout = True

    def authorise(self, *, amount: Decimal, currency: str, card: CardDetails | None) -> str:
        if card is None:
            raise PaymentDeclined("Enter your card details.")
        if card.number == DECLINED_TEST_CARD:
            raise PaymentDeclined("Your card was declined. Please use another card.")
        if not luhn_ok(card.number):
            raise PaymentDeclined("That card number is not valid.")
        return f"TEST-AUTH-{secrets.token_hex(6).upper()}"

    def capture(self, *, reference: str, amount: Decimal) -> str:
        return f"TEST-CAPTURE-{secrets.token_hex(6).upper()}"

    def refund(self, *, reference: str, amount: Decimal) -> str:
        return f"TEST-REFUND-{secrets.token_hex(6).upper()}"

    def void(self, *, reference: str) -> str:
        return f"TEST-VOID-{secrets.token_hex(6).upper()}"


class OnAccount:
    """B2B buyers: the company is invoiced on its terms; the credit limit is
    checked when the order is placed (``orders.credit``)."""

    code = "on_account"
    name = "On account (invoice with your company's terms)"
    label = "On account"
    authorises_at_checkout = True

    def authorise(self, *, amount: Decimal, currency: str, card: CardDetails | None) -> str:
        return ""

    def capture(self, *, reference: str, amount: Decimal) -> str:
        return ""

    def refund(self, *, reference: str, amount: Decimal) -> str:
        return ""

    def void(self, *, reference: str) -> str:
        return ""


GATEWAYS: dict[str, Gateway] = {
    gateway.code: gateway for gateway in (BankTransfer(), OfflineTestCard(), OnAccount())
}
CONSUMER_METHODS = ("test_card", "bank_transfer")
B2B_METHODS = ("on_account", "test_card", "bank_transfer")


def gateway_for(code: str) -> Gateway:
    try:
        return GATEWAYS[code]
    except KeyError:
        raise PaymentDeclined(f"Unknown payment method “{code}”.") from None


def method_label(code: str) -> str:
    """The payment method as staff read it; an unknown code as it is, none as a dash."""
    gateway = GATEWAYS.get(code)
    return gateway.label if gateway is not None else (code or "-")


def payment_choices(*, is_buyer: bool = False) -> list[tuple[str, str]]:
    """The methods a customer may choose: on account only for B2B buyers."""
    codes = B2B_METHODS if is_buyer else CONSUMER_METHODS
    return [(code, GATEWAYS[code].name) for code in codes]


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
