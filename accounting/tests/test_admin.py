"""The accounting back office: who sees what, and every write going through a
service that either changes the books consistently or changes nothing."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounting.models import (
    Account,
    BankStatementLine,
    FiscalPeriod,
    Invoice,
    JournalEntry,
    Payment,
    PostingRule,
)
from accounting.selectors import open_receivables, role_balance, unbalanced_entries
from accounting.services import (
    AccountingError,
    Customer,
    InvoiceLineData,
    credit,
    credit_note_issue,
    debit,
    invoice_issue,
    journal_entry_post,
    payment_receive,
)
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

ADA = Customer("ada@example.com", "Ada Lovelace", "1 Analytical Way\n10115 Berlin")


def issue(net: str = "100.00", customer: Customer = ADA) -> Invoice:
    """An invoice of ``net`` plus 19% tax."""
    return invoice_issue(
        source=f"test:{uuid.uuid4().hex}",
        customer=customer,
        lines=[InvoiceLineData("Granite Tent", Decimal("1"), Decimal(net), Decimal("0.19"))],
        order_number="100042",
    )


def login(client: Client, role: str) -> Client:
    client.force_login(StaffFactory(username=role.lower(), role=role))
    return client


def manual_entry(source: str = "manual:1", amount: str = "50.00") -> JournalEntry:
    entry = journal_entry_post(
        source=source,
        kind="manual",
        description="owner's capital paid in",
        postings=[debit("bank", Decimal(amount)), credit("equity", Decimal(amount))],
    )
    assert entry is not None
    return entry


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def books_agree() -> bool:
    return unbalanced_entries() == [] and role_balance("receivable") == open_receivables()


def record_payment(client: Client, **fields: str):
    data = {
        "key": uuid.uuid4().hex,
        "date": timezone.localdate().isoformat(),
        "amount": "119.00",
        "currency": "EUR",
        "method": "bank_transfer",
        "reference": "transfer",
        "payer": "Ada Lovelace",
        "invoice": "",
        **fields,
    }
    return client.post("/admin/accounting/payment/record/", data, follow=True)


# --- who may see what ------------------------------------------------------------


def test_accounting_user_opens_every_accounting_screen(client):
    staff = login(client, "Accounting")
    invoice = issue()
    payment = payment_receive(source="test:pay", amount=Decimal("20"), method="card")
    entry = manual_entry()

    pages = [
        "/admin/accounting/",
        "/admin/accounting/account/",
        "/admin/accounting/account/?type__exact=asset",
        "/admin/accounting/account/add/",
        "/admin/accounting/postingrule/",
        "/admin/accounting/fiscalperiod/",
        "/admin/accounting/journalentry/",
        f"/admin/accounting/journalentry/?period={FiscalPeriod.objects.get().pk}",
        f"/admin/accounting/journalentry/{entry.pk}/change/",
        "/admin/accounting/invoice/",
        "/admin/accounting/invoice/?q=ada%40example.com",
        f"/admin/accounting/invoice/{invoice.pk}/change/",
        "/admin/accounting/payment/",
        "/admin/accounting/payment/?applied=no",
        f"/admin/accounting/payment/{payment.pk}/change/",
        "/admin/accounting/payment/record/",
        f"/admin/accounting/payment/{payment.pk}/apply/",
        "/admin/accounting/bankstatementline/",
        "/admin/accounting/bankstatementline/import/",
    ]

    statuses = {page: staff.get(page).status_code for page in pages}
    assert statuses == dict.fromkeys(pages, 200)
    invoice_list = staff.get("/admin/accounting/invoice/").content.decode()
    assert invoice.number in invoice_list
    assert "Ada Lovelace &lt;ada@example.com&gt;" in invoice_list
    assert "119.00" in invoice_list
    detail = staff.get(f"/admin/accounting/invoice/{invoice.pk}/change/").content.decode()
    assert "Download PDF" in detail
    assert "Granite Tent" in detail


def test_accounting_user_downloads_the_invoice_pdf(client):
    staff = login(client, "Accounting")
    invoice = issue()

    response = staff.get(f"/admin/accounting/invoice/{invoice.pk}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    assert response.content.startswith(b"%PDF")


def test_warehouse_user_is_refused_every_accounting_screen(client):
    invoice = issue()
    credit_note = credit_note_issue(
        source="test:credit",
        invoice=invoice,
        lines=[InvoiceLineData("Granite Tent", Decimal("1"), Decimal("100"), Decimal("0.19"))],
    )
    payment = payment_receive(source="test:pay", amount=Decimal("20"), method="card")
    entry = manual_entry()
    staff = login(client, "Warehouse")
    pages = [
        "/admin/accounting/account/",
        "/admin/accounting/account/add/",
        "/admin/accounting/postingrule/",
        "/admin/accounting/fiscalperiod/",
        "/admin/accounting/journalentry/",
        f"/admin/accounting/journalentry/{entry.pk}/change/",
        "/admin/accounting/invoice/",
        f"/admin/accounting/invoice/{invoice.pk}/change/",
        f"/admin/accounting/invoice/{invoice.pk}/pdf/",
        f"/admin/accounting/invoice/{credit_note.pk}/refund/",
        "/admin/accounting/payment/",
        "/admin/accounting/payment/record/",
        f"/admin/accounting/payment/{payment.pk}/apply/",
        "/admin/accounting/bankstatementline/",
        "/admin/accounting/bankstatementline/import/",
    ]

    got = {page: staff.get(page).status_code for page in pages}
    posted = {
        page: staff.post(page, {"amount": "1", "invoice": invoice.number}).status_code
        for page in pages
        if page.endswith(("/record/", "/apply/", "/refund/", "/import/"))
    }
    reversal = staff.post(
        "/admin/accounting/journalentry/",
        {
            "action": "reverse_entries",
            "_selected_action": [entry.pk],
            "apply": "yes",
            "reason": "x",
        },
    )

    assert got == dict.fromkeys(pages, 403)
    assert set(posted.values()) == {403}
    assert reversal.status_code == 403
    assert Payment.objects.count() == 1
    assert not JournalEntry.objects.filter(kind="reversal").exists()


def test_invoice_list_costs_the_same_queries_for_one_or_ten_invoices(client):
    staff = login(client, "Accounting")
    issue()
    staff.get("/admin/accounting/invoice/")  # warm up: session, permissions, content types

    with CaptureQueriesContext(connection) as one:
        assert staff.get("/admin/accounting/invoice/").status_code == 200
    for _ in range(9):
        issue()
    with CaptureQueriesContext(connection) as ten:
        response = staff.get("/admin/accounting/invoice/")

    assert response.content.decode().count("/pdf/") == 10
    assert len(ten) == len(one)


def test_payment_list_costs_the_same_queries_for_one_or_ten_payments(client):
    staff = login(client, "Accounting")
    payment_receive(source="test:pay:0", amount=Decimal("5"), method="card", invoice=issue())
    staff.get("/admin/accounting/payment/")

    with CaptureQueriesContext(connection) as one:
        staff.get("/admin/accounting/payment/")
    for n in range(1, 10):
        payment_receive(source=f"test:pay:{n}", amount=Decimal("5"), method="card", invoice=issue())
    with CaptureQueriesContext(connection) as ten:
        staff.get("/admin/accounting/payment/")

    assert len(ten) == len(one)


# --- payments --------------------------------------------------------------------


def test_recording_a_payment_settles_the_invoice_and_the_books_still_agree(client):
    staff = login(client, "Accounting")
    invoice = issue()

    response = record_payment(staff, invoice=invoice.number.lower())

    invoice.refresh_from_db()
    payment = Payment.objects.get()
    assert response.redirect_chain[-1][0] == "/admin/accounting/payment/"
    assert f"recorded for {invoice.number}" in " ".join(messages_of(response))
    assert invoice.status == Invoice.Status.PAID
    assert invoice.balance == Decimal("0")
    assert payment.source.startswith("manual:")
    assert payment.entry.posted_by.username == "accounting"
    assert books_agree()
    assert role_balance("bank") == Decimal("119.00")


def test_submitting_the_same_payment_form_twice_records_it_once(client):
    staff = login(client, "Accounting")
    invoice = issue()
    key = uuid.uuid4().hex

    record_payment(staff, key=key, amount="50.00", invoice=invoice.number)
    record_payment(staff, key=key, amount="50.00", invoice=invoice.number)

    invoice.refresh_from_db()
    assert Payment.objects.count() == 1
    assert invoice.balance == Decimal("69.00")
    assert invoice.status == Invoice.Status.PARTIALLY_PAID


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"amount": "0"}, "The amount must be more than zero."),
        ({"amount": "-5.00"}, "The amount must be more than zero."),
        ({"amount": "ten"}, "Enter a number."),
        ({"amount": "119.01", "use_invoice": "yes"}, "Only 119.00 EUR is open on"),
        ({"invoice": "INV-1999-000001"}, "There is no invoice INV-1999-000001."),
        ({"currency": "USD", "use_invoice": "yes"}, "is in EUR."),
        ({"currency": "E1"}, "Use a three-letter currency code like EUR."),
        ({"key": "not-a-key"}, "This form has expired; open it again."),
    ],
)
def test_recording_a_bad_payment_shows_the_error_and_changes_nothing(client, fields, error):
    staff = login(client, "Accounting")
    invoice = issue()
    entries = JournalEntry.objects.count()
    if fields.pop("use_invoice", None):
        fields["invoice"] = invoice.number

    response = record_payment(staff, **fields)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Payment.objects.exists()
    assert JournalEntry.objects.count() == entries
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN


def test_a_payment_dated_in_a_closed_period_is_refused(client):
    staff = login(client, "Accounting")
    FiscalPeriod.objects.create(start=date(2025, 3, 1), end=date(2025, 3, 31), is_closed=True)

    response = record_payment(staff, date="2025-03-14")

    assert "The books for March 2025 are closed" in response.content.decode()
    assert not Payment.objects.exists()


def test_a_paid_invoice_or_a_credit_note_cannot_take_a_payment(client):
    staff = login(client, "Accounting")
    paid = issue()
    payment_receive(source="test:pay", amount=paid.total, method="card", invoice=paid)
    other = issue()
    credit_note = credit_note_issue(
        source="test:credit",
        invoice=other,
        lines=[InvoiceLineData("Granite Tent", Decimal("1"), Decimal("10"), Decimal("0"))],
    )

    to_paid = record_payment(staff, invoice=paid.number)
    to_credit_note = record_payment(staff, invoice=credit_note.number, amount="1.00")

    assert f"Invoice {paid.number} is already paid; nothing is open." in to_paid.content.decode()
    assert "is a credit note" in to_credit_note.content.decode()
    assert Payment.objects.count() == 1


def test_a_prepayment_is_applied_to_an_invoice_later(client):
    staff = login(client, "Accounting")
    invoice = issue()
    record_payment(staff, amount="200.00", reference="early bird")
    payment = Payment.objects.get()
    url = f"/admin/accounting/payment/{payment.pk}/apply/"

    page = staff.get(url)
    too_much = staff.post(url, {"invoice": invoice.number, "amount": "150.00"})
    more_than_unapplied = staff.post(url, {"invoice": invoice.number, "amount": "250.00"})
    unknown = staff.post(url, {"invoice": "INV-2001-000009", "amount": "10.00"})
    negative = staff.post(url, {"invoice": invoice.number, "amount": "-1"})
    applied = staff.post(url, {"invoice": invoice.number, "amount": "119.00"}, follow=True)

    assert "200.00 EUR" in page.content.decode()
    assert f"Only 119.00 EUR is open on {invoice.number}." in too_much.content.decode()
    assert "Only 200.00 EUR of this payment is unapplied." in more_than_unapplied.content.decode()
    assert "There is no invoice INV-2001-000009." in unknown.content.decode()
    assert "The amount must be more than zero." in negative.content.decode()
    assert f"Applied 119.00 EUR to {invoice.number}." in messages_of(applied)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert payment.allocations.count() == 1
    assert role_balance("customer_prepayments") == Decimal("-81.00")  # 81 still owed back
    assert books_agree()


def test_paying_the_refund_of_a_credit_note(client):
    staff = login(client, "Accounting")
    invoice = issue()
    payment_receive(source="test:pay", amount=invoice.total, method="card", invoice=invoice)
    credit_note = credit_note_issue(
        source="test:credit",
        invoice=invoice,
        lines=[InvoiceLineData("Granite Tent", Decimal("1"), Decimal("100"), Decimal("0.19"))],
    )
    url = f"/admin/accounting/invoice/{credit_note.pk}/refund/"
    form = {
        "key": uuid.uuid4().hex,
        "date": timezone.localdate().isoformat(),
        "method": "bank_transfer",
        "reference": "refund",
    }

    too_much = staff.post(url, {**form, "amount": "119.01"})
    zero = staff.post(url, {**form, "amount": "0"})
    paid = staff.post(url, {**form, "amount": "119.00"}, follow=True)
    again = staff.get(url, follow=True)

    assert f"Only 119.00 EUR of {credit_note.number} is left to refund." in (
        too_much.content.decode()
    )
    assert "The amount must be more than zero." in zero.content.decode()
    assert f"Refund of 119.00 EUR for {credit_note.number} paid." in messages_of(paid)
    assert "not a credit note with an amount left to refund" in " ".join(messages_of(again))
    credit_note.refresh_from_db()
    assert credit_note.balance == Decimal("0")
    assert Payment.objects.filter(direction=Payment.Direction.REFUNDED).count() == 1
    assert role_balance("bank") == Decimal("0")
    assert books_agree()


# --- the journal and periods ------------------------------------------------------


def test_reversing_an_entry_asks_for_a_reason_and_posts_its_mirror(client):
    staff = login(client, "Accounting")
    entry = manual_entry()
    url = "/admin/accounting/journalentry/"
    chosen = {"action": "reverse_entries", "_selected_action": [entry.pk], "index": "0"}

    asked = staff.post(url, chosen)
    no_reason = staff.post(
        url, {"action": "reverse_entries", "_selected_action": [entry.pk], "apply": "yes"}
    )
    reversed_without_reason = JournalEntry.objects.filter(kind="reversal").exists()
    done = staff.post(
        url,
        {
            "action": "reverse_entries",
            "_selected_action": [entry.pk],
            "apply": "yes",
            "reason": "paid in twice by mistake",
        },
        follow=True,
    )

    assert "Reverse journal entries" in asked.content.decode()
    assert "This field is required." in no_reason.content.decode()
    assert not reversed_without_reason
    reversal = JournalEntry.objects.get(kind="reversal")
    assert f"Entry {entry.pk} (manual manual:1) reversed by entry {reversal.pk}." in (
        messages_of(done)
    )
    assert reversal.reverses == entry
    assert "paid in twice by mistake" in reversal.description
    original = sorted((line.account_id, line.side, line.amount) for line in entry.lines.all())
    mirrored = sorted(
        (line.account_id, "D" if line.side == "C" else "C", line.amount)
        for line in reversal.lines.all()
    )
    assert mirrored == original
    assert role_balance("bank") == Decimal("0")
    assert unbalanced_entries() == []


def test_a_second_reversal_is_refused_with_a_message(client):
    staff = login(client, "Accounting")
    entry = manual_entry()
    reverse = {
        "action": "reverse_entries",
        "_selected_action": [entry.pk],
        "apply": "yes",
        "reason": "wrong",
    }
    staff.post("/admin/accounting/journalentry/", reverse)

    again = staff.post("/admin/accounting/journalentry/", reverse, follow=True)

    assert f"Entry {entry.pk} has already been reversed." in messages_of(again)
    assert JournalEntry.objects.filter(kind="reversal").count() == 1


def test_an_invoice_entry_is_corrected_with_a_credit_note_not_a_reversal(client):
    staff = login(client, "Accounting")
    invoice = issue()

    response = staff.post(
        "/admin/accounting/journalentry/",
        {
            "action": "reverse_entries",
            "_selected_action": [invoice.entry_id],
            "apply": "yes",
            "reason": "wrong price",
        },
        follow=True,
    )

    assert any("correct it with a credit note" in m for m in messages_of(response))
    assert not JournalEntry.objects.filter(kind="reversal").exists()
    assert books_agree()


def test_the_journal_cannot_be_edited_in_the_admin(client):
    staff = login(client, "Manager")
    entry = manual_entry()

    assert staff.get("/admin/accounting/journalentry/add/").status_code == 403
    assert staff.get(f"/admin/accounting/journalentry/{entry.pk}/delete/").status_code == 403
    changed = staff.post(
        f"/admin/accounting/journalentry/{entry.pk}/change/",
        {"description": "edited", "date": "2020-01-01"},
    )
    assert changed.status_code == 403
    entry.refresh_from_db()
    assert entry.description == "owner's capital paid in"


def test_closing_a_period_stops_posting_into_it_until_it_is_reopened(client):
    staff = login(client, "Accounting")
    march = FiscalPeriod.objects.create(start=date(2025, 3, 1), end=date(2025, 3, 31))
    url = "/admin/accounting/fiscalperiod/"
    action = {"_selected_action": [march.pk], "index": "0"}

    closed = staff.post(url, {**action, "action": "close_periods"}, follow=True)
    closed_again = staff.post(url, {**action, "action": "close_periods"}, follow=True)

    assert "March 2025 is closed; nothing more can be posted into it." in messages_of(closed)
    assert "March 2025 is already closed." in messages_of(closed_again)
    march.refresh_from_db()
    assert march.is_closed
    assert march.closed_by.username == "accounting"
    with pytest.raises(AccountingError, match="closed"):
        manual_entry_on(date(2025, 3, 15))

    reopened = staff.post(url, {**action, "action": "reopen_periods"}, follow=True)

    assert "March 2025 is open." in messages_of(reopened)
    assert manual_entry_on(date(2025, 3, 15)).date == date(2025, 3, 15)


def manual_entry_on(day: date) -> JournalEntry:
    entry = journal_entry_post(
        source=f"manual:{day}",
        kind="manual",
        description="late bank fee",
        postings=[debit("equity", Decimal("5")), credit("bank", Decimal("5"))],
        day=day,
    )
    assert entry is not None
    return entry


# --- chart of accounts and posting rules ------------------------------------------


def test_accounting_adds_and_renames_accounts_but_cannot_retype_a_used_one(client):
    staff = login(client, "Accounting")
    manual_entry()
    bank = Account.objects.get(code="1200")

    added = staff.post(
        "/admin/accounting/account/add/",
        {"code": "6300", "name": "Insurance", "type": "expense", "is_active": "on"},
    )
    renamed = staff.post(
        f"/admin/accounting/account/{bank.pk}/change/",
        {"code": "1200", "name": "Bank (Sparkasse)", "type": "income", "is_active": "on"},
    )

    assert added.status_code == 302
    assert Account.objects.get(code="6300").type == Account.Type.EXPENSE
    assert renamed.status_code == 302
    bank.refresh_from_db()
    assert bank.name == "Bank (Sparkasse)"
    assert bank.type == Account.Type.ASSET


def test_an_account_a_posting_rule_uses_cannot_be_deactivated(client):
    staff = login(client, "Accounting")
    bank = Account.objects.get(code="1200")

    response = staff.post(
        f"/admin/accounting/account/{bank.pk}/change/",
        {"code": "1200", "name": "Bank", "type": "asset"},
    )

    assert "The posting rules still post Bank to this account" in response.content.decode()
    bank.refresh_from_db()
    assert bank.is_active


def test_an_account_with_lines_cannot_be_deleted(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    manual_entry()
    bank = Account.objects.get(code="1200")
    unused = Account.objects.create(code="6900", name="Sundry", type=Account.Type.EXPENSE)

    single = client.get(f"/admin/accounting/account/{bank.pk}/delete/", follow=True)
    bulk = client.post(
        "/admin/accounting/account/",
        {"action": "delete_selected", "_selected_action": [bank.pk, unused.pk], "index": "0"},
        follow=True,
    )
    deleted = client.post(f"/admin/accounting/account/{unused.pk}/delete/", {"post": "yes"})

    message = "Account 1200 Bank has journal lines and cannot be deleted; mark it inactive instead."
    assert message in messages_of(single)
    assert message in messages_of(bulk)
    assert deleted.status_code == 302
    assert Account.objects.filter(code="1200").exists()
    assert not Account.objects.filter(code="6900").exists()


def test_posting_rules_are_edited_with_an_account_of_the_right_type(client):
    staff = login(client, "Accounting")
    rule = PostingRule.objects.get(role=PostingRule.Role.BANK)
    revenue = Account.objects.get(code="4000")
    savings = Account.objects.create(code="1210", name="Savings", type=Account.Type.ASSET)
    url = f"/admin/accounting/postingrule/{rule.pk}/change/"

    wrong = staff.post(url, {"role": "bank", "account": revenue.pk})
    right = staff.post(url, {"role": "bank", "account": savings.pk})

    assert "Bank must post to an account of type Asset; 4000 Sales revenue is of type Income." in (
        wrong.content.decode()
    )
    assert right.status_code == 302
    rule.refresh_from_db()
    assert rule.account == savings
    assert staff.get(f"/admin/accounting/postingrule/{rule.pk}/delete/").status_code == 403


def test_bank_statement_lines_are_read_only_and_import_is_offered(client):
    staff = login(client, "Accounting")
    line = BankStatementLine.objects.create(
        fingerprint="f" * 64,
        date=date(2026, 1, 5),
        amount=Decimal("10.00"),
        currency="EUR",
        reference="?",
        outcome=BankStatementLine.Outcome.UNMATCHED,
        note="No invoice number found in the reference.",
    )

    listing = staff.get("/admin/accounting/bankstatementline/?outcome__exact=unmatched")

    assert "Import bank statement" in listing.content.decode()
    assert "No invoice number found in the reference." in listing.content.decode()
    assert staff.get("/admin/accounting/bankstatementline/add/").status_code == 403
    assert staff.get(f"/admin/accounting/bankstatementline/{line.pk}/delete/").status_code == 403


@pytest.mark.parametrize("model", ["journalentry", "bankstatementline"])
def test_journal_and_statement_lists_cost_the_same_queries_for_one_or_ten_rows(client, model):
    staff = login(client, "Accounting")

    def add_row(n: int) -> None:
        if model == "journalentry":
            reversed_entry = manual_entry(source=f"manual:{n}")
            if n % 2:
                staff.post(
                    "/admin/accounting/journalentry/",
                    {
                        "action": "reverse_entries",
                        "_selected_action": [reversed_entry.pk],
                        "apply": "yes",
                        "reason": "test",
                    },
                )
        else:
            BankStatementLine.objects.create(
                fingerprint=f"{n:064d}",
                date=timezone.localdate(),
                amount=Decimal("1.00"),
                currency="EUR",
                reference=f"line {n}",
                outcome=BankStatementLine.Outcome.UNMATCHED,
            )

    add_row(0)
    staff.get(f"/admin/accounting/{model}/")
    with CaptureQueriesContext(connection) as one:
        staff.get(f"/admin/accounting/{model}/")
    for n in range(1, 10):
        add_row(n)
    with CaptureQueriesContext(connection) as ten:
        response = staff.get(f"/admin/accounting/{model}/")

    assert response.status_code == 200
    assert len(ten) == len(one)
