"""Bank statement import: matching to open invoices, reasons for what is not
matched, idempotent re-imports, and clear errors for malformed input."""

import hashlib
import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounting.bank import NOT_A_STATEMENT, bank_statement_import, parse_amount, parse_date
from accounting.models import BankStatementLine, Invoice, Payment
from accounting.pdf import invoice_pdf
from accounting.selectors import open_receivables, role_balance, unbalanced_entries
from accounting.services import Customer, InvoiceLineData, invoice_issue, payment_receive
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

HEADER = "date,amount,currency,reference,payer"


def issue(total: str = "119.00") -> Invoice:
    """An invoice of ``total`` (no tax, so the total is exactly that)."""
    return invoice_issue(
        source=f"test:{uuid.uuid4().hex}",
        customer=Customer("ada@example.com", "Ada Lovelace", "1 Analytical Way"),
        lines=[InvoiceLineData("Granite Tent", Decimal("1"), Decimal(total))],
    )


def today() -> str:
    return timezone.localdate().isoformat()


def statement(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def books_agree() -> bool:
    return unbalanced_entries() == [] and role_balance("receivable") == open_receivables()


def test_a_line_naming_an_open_invoice_records_the_payment():
    invoice = issue()
    text = statement(f"{today()},119.00,EUR,Invoice {invoice.number} thank you,Ada Lovelace")

    result = bank_statement_import(file_bytes_or_text=text)

    assert (result.imported, result.matched, result.unmatched, result.skipped) == (1, 1, 0, 0)
    assert result.errors == []
    line = BankStatementLine.objects.get()
    assert line.outcome == BankStatementLine.Outcome.MATCHED
    assert line.note == f"Paid to {invoice.number}."
    assert line.payment.source == f"bank:{line.fingerprint[:40]}"
    assert line.payment.method == Payment.Method.BANK_TRANSFER
    assert line.payment.payer == "Ada Lovelace"
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.balance == Decimal("0")
    assert role_balance("bank") == Decimal("119.00")
    assert books_agree()


def test_a_german_export_with_decimal_commas_pays_part_of_an_invoice():
    invoice = issue("2000.00")
    bank_day = timezone.localdate().strftime("%d.%m.%Y")
    number = invoice.number.replace("-", " ").lower()  # as some banks pass it on
    text = statement(
        f'{bank_day};"1.234,56";EUR;RE {number};Müller GmbH',
        header="Date;Amount;Currency;Reference;Payer",
    ).encode("utf-8")

    result = bank_statement_import(file_bytes_or_text=text)

    assert (result.imported, result.matched) == (1, 1)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PARTIALLY_PAID
    assert invoice.balance == Decimal("765.44")
    assert BankStatementLine.objects.get().payer == "Müller GmbH"
    assert books_agree()


def test_lines_that_cannot_be_matched_are_kept_with_the_reason():
    paid = issue()
    payment_receive(source="test:pay", amount=paid.total, method="card", invoice=paid)
    small = issue("50.00")
    rows = [
        f"{today()},80.00,EUR,Order 100042,Ada Lovelace",
        f"{today()},119.00,EUR,{paid.number},Ada Lovelace",
        f"{today()},50.01,EUR,{small.number},Ada Lovelace",
        f"{today()},-19.99,EUR,{small.number} refund,Ada Lovelace",
        f"{today()},10.00,EUR,INV-1999-000001,Ada Lovelace",
    ]

    result = bank_statement_import(file_bytes_or_text=statement(*rows))

    assert (result.imported, result.matched, result.unmatched) == (5, 0, 5)
    assert [line.note for line in result.unmatched_lines] == [
        "No invoice number found in the reference.",
        f"Invoice {paid.number} is already paid.",
        f"The amount 50.01 is larger than the open balance 50.00 of {small.number}.",
        "Outgoing payment; its reference names nothing of ours to pay.",
        "No invoice INV-1999-000001 exists.",
    ]
    assert set(BankStatementLine.objects.values_list("outcome", flat=True)) == {"unmatched"}
    assert Payment.objects.count() == 1  # only the card payment of the set-up
    small.refresh_from_db()
    assert small.status == Invoice.Status.OPEN


def test_importing_the_same_file_again_imports_nothing_new():
    invoice = issue()
    text = statement(
        f"{today()},119.00,EUR,{invoice.number},Ada Lovelace",
        f"{today()},25.00,EUR,coffee money,Bob",
        f"{today()},25.00,EUR,coffee money,Bob",  # the same transfer twice that day
    )
    first = bank_statement_import(file_bytes_or_text=text)

    second = bank_statement_import(file_bytes_or_text=text)
    overlapping = bank_statement_import(
        file_bytes_or_text=statement(
            f"{today()},25.00,EUR,coffee money,Bob",
            f"{today()},7.50,EUR,parking,Carol",
        )
    )

    assert (first.imported, first.matched, first.unmatched, first.skipped) == (3, 1, 2, 0)
    assert (second.imported, second.matched, second.unmatched, second.skipped) == (0, 0, 0, 3)
    assert (overlapping.imported, overlapping.skipped) == (1, 1)
    assert BankStatementLine.objects.count() == 4
    assert Payment.objects.count() == 1
    assert role_balance("bank") == Decimal("119.00")


def test_the_fingerprint_is_the_normalised_line_and_its_occurrence():
    text = statement(f"{today()},25,eur,  Coffee   MONEY ,Bob")

    bank_statement_import(file_bytes_or_text=text)

    expected = hashlib.sha256(f"{today()}|25.00|EUR|coffee money|bob|1".encode()).hexdigest()
    assert BankStatementLine.objects.get().fingerprint == expected


def test_the_currency_column_is_optional():
    invoice = issue()
    text = statement(f"{today()},119.00,{invoice.number},Ada", header="date,amount,reference,payer")

    result = bank_statement_import(file_bytes_or_text=text)

    assert result.matched == 1
    assert BankStatementLine.objects.get().currency == "EUR"


def test_malformed_rows_are_reported_by_row_number_and_import_nothing():
    invoice = issue()
    text = statement(
        "2026-13-01,10.00,EUR,bad date,Ada",
        f"{today()},ten euros,EUR,bad amount,Ada",
        f"{today()},10.00",
        f"{today()},0.00,EUR,nothing,Ada",
        "",
        f"{today()},119.00,EUR,{invoice.number},Ada",
    )

    result = bank_statement_import(file_bytes_or_text=text)

    assert result.errors == [
        "Row 2: “2026-13-01” is not a date (use YYYY-MM-DD or DD.MM.YYYY).",
        "Row 3: “ten euros” is not an amount (write 123.45 or 1.234,56).",
        "Row 4: expected 5 columns, found 2.",
        "Row 5: the amount is zero.",
    ]
    assert (result.imported, result.matched) == (1, 1)
    assert BankStatementLine.objects.count() == 1


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.4 not really",
        b"\x00\x01\x02\x03binary",
        "just some notes\nabout nothing",
        "",
    ],
)
def test_a_file_that_is_not_a_csv_statement_gets_one_error(content):
    result = bank_statement_import(file_bytes_or_text=content)

    assert result.errors == [NOT_A_STATEMENT]
    assert (result.imported, result.skipped) == (0, 0)
    assert not BankStatementLine.objects.exists()


