"""Kernel tasks: thin wrappers over services, idempotent, safe to retry."""

from celery import shared_task

from erp import services


@shared_task(bind=True)
def record_worker_heartbeat(self, worker: str | None = None) -> int:
    """Record that a worker is processing tasks; returns the beat count."""
    name = worker or self.request.hostname or "unknown"
    return services.worker_heartbeat_record(worker=name).beats
