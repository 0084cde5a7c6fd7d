"""Idempotent API requests."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from erp.models import IdempotentRequest
from erp.services.locks import advisory_xact_lock


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
