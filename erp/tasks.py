"""Kernel tasks: thin wrappers over services, idempotent, safe to retry."""

from celery import shared_task
from django.utils import timezone

from erp import services
from erp.models import WebhookDelivery


@shared_task(bind=True)
def record_worker_heartbeat(self, worker: str | None = None) -> int:
    """Record that a worker is processing tasks; returns the beat count."""
    name = worker or self.request.hostname or "unknown"
    return services.worker_heartbeat_record(worker=name).beats


@shared_task
def outbox_dispatch(event_id: str) -> int:
    """Fan an outbox event out to its subscriptions; returns the deliveries created."""
    return len(services.outbox_event_dispatch(event_id=event_id))


@shared_task
def webhook_deliver(delivery_id: int) -> str | None:
    """Attempt one webhook delivery; after a failure, schedule the next attempt.

    A message that arrives early, late or twice is harmless: the service only
    sends a pending delivery that is due, and claims it first. If scheduling
    the next attempt fails, ``outbox_sweep`` sends it when it is due.
    """
    delivery = services.webhook_delivery_attempt(delivery_id=delivery_id)
    if delivery is None:
        return None
    if delivery.status == WebhookDelivery.Status.PENDING and delivery.next_attempt_at:
        countdown = max((delivery.next_attempt_at - timezone.now()).total_seconds(), 0.0)
        services.task_enqueue(task=webhook_deliver, args=[delivery.pk], countdown=countdown)
    return delivery.status


@shared_task
def outbox_sweep() -> dict[str, int]:
    """Beat, every 30 s: dispatch events and send deliveries the broker missed."""
    return services.outbox_sweep()


@shared_task
def outbox_prune() -> int:
    """Beat, daily: delete finished events past the retention period."""
    return services.outbox_prune()


@shared_task
def idempotent_requests_prune() -> int:
    """Beat, daily: forget old Idempotency-Key answers."""
    return services.idempotent_requests_prune()
