"""Imports from the back office as jobs: upload, dry run, confirm, apply, once.

``import_job_create`` keeps the uploaded file in an :class:`ImportJob` and checks
it (``import_file(dry_run=True)``): at once in the request for a small file, so the
preview is instant, by a Celery worker for a large one (``runs_in_background``), so
no request times out. ``import_job_apply`` confirms a checked job; the apply runs
``import_file(dry_run=False)`` again, which re-validates every row against the
database as it is then and writes all or nothing.

Invariants
----------
- A job applies at most once. ``import_job_apply`` locks the job row and moves it
  from ``checked`` to ``applying``; a second confirm finds it applying or applied
  and is refused. The apply itself runs in one transaction holding the job row
  (``FOR KEY SHARE``), and marks the job ``applied`` in that transaction: the data
  and the "it is done" commit together, or neither does.
- Every message on the queue holds a lease on its job (``leased_until``), and so
  does a worker running it (a check renews it as it makes progress; an apply
  holds the row). ``import_jobs_sweep`` (beat) re-enqueues only jobs still
  checking or applying whose lease ran out and whose row nobody has locked,
  claiming them with ``FOR UPDATE SKIP LOCKED`` and a fresh lease: a job is
  queued at most once per lease, however often the sweep runs.
- A worker first claims the job in a transaction of its own (one more attempt, a
  fresh lease); only the latest claim may write the result. A worker that dies
  leaves the job checking or applying (an apply's transaction rolls back), and
  the sweep sends it again when the lease ran out; after ``MAX_ATTEMPTS`` such
  attempts the job fails with a message saying so.
- Who may: uploading and confirming need ``data_exchange.add_importjob`` and the
  kind's own permissions (those ``import_file`` checks again with the person's
  role when it runs); a person sees their own jobs, ``view_every_importjob``
  everyone's.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection, connections, transaction
from django.db.models import QuerySet
from django.utils import timezone

from data_exchange.kinds import KINDS, UnknownKind, importer_for
from data_exchange.kinds.base import CREATE, UNCHANGED, UPDATE, Importer
from data_exchange.models import ImportJob
from data_exchange.resources import FORMATS, export_bytes
from data_exchange.services import ImportResult, import_file
from data_exchange.tables import TableError, file_format
from erp.permissions import PermissionRefused, has_permissions, permission_require
from erp.services import broker

logger = logging.getLogger(__name__)

Status = ImportJob.Status

ADD_JOB = "data_exchange.add_importjob"
VIEW_JOB = "data_exchange.view_importjob"
VIEW_EVERY_JOB = "data_exchange.view_every_importjob"

#: a file with more data rows than this (CSV) or more bytes (either) runs in a worker
BACKGROUND_ROWS = 2000
BACKGROUND_BYTES = 256 * 1024
#: attempts a worker never finished before the job is given up
MAX_ATTEMPTS = 3
#: progress is written at most this often (seconds)
PROGRESS_EVERY = 1.0
SWEEP_BATCH_SIZE = 100
ERROR_LIMIT = 500


class ImportJobRefused(Exception):
    """The job cannot do what was asked (applied already, has errors); the message
    is meant for people."""


def lease() -> timedelta:
    return timedelta(seconds=settings.SIDE_EFFECT_LEASE_SECONDS)


def runs_in_background(content: bytes, filename: str) -> bool:
    """Whether a file is large enough to be checked and applied by a worker."""
    if len(content) > BACKGROUND_BYTES:
        return True
    try:
        is_csv = file_format(filename) == "csv"
    except TableError:
        return False
    return is_csv and content.count(b"\n") > BACKGROUND_ROWS


# --- who may ----------------------------------------------------------------------


def export_permissions(importer: type[Importer]) -> tuple[str, ...]:
    """The view permissions of the models a kind writes ("app.add_model" ->
    "app.view_model"), unless the kind names its own."""
    declared = getattr(importer, "export_permissions", None)
    if declared:
        return tuple(declared)
    views = []
    for permission in importer.permissions:
        app_label, _, codename = permission.partition(".")
        model = codename.split("_", 1)[1]
        view = f"{app_label}.view_{model}"
        if view not in views:
            views.append(view)
    return tuple(views)


def kinds_importable_by(user: Any) -> list[type[Importer]]:
    """The kinds ``user`` may import, in the registry's order."""
    if not has_permissions(user, ADD_JOB):
        return []
    return [importer for importer in KINDS.values() if has_permissions(user, *importer.permissions)]


def kinds_exportable_by(user: Any) -> list[type[Importer]]:
    return [
        importer
        for importer in KINDS.values()
        if has_permissions(user, *export_permissions(importer))
    ]


def import_jobs_visible_to(user: Any) -> QuerySet[ImportJob]:
    """The jobs ``user`` may see: every one with ``view_every_importjob``, else
    their own (none without ``view_importjob``)."""
    jobs = ImportJob.objects.all()
    if has_permissions(user, VIEW_EVERY_JOB):
        return jobs
    if not has_permissions(user, VIEW_JOB):
        return jobs.none()
    return jobs.filter(created_by_id=getattr(user, "pk", None))


def _require_importer(user: Any, kind: str, options: dict[str, Any] | None) -> Importer:
    try:
        importer = importer_for(kind, user=user, options=options)
    except UnknownKind as unknown:
        raise ImportJobRefused(str(unknown)) from None
    permission_require(user, ADD_JOB, *importer.permissions, doing=importer.doing)
    return importer


# --- upload and confirm -------------------------------------------------------------


def import_job_create(
    *,
    user: Any,
    kind: str,
    filename: str,
    content: bytes,
    options: dict[str, Any] | None = None,
) -> ImportJob:
    """Keep the uploaded file as a job and check it: now for a small file, in a
    worker for a large one. Returns the job as it then is."""
    _require_importer(user, kind, options)
    background = runs_in_background(content, filename)
    now = timezone.now()
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=kind,
            filename=filename[:255],
            content=content,
            size=len(content),
            options=options or {},
            in_background=background,
            status=Status.CHECKING,
            stage="queued",
            created_by=user,
            created_at=now,
            leased_until=now + lease() if background else None,
        )
        if background:
            job_id = job.pk
            transaction.on_commit(lambda: _enqueue(job_id, Status.CHECKING))
    if not background:
        import_job_run_check(job_id=job.pk)
    return ImportJob.objects.get(pk=job.pk)


def import_job_apply(*, user: Any, job_id: int) -> ImportJob:
    """Confirm a checked job: apply it now (small file) or in a worker (large).

    Refused (``ImportJobRefused``) unless the job is checked without errors; the
    job row is locked first (without waiting: a row someone holds is being
    applied), so of two confirms at once one applies and the other is refused.
    Returns the job as it then is.
    """
    with transaction.atomic():
        try:
            job = (
                import_jobs_visible_to(user)
                .select_for_update(of=("self",), nowait=True)
                .defer("content", "check_result")
                .filter(pk=job_id)
                .first()
            )
        except OperationalError:  # a worker holds it: it is being applied
            raise ImportJobRefused("This import is being applied already.") from None
        if job is None:
            raise ImportJobRefused("There is no such import.")
        _require_importer(user, job.kind, job.options)
        if job.status != Status.CHECKED:
            raise ImportJobRefused(_not_applicable(job))
        now = timezone.now()
        ImportJob.objects.filter(pk=job.pk).update(
            status=Status.APPLYING,
            applied_by=user,
            attempts=0,
            stage="queued",
            done=0,
            leased_until=now + lease() if job.in_background else None,
        )
        if job.in_background:
            transaction.on_commit(lambda: _enqueue(job_id, Status.APPLYING))
    if not job.in_background:
        import_job_run_apply(job_id=job_id)
    return ImportJob.objects.get(pk=job_id)


def _not_applicable(job: ImportJob) -> str:
    if job.status == Status.APPLIED:
        return "This import was applied already; it is applied only once."
    if job.status == Status.APPLYING:
        return "This import is being applied already."
    if job.status == Status.CHECKING:
        return "This import is still being checked; confirm it when the check is done."
    if job.status == Status.REFUSED:
        return "This file has errors; fix them and upload it again."
    return "This import failed; upload the file again to start a new one."


# --- what a worker (or the request, for a small file) runs -----------------------------


