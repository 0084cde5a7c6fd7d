"""Bank statement import: CSV lines in, payments matched to invoices out.

Invariants this module keeps:

- a statement line is imported once, however often its file is: each line has
  a fingerprint (sha256 of its normalised date, amount, currency, reference,
  payer and its occurrence number among identical lines of the same file),
  unique in ``BankStatementLine``; a line already there is skipped;
- money is only booked for an incoming line that names exactly one open
  invoice and does not exceed its balance; everything else is stored as
  "unmatched" with a note saying why, for a person to look at;
- an outgoing line (amount < 0) is offered to the matchers higher apps register
  (``bank_outgoing_matcher_register``; purchasing pays supplier bills with
  them): the line is stored first, the first matcher that recognises it records
  its payment against it and says the outcome; a line no matcher recognises is
  unmatched. This module imports no higher app;
- a malformed row imports nothing and is reported with its row number; a file
  that is not a CSV statement imports nothing and gets one error.
"""

import csv
import hashlib
import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from accounting.models import BankStatementLine, Invoice, Payment
from accounting.services import AccountingError, money, payment_receive

REQUIRED_COLUMNS = ("date", "amount", "reference")
OPTIONAL_COLUMNS = ("currency", "payer")
DELIMITERS = (",", ";", "\t")
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")
# "123.45", "1,234.56" (decimal point) or "123,45", "1.234,56" (decimal comma)
POINT_DECIMAL = re.compile(r"[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d{1,2})?")
COMMA_DECIMAL = re.compile(r"[+-]?(?:\d+|\d{1,3}(?:\.\d{3})+)(?:,\d{1,2})?")
# INV-2026-000123, also as banks mangle it: "inv 2026 000123", "INV2026000123"
INVOICE_NUMBER = re.compile(r"(?<![A-Z0-9])INV[\s\-_/]?(\d{4})[\s\-_/]?(\d{6})(?!\d)", re.I)
NOT_A_STATEMENT = (
    "The file is not a CSV bank statement: its first row must name the columns "
    "date, amount and reference (currency and payer are optional)."
)


@dataclass(frozen=True)
class OutgoingMatch:
    """What a matcher made of an outgoing line: its outcome and the note for staff."""

    outcome: str  # a BankStatementLine.Outcome
    note: str


#: (stored outgoing line, importing user) -> what was made of it, or None when the
#: line names nothing the matcher knows (the next matcher is asked). A matcher
#: that records a payment links it to the line and runs inside the line's
#: savepoint; it refuses by returning an unmatched outcome with the reason.
OutgoingMatcher = Callable[[BankStatementLine, Any], OutgoingMatch | None]
OUTGOING_MATCHERS: list[OutgoingMatcher] = []
NO_OUTGOING_MATCH = "Outgoing payment; its reference names nothing of ours to pay."


def bank_outgoing_matcher_register(matcher: OutgoingMatcher) -> None:
    """Offer outgoing statement lines to ``matcher`` (an app's ``ready()`` calls this)."""
    if matcher not in OUTGOING_MATCHERS:
        OUTGOING_MATCHERS.append(matcher)


@dataclass
class ImportResult:
    imported: int = 0
    matched: int = 0
    paid_out: int = 0  # outgoing lines that paid a bill of ours
    unmatched: int = 0
    skipped: int = 0  # already imported from an earlier file
    errors: list[str] = field(default_factory=list)
    unmatched_lines: list[BankStatementLine] = field(default_factory=list)


@dataclass(frozen=True)
class StatementRow:
    row: int
    date: date
    amount: Decimal
    currency: str
    reference: str
    payer: str

    def key(self) -> str:
        parts = [
            self.date.isoformat(),
            str(self.amount),
            self.currency,
            _normalise(self.reference),
            _normalise(self.payer),
        ]
        return "|".join(parts)


class RowError(ValueError):
    pass


def _normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


