"""Prove the books agree with themselves and with the warehouse; exit 1 if not.

- every journal entry balances (debits = credits, at least two lines);
- the inventory account equals the stock valuation (sum of product values),
  and each product's costed quantity equals its stock on hand;
- the receivables account equals open invoices minus open credit notes;
- the customer-prepayments account equals money received and not yet applied;
- and whatever higher apps registered (``accounting.audit``): purchasing's
  goods received not invoiced and accounts payable against its documents.
"""

import sys
from typing import Any

from django.core.management.base import BaseCommand

from accounting import selectors as ledger
from accounting.audit import registered_checks
from inventory import selectors as stock


class Command(BaseCommand):
    help = "Check the ledger balances and agrees with stock, invoices and payments."

    def handle(self, *args: Any, **options: Any) -> None:
        problems: list[str] = []
        for entry_id, debits, credits in ledger.unbalanced_entries():
            problems.append(
                f"entry {entry_id} does not balance: debits {debits} != credits {credits}"
            )
        checks = [
            (
                "inventory account",
                ledger.role_balance("inventory"),
                "stock valuation",
                stock.stock_valuation(),
            ),
            (
                "receivables account",
                ledger.role_balance("receivable"),
                "open invoices - open credit notes",
                ledger.open_receivables(),
            ),
            (
                "customer prepayments account",
                -ledger.role_balance("customer_prepayments"),
                "unapplied payments",
                ledger.unapplied_prepayments(),
            ),
        ]
        for left_name, left, right_name, right in checks:
            if left != right:
                problems.append(
                    f"{left_name} {left} != {right_name} {right} (difference {left - right})"
                )
            else:
                self.stdout.write(f"ok: {left_name} = {right_name} = {left}")
        for check in registered_checks():
            if check.agrees:
                self.stdout.write(check.ok())
            else:
                problems.append(check.problem())
        problems.extend(stock.valuation_drift())
        if problems:
            for problem in problems:
                self.stdout.write(self.style.ERROR(problem))
            self.stdout.write(self.style.ERROR(f"ledger audit: {len(problems)} problem(s)"))
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS("ledger audit: every entry balances, books agree"))
