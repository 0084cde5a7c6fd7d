"""Financial reports on a big ledger: 1,000,000 journal lines over two years.

The lines are made with set-based SQL (``INSERT ... SELECT generate_series``):
500,000 balanced two-line entries across the seeded chart of accounts, written
in one transaction. Inserting them row by row through the posting service
would take hours and measure the wrong thing. For speed the ledger's own
triggers (the deferred per-entry balance check and append-only guard) are
disabled while the rows go in, which is allowed only in a scratch bench
database; instead one set-based query proves every new entry balances before
the transaction commits. Then the tables are vacuumed and analysed, as
autovacuum would have done in production, and the report selectors are timed:
the median of five runs each.
"""

import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounting.models import JournalLine

# the sides as stored: the seeding SQL takes them as parameters, not literals
DEBIT, CREDIT = JournalLine.Side.DEBIT.value, JournalLine.Side.CREDIT.value
ENTRIES = 500_000  # two lines each
DAYS = 730
RUNS = 5

#: (debit account, credit account) by code: the everyday postings of a small shop
PAIRS = [
    ("1400", "4000"),  # invoice: receivables / sales revenue
    ("1400", "4000"),
    ("1400", "4100"),  # invoiced shipping
    ("1200", "1400"),  # customer pays
    ("1200", "1400"),
    ("5000", "1500"),  # cost of goods shipped
    ("5000", "1500"),
    ("1500", "2100"),  # goods received
    ("2100", "2000"),  # supplier invoice
    ("2000", "1200"),  # supplier paid
    ("6000", "1200"),  # wages
    ("6100", "1200"),  # rent
    ("6200", "1200"),  # bank and card fees
    ("5100", "1500"),  # stock count adjustments
]


def _scratch_only() -> str:
    name = str(connection.settings_dict["NAME"])
    if not name.startswith("kontor_bench"):
        raise RuntimeError(f"bench.ledger writes only to a kontor_bench* database, not {name!r}.")
    return name


def build_ledger(*, entries: int = ENTRIES, days: int = DAYS) -> int:
    """Add ``entries`` balanced two-line entries dated over the last ``days`` days;
    returns the number of journal lines now in the ledger."""
    _scratch_only()
    first_day = timezone.localdate() - timedelta(days=days - 1)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT code, id FROM accounting_account")
        account_ids = dict(cursor.fetchall())
        pairs = [(n, account_ids[d], account_ids[c]) for n, (d, c) in enumerate(PAIRS)]
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM accounting_journalentry")
        (base,) = cursor.fetchone()
        for table in ("accounting_journalline", "accounting_journalentry"):
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        # foreign keys are checked at the end of each statement, not queued to
        # the commit (ALTER TABLE refuses to run with pending trigger events)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            """
            INSERT INTO accounting_journalentry
                   (id, date, description, source, kind, currency, posted_at)
            SELECT %(base)s + g, %(first_day)s::date + (g %% %(days)s),
                   'Bench entry ' || g, 'bench:' || (%(base)s + g), 'bench', %(currency)s, now()
              FROM generate_series(1, %(entries)s) AS g
            """,
            {
                "base": base,
                "first_day": first_day,
                "days": days,
                "currency": settings.OSCAR_DEFAULT_CURRENCY,
                "entries": entries,
            },
        )
        values = ", ".join(["(%s, %s, %s)"] * len(pairs))
        cursor.execute(
            f"""
            WITH pairs(n, debit_account, credit_account) AS (VALUES {values})
            INSERT INTO accounting_journalline (entry_id, account_id, side, amount, memo)
            SELECT %s + g,
                   CASE WHEN sides.side = %s THEN p.debit_account ELSE p.credit_account END,
                   sides.side,
                   round(((g::bigint * 7919) %% 99900 + 100)::numeric / 100, 2),
                   ''
              FROM generate_series(1, %s) AS g
              JOIN pairs p ON p.n = g %% %s
             CROSS JOIN (VALUES (%s), (%s)) AS sides(side)
            """,  # noqa: S608 - only placeholders are formatted in
            [
                *(value for pair in pairs for value in pair),
                base,
                DEBIT,
                entries,
                len(pairs),
                DEBIT,
                CREDIT,
            ],
        )
        cursor.execute(
            """
            SELECT COUNT(*) FROM (
                SELECT entry_id FROM accounting_journalline WHERE entry_id > %s
                 GROUP BY entry_id
                HAVING SUM(amount) FILTER (WHERE side = %s)
                       IS DISTINCT FROM SUM(amount) FILTER (WHERE side = %s)
            ) AS unbalanced
            """,
            [base, DEBIT, CREDIT],
        )
        (unbalanced,) = cursor.fetchone()
        if unbalanced:
            raise RuntimeError(f"{unbalanced} bench entries do not balance.")
        for table in ("accounting_journalline", "accounting_journalentry"):
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('accounting_journalentry', 'id'), "
            "(SELECT MAX(id) FROM accounting_journalentry))"
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) accounting_journalentry")
        cursor.execute("VACUUM (ANALYZE) accounting_journalline")
        cursor.execute("SELECT COUNT(*) FROM accounting_journalline")
        (lines,) = cursor.fetchone()
    return int(lines)


def median_seconds(call: Callable[[], Any], runs: int = RUNS) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def run() -> list[tuple[str, str, str]]:
    from accounting import selectors

    started = time.perf_counter()
    lines = build_ledger()
    built = time.perf_counter() - started
    today = timezone.localdate()
    year_ago = today - timedelta(days=364)

    rows = selectors.trial_balance(as_of=today)
    debits, credits = sum(r.debit for r in rows), sum(r.credit for r in rows)
    assert debits == credits, f"trial balance does not balance: {debits} <> {credits}"

    trial_balance = median_seconds(lambda: selectors.trial_balance(as_of=today))
    profit_and_loss = median_seconds(lambda: selectors.profit_and_loss(start=year_ago, end=today))
    monthly = median_seconds(
        lambda: selectors.monthly_income_and_expenses(start=year_ago, end=today)
    )
    balance_sheet = median_seconds(lambda: selectors.balance_sheet(as_of=today))
    return [
        (f"build {lines:,} journal lines (set-based SQL)", f"{built:.1f}", "s"),
        (f"trial balance, {lines:,} journal lines", f"{trial_balance:.2f}", "s (median of 5)"),
        (
            f"profit and loss, 1 year of {lines:,} lines",
            f"{profit_and_loss:.2f}",
            "s (median of 5)",
        ),
        (f"P&L monthly chart, 1 year of {lines:,} lines", f"{monthly:.2f}", "s (median of 5)"),
        (f"balance sheet, {lines:,} journal lines", f"{balance_sheet:.2f}", "s (median of 5)"),
    ]
