"""Worker heartbeats: each Celery worker notes it is alive (``erp.tasks.worker_heartbeat``)."""

from django.db.models import F
from django.utils import timezone

from erp.models import WorkerHeartbeat


def worker_heartbeat_record(*, worker: str) -> WorkerHeartbeat:
    """Note that ``worker`` is alive; counts beats with an atomic increment."""
    now = timezone.now()
    heartbeat, created = WorkerHeartbeat.objects.get_or_create(
        worker=worker, defaults={"last_seen": now, "beats": 1}
    )
    if not created:
        WorkerHeartbeat.objects.filter(pk=heartbeat.pk).update(last_seen=now, beats=F("beats") + 1)
        heartbeat.refresh_from_db()
    return heartbeat
