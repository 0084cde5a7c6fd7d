"""Cell parsers and helpers the supplier, company, customer, price and sales-history
kinds share (the ones every kind uses are in ``data_exchange.values``)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from data_exchange.duplicates import Likely, TaxIdError, describe, tax_id_clean
from data_exchange.kinds.base import Importer, Row
from data_exchange.values import ValueProblem, to_decimal, to_whole


def to_email(text: str) -> str:
    value = text.strip()
    try:
        validate_email(value)
    except ValidationError:
        raise ValueProblem(f"“{text}” is not an e-mail address.") from None
    return value


def to_tax_id(text: str) -> str:
    """A tax id, compacted; an EU VAT number (with its country prefix) must have
    the right check digits."""
    try:
        return tax_id_clean(text)
    except TaxIdError as refused:
        raise ValueProblem(str(refused)) from None


def to_percent(text: str) -> Decimal:
    value = to_decimal(text.rstrip("% "), places=2, what="percentage")
    if value > 100:
        raise ValueProblem(f"A percentage is at most 100 (“{text}”).")
    return value


def name_lookup_key(value: str | None) -> str:
    """Names compared as a person reads them: case and repeated blanks do not matter."""
    return " ".join((value or "").split()).casefold()


def report_duplicates(
    importer: Importer, row: Row, column: str, matches: list[Likely], what: str
) -> None:
    existing = any((match.record.pk or 0) > 0 for match in matches)
    importer.problem(
        row,
        column,
        describe(matches, what)
        + (
            f" Update that {what} instead (use its key), or fix the row if it is another one."
            if existing
            else f" Each {what} appears once per file."
        ),
    )


def to_days(text: str) -> int:
    days = to_whole(text, what="number of days")
    if days > 999:
        raise ValueProblem(f"{days} days is more than 999.")
    return days


def to_count(text: str) -> int:
    """A whole number of at least 1 (minimum order quantity, pack size)."""
    number = to_whole(text, what="number")
    if number < 1:
        raise ValueProblem(f"“{text}” must be at least 1.")
    return number
