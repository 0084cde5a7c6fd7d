"""Typing one cell: text in, a value out, or :class:`ValueProblem` with a message a
person understands. Numbers accept a decimal point or a decimal comma where it is
unambiguous ("12,50", "1.234,50", "1,234.50"); anything else is refused with the
value shown, never guessed. Negative amounts and quantities are refused."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation

from inventory.product_codes import CodeError, barcode_clean, sku_clean


class ValueProblem(ValueError):
    pass


_PLAIN = re.compile(r"^-?\d+(\.\d+)?$")
_COMMA_DECIMAL = re.compile(r"^-?\d+,\d+$")
_POINT_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$")
_COMMA_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def to_decimal(text: str, *, places: int = 4, what: str = "number") -> Decimal:
    """A non-negative decimal from "12.50", "12,50", "1.234,50" or "1,234.50"."""
    raw = text.replace(" ", "").replace("\u00a0", "").lstrip("€$£")
    if _PLAIN.match(raw):
        number = raw
    elif _COMMA_DECIMAL.match(raw):
        number = raw.replace(",", ".")
    elif _POINT_THOUSANDS.match(raw) and "," in raw:
        number = raw.replace(".", "").replace(",", ".")
    elif _COMMA_THOUSANDS.match(raw) and "." in raw:
        number = raw.replace(",", "")
    else:
        raise ValueProblem(
            f"“{text}” is not a {what}; write it like 12.50 or 12,50 (no letters or units)."
        )
    try:
        value = Decimal(number)
    except InvalidOperation:
        raise ValueProblem(f"“{text}” is not a {what}.") from None
    if value < 0:
        raise ValueProblem(f"A {what} cannot be negative (“{text}”).")
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise ValueProblem(f"“{text}” has more than {places} decimal places.")
    if value >= Decimal(10) ** 10:
        raise ValueProblem(f"“{text}” is too large.")
    return value


def to_money(text: str) -> Decimal:
    return to_decimal(text, places=2, what="price or amount")


def to_cost(text: str) -> Decimal:
    return to_decimal(text, places=4, what="cost")


def to_quantity(text: str) -> int:
    """A whole number of units, at least 0 ("12", "12.0", "1.200" is refused as
    ambiguous: a thousand and two hundred, or one point two?)."""
    raw = text.replace(" ", "")
    if re.fullmatch(r"-\d+", raw):
        raise ValueProblem(f"A quantity cannot be negative (“{text}”).")
    if not re.fullmatch(r"\d+(\.0+)?", raw) or len(raw) > 12:
        raise ValueProblem(f"“{text}” is not a whole number of units.")
    return int(Decimal(raw))


def to_whole(text: str, *, what: str = "number of days") -> int:
    raw = text.replace(" ", "")
    if not re.fullmatch(r"\d+(\.0+)?", raw) or len(raw) > 9:
        raise ValueProblem(f"“{text}” is not a whole {what} (0 or more).")
    return int(Decimal(raw))


_TRUE = {"1", "true", "yes", "y", "ja", "x", "active", "wahr"}
_FALSE = {"0", "false", "no", "n", "nein", "inactive", "falsch"}


def to_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueProblem(f"“{text}” is not yes or no (write true/false, yes/no or 1/0).")


def to_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise ValueProblem(f"“{text}” is not a date in the form YYYY-MM-DD.") from None


def to_currency(text: str) -> str:
    code = text.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueProblem(f"“{text}” is not a three-letter currency code such as EUR.")
    return code


def to_sku(text: str) -> str:
    try:
        return sku_clean(text)
    except CodeError as refused:
        raise ValueProblem(str(refused)) from None


def to_barcode(text: str) -> str:
    try:
        return barcode_clean(text)
    except CodeError as refused:
        raise ValueProblem(str(refused)) from None


def to_text(limit: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if len(text) > limit:
            raise ValueProblem(f"Longer than {limit} characters.")
        return text

    return parse


def to_code(limit: int) -> Callable[[str], str]:
    """An upper-case code (warehouse, supplier, company)."""

    def parse(text: str) -> str:
        code = text.strip().upper()
        if len(code) > limit:
            raise ValueProblem(f"“{text}” is longer than {limit} characters.")
        return code

    return parse
