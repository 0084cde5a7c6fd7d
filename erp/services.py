"""Writes of the shared kernel: worker heartbeats, document sequences, and the
outbox with its signed webhooks.

Outbox and webhooks
-------------------
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
``WEBHOOK_ALLOW_PRIVATE_ADDRESSES`` is set.
"""

import hashlib
import hmac
import http.client
import json
import logging
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from kombu.exceptions import KombuError

from erp import outbound
from erp.models import (
    DocumentSequence,
    IdempotentRequest,
    OutboxEvent,
    WebhookDelivery,
    WebhookSubscription,
    WorkerHeartbeat,
)
from erp.raw_select import column, table

logger = logging.getLogger(__name__)


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


# --- outbox and webhooks ------------------------------------------------------

EVENT_NAMES = frozenset(OutboxEvent.Name.values)
# Events younger than this are left to the dispatch enqueued at their commit.
SWEEP_DISPATCH_DELAY = timedelta(seconds=5)
SWEEP_BATCH_SIZE = 500
PRUNE_BATCH_SIZE = 1000
# A claimed attempt holds its row this long beyond the request's time-out.
ATTEMPT_LEASE_MARGIN_SECONDS = 30
TEXT_LIMIT = 500
USER_AGENT = f"{settings.PRODUCT_NAME}-Webhooks/1.0"


class OutboxError(ValueError):
    """An event that cannot be recorded: an unknown name or a non-JSON payload."""


# After the broker refused a message, sends from this process are skipped for a
# few seconds rather than each waiting out the connection time-out: a
# transaction that recorded many events stalls once, not once per event.
BROKER_RETRY_AFTER_SECONDS = 5.0
_broker_state = {"unavailable_until": 0.0}


def task_enqueue(*, task: Any, args: Sequence[Any] = (), countdown: float | None = None) -> bool:
    """Send ``task`` to the broker now; True if it was sent.

    A broker that cannot be reached is logged, never raised (and not retried,
    so a request is not held up): the row the task works on stays in the
    database and ``outbox_sweep`` sends it once the broker is back.
    """
    call = f"{task.name}{tuple(args)!r}"
    if time.monotonic() < _broker_state["unavailable_until"]:
        logger.warning("The broker was unreachable moments ago; left %s to the outbox sweep", call)
        return False
    try:
        task.apply_async(args=list(args), countdown=countdown, retry=False)
    except (KombuError, OSError):
        _broker_state["unavailable_until"] = time.monotonic() + BROKER_RETRY_AFTER_SECONDS
        logger.warning(
            "Could not enqueue %s, the broker is unreachable; the outbox sweep will send it",
            call,
            exc_info=True,
        )
        return False
    except Exception:  # never into the caller: its transaction has committed
        logger.exception("Could not enqueue %s; the outbox sweep will send it", call)
        return False
    return True


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


def enqueue_lease() -> timedelta:
    """How long a queued message holds its row before the sweep may queue it again."""
    return timedelta(seconds=settings.SIDE_EFFECT_LEASE_SECONDS)


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
    OutboxEvent.objects.bulk_create(records)
    if leased:
        event_ids = [str(record.pk) for record in leased]
        transaction.on_commit(lambda: _enqueue_dispatches(event_ids))


def _enqueue_dispatches(event_ids: Sequence[str]) -> None:
    from erp import tasks

    refused = [
        event_id
        for event_id in event_ids
        if not task_enqueue(task=tasks.outbox_dispatch, args=[event_id])
    ]
    if refused:  # no message holds them: the next sweep dispatches them
        OutboxEvent.objects.filter(pk__in=refused, dispatched_at__isnull=True).update(
            enqueued_until=None
        )


def outbox_event_record(*, event: str, payload: dict[str, Any]) -> OutboxEvent:
    """Write one event to the outbox in the caller's transaction (see ``outbox_events_record``)."""
    return outbox_events_record(events=[(event, payload)])[0]


def webhook_deliveries_enqueue(
    *, delivery_ids: Sequence[int], countdown: float | None = None
) -> None:
    """Queue an attempt of each delivery (after ``countdown`` seconds), holding its
    lease until the message is due plus the lease; a delivery whose message the
    broker refused gives its lease up, so the next sweep queues it."""
    from erp import tasks

    if not delivery_ids:
        return
    if countdown is not None:
        WebhookDelivery.objects.filter(
            pk__in=delivery_ids, status=WebhookDelivery.Status.PENDING
        ).update(enqueued_until=timezone.now() + timedelta(seconds=countdown) + enqueue_lease())
    refused = [
        delivery_id
        for delivery_id in delivery_ids
        if not task_enqueue(task=tasks.webhook_deliver, args=[delivery_id], countdown=countdown)
    ]
    if refused:
        WebhookDelivery.objects.filter(pk__in=refused).update(enqueued_until=None)


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


