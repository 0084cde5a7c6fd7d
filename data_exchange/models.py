"""An import run from the back office: the uploaded file, its dry run, its apply.

A job goes ``checking`` -> ``checked`` (or ``refused``: the file has errors) ->
``applying`` -> ``applied`` (or ``failed``). The file itself is kept in the row
(``content``), so a worker on another machine reads the same bytes the person
uploaded and nothing depends on a shared disk. ``leased_until`` and ``attempts``
make a queued job run once however often its message is sent (``data_exchange.jobs``).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from data_exchange.quality_models import DataQualityReport

__all__ = ["DataQualityReport", "ImportJob"]


class ImportJob(models.Model):
    class Status(models.TextChoices):
        CHECKING = "checking", "Checking"
        CHECKED = "checked", "Checked: ready to apply"
        REFUSED = "refused", "Refused: the file has errors"
        APPLYING = "applying", "Applying"
        APPLIED = "applied", "Applied"
        FAILED = "failed", "Failed: nothing was changed"

    #: statuses a worker is still to finish (the sweep looks after them)
    RUNNING = (Status.CHECKING, Status.APPLYING)
    FINISHED = (Status.REFUSED, Status.APPLIED, Status.FAILED)

    kind = models.CharField(max_length=64)
    filename = models.CharField("file", max_length=255)
    content = models.BinaryField(editable=False)
    size = models.PositiveBigIntegerField(default=0, help_text="Bytes.")
    options = models.JSONField(default=dict, blank=True)
    in_background = models.BooleanField(
        default=False, help_text="Checked and applied by a worker (a large file)."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CHECKING)
    stage = models.CharField(max_length=32, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    row_count = models.PositiveIntegerField("rows", default=0)
    create_count = models.PositiveIntegerField("to create", default=0)
    update_count = models.PositiveIntegerField("to update", default=0)
    unchanged_count = models.PositiveIntegerField("unchanged", default=0)
    problem_count = models.PositiveIntegerField("errors", default=0)
    check_result = models.JSONField(null=True, blank=True, editable=False)
    apply_result = models.JSONField(null=True, blank=True, editable=False)
    error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    leased_until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="uploaded by",
    )
    created_at = models.DateTimeField("uploaded at", default=timezone.now)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="confirmed by",
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = "import"
        verbose_name_plural = "imports"
        permissions = [("view_every_importjob", "Can view every person's imports")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["checking", "checked", "refused"])
                | models.Q(applied_by__isnull=False)
                | models.Q(status="failed"),
                name="import_job_applied_has_person",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["refused", "applied", "failed"])
                | models.Q(finished_at__isnull=False),
                name="import_job_finished_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["leased_until"],
                condition=models.Q(status__in=["checking", "applying"]),
                name="import_job_running",
            ),
        ]

    def __str__(self) -> str:
        return f"Import {self.pk}: {self.filename}"

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING
