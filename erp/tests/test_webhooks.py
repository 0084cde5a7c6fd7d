"""The outbox and its signed webhooks, delivered to real HTTP receivers.

Receivers are real ``ThreadingHTTPServer``s on 127.0.0.1; only the broker is
swapped, either for Celery's eager mode (tasks run in-process, as a worker
would run them) or for an address where nothing listens (the outage).
"""

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from kombu.exceptions import OperationalError

from erp import outbound, tasks
from erp.celery import app as celery_app
from erp.models import DocumentSequence, OutboxEvent, WebhookDelivery, WebhookSubscription
from erp.services import broker, outbox, sequences
from erp.services.outbox import (
    OutboxError,
    outbox_event_dispatch,
    outbox_event_record,
    outbox_prune,
)
from erp.services.webhooks import (
    webhook_delivery_attempt,
    webhook_delivery_retry,
    webhook_signature_header,
    webhook_signature_verify,
)
from tests.factories import StaffFactory, UserFactory

Status = WebhookDelivery.Status


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Tasks run in-process when enqueued, as a worker on a healthy broker would."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_eager_propagates = False


@pytest.fixture(autouse=True)
def _broker_reachable_again() -> Iterator[None]:
    """Each test starts with a broker not known to be down (see task_enqueue)."""
    broker._broker_state["unavailable_until"] = 0.0
    yield
    broker._broker_state["unavailable_until"] = 0.0


@contextmanager
def broker_unreachable() -> Iterator[None]:
    """Point the Celery app at a port where nothing listens, as in a broker outage.

    Kombu's one connection attempt is made to fail at once (max_retries 0)
    instead of retrying for the connect time-out, to keep the test quick.
    """
    saved = celery_app.conf.broker_url, celery_app.conf.broker_transport_options

    def drop_cached_connections() -> None:
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    celery_app.conf.broker_url = "amqp://guest:guest@127.0.0.1:1//"
    celery_app.conf.broker_transport_options = {"max_retries": 0}
    drop_cached_connections()
    try:
        yield
    finally:
        celery_app.conf.broker_url, celery_app.conf.broker_transport_options = saved
        drop_cached_connections()


@pytest.fixture
def webhook_settings(settings: Any) -> Any:
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.WEBHOOK_RETRY_MAX_SECONDS = 6 * 60 * 60
    settings.WEBHOOK_MAX_ATTEMPTS = 8
    settings.WEBHOOK_TIMEOUT_SECONDS = 10
    return settings


def subscribe(
    url: str, events: tuple[str, ...] = ("order.created",), **kwargs: Any
) -> WebhookSubscription:
    return WebhookSubscription.objects.create(url=url, events=list(events), **kwargs)


def backoff(delivery: WebhookDelivery) -> timedelta:
    """How long after its last attempt the delivery is tried again."""
    assert delivery.next_attempt_at is not None
    assert delivery.last_attempt_at is not None
    return delivery.next_attempt_at - delivery.last_attempt_at


