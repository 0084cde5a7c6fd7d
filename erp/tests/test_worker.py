"""A real Celery worker process, end to end, on the project's broker."""

import subprocess
import time

import pytest
from django.db import transaction

from erp.models import WorkerHeartbeat
from erp.tasks import record_worker_heartbeat

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


class RolledBack(Exception):
    pass


def test_a_task_enqueued_on_commit_runs_in_a_real_worker(worker: subprocess.Popen[bytes]):
    with pytest.raises(RolledBack), transaction.atomic():
        record_worker_heartbeat.delay_on_commit(worker="rolled-back")
        raise RolledBack
    with transaction.atomic():
        record_worker_heartbeat.delay_on_commit(worker="committed")

    deadline = time.monotonic() + 90
    while not WorkerHeartbeat.objects.filter(worker="committed").exists():
        assert worker.poll() is None, "the worker process died"
        assert time.monotonic() < deadline, "the worker did not run the task within 90 s"
        time.sleep(0.25)

    heartbeat = WorkerHeartbeat.objects.get(worker="committed")
    assert heartbeat.beats == 1
    assert not WorkerHeartbeat.objects.filter(worker="rolled-back").exists()
