"""The journal's rules hold in PostgreSQL itself, not only in Python."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, InternalError, connection, transaction

from accounting.models import FiscalPeriod, JournalEntry, JournalLine
from accounting.selectors import role_balance, trial_balance, unbalanced_entries
from accounting.services import (
    AccountingError,
    credit,
    debit,
    journal_entry_post,
    journal_entry_reverse,
    period_close,
)

pytestmark = pytest.mark.django_db(transaction=True)


def sale(source: str = "test:1", amount: str = "100.00") -> JournalEntry:
    entry = journal_entry_post(
        source=source,
        kind="test",
        description="a sale",
        postings=[debit("bank", Decimal(amount)), credit("revenue", Decimal(amount))],
    )
    assert entry is not None
    return entry


def test_posting_the_same_event_twice_creates_one_entry():
    first = sale()
    second = sale()

    assert first.pk == second.pk
    assert JournalEntry.objects.count() == 1
    assert role_balance("bank") == Decimal("100.00")


def test_an_unbalanced_entry_is_refused_in_python():
    with pytest.raises(AccountingError, match="does not balance"):
        journal_entry_post(
            source="x",
            kind="test",
            description="bad",
            postings=[debit("bank", Decimal("10")), credit("revenue", Decimal("9"))],
        )
    assert not JournalEntry.objects.exists()


def test_raw_sql_committing_an_unbalanced_entry_fails_at_commit():
    entry_id = None
    with (
        pytest.raises((IntegrityError, InternalError), match="does not balance"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO accounting_journalentry (date, description, source, kind, currency,"
            " posted_at) VALUES (CURRENT_DATE, 'x', 'raw:1', 'raw', 'EUR', now()) RETURNING id"
        )
        (entry_id,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO accounting_journalline (entry_id, account_id, side, amount, memo)"
            " SELECT %s, id, 'D', 10, '' FROM accounting_account WHERE code = '1200'",
            [entry_id],
        )
    assert not JournalEntry.objects.filter(pk=entry_id).exists()
    assert unbalanced_entries() == []


def test_raw_sql_updating_or_deleting_a_posted_line_fails():
    entry = sale()
    line = entry.lines.first()

    for statement in (
        "UPDATE accounting_journalline SET amount = 1 WHERE id = %s",
        "DELETE FROM accounting_journalline WHERE id = %s",
    ):
        with (
            pytest.raises(Exception, match="cannot be changed"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [line.pk])
    with (
        pytest.raises(Exception, match="cannot be changed"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE accounting_journalentry SET description = 'x' WHERE id = %s", [entry.pk]
        )
    line.refresh_from_db()
    assert line.amount == Decimal("100.00")


def test_a_reversal_mirrors_the_entry_and_cannot_happen_twice():
    entry = sale()

    reversal = journal_entry_reverse(entry=entry, reason="posted twice by mistake")

    assert {(line.side, line.amount) for line in reversal.lines.all()} == {
        (JournalLine.Side.CREDIT, Decimal("100.00")),
        (JournalLine.Side.DEBIT, Decimal("100.00")),
    }
    assert role_balance("bank") == 0
    assert trial_balance() == []
    with pytest.raises(AccountingError, match="already been reversed"):
        journal_entry_reverse(entry=entry, reason="again")


def test_posting_into_a_closed_period_is_refused_with_a_clear_message():
    sale(source="in-march")
    period = FiscalPeriod.objects.get()
    period_close(period=period)

    with pytest.raises(AccountingError, match=f"The books for {period.start:%B %Y} are closed"):
        sale(source="late")
    next_month = date(
        period.start.year + (period.start.month // 12), period.start.month % 12 + 1, 5
    )
    assert journal_entry_post(
        source="next-month",
        kind="test",
        description="next month",
        postings=[debit("bank", Decimal("1")), credit("revenue", Decimal("1"))],
        day=next_month,
    )


def test_trial_balance_nets_to_zero():
    sale("a", "100.00")
    journal_entry_post(
        source="rent",
        kind="test",
        description="rent",
        postings=[debit("wages", Decimal("40.00")), credit("bank", Decimal("40.00"))],
    )

    rows = trial_balance()

    assert sum(r.debit for r in rows) == sum(r.credit for r in rows) == Decimal("100.00")
    assert [(r.code, r.debit, r.credit) for r in rows] == [
        ("1200", Decimal("60.00"), Decimal("0")),
        ("4000", Decimal("0"), Decimal("100.00")),
        ("6000", Decimal("40.00"), Decimal("0")),
    ]
