"""Payment methods: their codes (``PaymentMethod``) and one gateway interface.

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
payment source's label. What a gateway's answers write (Oscar's payment
``Source`` and ``Transaction`` rows) lives in ``orders.services.payments``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.db import models

DECLINED_TEST_CARD = "4000000000000002"


class PaymentMethod(models.TextChoices):
    """The code an order's ``payment_method`` holds, one per gateway. Not the
    field's choices (that would be a migration): the values are what is stored."""

    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    TEST_CARD = "test_card", "Card (test gateway)"
    ON_ACCOUNT = "on_account", "On account"


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
    @property
    def code(self) -> PaymentMethod: ...

    name: str  # what the customer chooses at checkout
    label: str  # what staff read in lists
    authorises_at_checkout: bool

    def authorise(self, *, amount: Decimal, currency: str, card: CardDetails | None) -> str: ...

    def capture(self, *, reference: str, amount: Decimal) -> str: ...

    def refund(self, *, reference: str, amount: Decimal) -> str: ...

    def void(self, *, reference: str) -> str: ...


class BankTransfer:
    code = PaymentMethod.BANK_TRANSFER
    name = "Bank transfer (pay on invoice)"
    label = PaymentMethod.BANK_TRANSFER.label
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

    code = PaymentMethod.TEST_CARD
    name = "Card (offline test gateway: no money moves)"
    label = PaymentMethod.TEST_CARD.label
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
    checked when the order is placed (``orders.services.credit``)."""

    code = PaymentMethod.ON_ACCOUNT
    name = "On account (invoice with your company's terms)"
    label = PaymentMethod.ON_ACCOUNT.label
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
CONSUMER_METHODS = (PaymentMethod.TEST_CARD, PaymentMethod.BANK_TRANSFER)
B2B_METHODS = (PaymentMethod.ON_ACCOUNT, PaymentMethod.TEST_CARD, PaymentMethod.BANK_TRANSFER)


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