def _decode(file_bytes_or_text: bytes | str) -> str:
    if isinstance(file_bytes_or_text, str):
        return file_bytes_or_text.removeprefix("\ufeff")
    if b"\x00" in file_bytes_or_text:
        raise RowError(NOT_A_STATEMENT)
    try:
        return file_bytes_or_text.decode("utf-8-sig")
    except UnicodeDecodeError:
        # exports of older banking software are Windows-1252
        return file_bytes_or_text.decode("cp1252", errors="replace")


def _header(first_line: str) -> tuple[str, list[str]]:
    """The delimiter and column names of the header row."""
    for delimiter in DELIMITERS:
        names = [
            name.strip().lower() for name in next(csv.reader([first_line], delimiter=delimiter), [])
        ]
        if all(column in names for column in REQUIRED_COLUMNS):
            return delimiter, names
    raise RowError(NOT_A_STATEMENT)


def parse_date(text: str) -> date:
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise RowError(f"“{text}” is not a date (use YYYY-MM-DD or DD.MM.YYYY).")


def parse_amount(text: str) -> Decimal:
    compact = re.sub(r"[\s\u00a0']", "", text)
    if POINT_DECIMAL.fullmatch(compact):
        plain = compact.replace(",", "")
    elif COMMA_DECIMAL.fullmatch(compact):
        plain = compact.replace(".", "").replace(",", ".")
    else:
        raise RowError(f"“{text}” is not an amount (write 123.45 or 1.234,56).")
    try:
        return money(Decimal(plain))
    except InvalidOperation as error:  # pragma: no cover - the patterns only pass numbers
        raise RowError(f"“{text}” is not an amount.") from error


def _row(number: int, names: list[str], fields: list[str]) -> StatementRow:
    if len(fields) < len(names):
        raise RowError(f"expected {len(names)} columns, found {len(fields)}.")
    if any(value.strip() for value in fields[len(names) :]):
        raise RowError(f"expected {len(names)} columns, found {len(fields)}.")
    values = {name: value.strip() for name, value in zip(names, fields, strict=False)}
    for column in ("date", "amount"):
        if not values[column]:
            raise RowError(f"the {column} is missing.")
    amount = parse_amount(values["amount"])
    if amount == 0:
        raise RowError("the amount is zero.")
    currency = (values.get("currency") or settings.OSCAR_DEFAULT_CURRENCY).upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise RowError(f"“{currency}” is not a currency code like EUR.")
    return StatementRow(
        row=number,
        date=parse_date(values["date"]),
        amount=amount,
        currency=currency,
        reference=values["reference"][:255],
        payer=values.get("payer", "")[:255],
    )


def parse_statement(file_bytes_or_text: bytes | str) -> tuple[list[StatementRow], list[str]]:
    """The well-formed rows and one error message per malformed row."""
    text = _decode(file_bytes_or_text)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter, names = _header(first)
    rows: list[StatementRow] = []
    errors: list[str] = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header_seen = False
    try:
        for fields in reader:
            if not any(value.strip() for value in fields):
                continue
            if not header_seen:
                header_seen = True
                continue
            number = reader.line_num
            try:
                rows.append(_row(number, names, fields))
            except RowError as error:
                errors.append(f"Row {number}: {error}")
    except csv.Error as error:
        errors.append(f"Row {reader.line_num}: {error}; the rest of the file was not read.")
    return rows, errors


def fingerprints(rows: list[StatementRow]) -> list[str]:
    """One fingerprint per row; identical rows of one file differ by occurrence."""
    seen: Counter[str] = Counter()
    result = []
    for row in rows:
        key = row.key()
        seen[key] += 1
        result.append(hashlib.sha256(f"{key}|{seen[key]}".encode()).hexdigest())
    return result


