"""Inventory models.

Invariants: a warehouse code is unique and upper-case; only sellable
warehouses count towards what the storefront may promise.
"""

from django.db import models
from django.db.models.functions import Upper


class Warehouse(models.Model):
    code = models.CharField(max_length=16, unique=True, help_text="Short code, e.g. BER-1.")
    name = models.CharField(max_length=128)
    address = models.TextField(blank=True)
    is_sellable = models.BooleanField(
        default=True,
        help_text="Stock here is offered on the storefront (off for returns/quarantine).",
    )
    priority = models.PositiveSmallIntegerField(
        default=100, help_text="Lower numbers are allocated from first."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["priority", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code=Upper("code")), name="warehouse_code_upper"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} - {self.name}"

    def save(self, *args, **kwargs):
        self.clean()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.code = self.code.strip().upper()
