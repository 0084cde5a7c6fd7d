"""Import jobs in Celery (``data_exchange.jobs``, ``data_exchange.tasks``): a large
file is checked and applied by a worker, once, whatever the messages do; the sweep
sends again what a dead worker or a lost message left behind; two confirms at once
apply once.

The broker is replaced by a list of what would have been enqueued (``sent``); the
tasks are run by the test as a worker would run them (the project's pattern, see
``erp/tests/test_side_effects.py``). A real worker process runs an import in
``test_a_real_worker_checks_and_applies_a_large_file``.
"""

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from oscar.core.loading import get_model

from data_exchange import jobs, tasks
from data_exchange.jobs import (
    ImportJobRefused,
    import_job_apply,
    import_job_create,
    import_jobs_sweep,
)
from data_exchange.models import ImportJob
from data_exchange.tests.files import csv_bytes, dome_category
from erp.services import broker
from tests.factories import StaffFactory

Product = get_model("catalogue", "Product")
Status = ImportJob.Status

HEADER = ["sku", "name", "category", "price"]
ROWS = [
    ["tent-1", "Granite Dome Tent", "Tents > Dome", "129.00"],
    ["tent-2", "Basalt Dome Tent", "Tents > Dome", "149.50"],
    ["tent-3", "Obsidian Dome Tent", "Tents > Dome", "99.00"],
]
CHECK, APPLY = "data_exchange.tasks.import_job_check", "data_exchange.tasks.import_job_apply"


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, list[Any]]]:
    """What would have gone to the broker: (task name, args)."""
    enqueued: list[tuple[str, list[Any]]] = []
    lock = threading.Lock()

    def enqueue(*, task: Any, args: Any = (), countdown: float | None = None) -> bool:
        with lock:
            enqueued.append((task.name, list(args)))
        return True

    monkeypatch.setattr(broker, "task_enqueue", enqueue)
    return enqueued


@pytest.fixture
def large(monkeypatch) -> None:
    """Every file counts as large: it runs in a worker."""
    monkeypatch.setattr(jobs, "BACKGROUND_ROWS", 1)


def manager(username: str = "mia") -> Any:
    return StaffFactory(username=username, role="Manager")


def upload(user: Any, rows: list[list[str]] = ROWS) -> ImportJob:
    return import_job_create(
        user=user, kind="products", filename="products.csv", content=csv_bytes(HEADER, rows)
    )


def expire_lease(job: ImportJob) -> None:
    ImportJob.objects.filter(pk=job.pk).update(leased_until=timezone.now() - timedelta(seconds=1))


@pytest.mark.django_db
def test_a_small_file_is_checked_in_the_request_and_sends_no_message(sent):
    dome_category()

    job = upload(manager())

    assert (job.status, job.in_background, job.create_count) == (Status.CHECKED, False, 3)
    assert sent == []


@pytest.mark.django_db
def test_a_large_file_is_queued_after_commit_and_checked_by_the_task(
    sent, large, django_capture_on_commit_callbacks
):
    dome_category()

    with django_capture_on_commit_callbacks(execute=True):
        job = upload(manager())
    queued = ImportJob.objects.get(pk=job.pk)
    checked = tasks.import_job_check(job.pk)
    again = tasks.import_job_check(job.pk)

    assert (queued.status, queued.stage, queued.in_background) == (Status.CHECKING, "queued", True)
    assert (queued.leased_until or timezone.now()) > timezone.now()
    assert sent == [(CHECK, [job.pk])]
    assert (checked, again) == (True, False)
    job.refresh_from_db()
    assert (job.status, job.create_count, job.done, job.total) == (Status.CHECKED, 3, 3, 3)
    assert (job.check_result or {})["counts"] == {"create": 3, "update": 0, "unchanged": 0}
    assert job.leased_until is None
    assert Product.objects.count() == 0


@pytest.mark.django_db
def test_a_large_file_is_applied_once_by_the_task(sent, large, django_capture_on_commit_callbacks):
    dome_category()
    mia = manager()
    job = upload(mia)
    tasks.import_job_check(job.pk)

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = import_job_apply(user=mia, job_id=job.pk)
    applied = tasks.import_job_apply(job.pk)
    twice = tasks.import_job_apply(job.pk)

    assert confirmed.status == Status.APPLYING
    assert sent[-1] == (APPLY, [job.pk])
    assert (applied, twice) == (True, False)
    job.refresh_from_db()
    assert (job.status, job.applied_by, job.create_count) == (Status.APPLIED, mia, 3)
    assert (job.apply_result or {})["applied"] is True
    assert Product.objects.count() == 3