def make_due(delivery: WebhookDelivery) -> None:
    """Skip the back-off wait (the scheduled time itself is asserted before)."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def record_dispatched(event: str = "order.created", payload: Any = None) -> OutboxEvent:
    record = outbox_event_record(event=event, payload=payload or {"number": "100042"})
    outbox_event_dispatch(event_id=record.pk)
    return record


def make_delivery(subscription: WebhookSubscription) -> WebhookDelivery:
    """A pending delivery of a fresh event to ``subscription``, due now."""
    record_dispatched(event=subscription.events[0])
    return WebhookDelivery.objects.get(subscription=subscription)


# --- recording and signing ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_event_recorded_in_a_transaction_is_delivered_signed_after_commit(
    start_receiver, eager_tasks, webhook_settings
):
    receiver = start_receiver()
    subscription = subscribe(receiver.url)
    payload = {"number": "100042", "total": "59.90", "currency": "EUR", "lines": [{"sku": "T-1"}]}

    with transaction.atomic():
        event = outbox_event_record(event="order.created", payload=payload)
        assert receiver.requests == []  # nothing leaves before the commit

    assert len(receiver.requests) == 1
    sent = receiver.requests[0]
    event.refresh_from_db()
    assert sent.path == "/hooks/kontor"
    assert receiver.json() == {
        "id": str(event.pk),
        "event": "order.created",
        "created_at": event.created_at.isoformat(),
        "data": payload,
    }
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["Kontor-Event"] == "order.created"
    assert sent.headers["Kontor-Event-Id"] == str(event.pk)
    assert sent.headers["Kontor-Delivery-Attempt"] == "1"
    signature = sent.headers["Kontor-Signature"]
    signed_at = int(signature.split(",")[0].removeprefix("t="))
    assert abs(signed_at - time.time()) < 60
    expected = hmac.new(
        subscription.secret.encode(), f"{signed_at}.".encode() + sent.body, hashlib.sha256
    ).hexdigest()
    assert signature == f"t={signed_at},v1={expected}"
    verify = webhook_signature_verify
    assert verify(secret=subscription.secret, body=sent.body, header=signature)
    assert not verify(secret=subscription.secret, body=sent.body + b" ", header=signature)
    tampered = sent.body.replace(b"59.90", b"0.01")
    assert not verify(secret=subscription.secret, body=tampered, header=signature)
    assert not verify(secret="not-the-secret", body=sent.body, header=signature)
    assert not verify(
        secret=subscription.secret, body=sent.body, header=signature, now=signed_at + 301
    )
    assert verify(secret=subscription.secret, body=sent.body, header=signature, now=signed_at + 299)

    assert event.dispatched_at is not None
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event_id, delivery.subscription_id) == (event.pk, subscription.pk)
    assert delivery.status == Status.DELIVERED
    assert delivery.attempts == 1
    assert delivery.last_status_code == 200
    assert delivery.response_excerpt == "thanks"
    assert delivery.last_error == ""
    assert delivery.next_attempt_at is None
    assert delivery.delivered_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_no_event_and_sends_nothing(start_receiver, eager_tasks):
    receiver = start_receiver()
    subscribe(receiver.url)

    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_event_record(event="order.created", payload={"number": "100042"})
        raise RuntimeError("the order failed")

    assert not OutboxEvent.objects.exists()
    assert receiver.requests == []


def test_the_signature_rejects_stale_malformed_and_foreign_headers():
    body = b'{"id":"x"}'
    now = 1_764_211_200
    header = webhook_signature_header(secret="s3cret", body=body, timestamp=now)

    assert webhook_signature_verify(secret="s3cret", body=body, header=header, now=now)
    stale = webhook_signature_header(secret="s3cret", body=body, timestamp=now - 301)
    assert not webhook_signature_verify(secret="s3cret", body=body, header=stale, now=now)
    future = webhook_signature_header(secret="s3cret", body=body, timestamp=now + 301)
    assert not webhook_signature_verify(secret="s3cret", body=body, header=future, now=now)
    assert webhook_signature_verify(
        secret="s3cret", body=body, header=stale, now=now, tolerance_seconds=600
    )
    # while a secret is rotated, a header may carry a signature per secret
    _, old_signature = webhook_signature_header(secret="old", body=body, timestamp=now).split(",")
    assert webhook_signature_verify(
        secret="s3cret", body=body, header=f"{header},{old_signature}", now=now
    )
    v1 = header.split(",")[1]
    for malformed in ["", v1, f"t=soon,{v1}", f"t={now}", f"t={now},v1=", f"t={now},v1=ü"]:
        assert not webhook_signature_verify(secret="s3cret", body=body, header=malformed, now=now)


@pytest.mark.django_db
def test_only_known_events_with_json_payloads_are_recorded():
    with pytest.raises(OutboxError, match=r"Unknown event 'order\.exploded'"):
        outbox_event_record(event="order.exploded", payload={})
    with pytest.raises(OutboxError, match="not JSON-serialisable"):
        outbox_event_record(event="invoice.created", payload={"total": Decimal("19.99")})
    with pytest.raises(OutboxError, match="not JSON-serialisable"):
        outbox_event_record(event="stock.changed", payload={"available": float("nan")})
    with pytest.raises(OutboxError, match="must be a dict"):
        outbox_event_record(event="stock.changed", payload=["T-1"])

    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db
def test_a_subscription_needs_an_http_url_and_known_events():
    with pytest.raises(ValidationError) as refused:
        WebhookSubscription(url="ftp://example.com/hooks", events=["order.made"]).full_clean()
    assert set(refused.value.message_dict) == {"url", "events"}
    with pytest.raises(ValidationError) as empty:
        WebhookSubscription(url="https://example.com/hooks", events=[]).full_clean()
    assert set(empty.value.message_dict) == {"events"}
    with pytest.raises(IntegrityError), transaction.atomic():
        WebhookSubscription.objects.create(url="https://example.com/hooks", events=[])

    first = WebhookSubscription(url="https://example.com/hooks", events=["stock.changed"])
    second = WebhookSubscription(url="https://example.com/hooks", events=["stock.changed"])
    first.full_clean()
    assert len(first.secret) >= 40
    assert first.secret != second.secret


# --- fan-out ----------------------------------------------------------------------


@pytest.mark.django_db
def test_an_event_nobody_subscribes_to_is_marked_dispatched_with_no_deliveries():
    event = outbox_event_record(event="stock.changed", payload={"sku": "T-1", "available": 3})

    assert outbox_event_dispatch(event_id=event.pk) == []

    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_only_active_subscriptions_to_the_event_get_a_delivery_once():
    wanted = subscribe("https://a.example.com/hooks", ("order.created", "order.cancelled"))
    subscribe("https://b.example.com/hooks", ("order.created",), is_active=False)
    subscribe("https://c.example.com/hooks", ("stock.changed", "invoice.created"))
    event = outbox_event_record(event="order.created", payload={"number": "100042"})

    first = outbox_event_dispatch(event_id=event.pk)
    again = outbox_event_dispatch(event_id=event.pk)

    delivery = WebhookDelivery.objects.get()
    assert first == [delivery.pk]
    assert again == []
    assert delivery.subscription == wanted
    assert delivery.status == Status.PENDING
    assert delivery.attempts == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatches_of_one_event_fan_out_once():
    for number in range(3):
        subscribe(f"https://{number}.example.com/hooks")
    event = outbox_event_record(event="order.created", payload={"number": "100042"})
    results: list[list[int]] = []
    barrier = threading.Barrier(4)

    def dispatch() -> None:
        try:
            barrier.wait()
            results.append(outbox_event_dispatch(event_id=event.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(len(result) for result in results) == [0, 0, 0, 3]
    assert WebhookDelivery.objects.count() == 3


# --- retries --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_failing_receiver_is_retried_with_exponential_backoff(
    start_receiver, eager_tasks, webhook_settings, monkeypatch
):
    receiver = start_receiver(statuses=(500, 500))
    subscribe(receiver.url)
    scheduled: list[tuple[str, list[Any], float | None]] = []

    def enqueue_spy(*, task: Any, args: Any = (), countdown: float | None = None) -> bool:
        scheduled.append((task.name, list(args), countdown))
        return True

    monkeypatch.setattr(broker, "task_enqueue", enqueue_spy)

    # the spy records what would go to the broker; the test runs each task itself
    with transaction.atomic():
        event = outbox_event_record(event="order.created", payload={"number": "100042"})
    assert scheduled == [("erp.tasks.outbox_dispatch", [str(event.pk)], None)]
    tasks.outbox_dispatch.delay(str(event.pk))
    delivery = WebhookDelivery.objects.get()
    assert scheduled[-1] == ("erp.tasks.webhook_deliver", [delivery.pk], None)
    tasks.webhook_deliver.delay(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Status.PENDING
    assert delivery.attempts == 1
    assert delivery.last_status_code == 500
    assert delivery.last_error == "HTTP 500 Internal Server Error"
    assert delivery.response_excerpt == "receiver says no"
    assert backoff(delivery) == timedelta(seconds=30)
    # the task scheduled its own retry for when it is due
    name, args, countdown = scheduled[-1]
    assert (name, args) == ("erp.tasks.webhook_deliver", [delivery.pk])
    assert countdown == pytest.approx(30, abs=2)

    tasks.webhook_deliver.delay(delivery.pk)  # early: not due, nothing sent
    assert len(receiver.requests) == 1

    make_due(delivery)
    tasks.webhook_deliver.delay(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.PENDING, 2)
    assert backoff(delivery) == timedelta(seconds=60)
    assert scheduled[-1][2] == pytest.approx(60, abs=2)

    make_due(delivery)
    tasks.webhook_deliver.delay(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED
    assert delivery.attempts == 3
    assert delivery.last_status_code == 200
    assert delivery.last_error == ""
    assert delivery.next_attempt_at is None
    assert [request.headers["Kontor-Delivery-Attempt"] for request in receiver.requests] == [
        "1",
        "2",
        "3",
    ]
    assert {request.headers["Kontor-Event-Id"] for request in receiver.requests} == {str(event.pk)}

    make_due(delivery)  # even if told to, a delivered row is never sent again
    assert webhook_delivery_attempt(delivery_id=delivery.pk) is None
    assert len(receiver.requests) == 3


@pytest.mark.django_db
def test_a_receiver_that_never_answers_2xx_is_given_up_after_the_last_attempt(
    start_receiver, webhook_settings
):
    webhook_settings.WEBHOOK_MAX_ATTEMPTS = 5
    webhook_settings.WEBHOOK_RETRY_MAX_SECONDS = 100
    receiver = start_receiver(default=503)
    subscribe(receiver.url)
    record_dispatched()
    delivery = WebhookDelivery.objects.get()

    waits = []
    for _ in range(5):
        attempted = webhook_delivery_attempt(delivery_id=delivery.pk)
        assert attempted is not None
        delivery = attempted
        if delivery.next_attempt_at:
            waits.append(backoff(delivery).total_seconds())
            make_due(delivery)

    assert waits == [30, 60, 100, 100]  # doubling, capped at WEBHOOK_RETRY_MAX_SECONDS
    assert delivery.status == Status.FAILED
    assert delivery.attempts == 5
    assert delivery.next_attempt_at is None
    assert delivery.last_status_code == 503
    assert delivery.last_error == "HTTP 503 Service Unavailable"
    assert webhook_delivery_attempt(delivery_id=delivery.pk) is None
    assert len(receiver.requests) == 5


@pytest.mark.django_db
def test_refused_connections_time_outs_and_redirects_are_failed_attempts(
    start_receiver, webhook_settings
):
    webhook_settings.WEBHOOK_TIMEOUT_SECONDS = 1
    slow = start_receiver(delay=2.5)
    redirecting = start_receiver(default=302)
    subscribe("http://127.0.0.1:1/hooks", description="nothing listens")
    subscribe(slow.url, description="slow")
    subscribe(redirecting.url, description="redirects")
    record_dispatched()

    for delivery in WebhookDelivery.objects.order_by("pk"):
        webhook_delivery_attempt(delivery_id=delivery.pk)

    outcomes = {
        delivery.subscription.description: delivery
        for delivery in WebhookDelivery.objects.select_related("subscription")
    }
    refused, timed_out, redirected = (
        outcomes["nothing listens"],
        outcomes["slow"],
        outcomes["redirects"],
    )
    assert refused.last_status_code is None
    assert refused.last_error.startswith("ConnectionRefusedError")
    assert timed_out.last_status_code is None
    assert "timed out" in timed_out.last_error
    assert redirected.last_status_code == 302
    assert redirected.last_error == "HTTP 302 Found"
    for delivery in outcomes.values():
        assert (delivery.status, delivery.attempts) == (Status.PENDING, 1)
        assert backoff(delivery) == timedelta(seconds=30)
    assert len(redirecting.requests) == 1  # the redirect target was not tried


@pytest.mark.django_db
def test_a_deactivated_subscription_gets_nothing_more(start_receiver):
    receiver = start_receiver()
    subscription = subscribe(receiver.url)
    record_dispatched()
    subscription.is_active = False
    subscription.save()

    delivery = webhook_delivery_attempt(delivery_id=WebhookDelivery.objects.get().pk)

    assert delivery.status == Status.FAILED
    assert delivery.attempts == 0
    assert delivery.last_error == "Not sent: the subscription is inactive."
    assert receiver.requests == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_send_the_same_delivery_at_once(start_receiver):
    receiver = start_receiver(delay=0.5)
    subscribe(receiver.url)
    record_dispatched()
    delivery_id = WebhookDelivery.objects.get().pk
    outcomes: list[WebhookDelivery | None] = []
    barrier = threading.Barrier(4)

    def attempt() -> None:
        try:
            barrier.wait()
            outcomes.append(webhook_delivery_attempt(delivery_id=delivery_id))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(receiver.requests) == 1
    assert sum(outcome is not None for outcome in outcomes) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Status.DELIVERED, 1)


# --- the broker outage -----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_outbox_survives_a_broker_outage_and_the_sweep_delivers_once(
    start_receiver, caplog, webhook_settings
):
    receiver = start_receiver()
    subscribe(receiver.url)
    caplog.set_level(logging.WARNING, logger="erp.services.broker")

    with broker_unreachable():
        with transaction.atomic():  # the business transaction
            number = sequences.sequence_next(series="webhook-test", year=2026)
            event = outbox_event_record(event="order.created", payload={"number": number})
        assert DocumentSequence.objects.get(series="webhook-test").last_number == 1
        event.refresh_from_db()
        assert event.dispatched_at is None
        assert not WebhookDelivery.objects.exists()
        (warning,) = [r for r in caplog.records if "Could not enqueue" in r.getMessage()]
        assert "erp.tasks.outbox_dispatch" in warning.getMessage()
        assert issubclass(warning.exc_info[0], OperationalError)  # the broker really refused

        # while it is down, the sweep cannot send anything either, and loses nothing
        OutboxEvent.objects.filter(pk=event.pk).update(
            created_at=timezone.now() - timedelta(seconds=10)
        )
        tasks.outbox_sweep()
        assert WebhookDelivery.objects.get().status == Status.PENDING
        assert receiver.requests == []

    # the broker is back, and the seconds during which this process skips
    # sending after a refusal have passed: the beat's sweep sends it, as a
    # worker runs it
    broker._broker_state["unavailable_until"] = 0.0
    celery_app.conf.task_always_eager = True
    try:
        tasks.outbox_sweep.delay()
        tasks.outbox_sweep.delay()
    finally:
        celery_app.conf.task_always_eager = False

    assert len(receiver.requests) == 1
    assert receiver.json()["id"] == str(event.pk)
    assert receiver.json()["data"] == {"number": 1}
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Status.DELIVERED, 1)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_after_an_outage_a_real_worker_delivers_the_event_once(start_receiver, worker):
    receiver = start_receiver()
    subscribe(receiver.url, ("order.cancelled",))
    with broker_unreachable(), transaction.atomic():
        event = outbox_event_record(event="order.cancelled", payload={"number": "100042"})
    assert OutboxEvent.objects.get().dispatched_at is None
    OutboxEvent.objects.update(created_at=timezone.now() - timedelta(seconds=10))
    broker._broker_state["unavailable_until"] = 0.0

    tasks.outbox_sweep.delay()  # what beat sends every 30 s, through the real broker

    deadline = time.monotonic() + 90
    while not WebhookDelivery.objects.filter(status=Status.DELIVERED).exists():
        assert worker.poll() is None, "the worker process died"
        assert time.monotonic() < deadline, "the worker did not deliver within 90 s"
        time.sleep(0.25)
    tasks.outbox_sweep.delay()
    time.sleep(1)
    assert len(receiver.requests) == 1
    assert receiver.requests[0].headers["Kontor-Event-Id"] == str(event.pk)
    assert receiver.json()["event"] == "order.cancelled"
    assert WebhookDelivery.objects.get().attempts == 1


@pytest.mark.django_db(transaction=True)
def test_during_an_outage_a_transaction_with_many_events_tries_the_broker_once(caplog):
    subscribe("https://example.com/hooks", ("stock.changed",))
    caplog.set_level(logging.WARNING, logger="erp.services.broker")

    with broker_unreachable(), transaction.atomic():
        for sku in ["T-1", "T-2", "T-3"]:
            outbox_event_record(event="stock.changed", payload={"sku": sku, "available": 0})

    refused = [record for record in caplog.records if record.exc_info]
    skipped = [record for record in caplog.records if "moments ago" in record.getMessage()]
    assert len(refused) == 1
    assert issubclass(refused[0].exc_info[0], OperationalError)
    assert len(skipped) == 2
    assert OutboxEvent.objects.filter(dispatched_at__isnull=True).count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_sweep_leaves_fresh_events_to_their_own_dispatch():
    subscribe("https://example.com/hooks")
    with broker_unreachable():
        fresh = outbox_event_record(event="order.created", payload={"number": "1"})
        stale = outbox_event_record(event="order.created", payload={"number": "2"})
        OutboxEvent.objects.filter(pk=stale.pk).update(
            created_at=timezone.now() - timedelta(seconds=10)
        )

        assert outbox.outbox_sweep() == {
            "deliveries_enqueued": 0,
            "events_dispatched": 1,
            "events_settled": 0,
        }

    assert list(OutboxEvent.objects.filter(dispatched_at__isnull=True)) == [fresh]


@pytest.fixture
def sent(monkeypatch) -> list[list[Any]]:
    """The args of every task this process enqueues (nothing reaches a broker)."""
    enqueued: list[list[Any]] = []
    monkeypatch.setattr(
        broker,
        "task_enqueue",
        lambda *, task, args=(), countdown=None: enqueued.append(list(args)),
    )
    return enqueued


@pytest.mark.django_db
def test_events_nobody_listens_to_skip_the_broker_and_the_sweep_settles_them(
    sent, django_capture_on_commit_callbacks
):
    subscribe("https://example.com/hooks", ("order.created",))
    with django_capture_on_commit_callbacks(execute=True):
        listened = outbox_event_record(event="order.created", payload={"number": "1"})
        unheard = outbox_event_record(event="stock.changed", payload={"sku": "T-1"})
    assert sent == [[str(listened.pk)]]  # only the event someone listens to

    OutboxEvent.objects.update(created_at=timezone.now() - timedelta(seconds=10))
    with CaptureQueriesContext(connection) as queries:
        outcome = outbox.outbox_sweep()
    assert outcome == {"deliveries_enqueued": 0, "events_dispatched": 1, "events_settled": 1}
    settling = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "erp_outboxevent"')]
    assert len(settling) == 2  # one UPDATE settles every unheard event, one per dispatch
    unheard.refresh_from_db()
    assert unheard.dispatched_at is not None
    assert not WebhookDelivery.objects.filter(event=unheard).exists()
    assert WebhookDelivery.objects.filter(event=listened).count() == 1


@pytest.mark.django_db
def test_a_subscription_made_in_another_process_still_gets_its_events_through_the_sweep(
    sent, django_capture_on_commit_callbacks
):
    outbox.subscribed_events(fresh=True)  # this process remembers: nobody listens
    # saved elsewhere: no signal reaches this process's memory
    WebhookSubscription.objects.bulk_create(
        [WebhookSubscription(url="https://example.com/hooks", events=["stock.changed"])]
    )
    with django_capture_on_commit_callbacks(execute=True):
        event = outbox_event_record(event="stock.changed", payload={"sku": "T-1"})
    assert sent == []  # the stale memory skipped the broker ...

    OutboxEvent.objects.update(created_at=timezone.now() - timedelta(seconds=10))
    outcome = outbox.outbox_sweep()
    # ... and the sweep, which asks the database, dispatches it instead of settling it
    assert outcome["events_dispatched"] == 1
    assert outcome["events_settled"] == 0
    assert WebhookDelivery.objects.get().event == event


@pytest.mark.django_db
def test_saving_a_subscription_is_seen_by_this_process_at_once(monkeypatch):
    outbox.subscribed_events(fresh=True)
    assert "invoice.created" not in outbox.subscribed_events()
    subscription = subscribe("https://example.com/hooks", ("invoice.created",))
    assert "invoice.created" in outbox.subscribed_events()
    subscription.is_active = False
    subscription.save()
    assert "invoice.created" not in outbox.subscribed_events()


@pytest.mark.django_db
def test_prune_deletes_old_finished_events_only(settings):
    settings.OUTBOX_RETENTION_DAYS = 30
    subscription = subscribe("https://example.com/hooks")
    old = timezone.now() - timedelta(days=31)

    def event(*, created_at, status=None, dispatched=True) -> OutboxEvent:
        record = OutboxEvent.objects.create(
            event="order.created",
            created_at=created_at,
            dispatched_at=created_at if dispatched else None,
        )
        if status:
            WebhookDelivery.objects.create(
                event=record,
                subscription=subscription,
                status=status,
                delivered_at=created_at if status == Status.DELIVERED else None,
            )
        return record

    prunable = [
        event(created_at=old, status=Status.DELIVERED),
        event(created_at=old, status=Status.FAILED),
        event(created_at=old),
    ]
    kept = [
        event(created_at=old, status=Status.PENDING),
        event(created_at=old, dispatched=False),
        event(created_at=timezone.now() - timedelta(days=29), status=Status.DELIVERED),
    ]

    assert outbox_prune() == len(prunable)

    assert set(OutboxEvent.objects.all()) == set(kept)
    assert WebhookDelivery.objects.count() == 2


# --- the back office -------------------------------------------------------------

PAGES = [
    "/admin/erp/webhooksubscription/",
    "/admin/erp/webhookdelivery/",
    "/admin/erp/outboxevent/",
]


@pytest.fixture
def superuser_client(client: Client) -> Client:
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def failed_delivery(url: str = "https://example.com/hooks") -> WebhookDelivery:
    subscribe(url)
    record_dispatched(payload={"number": "100042", "total": "59.90"})
    WebhookDelivery.objects.update(
        status=Status.FAILED, attempts=8, next_attempt_at=None, last_error="HTTP 500"
    )
    return WebhookDelivery.objects.get()


@pytest.mark.django_db
def test_the_back_office_lists_and_shows_subscriptions_deliveries_and_events(superuser_client):
    delivery = failed_delivery()

    for page in PAGES:
        assert superuser_client.get(page).status_code == 200
    subscriptions = superuser_client.get(PAGES[0]).content.decode()
    assert "0 delivered, 0 pending, 1 failed" in subscriptions
    deliveries = superuser_client.get(PAGES[1]).content.decode()
    assert str(delivery.event_id) in deliveries
    assert "Retry now" in deliveries
    event_page = superuser_client.get(f"/admin/erp/outboxevent/{delivery.event_id}/change/")
    assert event_page.status_code == 200
    assert "&quot;total&quot;: &quot;59.90&quot;" in event_page.content.decode()
    assert (
        superuser_client.get(f"/admin/erp/webhookdelivery/{delivery.pk}/change/").status_code == 200
    )
    subscription_page = superuser_client.get(
        f"/admin/erp/webhooksubscription/{delivery.subscription_id}/change/"
    )
    assert delivery.subscription.secret in subscription_page.content.decode()
    assert 'type="checkbox" name="events" value="stock.changed"' in (
        subscription_page.content.decode()
    )
    # nobody writes the log or the outbox by hand
    for page in ["/admin/erp/webhookdelivery/add/", "/admin/erp/outboxevent/add/"]:
        assert superuser_client.get(page).status_code == 403
    assert (
        superuser_client.get(f"/admin/erp/outboxevent/{delivery.event_id}/delete/").status_code
        == 403
    )


@pytest.mark.django_db
def test_staff_add_a_subscription_with_event_checkboxes(superuser_client):
    response = superuser_client.post(
        "/admin/erp/webhooksubscription/add/",
        {
            "url": "https://erp.example.com/kontor",
            "description": "Marketplace",
            "events": ["order.created", "stock.changed"],
            "is_active": "on",
            "secret": "shared-with-the-marketplace",
        },
    )

    assert response.status_code == 302
    subscription = WebhookSubscription.objects.get()
    assert subscription.events == ["order.created", "stock.changed"]
    assert subscription.secret == "shared-with-the-marketplace"


@pytest.mark.django_db
def test_retry_now_gives_a_failed_delivery_a_new_round(
    superuser_client, start_receiver, eager_tasks, django_capture_on_commit_callbacks
):
    receiver = start_receiver()
    delivery = failed_delivery(receiver.url)
    delivered = WebhookDelivery.objects.create(
        event=outbox_event_record(event="order.created", payload={"number": "100043"}),
        subscription=WebhookSubscription.objects.get(),
        status=Status.DELIVERED,
        delivered_at=timezone.now(),
        next_attempt_at=None,
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(
            PAGES[1],
            {"action": "retry_now", "_selected_action": [delivery.pk, delivered.pk]},
            follow=True,
        )

    messages = [str(message) for message in response.context["messages"]]
    assert "1 delivery(ies) queued for a new round of attempts." in messages
    assert "1 delivery(ies) skipped: only failed deliveries can be retried." in messages
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.DELIVERED, 1)
    assert len(receiver.requests) == 1
    assert receiver.json()["id"] == str(delivery.event_id)
    assert webhook_delivery_retry(delivery_id=delivered.pk) is False


@pytest.mark.django_db
def test_only_permitted_staff_see_webhooks_and_only_managers_retry(client: Client):
    delivery = failed_delivery()
    client.force_login(StaffFactory(username="no-role"))
    for page in PAGES:
        assert client.get(page).status_code == 403
    client.force_login(StaffFactory(username="warehouse", role="Warehouse"))
    for page in PAGES:
        assert client.get(page).status_code == 403

    client.force_login(StaffFactory(username="manager", role="Manager"))
    for page in PAGES:
        assert client.get(page).status_code == 200
    assert client.get("/admin/erp/webhooksubscription/add/").status_code == 200
    assert client.get("/admin/erp/webhookdelivery/add/").status_code == 403
    client.post(PAGES[1], {"action": "retry_now", "_selected_action": [delivery.pk]})
    delivery.refresh_from_db()
    assert delivery.status == Status.PENDING


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_webhook_list_pages_run_a_constant_number_of_queries(superuser_client, page):
    def queries_with(rows: int) -> int:
        for number in range(rows):
            subscribe(f"https://{number}.example.com/hooks")
        record_dispatched()
        with CaptureQueriesContext(connection) as queries:
            assert superuser_client.get(page).status_code == 200
        return len(queries)

    one = queries_with(1)
    assert queries_with(5) == one


# --- receivers on private addresses (server-side request forgery) ----------------


@pytest.fixture
def private_addresses_refused(settings: Any) -> Any:
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    return settings


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hooks",
        "http://localhost/hooks",
        "http://10.1.2.3/hooks",
        "https://192.168.0.10/hooks",
        "http://169.254.169.254/latest/meta-data/",  # the cloud metadata service
        "http://[::1]/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
        "http://0.0.0.0/hooks",
    ],
)
@pytest.mark.django_db
def test_a_subscription_to_a_private_address_is_refused_with_a_reason(
    private_addresses_refused, url
):
    with pytest.raises(ValidationError) as refused:
        WebhookSubscription(url=url, events=["order.created"]).full_clean()
    (message,) = refused.value.message_dict["url"]
    assert "public addresses only" in message


@pytest.mark.django_db
def test_public_addresses_and_names_that_do_not_resolve_yet_are_accepted(
    private_addresses_refused,
):
    for url in ["https://93.184.215.14/hooks", "https://hooks.partner.invalid/kontor"]:
        WebhookSubscription(url=url, events=["order.created"]).full_clean()


@pytest.mark.django_db
def test_the_admin_explains_why_a_private_receiver_is_refused(
    private_addresses_refused, superuser_client
):
    response = superuser_client.post(
        "/admin/erp/webhooksubscription/add/",
        {
            "url": "http://169.254.169.254/latest/meta-data/",
            "events": ["order.created"],
            "secret": "s" * 40,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "public addresses only" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


@pytest.mark.django_db
def test_a_delivery_never_connects_to_a_private_address(start_receiver, private_addresses_refused):
    receiver = start_receiver()
    # saved while private receivers were allowed, or by a name that resolves
    # to a private address only later: the check at connect time still holds
    delivery = make_delivery(subscribe(receiver.url))

    attempted = webhook_delivery_attempt(delivery_id=delivery.pk)

    assert attempted is not None
    assert receiver.requests == []
    assert attempted.status == Status.PENDING and attempted.attempts == 1
    assert "PrivateAddressError" in attempted.last_error
    assert "public addresses only" in attempted.last_error


@pytest.mark.django_db
def test_a_name_is_resolved_once_and_the_checked_address_is_the_one_connected(
    start_receiver, monkeypatch
):
    receiver = start_receiver()
    port = int(receiver.url.split(":")[2].split("/")[0])
    lookups: list[str] = []

    def resolve(host: str, *args: Any, **kwargs: Any) -> Any:
        lookups.append(host)
        return real_getaddrinfo("127.0.0.1", *args, **kwargs)

    real_getaddrinfo = outbound.socket.getaddrinfo
    monkeypatch.setattr(outbound.socket, "getaddrinfo", resolve)
    delivery = make_delivery(subscribe(f"http://receiver.partner.invalid:{port}/hooks"))

    attempted = webhook_delivery_attempt(delivery_id=delivery.pk)

    assert attempted is not None and attempted.status == Status.DELIVERED
    assert lookups == ["receiver.partner.invalid"]  # one lookup: no second, different answer
    assert receiver.requests[0].headers["Host"] == f"receiver.partner.invalid:{port}"


def test_a_name_with_any_private_answer_is_refused(private_addresses_refused, monkeypatch):
    answers = [
        (2, 1, 6, "", ("93.184.215.14", 443)),
        (2, 1, 6, "", ("10.0.0.7", 443)),
    ]
    monkeypatch.setattr(outbound.socket, "getaddrinfo", lambda *args, **kwargs: answers)
    with pytest.raises(outbound.PrivateAddressError, match=r"10\.0\.0\.7"):
        outbound._public_connection(("hooks.partner.example", 443), timeout=1)


@pytest.mark.django_db
def test_deliveries_ignore_proxies_from_the_environment(start_receiver, monkeypatch):
    receiver = start_receiver()
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:1")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:1")
    delivery = make_delivery(subscribe(receiver.url))

    attempted = webhook_delivery_attempt(delivery_id=delivery.pk)

    assert attempted is not None and attempted.status == Status.DELIVERED
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_events_recorded_in_a_batch_are_written_together_at_its_end(
    sent, django_capture_on_commit_callbacks
):
    subscribe("https://example.com/hooks", ("order.created",))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with CaptureQueriesContext(connection) as queries, outbox.outbox_batch():
            stock = outbox_event_record(event="stock.changed", payload={"sku": "T-1"})
            with outbox.outbox_batch():  # nested: written with the outer one
                order = outbox_event_record(event="order.created", payload={"number": "1"})
            assert not OutboxEvent.objects.exists()  # nothing written yet
        inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "erp_outboxevent"')]
        assert len(inserts) == 1
        assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {stock.pk, order.pk}
    assert sent == [[str(order.pk)]]  # dispatched after commit, as without a batch


@pytest.mark.django_db
def test_a_batch_that_fails_writes_none_of_its_events():
    with pytest.raises(RuntimeError), transaction.atomic(), outbox.outbox_batch():
        outbox_event_record(event="order.created", payload={"number": "1"})
        raise RuntimeError("the business change failed")
    assert not OutboxEvent.objects.exists()
    # the next batch starts empty
    with transaction.atomic(), outbox.outbox_batch():
        outbox_event_record(event="order.created", payload={"number": "2"})
    assert list(OutboxEvent.objects.values_list("payload", flat=True)) == [{"number": "2"}]
