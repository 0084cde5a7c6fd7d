"""Kernel tasks: thin wrappers over services, idempotent, safe to retry.

Heartbeats and sweeps run on the housekeeping queue (``route_housekeeping``),
so a backlog on the main queue does not delay them.
"""

from typing import Any

from celery import shared_task
from django.utils import timezone

from erp import side_effects
from erp.models import WebhookDelivery
from erp.services import heartbeat, idempotency, outbox, webhooks

HOUSEKEEPING_TASKS = frozenset(
    {
        "erp.tasks.record_worker_heartbeat",
        "erp.tasks.outbox_sweep",
        "erp.tasks.side_effects_sweep",
    }
)


def route_housekeeping(
    name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **extra: Any
) -> dict[str, str] | None:
    """Celery router (``CELERY_TASK_ROUTES``): heartbeats and sweeps to the queue
    "<default queue>.housekeeping" that every worker consumes too (settings,
    ``CELERY_TASK_QUEUES``); everything else to the default queue."""
    if name not in HOUSEKEEPING_TASKS:
        return None
    from erp.celery import app

    return {"queue": f"{app.conf.task_default_queue}.housekeeping"}


@shared_task(bind=True)
def record_worker_heartbeat(self, worker: str | None = None) -> int:
    """Record that a worker is processing tasks; returns the beat count."""
    name = worker or self.request.hostname or "unknown"
    return heartbeat.worker_heartbeat_record(worker=name).beats


@shared_task
def outbox_dispatch(event_id: str) -> int:
    """Fan an outbox event out to its subscriptions; returns the deliveries created."""
    return len(outbox.outbox_event_dispatch(event_id=event_id))


@shared_task
def webhook_deliver(delivery_id: int) -> str | None:
    """Attempt one webhook delivery; after a failure, schedule the next attempt.

    A message that arrives early, late or twice is harmless: the service only
    sends a pending delivery that is due, and claims it first. If scheduling
    the next attempt fails, ``outbox_sweep`` sends it when it is due.
    """
    delivery = webhooks.webhook_delivery_attempt(delivery_id=delivery_id)
    if delivery is None:
        return None
    if delivery.status == WebhookDelivery.Status.PENDING and delivery.next_attempt_at:
        countdown = max((delivery.next_attempt_at - timezone.now()).total_seconds(), 0.0)
        webhooks.webhook_deliveries_enqueue(delivery_ids=[delivery.pk], countdown=countdown)
    return delivery.status


@shared_task
def outbox_sweep() -> dict[str, int]:
    """Beat, every 30 s: dispatch events and send deliveries the broker missed."""
    return outbox.outbox_sweep()


@shared_task
def outbox_prune() -> int:
    """Beat, daily: delete finished events past the retention period."""
    return outbox.outbox_prune()


@shared_task
def idempotent_requests_prune() -> int:
    """Beat, daily: forget old Idempotency-Key answers."""
    return idempotency.idempotent_requests_prune()


@shared_task
def side_effects_sweep() -> int:
    """Beat, every 30 s: re-enqueue side effects whose message was lost."""
    return side_effects.side_effects_sweep()


@shared_task
def side_effects_prune() -> int:
    """Beat, daily: delete done side effects past the retention period."""
    return side_effects.side_effects_prune()