@pytest.mark.django_db
def test_a_job_being_applied_or_applied_is_not_confirmed_again(sent, large):
    dome_category()
    mia = manager()
    job = upload(mia)
    tasks.import_job_check(job.pk)
    import_job_apply(user=mia, job_id=job.pk)

    with pytest.raises(ImportJobRefused, match="being applied already"):
        import_job_apply(user=mia, job_id=job.pk)
    tasks.import_job_apply(job.pk)
    with pytest.raises(ImportJobRefused, match="applied already"):
        import_job_apply(user=mia, job_id=job.pk)

    assert Product.objects.count() == 3


@pytest.mark.django_db
def test_a_file_with_errors_cannot_be_confirmed(sent):
    mia = manager()
    job = upload(mia)  # no category "Tents > Dome"

    with pytest.raises(ImportJobRefused, match="has errors"):
        import_job_apply(user=mia, job_id=job.pk)

    assert (job.status, job.problem_count) == (Status.REFUSED, 3)
    assert job.finished_at is not None


@pytest.mark.django_db
def test_a_file_that_no_longer_passes_at_apply_fails_and_changes_nothing(sent, large):
    category = dome_category()
    mia = manager()
    job = upload(mia)
    tasks.import_job_check(job.pk)
    import_job_apply(user=mia, job_id=job.pk)
    category.delete()  # someone removed the category in between

    tasks.import_job_apply(job.pk)

    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.error.startswith("The file no longer passes the check")
    assert [p["row"] for p in (job.apply_result or {})["problems"]] == [2, 3, 4]
    assert Product.objects.count() == 0


@pytest.mark.django_db
def test_the_sweep_sends_again_a_job_whose_lease_ran_out_once_per_lease(
    sent, large, django_capture_on_commit_callbacks
):
    dome_category()
    job = upload(manager())
    fresh = upload(manager("max"))  # still leased: its message may be on the way
    sent.clear()
    expire_lease(job)

    with django_capture_on_commit_callbacks(execute=True):
        swept = import_jobs_sweep()
    with django_capture_on_commit_callbacks(execute=True):
        swept_again = import_jobs_sweep()

    assert (swept, swept_again) == (1, 0)
    assert sent == [(CHECK, [job.pk])]
    assert (ImportJob.objects.get(pk=job.pk).leased_until or timezone.now()) > timezone.now()
    assert ImportJob.objects.get(pk=fresh.pk).status == Status.CHECKING


@pytest.mark.django_db
def test_a_check_whose_worker_died_is_picked_up_by_the_sweep(
    sent, large, django_capture_on_commit_callbacks
):
    dome_category()
    job = upload(manager())
    # a worker claimed it (attempt 1) and died before it wrote the result
    jobs._claim(job.pk, Status.CHECKING)
    expire_lease(job)

    with django_capture_on_commit_callbacks(execute=True):
        import_jobs_sweep()
    checked = tasks.import_job_check(job.pk)

    assert sent[-1] == (CHECK, [job.pk])
    assert checked is True
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Status.CHECKED, 2)


@pytest.mark.django_db
def test_an_apply_whose_worker_died_is_applied_once_after_the_sweep(
    sent, large, django_capture_on_commit_callbacks
):
    dome_category()
    mia = manager()
    job = upload(mia)
    tasks.import_job_check(job.pk)
    import_job_apply(user=mia, job_id=job.pk)
    jobs._claim(job.pk, Status.APPLYING)  # the worker died: its transaction rolled back
    expire_lease(job)

    with django_capture_on_commit_callbacks(execute=True):
        import_jobs_sweep()
    applied = tasks.import_job_apply(job.pk)

    assert sent[-1] == (APPLY, [job.pk])
    assert applied is True
    assert ImportJob.objects.get(pk=job.pk).status == Status.APPLIED
    assert Product.objects.count() == 3