class ProgressWriter:
    """The ``progress`` callback of ``import_file``: the stage and count on the job
    row, at most once a second, renewing the lease. An apply runs in a transaction
    no one else can see into, so its progress goes through a connection of its own.
    A job run in the request (``quiet``) has no progress page to feed."""

    def __init__(
        self, job_id: int, attempt: int, *, own_connection: bool = False, quiet: bool = False
    ) -> None:
        self.job_id, self.attempt = job_id, attempt
        self.last = 0.0
        self.stage = ""
        self.quiet = quiet
        self.own_connection = own_connection
        self.connection: Any = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.quiet:
            return
        now = time.monotonic()
        if stage == self.stage and now - self.last < PROGRESS_EVERY:
            return
        self.stage, self.last = stage, now
        leased_until = timezone.now() + lease()
        if not self.own_connection:
            ImportJob.objects.filter(pk=self.job_id, attempts=self.attempt).update(
                stage=stage[:32], done=done, total=total, leased_until=leased_until
            )
            return
        if self.connection is None:
            self.connection = connections.create_connection("default")
        table = ImportJob._meta.db_table
        with self.connection.cursor() as cursor:
            cursor.execute(
                f'UPDATE "{table}" SET stage = %s, done = %s, total = %s '  # noqa: S608
                "WHERE id = %s AND attempts = %s",
                [stage[:32], done, total, self.job_id, self.attempt],
            )

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def _claim(job_id: int, status: str) -> tuple[int, bool] | None:
    """Count one more attempt and take the lease, committed before the work; the
    attempt number and whether the job runs in a worker, or None when the job is
    not ``status`` or a worker holds it."""
    now = timezone.now()
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(skip_locked=True)
            .filter(pk=job_id, status=status)
            .only("pk", "attempts", "in_background")
            .first()
        )
        if job is None:
            return None
        if job.attempts >= MAX_ATTEMPTS:
            ImportJob.objects.filter(pk=job_id).update(
                status=Status.FAILED,
                leased_until=None,
                finished_at=now,
                error=(
                    f"Gave up after {job.attempts} attempts that never finished (the worker "
                    "stopped while running it). Nothing was changed; upload the file again."
                ),
            )
            logger.error("Import job %s gave up after %s attempts", job_id, job.attempts)
            return None
        attempt = job.attempts + 1
        ImportJob.objects.filter(pk=job_id).update(
            attempts=attempt, leased_until=now + lease(), stage="starting"
        )
        return attempt, job.in_background


def _counts(result: ImportResult) -> dict[str, Any]:
    return {
        "row_count": result.rows,
        "create_count": result.counts.get(CREATE, 0),
        "update_count": result.counts.get(UPDATE, 0),
        "unchanged_count": result.counts.get(UNCHANGED, 0),
        "problem_count": result.problem_count,
    }


def _fail(job_id: int, attempt: int, status: str, message: str) -> None:
    ImportJob.objects.filter(pk=job_id, status=status, attempts=attempt).update(
        status=Status.FAILED,
        leased_until=None,
        finished_at=timezone.now(),
        stage="",
        error=message[:ERROR_LIMIT],
    )


def import_job_run_check(*, job_id: int) -> bool:
    """Dry-run a job that is checking; True if this call wrote its result."""
    claim = _claim(job_id, Status.CHECKING)
    if claim is None:
        return False
    attempt, in_background = claim
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    progress = ProgressWriter(job_id, attempt, quiet=not in_background)
    try:
        if job.created_by is None:
            raise PermissionRefused("The person who uploaded this file has no account any more.")
        result = import_file(
            kind=job.kind,
            content=bytes(job.content),
            filename=job.filename,
            user=job.created_by,
            dry_run=True,
            options=job.options,
            progress=progress,
        )
    except PermissionRefused as refused:
        _fail(job_id, attempt, Status.CHECKING, str(refused))
        return True
    except Exception as error:
        logger.exception("Import job %s: the check stopped", job_id)
        _fail(job_id, attempt, Status.CHECKING, f"The check stopped with an error: {error}")
        return True
    written = ImportJob.objects.filter(pk=job_id, status=Status.CHECKING, attempts=attempt).update(
        status=Status.REFUSED if result.refused else Status.CHECKED,
        check_result=result.as_json(),
        leased_until=None,
        stage="",
        done=result.rows,
        total=result.rows,
        finished_at=timezone.now() if result.refused else None,
        **_counts(result),
    )
    return bool(written)


class _Superseded(Exception):
    """A later claim took the job over: this attempt's writes roll back."""


def _hold(job_id: int, attempt: int) -> bool:
    """Hold the job row until the transaction ends, if it is still this attempt's.

    ``FOR KEY SHARE``: claims and the sweep (``FOR UPDATE ... SKIP LOCKED``) pass
    the job by while it is held, but the progress writes (plain updates, from a
    connection of their own) do not wait for it.
    """
    table = ImportJob._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT id FROM "{table}" WHERE id = %s AND status = %s AND attempts = %s '  # noqa: S608
            "FOR KEY SHARE",
            [job_id, Status.APPLYING, attempt],
        )
        return cursor.fetchone() is not None