def webhook_retry_delay(*, attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: doubling, capped."""
    seconds = settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.WEBHOOK_RETRY_MAX_SECONDS))


def webhook_body(*, event: OutboxEvent) -> bytes:
    """The JSON envelope POSTed for ``event``: the exact bytes that are signed."""
    envelope = {
        "id": str(event.pk),
        "event": event.event,
        "created_at": event.created_at.isoformat(),
        "data": event.payload,
    }
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()


def _signature(secret: str, body: bytes, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def webhook_signature_header(*, secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The ``Kontor-Signature`` value for ``body``: ``t=<unix time>,v1=<hex HMAC>``."""
    signed_at = int(time.time()) if timestamp is None else timestamp
    return f"t={signed_at},v1={_signature(secret, body, signed_at)}"


def webhook_signature_verify(
    *,
    secret: str,
    body: bytes,
    header: str,
    tolerance_seconds: int = 300,
    now: float | None = None,
) -> bool:
    """Whether ``header`` (a ``Kontor-Signature`` value) signs ``body`` with
    ``secret`` at a time within ``tolerance_seconds`` of ``now``.

    Several ``v1`` values are accepted (any one matching is enough), so a
    sender may sign with an old and a new secret while rotating.
    """
    signed_at: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, separator, value = part.strip().partition("=")
        if not separator:
            continue
        if key == "t":
            try:
                signed_at = int(value)
            except ValueError:
                return False
        elif key == "v1":
            signatures.append(value)
    if signed_at is None or not signatures:
        return False
    current = time.time() if now is None else now
    if abs(current - signed_at) > tolerance_seconds:
        return False
    expected = _signature(secret, body, signed_at).encode()
    return any(hmac.compare_digest(expected, signature.encode()) for signature in signatures)


_OPENER = outbound.opener()  # public addresses only, no redirects, no proxies


def _excerpt(response: Any) -> str:
    try:
        return response.read(4 * TEXT_LIMIT).decode("utf-8", "replace")[:TEXT_LIMIT]
    except (OSError, http.client.HTTPException):
        return ""


def _post(*, url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str, str]:
    """POST once: (status code or None, response excerpt, error text or "")."""
    # S310: subscription URLs are validated to be http or https
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _OPENER.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            return response.status, _excerpt(response), ""
    except urllib.error.HTTPError as error:  # a non-2xx answer
        with error:
            return error.code, _excerpt(error), f"HTTP {error.code} {error.reason}"
    except urllib.error.URLError as error:  # refused, DNS, TLS, ...
        return None, "", f"{type(error.reason).__name__}: {error.reason}"
    except (OSError, http.client.HTTPException, ValueError) as error:  # time-out, cut off
        return None, "", f"{type(error).__name__}: {error}"


def webhook_delivery_attempt(*, delivery_id: int) -> WebhookDelivery | None:
    """POST a pending, due delivery once and record the outcome.

    Returns the updated delivery, or None when there was nothing to do: it is
    delivered or given up, not due yet, or another worker claimed it first.
    The claim is a conditional UPDATE committed before the request, which moves
    ``next_attempt_at`` past the request's time-out (a lease): a second worker
    finds the row not due, and if this worker dies mid-request the row is due
    again when the lease ends. 2xx marks it delivered; anything else schedules
    the next attempt, or gives up after ``WEBHOOK_MAX_ATTEMPTS``. Call it
    outside a transaction, as the task does, so the claim commits first.
    """
    delivery = (
        WebhookDelivery.objects.select_related("event", "subscription")
        .filter(pk=delivery_id)
        .first()
    )
    now = timezone.now()
    if (
        delivery is None
        or delivery.status != WebhookDelivery.Status.PENDING
        or delivery.next_attempt_at is None
        or delivery.next_attempt_at > now
    ):
        return None
    pending_and_due = WebhookDelivery.objects.filter(
        pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
    )
    subscription = delivery.subscription
    if not subscription.is_active:
        pending_and_due.update(
            status=WebhookDelivery.Status.FAILED,
            next_attempt_at=None,
            last_error="Not sent: the subscription is inactive.",
        )
        delivery.refresh_from_db()
        return delivery
    lease = timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + ATTEMPT_LEASE_MARGIN_SECONDS)
    if not pending_and_due.update(
        attempts=F("attempts") + 1, last_attempt_at=now, next_attempt_at=now + lease
    ):
        return None
    delivery.refresh_from_db(fields=["attempts"])
    attempt = delivery.attempts

    event = delivery.event
    body = webhook_body(event=event)
    status_code, excerpt, error = _post(
        url=subscription.url,
        body=body,
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Kontor-Event": event.event,
            "Kontor-Event-Id": str(event.pk),
            "Kontor-Delivery-Attempt": str(attempt),
            "Kontor-Signature": webhook_signature_header(secret=subscription.secret, body=body),
        },
    )

    outcome: dict[str, Any] = {
        "last_status_code": status_code,
        "response_excerpt": excerpt,
        "last_error": error[:TEXT_LIMIT],
    }
    if status_code is not None and 200 <= status_code < 300:
        outcome.update(
            status=WebhookDelivery.Status.DELIVERED,
            delivered_at=timezone.now(),
            next_attempt_at=None,
        )
    elif attempt >= settings.WEBHOOK_MAX_ATTEMPTS:
        outcome.update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None)
    else:
        outcome.update(next_attempt_at=now + webhook_retry_delay(attempts=attempt))
    # attempts=attempt: only the claim that made this request records it
    WebhookDelivery.objects.filter(
        pk=delivery_id, status=WebhookDelivery.Status.PENDING, attempts=attempt
    ).update(**outcome)
    delivery.refresh_from_db()
    if delivery.status == WebhookDelivery.Status.FAILED:
        logger.warning(
            "Webhook delivery %s gave up after %s attempts: %s", delivery_id, attempt, error
        )
    return delivery


