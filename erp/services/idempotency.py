"""Run a request once per ``Idempotency-Key``: the one mechanism every endpoint uses.

``idempotent_once`` holds the rule: requests with the same (user, key) queue on a
transaction-scoped advisory lock; the first one runs and its outcome is stored in
the same transaction as the change, so a failed request stores nothing and may be
sent again; a retry with the same request fingerprint gets the stored outcome, and
the same key with another fingerprint raises ``IdempotencyConflict``. The header
itself is read by ``erp.api.idempotency.parse_idempotency_key`` (one parser, one
length limit).

Where the outcome is stored is the caller's choice, through two callables:

- ``idempotent_request`` (this module) stores the JSON answer in
  ``erp.IdempotentRequest``, per (user, scope, key): stock receipts.
- ``orders.services.placement.order_place_idempotent`` stores the placed order in
  ``orders.IdempotencyKey`` (a foreign key to the order, per (user, key)). That
  table stays where it is: folding it into ``IdempotentRequest`` needs a data
  migration of live keys in the orders app, and any key a client still retries with
  that the migration missed or mapped wrong would place an order twice; an order's
  answer is also re-read from the order (its status changes), not replayed as
  stored JSON. Its prune stays a task of its own (``orders.tasks``).
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from erp.models import IdempotentRequest
from erp.services.locks import advisory_xact_lock

T = TypeVar("T")

# A stored outcome: the fingerprint of the request that produced it, and how to
# read the answer back (called only when the fingerprint matches).
Remembered = tuple[str, Callable[[], T]]


class IdempotencyConflict(ValueError):
    """The Idempotency-Key was used before for a different request."""


CONFLICT_MESSAGE = (
    "This Idempotency-Key was already used for a different request; "
    "use a new key for a new request."
)


def idempotent_once(
    *,
    user: Any,
    lock_key: str,
    fingerprint: str,
    recall: Callable[[], "Remembered[T] | None"],
    perform: Callable[[], T],
    remember: Callable[[T], None],
    conflict: Callable[[], Exception] = lambda: IdempotencyConflict(CONFLICT_MESSAGE),
) -> tuple[T, bool]:
    """Run ``perform`` once per key and return (its answer, whether it is new).

    In one transaction: lock ``(user, lock_key)``; ``recall()`` the stored
    outcome, if any; on a fingerprint mismatch raise ``conflict()``; otherwise
    replay it, or ``perform()`` and ``remember(answer)``.
    """
    with transaction.atomic():
        advisory_xact_lock(owner_id=user.pk, key=lock_key)
        remembered = recall()
        if remembered is not None:
            stored_fingerprint, replay = remembered
            if stored_fingerprint != fingerprint:
                raise conflict()
            return replay(), False
        answer = perform()
        remember(answer)
        return answer, True


def idempotent_request(
    *,
    user: Any,
    scope: str,
    key: str,
    fingerprint: str,
    perform: Callable[[], dict[str, Any]],
) -> tuple[dict[str, Any], bool]:
    """Run ``perform`` once per (user, scope, key) and remember its JSON answer
    (``erp.IdempotentRequest``); returns the answer and whether it is new."""

    def recall() -> "Remembered[dict[str, Any]] | None":
        existing = IdempotentRequest.objects.filter(user=user, scope=scope, key=key).first()
        if existing is None:
            return None
        return existing.fingerprint, lambda: existing.response

    def remember(answer: dict[str, Any]) -> None:
        IdempotentRequest.objects.create(
            user=user, scope=scope, key=key, fingerprint=fingerprint, response=answer
        )

    return idempotent_once(
        user=user,
        lock_key=f"{scope}:{key}",
        fingerprint=fingerprint,
        recall=recall,
        perform=perform,
        remember=remember,
    )


def idempotent_requests_prune() -> int:
    """Forget remembered answers older than ``IDEMPOTENCY_RETENTION_DAYS``: a client
    retries within minutes, not months. Returns how many went."""
    cutoff = timezone.now() - timedelta(days=settings.IDEMPOTENCY_RETENTION_DAYS)
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted
