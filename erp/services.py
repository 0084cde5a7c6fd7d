"""Writes of the shared kernel."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from erp.models import DocumentSequence, WorkerHeartbeat


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


def sequence_next(*, series: str, year: int) -> int:
    """The next number of a gap-free series; call inside the document's transaction.

    The sequence row stays locked until that transaction ends, so concurrent
    documents of the same series queue up, and a rollback returns the number.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("sequence_next must run inside the document's transaction")
    DocumentSequence.objects.get_or_create(series=series, year=year)
    updated = DocumentSequence.objects.select_for_update().get(series=series, year=year)
    updated.last_number = F("last_number") + 1
    updated.save(update_fields=["last_number"])
    updated.refresh_from_db(fields=["last_number"])
    return updated.last_number
