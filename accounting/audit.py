"""Checks of the books against other apps' documents, for ``ledger_audit``.

``ledger_audit`` proves the ledger agrees with itself and with the apps it may
import (stock, invoices). Apps above it (purchasing: goods received not
invoiced and accounts payable against purchase orders, bills and payments)
register their own comparisons here from their ``ready()``; the command runs
every registered one. This module imports no higher app.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class BooksCheck:
    """One figure of the ledger and the figure the documents say it must be."""

    ledger_name: str
    ledger: Decimal
    documents_name: str
    documents: Decimal

    @property
    def agrees(self) -> bool:
        return self.ledger == self.documents

    def problem(self) -> str:
        return (
            f"{self.ledger_name} {self.ledger} != {self.documents_name} {self.documents} "
            f"(difference {self.ledger - self.documents})"
        )

    def ok(self) -> str:
        return f"ok: {self.ledger_name} = {self.documents_name} = {self.ledger}"


#: each returns its comparisons, computed now
LedgerCheck = Callable[[], list[BooksCheck]]
LEDGER_CHECKS: list[LedgerCheck] = []


def ledger_check_register(check: LedgerCheck) -> None:
    """Have ``ledger_audit`` run ``check`` too (an app's ``ready()`` calls this)."""
    if check not in LEDGER_CHECKS:
        LEDGER_CHECKS.append(check)


def registered_checks() -> list[BooksCheck]:
    return [comparison for check in LEDGER_CHECKS for comparison in check()]
