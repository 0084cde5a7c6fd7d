"""Demand planning's data: how many units of each product were asked for on each day,
through which channel. The forecaster (issue 18) reads this table and nothing else
for past demand.

Invariants:

- one row per product, day, channel and source (``demand_history_once``): a
  re-imported file updates its rows instead of adding to them;
- quantities are whole units, never negative;
- ``source`` says where the number came from: ``import`` (sales history brought in
  from an old system, ``planning.services.demand_history_import``) or ``order``
  (this system's own orders); a day may have both, and a reader adds them.
"""

from django.db import models


class DemandHistory(models.Model):
    class Channel(models.TextChoices):
        UNKNOWN = "", "Not known"
        WEB = "web", "Web shop"
        API = "api", "API"
        STAFF = "staff", "Back office"
        B2B = "b2b", "B2B"
        IMPORT = "import", "Imported orders"

    class Source(models.TextChoices):
        IMPORT = "import", "Imported sales history"
        ORDER = "order", "Orders in this system"

    product = models.ForeignKey(
        "catalogue.Product", on_delete=models.CASCADE, related_name="demand_history"
    )
    date = models.DateField()
    quantity = models.PositiveIntegerField()
    channel = models.CharField(max_length=16, choices=Channel.choices, blank=True, default="")
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.IMPORT)
    #: the file (or batch) the row came from, for tracing an import back
    reference = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "demand history"
        ordering = ["product", "date", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "date", "channel", "source"], name="demand_history_once"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0), name="demand_history_quantity"
            ),
        ]
        indexes = [models.Index(fields=["date"], name="demand_history_date")]

    def __str__(self) -> str:
        return f"{self.date}: {self.quantity} of product {self.product_id} ({self.channel or '-'})"