@pytest.mark.django_db
def test_a_job_is_given_up_after_attempts_that_never_finished(sent, large):
    dome_category()
    job = upload(manager())
    for _ in range(jobs.MAX_ATTEMPTS):
        jobs._claim(job.pk, Status.CHECKING)

    ran = tasks.import_job_check(job.pk)

    job.refresh_from_db()
    assert ran is False
    assert job.status == Status.FAILED
    assert job.error.startswith("Gave up after 3 attempts that never finished")
    assert job.finished_at is not None


@pytest.mark.django_db
def test_a_message_the_broker_refused_leaves_the_job_to_the_next_sweep(
    monkeypatch, large, django_capture_on_commit_callbacks
):
    dome_category()
    monkeypatch.setattr(broker, "task_enqueue", lambda **kwargs: False)

    with django_capture_on_commit_callbacks(execute=True):
        job = upload(manager())

    job.refresh_from_db()
    assert (job.status, job.leased_until) == (Status.CHECKING, None)
    assert import_jobs_sweep() == 1


@pytest.mark.django_db
def test_the_sweep_task_runs_on_the_beat_schedule(settings):
    assert settings.CELERY_BEAT_SCHEDULE["import-jobs-sweep"] == {
        "task": "data_exchange.tasks.import_jobs_sweep",
        "schedule": 30.0,
    }
    assert tasks.import_jobs_sweep.name == "data_exchange.tasks.import_jobs_sweep"


@pytest.mark.django_db(transaction=True)
def test_two_confirms_at_once_apply_the_file_once():
    dome_category()
    mia, max_ = manager(), manager("max")
    job = upload(mia)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def confirm(user: Any) -> None:
        try:
            barrier.wait()
            import_job_apply(user=user, job_id=job.pk)
            outcomes.append("applied")
        except ImportJobRefused as refused:
            outcomes.append(str(refused))
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(user,)) for user in (mia, max_)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    refused = [outcome for outcome in outcomes if outcome != "applied"]
    assert outcomes.count("applied") == 1
    assert refused[0] in {
        "This import is being applied already.",
        "This import was applied already; it is applied only once.",
    }
    assert ImportJob.objects.get(pk=job.pk).status == Status.APPLIED
    assert Product.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_an_apply_holds_its_job_against_the_sweep_but_shows_its_progress(sent, large, monkeypatch):
    dome_category()
    mia = manager()
    job = upload(mia)
    tasks.import_job_check(job.pk)
    import_job_apply(user=mia, job_id=job.pk)
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 0.0)
    seen: dict[str, Any] = {}
    from data_exchange.kinds.products import ProductImporter

    original = ProductImporter._create

    def create_and_look(self: Any, rows: Any) -> None:
        original(self, rows)

        def look() -> None:  # another process, while the apply has not committed
            try:
                expire_lease(job)  # as if the worker had been slow for a whole lease
                seen["swept"] = import_jobs_sweep()
                seen["stage"] = ImportJob.objects.values_list("stage", "done").get(pk=job.pk)
            finally:
                connection.close()

        watcher = threading.Thread(target=look)
        watcher.start()
        watcher.join(timeout=10)
        seen["watcher finished"] = not watcher.is_alive()

    monkeypatch.setattr(ProductImporter, "_create", create_and_look)

    started = time.monotonic()
    applied = tasks.import_job_apply(job.pk)

    assert applied is True
    assert time.monotonic() - started < 10
    assert seen == {"watcher finished": True, "swept": 0, "stage": ("writing", 3)}
    assert ImportJob.objects.get(pk=job.pk).status == Status.APPLIED


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_checks_and_applies_a_large_file(start_worker, large):
    dome_category()
    mia = manager()
    start_worker()

    job = upload(mia)
    deadline = time.monotonic() + 90
    while ImportJob.objects.get(pk=job.pk).status == Status.CHECKING:
        assert time.monotonic() < deadline, "the worker did not check the file within 90 s"
        time.sleep(0.25)
    import_job_apply(user=mia, job_id=job.pk)
    while ImportJob.objects.get(pk=job.pk).status == Status.APPLYING:
        assert time.monotonic() < deadline, "the worker did not apply the file within 90 s"
        time.sleep(0.25)

    assert ImportJob.objects.get(pk=job.pk).status == Status.APPLIED
    assert Product.objects.count() == 3
