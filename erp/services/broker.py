"""Sending Celery tasks to the broker without ever failing the caller.

A broker that is down only costs a warning: every task sent here works on a row
that says whether its work is done, and a beat sweep (``outbox_sweep``,
``side_effects_sweep``) sends it again later. A queued message holds a lease on
its row (``enqueue_lease``) so the sweep does not queue it twice. Callers look
``task_enqueue`` up on this module at call time (``broker.task_enqueue(...)``),
so tests can replace it in one place.
"""

import logging
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from kombu.exceptions import KombuError

logger = logging.getLogger(__name__)

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


def enqueue_lease() -> timedelta:
    """How long a queued message holds its row before the sweep may queue it again."""
    return timedelta(seconds=settings.SIDE_EFFECT_LEASE_SECONDS)