def import_job_run_apply(*, job_id: int) -> bool:
    """Apply a confirmed job, once; True if this call applied it.

    The rows and the job's ``applied`` are written in one transaction holding the
    job row: a second message finds it held or no longer applying. A file that no
    longer passes the check (someone changed the records meanwhile) fails the job
    with its problems listed, and changes nothing.
    """
    claim = _claim(job_id, Status.APPLYING)
    if claim is None:
        return False
    attempt, in_background = claim
    progress = ProgressWriter(job_id, attempt, own_connection=True, quiet=not in_background)
    try:
        with transaction.atomic():
            if not _hold(job_id, attempt):  # a later claim took it over
                return False
            job = ImportJob.objects.select_related("applied_by").get(pk=job_id)
            result = import_file(
                kind=job.kind,
                content=bytes(job.content),
                filename=job.filename,
                user=job.applied_by,
                dry_run=False,
                options=job.options,
                progress=progress,
            )
            finished = ImportJob.objects.filter(
                pk=job_id, status=Status.APPLYING, attempts=attempt
            ).update(
                status=Status.APPLIED if result.applied else Status.FAILED,
                apply_result=result.as_json(),
                leased_until=None,
                stage="",
                finished_at=timezone.now(),
                error=""
                if result.applied
                else "The file no longer passes the check (the records changed since); "
                "nothing was changed.",
                **_counts(result),
            )
            if not finished:
                raise _Superseded
            return result.applied
    except _Superseded:
        return False
    except PermissionRefused as refused:
        _fail(job_id, attempt, Status.APPLYING, str(refused))
        return False
    except Exception as error:
        logger.exception("Import job %s: the apply stopped", job_id)
        _fail(
            job_id,
            attempt,
            Status.APPLYING,
            f"The import stopped with an error and nothing was changed: {error}",
        )
        return False
    finally:
        progress.close()


# --- the queue ----------------------------------------------------------------------


def _enqueue(job_id: int, status: str) -> None:
    """Send the job to its task; a job whose message the broker refused gives up
    its lease, so the next sweep sends it."""
    from data_exchange import tasks

    task = tasks.import_job_check if status == Status.CHECKING else tasks.import_job_apply
    if not broker.task_enqueue(task=task, args=[job_id]):
        ImportJob.objects.filter(pk=job_id, status=status).update(leased_until=None)


def _enqueue_all(claimed: list[tuple[int, str]]) -> None:
    for job_id, status in claimed:
        _enqueue(job_id, status)


def import_jobs_sweep(*, batch_size: int = SWEEP_BATCH_SIZE) -> int:
    """Re-enqueue jobs still checking or applying whose lease ran out and that no
    worker holds, each with a fresh lease; returns how many. Safe to run any number
    of times in several processes at once."""
    now = timezone.now()
    with transaction.atomic():
        claimed = list(
            ImportJob.objects.select_for_update(skip_locked=True)
            .filter(status__in=ImportJob.RUNNING)
            .exclude(leased_until__gt=now)
            .order_by("pk")
            .values_list("pk", "status")[:batch_size]
        )
        if claimed:
            ImportJob.objects.filter(pk__in=[pk for pk, _ in claimed]).update(
                leased_until=now + lease()
            )
            transaction.on_commit(lambda: _enqueue_all(claimed))
    return len(claimed)


def import_job_result(job: ImportJob) -> ImportResult | None:
    """The latest result of a job: the apply's once there is one, else the check's."""
    data = job.apply_result or job.check_result
    return ImportResult.from_json(data) if data else None


# --- export ---------------------------------------------------------------------------


def data_export(*, user: Any, kind: str, file_format: str) -> bytes:
    """Every record of ``kind`` as CSV or XLSX in the kind's import columns; needs
    the view permissions of what the kind holds."""
    if kind not in KINDS:
        raise ImportJobRefused(f"There is no export of “{kind}”.")
    if file_format not in FORMATS:
        raise ImportJobRefused(f"There is no export format “{file_format}”; use csv or xlsx.")
    importer = KINDS[kind]
    permission_require(
        user, *export_permissions(importer), doing=f"export {importer.title.lower()}"
    )
    return export_bytes(kind, file_format)
