"""Demo bookkeeping around the shop: the owner's capital, wages and rent, so the
reports have a story (suppliers are paid on their bills, ``shop.demo.purchasing``).
Idempotent (posting keys)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounting.models import Account
from accounting.selectors import role_balance
from accounting.services import Posting, credit, debit, journal_entry_post

MONTHS = 3


def seed_ledger() -> int:
    today = timezone.localdate()
    start = today - timedelta(days=95)
    posted = 0
    rent = Account.objects.get(code="6100")
    # enough to have paid for the stock the shop started with, and some
    capital = (role_balance("inventory") + Decimal("150000")).quantize(Decimal("1000"))
    entries = [
        (
            "demo:capital",
            "Owner's capital paid in",
            start,
            [debit("bank", capital), credit("equity", capital)],
        )
    ]
    for month in range(MONTHS):
        day = start + timedelta(days=30 * month + 28)
        if day > today:
            break
        entries += [
            (
                f"demo:wages:{month}",
                "Wages",
                day,
                [debit("wages", Decimal("3900.00")), credit("bank", Decimal("3900.00"))],
            ),
            (
                f"demo:rent:{month}",
                "Warehouse and office rent",
                day,
                [
                    Posting("D", Decimal("1250.00"), account=rent),
                    credit("bank", Decimal("1250.00")),
                ],
            ),
        ]
    for source, description, day, postings in entries:
        if journal_entry_post(
            source=source, kind="demo", description=description, postings=postings, day=day
        ):
            posted += 1
    return posted
