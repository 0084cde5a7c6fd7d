"""Accounting models.

Invariants: account codes are unique; an account's type decides on which side
its balance normally sits (assets and expenses debit, the rest credit).
"""

from django.db import models


class Account(models.Model):
    class Type(models.TextChoices):
        ASSET = "asset", "Asset"
        LIABILITY = "liability", "Liability"
        EQUITY = "equity", "Equity"
        INCOME = "income", "Income"
        EXPENSE = "expense", "Expense"

    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=128)
    type = models.CharField(max_length=16, choices=Type.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_debit_normal(self) -> bool:
        return self.type in {self.Type.ASSET, self.Type.EXPENSE}
