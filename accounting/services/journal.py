"""Posting to the journal: balanced, idempotent, into open periods only.

``journal_entry_post`` is the only writer of journal entries. A business event
posts with a ``(source, kind)`` key; posting the same key again returns the
entry already posted instead of a second one (also when two transactions race:
the unique constraint decides, the loser reads the winner's entry).
"""

import calendar
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounting.models import Account, FiscalPeriod, JournalEntry, JournalLine, PostingRule
from accounting.money import money
from accounting.services.errors import AccountingError

_business_date: ContextVar[date | None] = ContextVar("business_date", default=None)


def business_date() -> date:
    """The date documents and entries are dated with: today, unless history is
    being entered (``backdated``)."""
    return _business_date.get() or timezone.localdate()


@contextmanager
def backdated(day: date) -> Iterator[None]:
    """Date everything posted inside the block ``day`` (entering past business)."""
    token = _business_date.set(day)
    try:
        yield
    finally:
        _business_date.reset(token)


DEBIT, CREDIT = JournalLine.Side.DEBIT, JournalLine.Side.CREDIT


def money_json(amount: Decimal | int | str | None, currency: str) -> dict[str, str]:
    """Money as the API and webhooks show it: ``{"amount": "12.50", "currency": "EUR"}``."""
    return {"amount": str(money(amount or 0)), "currency": currency}


@dataclass(frozen=True)
class Posting:
    """One side of an entry: an account role (see PostingRule) or an account, and an amount."""

    side: str
    amount: Decimal
    role: str = ""
    account: Account | None = None
    memo: str = ""


def debit(role: str, amount: Decimal, memo: str = "") -> Posting:
    return Posting(DEBIT, money(amount), role=role, memo=memo)


def credit(role: str, amount: Decimal, memo: str = "") -> Posting:
    return Posting(CREDIT, money(amount), role=role, memo=memo)


def accounts_for(roles: set[str]) -> dict[str, Account]:
    rules = PostingRule.objects.filter(role__in=roles).select_related("account")
    found = {rule.role: rule.account for rule in rules}
    missing = roles - set(found)
    if missing:
        raise AccountingError(
            "No account is set for " + ", ".join(sorted(missing)) + " in the posting rules."
        )
    return found


def period_for(day: date) -> FiscalPeriod:
    start = day.replace(day=1)
    end = day.replace(day=calendar.monthrange(day.year, day.month)[1])
    period, _ = FiscalPeriod.objects.get_or_create(start=start, defaults={"end": end})
    return period


def journal_entry_post(
    *,
    source: str,
    kind: str,
    description: str,
    postings: Sequence[Posting],
    day: date | None = None,
    currency: str | None = None,
    user: Any = None,
    reverses: JournalEntry | None = None,
) -> JournalEntry | None:
    """Post a balanced entry once per (source, kind); None when every amount is zero."""
    postings = [posting for posting in postings if posting.amount != 0]
    if not postings:
        return None
    if any(posting.amount < 0 for posting in postings):
        raise AccountingError("Posting amounts must be positive; the side says which way.")
    debits = sum(p.amount for p in postings if p.side == DEBIT)
    credits = sum(p.amount for p in postings if p.side == CREDIT)
    if debits != credits:
        raise AccountingError(f"Entry {kind} {source} does not balance: {debits} <> {credits}.")
    day = day or business_date()
    with transaction.atomic():
        existing = JournalEntry.objects.filter(source=source, kind=kind).first()
        if existing is not None:
            return existing
        period = period_for(day)
        if period.is_closed:
            raise AccountingError(
                f"The books for {period.start:%B %Y} are closed; post into an open period."
            )
        accounts = accounts_for({p.role for p in postings if p.role})
        try:
            with transaction.atomic():
                entry = JournalEntry.objects.create(
                    date=day,
                    description=description[:255],
                    source=source[:64],
                    kind=kind,
                    currency=currency or settings.OSCAR_DEFAULT_CURRENCY,
                    reverses=reverses,
                    posted_by=user if getattr(user, "pk", None) else None,
                )
                JournalLine.objects.bulk_create(
                    [
                        JournalLine(
                            entry=entry,
                            account=posting.account or accounts[posting.role],
                            side=posting.side,
                            amount=posting.amount,
                            memo=posting.memo[:255],
                        )
                        for posting in postings
                    ]
                )
        except IntegrityError:
            # a concurrent transaction posted the same event first
            return JournalEntry.objects.get(source=source, kind=kind)
        return entry


def reversal_refusal(entry: JournalEntry) -> str:
    """Why reversing ``entry`` alone would put the books out of step with a
    document (an invoice would stay open, a payment applied, stock valued
    differently from the ledger); empty when nothing owns the entry."""
    from accounting.models import Invoice, Payment, PaymentAllocation

    invoice = Invoice.objects.filter(entry=entry).first()
    if invoice is not None:
        label = "credit note" if invoice.is_credit_note else "invoice"
        return (
            f"Entry {entry.pk} posts {label} {invoice.number}; correct it with a credit note "
            "so the document and the books agree."
        )
    payment = Payment.objects.filter(entry=entry).first()
    if payment is None:
        allocation = PaymentAllocation.objects.filter(entry=entry).select_related("payment").first()
        payment = allocation.payment if allocation else None
    if payment is not None:
        return (
            f"Entry {entry.pk} records payment {payment.pk}; money received or paid out is "
            "corrected by applying it to another invoice or by a refund, not by reversal."
        )
    if entry.kind.startswith("stock_"):
        return (
            f"Entry {entry.pk} values a stock movement; correct the stock with a count or an "
            "adjustment and its value follows."
        )
    return ""


def journal_entry_reverse(
    *, entry: JournalEntry, reason: str, user: Any = None, day: date | None = None
) -> JournalEntry:
    """Correct a posted entry with its mirror image (posted entries never change).

    Entries that belong to a document (invoice, payment, stock move) are
    corrected through that document instead, so documents and books agree.
    """
    refusal = reversal_refusal(entry)
    if refusal:
        raise AccountingError(refusal)
    if hasattr(entry, "reversed_by"):
        raise AccountingError(f"Entry {entry.pk} has already been reversed.")
    postings = [
        Posting(
            CREDIT if line.side == DEBIT else DEBIT,
            line.amount,
            account=line.account,
            memo=line.memo,
        )
        for line in entry.lines.select_related("account")
    ]
    reversal = journal_entry_post(
        source=f"reversal:{entry.pk}",
        kind="reversal",
        description=f"Reversal of {entry.kind} {entry.source}: {reason}",
        postings=postings,
        day=day,
        currency=entry.currency,
        user=user,
        reverses=entry,
    )
    assert reversal is not None
    return reversal


def period_close(*, period: FiscalPeriod, user: Any = None) -> FiscalPeriod:
    with transaction.atomic():
        period = FiscalPeriod.objects.select_for_update().get(pk=period.pk)
        if period.is_closed:
            raise AccountingError(f"{period.start:%B %Y} is already closed.")
        period.is_closed = True
        period.closed_at = timezone.now()
        period.closed_by = user if getattr(user, "pk", None) else None
        period.save()
        return period


def period_reopen(*, period: FiscalPeriod, user: Any = None) -> FiscalPeriod:
    with transaction.atomic():
        period = FiscalPeriod.objects.select_for_update().get(pk=period.pk)
        period.is_closed = False
        period.closed_at = None
        period.closed_by = None
        period.save()
        return period
