"""Webhook deliveries and dispatches on the queue hold a lease: the outbox sweep
queues a row again only when its lease has run out, so a backlog drains instead of
growing, and heartbeats do not wait behind it.

Receivers are real HTTP servers; the broker is either replaced by a list of what
would have been enqueued (``sent``) or, in the worker test, the real one, whose
queue the test counts.
"""

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from erp import tasks
from erp.models import OutboxEvent, WebhookDelivery, WebhookSubscription, WorkerHeartbeat
from erp.services import broker
from erp.services.outbox import outbox_event_dispatch, outbox_event_record, outbox_sweep

Status = WebhookDelivery.Status


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, list[Any], float | None]]:
    """What would have gone to the broker: (task name, args, countdown)."""
    enqueued: list[tuple[str, list[Any], float | None]] = []
    lock = threading.Lock()

    def enqueue(*, task: Any, args: Any = (), countdown: float | None = None) -> bool:
        with lock:
            enqueued.append((task.name, list(args), countdown))
        return True

    monkeypatch.setattr(broker, "task_enqueue", enqueue)
    return enqueued


@pytest.fixture
def lease_settings(settings: Any) -> Any:
    settings.SIDE_EFFECT_LEASE_SECONDS = 300
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.WEBHOOK_MAX_ATTEMPTS = 8
    return settings


def subscribe(url: str = "https://example.com/hooks") -> WebhookSubscription:
    return WebhookSubscription.objects.create(url=url, events=["order.created"])


def deliveries_queued(sent: list[tuple[str, list[Any], float | None]]) -> list[int]:
    return [args[0] for name, args, _ in sent if name == "erp.tasks.webhook_deliver"]


def seconds_from_now(moment: Any) -> float:
    return (moment - timezone.now()).total_seconds()


@pytest.mark.django_db
def test_a_queued_delivery_is_not_queued_again_until_its_lease_runs_out(
    sent, lease_settings, django_capture_on_commit_callbacks
):
    subscribe()
    subscribe("https://other.example.com/hooks")
    with django_capture_on_commit_callbacks(execute=True):
        event = outbox_event_record(event="order.created", payload={"number": "1"})
    with django_capture_on_commit_callbacks(execute=True):
        created = outbox_event_dispatch(event_id=event.pk)
    assert deliveries_queued(sent) == created  # queued once, at commit
    for delivery in WebhookDelivery.objects.all():
        assert seconds_from_now(delivery.enqueued_until) == pytest.approx(300, abs=5)

    for _ in range(5):  # the sweep every 30 s while the messages wait on a long queue
        with django_capture_on_commit_callbacks(execute=True):
            assert outbox_sweep()["deliveries_enqueued"] == 0
    assert deliveries_queued(sent) == created

    # the lease of one runs out (its message was lost): queued again, once
    lost = WebhookDelivery.objects.get(pk=created[0])
    WebhookDelivery.objects.filter(pk=lost.pk).update(enqueued_until=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_sweep()["deliveries_enqueued"] == 1
        assert outbox_sweep()["deliveries_enqueued"] == 0
    assert deliveries_queued(sent) == [*created, lost.pk]
    lost.refresh_from_db()
    assert seconds_from_now(lost.enqueued_until) == pytest.approx(300, abs=5)


@pytest.mark.django_db
def test_an_event_whose_dispatch_is_queued_is_left_to_it_until_its_lease_runs_out(
    sent, lease_settings, django_capture_on_commit_callbacks
):
    subscribe()
    with django_capture_on_commit_callbacks(execute=True):
        event = outbox_event_record(event="order.created", payload={"number": "1"})
    assert sent == [("erp.tasks.outbox_dispatch", [str(event.pk)], None)]
    event.refresh_from_db()
    assert seconds_from_now(event.enqueued_until) == pytest.approx(300, abs=5)
    OutboxEvent.objects.update(created_at=timezone.now() - timedelta(seconds=60))

    assert outbox_sweep()["events_dispatched"] == 0  # its dispatch is on the queue

    OutboxEvent.objects.update(enqueued_until=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_sweep()["events_dispatched"] == 1
    assert WebhookDelivery.objects.count() == 1
    assert outbox_sweep()["events_dispatched"] == 0


@pytest.mark.django_db(transaction=True)
def test_rows_whose_message_the_broker_refused_are_queued_by_the_next_sweep(monkeypatch):
    subscribe()
    monkeypatch.setattr(broker, "task_enqueue", lambda **kwargs: False)
    with transaction.atomic():
        event = outbox_event_record(event="order.created", payload={"number": "1"})
    event.refresh_from_db()
    assert event.enqueued_until is None  # no message holds it

    outbox_event_dispatch(event_id=event.pk)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.enqueued_until) == (Status.PENDING, None)
    assert outbox_sweep()["deliveries_enqueued"] == 1


@pytest.mark.django_db
def test_a_scheduled_retry_holds_its_delivery_until_it_is_due(
    sent, lease_settings, start_receiver, django_capture_on_commit_callbacks
):
    receiver = start_receiver(statuses=(503,))
    subscribe(receiver.url)
    event = outbox_event_record(event="order.created", payload={"number": "1"})
    outbox_event_dispatch(event_id=event.pk)
    delivery = WebhookDelivery.objects.get()

    assert tasks.webhook_deliver(delivery.pk) == Status.PENDING

    delivery.refresh_from_db()
    assert sent[-1][0] == "erp.tasks.webhook_deliver"
    assert sent[-1][2] == pytest.approx(30, abs=2)  # the retry, queued for when it is due
    assert delivery.enqueued_until is not None and delivery.next_attempt_at is not None
    lease = delivery.enqueued_until - delivery.next_attempt_at
    assert lease.total_seconds() == pytest.approx(300, abs=2)
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())  # due, message on its way
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_sweep()["deliveries_enqueued"] == 0
    assert tasks.webhook_deliver(delivery.pk) == Status.DELIVERED
    assert len(receiver.requests) == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_queue_each_due_delivery_once(sent):
    subscription = subscribe()
    events = OutboxEvent.objects.bulk_create(
        [
            OutboxEvent(
                event="order.created", payload={"number": str(n)}, dispatched_at=timezone.now()
            )
            for n in range(60)
        ]
    )
    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(event=event, subscription=subscription) for event in events]
    )
    barrier = threading.Barrier(4)

    def sweep() -> None:
        try:
            barrier.wait()
            outbox_sweep()
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    queued = deliveries_queued(sent)
    assert sorted(queued) == sorted(WebhookDelivery.objects.values_list("pk", flat=True))
    assert len(queued) == 60


# --- a backlog drains through a real worker ------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_backlog_drains_each_delivery_queued_once_and_heartbeats_do_not_wait_behind_it(
    start_receiver, start_worker, queue_length
):
    backlog = 40
    receiver = start_receiver(delay=0.15)  # a slow receiver: the queue stays long a while
    subscription = subscribe(receiver.url)
    events = OutboxEvent.objects.bulk_create(
        [
            OutboxEvent(
                event="order.created", payload={"number": str(n)}, dispatched_at=timezone.now()
            )
            for n in range(backlog)
        ]
    )
    # pending and due, no message queued for any (lost at commit, say)
    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(event=event, subscription=subscription) for event in events]
    )
    assert queue_length() == 0

    # beat runs the sweep every 30 s; before the fix each run queued all 40 again
    for _ in range(5):
        outbox_sweep()
        assert queue_length() == backlog
    tasks.record_worker_heartbeat.delay(worker="behind-the-backlog")
    assert queue_length(housekeeping=True) == 1

    worker = start_worker()
    longest = backlog
    delivered_when_heartbeat_ran = None
    deadline = time.monotonic() + 120
    while WebhookDelivery.objects.filter(status=Status.DELIVERED).count() < backlog:
        assert worker.poll() is None, "the worker process died"
        assert time.monotonic() < deadline, "the worker did not drain the backlog within 120 s"
        if delivered_when_heartbeat_ran is None and WorkerHeartbeat.objects.exists():
            delivered_when_heartbeat_ran = WebhookDelivery.objects.filter(
                status=Status.DELIVERED
            ).count()
        outbox_sweep()  # keeps running while the worker drains
        longest = max(longest, queue_length())
        time.sleep(0.3)

    assert longest == backlog  # never more messages than deliveries
    assert delivered_when_heartbeat_ran is not None
    assert delivered_when_heartbeat_ran < backlog / 2  # it did not wait for the backlog
    assert queue_length() == 0
    assert len(receiver.requests) == backlog
    event_ids = {request.headers["Kontor-Event-Id"] for request in receiver.requests}
    assert event_ids == {str(event.pk) for event in events}  # each one once
    assert set(WebhookDelivery.objects.values_list("attempts", flat=True)) == {1}