def _open_invoice(row: StatementRow) -> tuple[Invoice | None, str]:
    """The invoice this line pays, or None and why not."""
    if row.amount < 0:
        return None, NO_OUTGOING_MATCH
    numbers = sorted(
        {f"INV-{year}-{serial}" for year, serial in INVOICE_NUMBER.findall(row.reference)}
    )
    if not numbers:
        return None, "No invoice number found in the reference."
    if len(numbers) > 1:
        return None, f"Several invoice numbers ({', '.join(numbers)}); apply it by hand."
    invoice = Invoice.objects.filter(number=numbers[0], kind=Invoice.Kind.INVOICE).first()
    if invoice is None:
        return None, f"No invoice {numbers[0]} exists."
    if invoice.balance <= 0:
        return None, f"Invoice {invoice.number} is already {invoice.get_status_display().lower()}."
    if invoice.currency != row.currency:
        return (
            None,
            f"The line is in {row.currency}, invoice {invoice.number} in {invoice.currency}.",
        )
    if row.amount > invoice.balance:
        return None, (
            f"The amount {row.amount} is larger than the open balance {invoice.balance} "
            f"of {invoice.number}."
        )
    return invoice, ""


def _outgoing_line(row: StatementRow, fingerprint: str, user: Any) -> BankStatementLine:
    """Store an outgoing line, then let the first matcher that knows it pay with it."""
    line = BankStatementLine.objects.create(
        fingerprint=fingerprint,
        date=row.date,
        amount=row.amount,
        currency=row.currency,
        reference=row.reference,
        payer=row.payer,
        outcome=BankStatementLine.Outcome.UNMATCHED,
        note=NO_OUTGOING_MATCH,
    )
    for matcher in OUTGOING_MATCHERS:
        match = matcher(line, user)
        if match is not None:
            line.outcome, line.note = match.outcome, match.note[:255]
            line.save(update_fields=["outcome", "note"])
            break
    return line


def _import_row(row: StatementRow, fingerprint: str, user: Any) -> BankStatementLine | None:
    """Store one line (and its payment); None when it was imported before."""
    if BankStatementLine.objects.filter(fingerprint=fingerprint).exists():
        return None
    if row.amount < 0:
        return _outgoing_line(row, fingerprint, user)
    invoice, note = _open_invoice(row)
    payment: Payment | None = None
    if invoice is not None:
        try:
            with transaction.atomic():
                payment = payment_receive(
                    source=f"bank:{fingerprint[:40]}",
                    amount=row.amount,
                    method=Payment.Method.BANK_TRANSFER,
                    reference=row.reference,
                    payer=row.payer,
                    currency=row.currency,
                    day=row.date,
                    customer=invoice.customer,
                    order_id=invoice.order_id,
                    invoice=invoice,
                    user=user,
                )
        except AccountingError as refused:
            note = f"Could not record the payment for {invoice.number}: {refused}"[:255]
        else:
            note = f"Paid to {invoice.number}."
    return BankStatementLine.objects.create(
        fingerprint=fingerprint,
        date=row.date,
        amount=row.amount,
        currency=row.currency,
        reference=row.reference,
        payer=row.payer,
        outcome=(
            BankStatementLine.Outcome.MATCHED
            if payment is not None
            else BankStatementLine.Outcome.UNMATCHED
        ),
        note=note,
        payment=payment,
    )


def bank_statement_import(*, file_bytes_or_text: bytes | str, user: Any = None) -> ImportResult:
    """Import a CSV bank statement; lines imported before are skipped."""
    result = ImportResult()
    try:
        rows, result.errors = parse_statement(file_bytes_or_text)
    except RowError as error:
        result.errors = [str(error)]
        return result
    with transaction.atomic():
        for row, fingerprint in zip(rows, fingerprints(rows), strict=True):
            try:
                with transaction.atomic():
                    line = _import_row(row, fingerprint, user)
            except IntegrityError:
                # a concurrent import of the same file stored the line first
                if not BankStatementLine.objects.filter(fingerprint=fingerprint).exists():
                    raise
                line = None
            if line is None:
                result.skipped += 1
                continue
            result.imported += 1
            if line.outcome == BankStatementLine.Outcome.MATCHED:
                result.matched += 1
            elif line.outcome == BankStatementLine.Outcome.PAID_OUT:
                result.paid_out += 1
            else:
                result.unmatched += 1
                result.unmatched_lines.append(line)
    return result
