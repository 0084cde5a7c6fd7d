"""The outbox: events written in the business transaction, sent on as signed webhooks.

``outbox_event_record`` writes an ``OutboxEvent`` in the caller's transaction,
so an event exists if and only if the change it announces committed. After
commit its dispatch is enqueued (when some active subscription listens to that
event; the rest are settled in bulk by the sweep); dispatch fans it out into one
``WebhookDelivery`` per active subscription to that event name, and each
delivery is POSTed until the receiver answers 2xx, waiting
``WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempts - 1)`` (capped at
``WEBHOOK_RETRY_MAX_SECONDS``) between attempts and giving up (status failed)
after ``WEBHOOK_MAX_ATTEMPTS``. A broker that is down never loses an event:
enqueueing only logs a warning, the rows stay undispatched or pending, and
``outbox_sweep`` (beat, every 30 s) sends them when it is back. Delivery is
at least once; receivers de-duplicate by the event id.

A message on the queue holds a lease on its row (``enqueued_until``, set with
the enqueue: at commit, by the sweep, by a scheduled retry; given up when the
broker refuses it). The sweep queues only deliveries that are due and whose lease
has run out, claiming them with one ``UPDATE ... FOR UPDATE SKIP LOCKED`` that
sets the next lease, and dispatches only events whose lease has run out: however
long the queue and however often the sweep runs, a row is queued at most once
per ``SIDE_EFFECT_LEASE_SECONDS``, so a backlog drains instead of growing.

Every request looks like this::

    POST <subscription URL>
    Content-Type: application/json
    Kontor-Event: order.created
    Kontor-Event-Id: 0b6e3c1e-...        (the event's UUID, the same on every retry)
    Kontor-Delivery-Attempt: 1
    Kontor-Signature: t=1764211200,v1=5d41402abc4b2a76b9719d911017c592...

    {"id": "0b6e3c1e-...", "event": "order.created",
     "created_at": "2026-11-27T03:43:00.123456+00:00", "data": {...}}

``v1`` is the lower-case hex HMAC-SHA256, keyed with the subscription's
secret (UTF-8), of ``f"{t}."`` followed by the exact body bytes, where ``t`` is
the Unix time of signing (each attempt signs afresh). A receiver recomputes it
over the raw body, compares in constant time, and rejects a ``t`` too far from
its own clock, which stops replays: ``webhook_signature_verify`` does exactly
that. Redirects are not followed: a 3xx answer counts as a failed attempt.
Receivers must be on public addresses (``erp.outbound``), unless
``WEBHOOK_ALLOW_PRIVATE_ADDRESSES`` is set (``erp.services.webhooks`` sends them).
"""

import json
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from psycopg.types.json import Jsonb

from erp.db.bulk import copy_rows
from erp.models import OutboxEvent, WebhookDelivery, WebhookSubscription
from erp.services import broker
from erp.services.broker import enqueue_lease
from erp.services.webhooks import webhook_deliveries_claim_due, webhook_deliveries_enqueue

EVENT_NAMES = frozenset(OutboxEvent.Name.values)
# Events younger than this are left to the dispatch enqueued at their commit.
SWEEP_DISPATCH_DELAY = timedelta(seconds=5)
SWEEP_BATCH_SIZE = 500
PRUNE_BATCH_SIZE = 1000


class OutboxError(ValueError):
    """An event that cannot be recorded: an unknown name or a non-JSON payload."""


# Which events any active subscription listens to, remembered per process for a
# few seconds: events nobody listens to are not sent through the broker. A
# subscription saved in another process moments ago may miss that shortcut; its
# events then wait for the sweep (at most SWEEP_DISPATCH_DELAY + one beat), and
# none is lost.
SUBSCRIBED_EVENTS_TTL_SECONDS = 10.0
_subscribed: dict[str, Any] = {"events": frozenset(), "until": 0.0}


def subscribed_events(*, fresh: bool = False) -> frozenset[str]:
    """Event names some active subscription listens to (cached, see above)."""
    now = time.monotonic()
    if fresh or now >= _subscribed["until"]:
        names: set[str] = set()
        for events in WebhookSubscription.objects.filter(is_active=True).values_list(
            "events", flat=True
        ):
            names.update(events)
        _subscribed.update(events=frozenset(names), until=now + SUBSCRIBED_EVENTS_TTL_SECONDS)
    return _subscribed["events"]


def subscribed_events_forget(**_kwargs: Any) -> None:
    """Drop this process's cached ``subscribed_events`` (a subscription changed)."""
    _subscribed["until"] = 0.0


def _check_event(event: str, payload: Any) -> None:
    if event not in EVENT_NAMES:
        raise OutboxError(
            f"Unknown event {event!r}; known events: {', '.join(sorted(EVENT_NAMES))}."
        )
    if not isinstance(payload, dict):
        raise OutboxError(f"The {event} payload must be a dict, not {type(payload).__name__}.")
    try:
        json.dumps(payload, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise OutboxError(
            f"The {event} payload is not JSON-serialisable ({error}); convert Decimal, "
            "date and other values to strings or numbers first."
        ) from error


_batch = threading.local()


@contextmanager
def outbox_batch() -> Iterator[None]:
    """Events recorded inside the block are written in one INSERT when it ends
    without an error (in the caller's transaction, which must enclose the
    block); an error discards them. Nested blocks write with the outermost."""
    if getattr(_batch, "events", None) is not None:
        yield
        return
    _batch.events = []
    try:
        yield
        pending: list[OutboxEvent] = _batch.events
    finally:
        _batch.events = None
    _outbox_write(pending)


def outbox_events_record(*, events: Sequence[tuple[str, dict[str, Any]]]) -> list[OutboxEvent]:
    """Write events to the outbox in the caller's transaction, in one INSERT
    (held back until the end of an enclosing ``outbox_batch`` block).

    The dispatch of each event some subscription listens to is enqueued when
    that transaction commits (immediately when there is none); a rollback takes
    the events with it. Payloads must be plain JSON: the caller converts
    Decimals, dates and UUIDs to strings.
    """
    for event, payload in events:
        _check_event(event, payload)
    records = [OutboxEvent(event=event, payload=payload) for event, payload in events]
    pending = getattr(_batch, "events", None)
    if pending is not None:
        pending.extend(records)
    else:
        _outbox_write(records)
    return records


COPY_THRESHOLD = 500


def _outbox_write(records: list[OutboxEvent]) -> None:
    if not records:
        return
    listened = subscribed_events()
    # events nobody listens to are settled by the sweep (dispatched normally if
    # a subscriber appears); the others are leased to the dispatch enqueued at commit
    leased = [record for record in records if record.event in listened]
    lease_ends = timezone.now() + enqueue_lease()
    for record in leased:
        record.enqueued_until = lease_ends
    if len(records) > COPY_THRESHOLD:  # an import's thousands of events: PostgreSQL's COPY
        copy_rows(
            OutboxEvent,
            ("id", "event", "payload", "created_at", "dispatched_at", "enqueued_until"),
            (
                (r.id, r.event, Jsonb(r.payload), r.created_at, r.dispatched_at, r.enqueued_until)
                for r in records
            ),
        )
    else:
        OutboxEvent.objects.bulk_create(records)
    if leased:
        event_ids = [str(record.pk) for record in leased]
        transaction.on_commit(lambda: _enqueue_dispatches(event_ids))


def _enqueue_dispatches(event_ids: Sequence[str]) -> None:
    from erp import tasks

    refused = [
        event_id
        for event_id in event_ids
        if not broker.task_enqueue(task=tasks.outbox_dispatch, args=[event_id])
    ]
    if refused:  # no message holds them: the next sweep dispatches them
        OutboxEvent.objects.filter(pk__in=refused, dispatched_at__isnull=True).update(
            enqueued_until=None
        )


def outbox_event_record(*, event: str, payload: dict[str, Any]) -> OutboxEvent:
    """Write one event to the outbox in the caller's transaction (see ``outbox_events_record``)."""
    return outbox_events_record(events=[(event, payload)])[0]


def outbox_event_dispatch(*, event_id: uuid.UUID | str) -> list[int]:
    """Fan an event out into one pending delivery per active subscription to it.

    Idempotent: the event row is locked, so concurrent dispatchers queue up and
    the later ones find it dispatched and do nothing; (event, subscription) is
    unique besides. Returns the ids of the deliveries created, which are
    enqueued after commit. An event nobody subscribes to is simply marked
    dispatched.
    """
    with transaction.atomic():
        event = OutboxEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None or event.dispatched_at is not None:
            return []
        now = timezone.now()
        subscriptions = WebhookSubscription.objects.filter(
            is_active=True, events__contains=[event.event]
        ).order_by("pk")
        WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    event=event,
                    subscription=subscription,
                    next_attempt_at=now,
                    enqueued_until=now + enqueue_lease(),  # enqueued at commit
                )
                for subscription in subscriptions
            ],
            ignore_conflicts=True,
        )
        delivery_ids = list(
            WebhookDelivery.objects.filter(event=event, status=WebhookDelivery.Status.PENDING)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        event.dispatched_at = now
        event.save(update_fields=["dispatched_at"])
        transaction.on_commit(lambda: webhook_deliveries_enqueue(delivery_ids=delivery_ids))
    return delivery_ids


def outbox_sweep() -> dict[str, int]:
    """Catch up on what the broker missed; safe to run at any time, any number of times.

    Claims and enqueues pending deliveries whose next attempt is due and whose
    lease has run out, marks events nobody subscribes to as dispatched (one
    UPDATE), then dispatches events left undispatched for more than a few
    seconds whose lease has run out (their deliveries are enqueued by the
    dispatch). At most ``SWEEP_BATCH_SIZE`` deliveries and events per run.
    """
    now = timezone.now()
    settled = (
        OutboxEvent.objects.filter(
            dispatched_at__isnull=True, created_at__lte=now - SWEEP_DISPATCH_DELAY
        )
        .exclude(event__in=subscribed_events(fresh=True))
        .update(dispatched_at=now)
    )
    with transaction.atomic():
        due_ids = webhook_deliveries_claim_due(now=now, limit=SWEEP_BATCH_SIZE)
        transaction.on_commit(lambda: webhook_deliveries_enqueue(delivery_ids=due_ids))
    event_ids = list(
        OutboxEvent.objects.filter(
            Q(enqueued_until__isnull=True) | Q(enqueued_until__lte=now),
            dispatched_at__isnull=True,
            created_at__lte=now - SWEEP_DISPATCH_DELAY,
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH_SIZE]
    )
    for event_id in event_ids:
        outbox_event_dispatch(event_id=event_id)
    return {
        "deliveries_enqueued": len(due_ids),
        "events_dispatched": len(event_ids),
        "events_settled": settled,
    }


def outbox_prune() -> int:
    """Delete events older than ``OUTBOX_RETENTION_DAYS`` that are dispatched and
    whose deliveries are all finished (delivered or given up), with their
    deliveries; returns how many events went."""
    cutoff = timezone.now() - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    unfinished = WebhookDelivery.objects.filter(
        event=OuterRef("pk"), status=WebhookDelivery.Status.PENDING
    )
    prunable = OutboxEvent.objects.filter(
        dispatched_at__isnull=False, created_at__lt=cutoff
    ).exclude(Exists(unfinished))
    deleted = 0
    while batch := list(prunable.values_list("pk", flat=True)[:PRUNE_BATCH_SIZE]):
        # filtered again: a delivery retried since the batch was read keeps its event
        _, per_model = prunable.filter(pk__in=batch).delete()
        deleted += per_model.get(OutboxEvent._meta.label, 0)
    return deleted
