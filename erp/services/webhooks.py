"""Signed webhook deliveries of outbox events: enqueue, attempt, retry, verify.

One ``WebhookDelivery`` per (event, active subscription) is created by
``erp.services.outbox.outbox_event_dispatch``; this module POSTs it until the
receiver answers 2xx. The request format and the signature scheme are described
in ``erp.services.outbox``.
"""

import hashlib
import hmac
import http.client
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from erp import outbound
from erp.db.raw_select import column, table
from erp.models import OutboxEvent, WebhookDelivery
from erp.services import broker
from erp.services.broker import enqueue_lease

logger = logging.getLogger(__name__)

# A claimed attempt holds its row this long beyond the request's time-out.
ATTEMPT_LEASE_MARGIN_SECONDS = 30
TEXT_LIMIT = 500
USER_AGENT = f"{settings.PRODUCT_NAME}-Webhooks/1.0"


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
        if not broker.task_enqueue(
            task=tasks.webhook_deliver, args=[delivery_id], countdown=countdown
        )
    ]
    if refused:
        WebhookDelivery.objects.filter(pk__in=refused).update(enqueued_until=None)


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


def webhook_deliveries_claim_due(*, now: Any, limit: int) -> list[int]:
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
