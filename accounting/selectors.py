"""Reads of accounting: balances, the trial balance, financial statements,
receivables aging and the ledger's self-checks. All aggregated in SQL.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Case, Count, DecimalField, F, Q, Sum, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounting.models import Account, Invoice, JournalLine, Payment, PostingRule

ZERO = Decimal("0")
#: the choice values hand-written SQL compares with, passed as query parameters
#: (``%(debit)s``) so that the models' choices stay their one definition
SQL_CHOICES = {
    "debit": JournalLine.Side.DEBIT.value,
    "credit": JournalLine.Side.CREDIT.value,
    "income": Account.Type.INCOME.value,
    "expense": Account.Type.EXPENSE.value,
    "invoice": Invoice.Kind.INVOICE.value,
}
SIGNED = Case(
    When(side=JournalLine.Side.DEBIT, then=F("amount")),
    default=-F("amount"),
    output_field=DecimalField(max_digits=16, decimal_places=2),
)


def account_for_role(role: str) -> Account:
    return PostingRule.objects.select_related("account").get(role=role).account


def balance(account: Account, *, as_of: date | None = None) -> Decimal:
    """Debits minus credits on ``account`` up to ``as_of`` (inclusive)."""
    lines = JournalLine.objects.filter(account=account)
    if as_of is not None:
        lines = lines.filter(entry__date__lte=as_of)
    return lines.aggregate(total=Coalesce(Sum(SIGNED), ZERO))["total"]


def role_balance(role: str, *, as_of: date | None = None) -> Decimal:
    return balance(account_for_role(role), as_of=as_of)


@dataclass(frozen=True)
class TrialBalanceRow:
    code: str
    name: str
    type: str
    debit: Decimal
    credit: Decimal

    @property
    def net(self) -> Decimal:
        return self.debit - self.credit


def trial_balance(*, as_of: date | None = None) -> list[TrialBalanceRow]:
    """Every account with a balance, on its debit or credit side; one query."""
    as_of = as_of or timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.code, a.name, a.type,
                   SUM(CASE WHEN l.side = %(debit)s THEN l.amount ELSE -l.amount END) AS net
              FROM accounting_journalline l
              JOIN accounting_journalentry e ON e.id = l.entry_id
              JOIN accounting_account a ON a.id = l.account_id
             WHERE e.date <= %(as_of)s
             GROUP BY a.code, a.name, a.type
            HAVING SUM(CASE WHEN l.side = %(debit)s THEN l.amount ELSE -l.amount END) <> 0
             ORDER BY a.code
            """,
            {**SQL_CHOICES, "as_of": as_of},
        )
        return [
            TrialBalanceRow(code, name, kind, net if net > 0 else ZERO, -net if net < 0 else ZERO)
            for code, name, kind, net in cursor.fetchall()
        ]


@dataclass(frozen=True)
class StatementRow:
    code: str
    name: str
    amount: Decimal


@dataclass(frozen=True)
class ProfitAndLoss:
    start: date
    end: date
    income: list[StatementRow]
    expenses: list[StatementRow]

    @property
    def total_income(self) -> Decimal:
        return sum((row.amount for row in self.income), ZERO)

    @property
    def total_expenses(self) -> Decimal:
        return sum((row.amount for row in self.expenses), ZERO)

    @property
    def profit(self) -> Decimal:
        return self.total_income - self.total_expenses


def profit_and_loss(*, start: date, end: date) -> ProfitAndLoss:
    """Income and expenses between two dates (inclusive); one query."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.code, a.name, a.type,
                   SUM(CASE WHEN l.side = %(credit)s THEN l.amount ELSE -l.amount END) AS net_credit
              FROM accounting_journalline l
              JOIN accounting_journalentry e ON e.id = l.entry_id
              JOIN accounting_account a ON a.id = l.account_id
             WHERE e.date BETWEEN %(start)s AND %(end)s AND a.type IN (%(income)s, %(expense)s)
             GROUP BY a.code, a.name, a.type
             ORDER BY a.code
            """,
            {**SQL_CHOICES, "start": start, "end": end},
        )
        rows = cursor.fetchall()
    return ProfitAndLoss(
        start=start,
        end=end,
        income=[StatementRow(c, n, amount) for c, n, t, amount in rows if t == Account.Type.INCOME],
        expenses=[
            StatementRow(c, n, -amount) for c, n, t, amount in rows if t == Account.Type.EXPENSE
        ],
    )


@dataclass(frozen=True)
class BalanceSheet:
    as_of: date
    assets: list[StatementRow]
    liabilities: list[StatementRow]
    equity: list[StatementRow]

    @property
    def total_assets(self) -> Decimal:
        return sum((row.amount for row in self.assets), ZERO)

    @property
    def total_liabilities_and_equity(self) -> Decimal:
        return sum((row.amount for row in self.liabilities + self.equity), ZERO)


def balance_sheet(*, as_of: date) -> BalanceSheet:
    """Assets = liabilities + equity, with this far's profit shown as current earnings."""
    rows = trial_balance(as_of=as_of)
    Type = Account.Type
    assets = [StatementRow(r.code, r.name, r.net) for r in rows if r.type == Type.ASSET]
    liabilities = [StatementRow(r.code, r.name, -r.net) for r in rows if r.type == Type.LIABILITY]
    equity = [StatementRow(r.code, r.name, -r.net) for r in rows if r.type == Type.EQUITY]
    earnings = -sum((r.net for r in rows if r.type in (Type.INCOME, Type.EXPENSE)), ZERO)
    if earnings:
        equity.append(StatementRow("", "Current earnings (not yet closed)", earnings))
    return BalanceSheet(as_of=as_of, assets=assets, liabilities=liabilities, equity=equity)


AGING_BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")


@dataclass(frozen=True)
class AgingRow:
    customer: str  # the company's or the customer's name, as invoiced
    currency: str
    buckets: dict[str, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)


def receivables_aging(*, as_of: date | None = None) -> list[AgingRow]:
    """Open invoice balances per customer (by the invoiced company or person's
    name) and currency, by days past due; one query."""
    as_of = as_of or timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH open_invoices AS (
                SELECT billing_name, currency, total - amount_settled AS open,
                       %(as_of)s - due_date AS late
                  FROM accounting_invoice
                 WHERE kind = %(invoice)s AND total > amount_settled AND issue_date <= %(as_of)s
            )
            SELECT billing_name, currency,
                   SUM(open) FILTER (WHERE late <= 0),
                   SUM(open) FILTER (WHERE late BETWEEN 1 AND 30),
                   SUM(open) FILTER (WHERE late BETWEEN 31 AND 60),
                   SUM(open) FILTER (WHERE late BETWEEN 61 AND 90),
                   SUM(open) FILTER (WHERE late > 90)
              FROM open_invoices
             GROUP BY billing_name, currency
             ORDER BY billing_name, currency
            """,
            {**SQL_CHOICES, "as_of": as_of},
        )
        return [
            AgingRow(
                name,
                currency,
                {b: v or ZERO for b, v in zip(AGING_BUCKETS, values, strict=True)},
            )
            for name, currency, *values in cursor.fetchall()
        ]


#: an invoice not (fully) paid by its due date
OPEN_INVOICE = Q(kind=Invoice.Kind.INVOICE, total__gt=F("amount_settled"))


def overdue(as_of: date) -> Q:
    """Invoices open after their due date, on ``as_of``."""
    return OPEN_INVOICE & Q(due_date__lt=as_of)


@dataclass(frozen=True)
class OverdueTotal:
    currency: str
    invoices: int
    amount: Decimal  # still to be paid


def overdue_invoices(*, as_of: date | None = None) -> list[OverdueTotal]:
    """Overdue invoices and what is still open on them, per currency; one query."""
    rows = (
        Invoice.objects.filter(overdue(as_of or timezone.localdate()))
        .values("currency")
        .annotate(invoices=Count("pk"), amount=Sum(F("total") - F("amount_settled")))
        .order_by("currency")
    )
    return [OverdueTotal(r["currency"], r["invoices"], r["amount"]) for r in rows]


def unbalanced_entries() -> list[tuple[int, Decimal, Decimal]]:
    """Entries whose debits differ from their credits (the database forbids them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT e.id,
                   COALESCE(SUM(l.amount) FILTER (WHERE l.side = %(debit)s), 0),
                   COALESCE(SUM(l.amount) FILTER (WHERE l.side = %(credit)s), 0)
              FROM accounting_journalentry e
              LEFT JOIN accounting_journalline l ON l.entry_id = e.id
             GROUP BY e.id
            HAVING COALESCE(SUM(l.amount) FILTER (WHERE l.side = %(debit)s), 0)
                <> COALESCE(SUM(l.amount) FILTER (WHERE l.side = %(credit)s), 0)
                OR COUNT(l.id) < 2
            """,
            SQL_CHOICES,
        )
        return list(cursor.fetchall())


def open_receivables() -> Decimal:
    """Open invoice balances minus open credit-note balances."""
    totals = Invoice.objects.aggregate(
        invoices=Coalesce(
            Sum(F("total") - F("amount_settled"), filter=Q(kind=Invoice.Kind.INVOICE)), ZERO
        ),
        credits=Coalesce(
            Sum(F("total") - F("amount_settled"), filter=Q(kind=Invoice.Kind.CREDIT_NOTE)), ZERO
        ),
    )
    return totals["invoices"] - totals["credits"]


def unapplied_prepayments() -> Decimal:
    received = Payment.objects.filter(direction=Payment.Direction.RECEIVED).aggregate(
        total=Coalesce(Sum("amount"), ZERO)
    )["total"]
    applied = Payment.objects.filter(direction=Payment.Direction.RECEIVED).aggregate(
        total=Coalesce(Sum("allocations__amount"), ZERO)
    )["total"]
    refunded = Payment.objects.filter(refund_of__isnull=False).aggregate(
        total=Coalesce(Sum("amount"), ZERO)
    )["total"]
    return received - applied - refunded


@dataclass(frozen=True)
class MonthTotals:
    month: date  # the first day of the month
    income: Decimal
    expenses: Decimal

    @property
    def profit(self) -> Decimal:
        return self.income - self.expenses


def monthly_income_and_expenses(*, start: date, end: date) -> list[MonthTotals]:
    """Income and expenses per calendar month between two dates (inclusive), signed
    as in :func:`profit_and_loss`; every month of the period is listed, also the
    empty ones. One query."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH totals AS (
                SELECT date_trunc('month', e.date::timestamp)::date AS month,
                       SUM(CASE WHEN a.type <> %(income)s THEN 0
                                WHEN l.side = %(credit)s THEN l.amount
                                ELSE -l.amount END) AS income,
                       SUM(CASE WHEN a.type <> %(expense)s THEN 0
                                WHEN l.side = %(debit)s THEN l.amount
                                ELSE -l.amount END) AS expenses
                  FROM accounting_journalline l
                  JOIN accounting_journalentry e ON e.id = l.entry_id
                  JOIN accounting_account a ON a.id = l.account_id
                 WHERE e.date BETWEEN %(start)s AND %(end)s AND a.type IN (%(income)s, %(expense)s)
                 GROUP BY 1
            )
            SELECT months.month::date, COALESCE(t.income, 0), COALESCE(t.expenses, 0)
              FROM generate_series(date_trunc('month', %(start)s::timestamp), %(end)s::timestamp,
                                   interval '1 month') AS months(month)
              LEFT JOIN totals t ON t.month = months.month::date
             ORDER BY 1
            """,
            {**SQL_CHOICES, "start": start, "end": end},
        )
        return [MonthTotals(month, income, expenses) for month, income, expenses in cursor]


@dataclass(frozen=True)
class TrialBalance:
    as_of: date
    rows: list[TrialBalanceRow]

    @property
    def total_debit(self) -> Decimal:
        return sum((row.debit for row in self.rows), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((row.credit for row in self.rows), ZERO)


def trial_balance_report(*, as_of: date | None = None) -> TrialBalance:
    """The trial balance with its totals (equal while the ledger balances); one query."""
    as_of = as_of or timezone.localdate()
    return TrialBalance(as_of=as_of, rows=trial_balance(as_of=as_of))
