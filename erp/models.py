from django.db import models


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker ran the heartbeat task.

    Written by ``erp.tasks.record_worker_heartbeat`` (beat runs it every 30 s),
    read by ``/healthz`` to tell whether background work is being done.
    """

    worker = models.CharField(max_length=255, unique=True)
    beats = models.PositiveBigIntegerField(default=0)
    last_seen = models.DateTimeField()

    class Meta:
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return f"{self.worker} at {self.last_seen:%Y-%m-%d %H:%M:%S}"


class DocumentSequence(models.Model):
    """The last number used in a document series (invoices per year, ...).

    Numbers are drawn under a row lock in the transaction that creates the
    document, so a rolled-back document gives its number back: series are
    gap-free (see ``erp.services.sequence_next``).
    """

    series = models.CharField(max_length=32)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="document_sequence_once"),
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.last_number}"