def test_a_real_pdf_is_not_a_statement():
    result = bank_statement_import(file_bytes_or_text=invoice_pdf(issue()))

    assert result.errors == [NOT_A_STATEMENT]


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("123.45", "123.45"),
        ("1.234,56", "1234.56"),
        ("1234,5", "1234.50"),
        ("1,234.56", "1234.56"),
        ("-50,00", "-50.00"),
        ("+7", "7.00"),
        ("1 234,56", "1234.56"),
        ("1.234", "1234.00"),
    ],
)
def test_amounts_are_read_with_a_decimal_point_or_comma(text, amount):
    assert parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["12.345.6", "1,23,4", "12.3456", "€5", "", "1e3"])
def test_amounts_that_are_not_money_are_refused(text):
    with pytest.raises(ValueError, match="is not an amount"):
        parse_amount(text)


def test_dates_are_read_in_iso_or_german_order():
    assert parse_date("2026-03-01") == date(2026, 3, 1)
    assert parse_date("01.03.2026") == date(2026, 3, 1)
    with pytest.raises(ValueError, match="is not a date"):
        parse_date("03/01/2026")


# --- the admin screen ---------------------------------------------------------------


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_the_import_screen_shows_the_summary_and_the_unmatched_lines(client):
    client.force_login(StaffFactory(username="accounting", role="Accounting"))
    invoice = issue()
    text = statement(
        f"{today()},119.00,EUR,{invoice.number},Ada Lovelace",
        f"{today()},42.00,EUR,for the tent,Bob Builder",
        "yesterday,1,EUR,x,y",
    )

    response = client.post(
        "/admin/accounting/bankstatementline/import/",
        {"file": upload("statement.csv", text.encode())},
    )
    again = client.post(
        "/admin/accounting/bankstatementline/import/",
        {"file": upload("statement.csv", text.encode())},
    )

    page = response.content.decode()
    result = response.context["result"]
    assert (result.imported, result.matched, result.unmatched, len(result.errors)) == (2, 1, 1, 1)
    assert "No invoice number found in the reference." in page
    assert "Bob Builder" in page
    assert "Row 4: “yesterday” is not a date" in page
    assert again.context["result"].skipped == 2
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_the_import_screen_refuses_files_over_2_mb(client):
    client.force_login(StaffFactory(username="accounting", role="Accounting"))
    big = (HEADER + "\n" + "x" * (2 * 1024 * 1024)).encode()

    response = client.post(
        "/admin/accounting/bankstatementline/import/", {"file": upload("big.csv", big)}
    )

    assert "the limit is 2 MB" in response.content.decode()
    assert response.context["result"] is None
    assert not BankStatementLine.objects.exists()


def test_the_import_screen_says_when_the_file_is_not_a_statement(client):
    client.force_login(StaffFactory(username="accounting", role="Accounting"))

    response = client.post(
        "/admin/accounting/bankstatementline/import/",
        {"file": upload("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF")},
    )

    assert NOT_A_STATEMENT in response.content.decode()