def webhook_delivery_retry(*, delivery_id: int) -> bool:
    """Give a failed delivery a fresh round of attempts, the first one now.

    Only failed deliveries qualify (pending ones are retried anyway, delivered
    ones are never sent again); returns whether this one was reset.
    """
    now = timezone.now()
    with transaction.atomic():
        reset = WebhookDelivery.objects.filter(
            pk=delivery_id, status=WebhookDelivery.Status.FAILED
        ).update(
            status=WebhookDelivery.Status.PENDING,
            attempts=0,
            next_attempt_at=now,
            enqueued_until=now + enqueue_lease(),
        )
        if reset:
            transaction.on_commit(lambda: webhook_deliveries_enqueue(delivery_ids=[delivery_id]))
    return bool(reset)


def _deliveries_claim_due(*, now: Any, limit: int) -> list[int]:
    """Pending deliveries that are due and hold no lease, now leased to the
    messages about to be queued (one statement; rows another sweep is claiming
    at the same moment are skipped, not waited for). Commits with the caller."""
    # only quoted identifiers in the text; every value is a parameter
    pk, status, due, lease = (
        column(WebhookDelivery, name)
        for name in ("id", "status", "next_attempt_at", "enqueued_until")
    )
    deliveries = table(WebhookDelivery)
    sql = (
        f"UPDATE {deliveries} SET {lease} = %s WHERE {pk} IN ("  # noqa: S608
        f" SELECT {pk} FROM {deliveries}"
        f" WHERE {status} = %s AND {due} <= %s AND ({lease} IS NULL OR {lease} <= %s)"
        f" ORDER BY {due}, {pk} LIMIT %s FOR UPDATE SKIP LOCKED"
        f") RETURNING {pk}"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [now + enqueue_lease(), WebhookDelivery.Status.PENDING, now, now, limit]
        )
        return sorted(delivery_id for (delivery_id,) in cursor.fetchall())


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
        due_ids = _deliveries_claim_due(now=now, limit=SWEEP_BATCH_SIZE)
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


def advisory_xact_lock(*, owner_id: int, key: str) -> None:
    """Hold a PostgreSQL advisory lock on (owner, key) until the transaction ends:
    requests with the same key queue here, others pass."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("advisory_xact_lock must run inside a transaction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [owner_id, key])


class IdempotencyConflict(ValueError):
    """The Idempotency-Key was used before for a different request."""


def idempotent_request(
    *,
    user: Any,
    scope: str,
    key: str,
    fingerprint: str,
    perform: Callable[[], dict[str, Any]],
) -> tuple[dict[str, Any], bool]:
    """Run ``perform`` once per (user, scope, key) and remember its JSON answer.

    Returns the answer and whether it is new. Requests with the same key queue
    on a transaction-scoped advisory lock; the answer is stored in the same
    transaction as the change, so a failed request stores nothing and may be
    sent again. The same key with another body raises ``IdempotencyConflict``.
    """
    with transaction.atomic():
        advisory_xact_lock(owner_id=user.pk, key=f"{scope}:{key}")
        existing = IdempotentRequest.objects.filter(user=user, scope=scope, key=key).first()
        if existing is not None:
            if existing.fingerprint != fingerprint:
                raise IdempotencyConflict(
                    "This Idempotency-Key was already used for a different request; "
                    "use a new key for a new request."
                )
            return existing.response, False
        answer = perform()
        IdempotentRequest.objects.create(
            user=user, scope=scope, key=key, fingerprint=fingerprint, response=answer
        )
        return answer, True


def idempotent_requests_prune() -> int:
    """Forget remembered answers older than ``IDEMPOTENCY_RETENTION_DAYS``: a client
    retries within minutes, not months. Returns how many went."""
    cutoff = timezone.now() - timedelta(days=settings.IDEMPOTENCY_RETENTION_DAYS)
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted
