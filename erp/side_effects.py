"""Side effects that must happen once: recorded with the change that causes them,
performed by a worker, sent again by a sweep when a message is lost.

Why this exists: a broker may lose a message. Kombu's file-system transport
deletes a message when a worker receives it, so a worker killed in the middle of
a task takes the message with it (late acknowledgement cannot help), and a
Redis or RabbitMQ outage at commit time loses the enqueue. So every side effect
that must happen (an order confirmation, a tracking e-mail, a credit-hold
alert, ...) has an ``erp.SideEffect`` row that says whether it is done, and
nothing relies on the message alone. Webhooks keep their own rows (outbox
events and deliveries, ``erp.services.outbox``) under the same rules.

Invariants
----------
- A row exists exactly when the business change committed:
  ``side_effect_record`` writes it in the caller's transaction (an INSERT that
  does nothing when the row exists, so recording twice leaves one row) and
  enqueues its task after commit.
- Every message on the queue holds a lease (``leased_until``), and so does a
  worker performing the effect. ``side_effects_sweep`` (beat, every 30 s)
  re-enqueues only pending rows that are due and whose lease has run out,
  claiming them with one ``UPDATE ... FOR UPDATE SKIP LOCKED`` that sets a new
  lease: a row is queued at most once per lease, however often the sweep runs.
- A worker first claims the row in a transaction of its own (one more attempt,
  a fresh lease), then, in one transaction holding the row lock, performs the
  effect and marks the row done. A second message for the same row (the
  original and the sweep's) finds it locked, claimed anew or done, and does
  nothing: the effect happens once. A worker that dies on the way leaves the
  row pending (its transaction rolls back), and the sweep sends it again when
  the lease runs out.
- A failed attempt is retried after ``SIDE_EFFECT_RETRY_BASE_SECONDS * 2 **
  (attempts - 1)`` (capped at ``SIDE_EFFECT_RETRY_MAX_SECONDS``); after
  ``SIDE_EFFECT_MAX_ATTEMPTS`` attempts (also those a dying worker never
  finished) the row is failed, listed in the back office, and retried only by
  staff.
- One window remains, as with any mail server: the server accepted an e-mail
  and the worker died before its commit. The e-mail then goes again, with the
  same Message-ID (derived from its subject), so mail clients show it once.

A task is declared with ``side_effect_task``: the decorated function performs
the effect for one object id inside the row's transaction and returns an
``Outcome``; raising means the attempt failed.
"""

import functools
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Any, NamedTuple

from celery import shared_task
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from erp.db.raw_select import column, table
from erp.models import SideEffect

logger = logging.getLogger(__name__)

Status = SideEffect.Status
SWEEP_BATCH_SIZE = 500
ERROR_LIMIT = 500
OUTCOME_LIMIT = 255


class Outcome(NamedTuple):
    """What an attempt did: ``performed`` is False when there was nothing to do
    (the order has no e-mail address, it left credit hold); ``note`` is shown to
    staff. Either way the row is done."""

    performed: bool
    note: str


class UnknownSideEffect(LookupError):
    """A kind no ``side_effect_task`` declares."""


# kind -> its Celery task (filled as task modules are imported)
_TASKS: dict[str, Any] = {}


def side_effect_task(*, kind: str) -> Callable[[Callable[[int], Outcome]], Any]:
    """Declare the Celery task that performs side effects of ``kind``.

    The task, named after the decorated function, takes the object's id and
    returns True when this call performed the effect. The function runs inside
    the transaction that marks the row done, with the row locked.
    """

    def declare(perform: Callable[[int], Outcome]) -> Any:
        @functools.wraps(perform)
        def run(object_id: int) -> bool:
            return side_effect_perform(kind=kind, object_id=object_id, perform=perform)

        task = shared_task(name=f"{perform.__module__}.{perform.__name__}")(run)
        _TASKS[kind] = task
        return task

    return declare


def _task_for(kind: str) -> Any:
    if kind not in _TASKS:
        from erp.celery import app

        app.loader.import_default_modules()  # every app's tasks.py, as a worker does
    if kind not in _TASKS:
        raise UnknownSideEffect(f"No task performs side effects of kind {kind!r}.")
    return _TASKS[kind]


def lease() -> timedelta:
    """How long a queued message or a performing worker holds a row."""
    return timedelta(seconds=settings.SIDE_EFFECT_LEASE_SECONDS)


def retry_delay(*, attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: doubling, capped."""
    seconds = settings.SIDE_EFFECT_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.SIDE_EFFECT_RETRY_MAX_SECONDS))


# inside ``side_effects_unqueued``: record rows, send no messages
_unqueued: ContextVar[bool] = ContextVar("side_effects_unqueued", default=False)


@contextmanager
def side_effects_unqueued() -> Iterator[None]:
    """Record side effects inside the block without queueing their messages.

    For work that settles its own side effects (the demo data, which e-mails
    nobody): the worker is not sent a message per row only to find it done. A row
    still pending when its lease runs out is sent by the sweep as usual, so
    nothing recorded here can be lost.
    """
    token = _unqueued.set(True)
    try:
        yield
    finally:
        _unqueued.reset(token)


def side_effect_record(*, kind: str, subject: Model) -> None:
    """Record that ``kind`` must happen for ``subject``, in the caller's transaction.

    Its task is enqueued when that transaction commits (at once without one), with
    the row leased for the time a message may take; a rollback takes the row with
    it. Recording an effect that exists already changes nothing.
    """
    _task_for(kind)  # fail in the business transaction, not silently in the sweep
    now = timezone.now()
    SideEffect.objects.bulk_create(
        [
            SideEffect(
                kind=kind,
                content_type=ContentType.objects.get_for_model(subject),
                object_id=subject.pk,
                due_at=now,
                leased_until=now + lease(),
            )
        ],
        ignore_conflicts=True,
    )
    if _unqueued.get():
        return
    object_id = subject.pk
    transaction.on_commit(lambda: _enqueue([(kind, object_id)]))


def _enqueue(claimed: Sequence[tuple[str, int]], countdown: float | None = None) -> None:
    """Send each (kind, object id) to its task; a row whose message the broker
    refused gives up its lease, so the next sweep sends it."""
    from erp.services.broker import task_enqueue

    refused: list[tuple[str, int]] = []
    for kind, object_id in claimed:
        try:
            task = _task_for(kind)
        except UnknownSideEffect:
            logger.exception("Side effect %s of %s left pending", kind, object_id)
            continue
        if not task_enqueue(task=task, args=[object_id], countdown=countdown):
            refused.append((kind, object_id))
    for kind, object_id in refused:
        SideEffect.objects.filter(kind=kind, object_id=object_id, status=Status.PENDING).update(
            leased_until=None
        )


def side_effect_perform(*, kind: str, object_id: int, perform: Callable[[int], Outcome]) -> bool:
    """Perform the pending side effect (kind, object_id) once; True if this call did.

    False when there is nothing for this call to do: no such row, already done or
    failed, another worker performing it right now, or ``perform`` found nothing
    to do. A failure is recorded and retried later (see the module docstring),
    never raised: the message is finished either way.
    """
    claim = _claim(kind=kind, object_id=object_id)
    if claim is None:
        return False
    effect_id, attempt = claim
    try:
        with transaction.atomic():
            locked = (
                SideEffect.objects.select_for_update()
                .filter(pk=effect_id, status=Status.PENDING, attempts=attempt)
                .exists()
            )
            if not locked:  # a later claim took it over
                return False
            outcome = perform(object_id)
            SideEffect.objects.filter(pk=effect_id).update(
                status=Status.DONE,
                done_at=timezone.now(),
                leased_until=None,
                outcome=outcome.note[:OUTCOME_LIMIT],
                last_error="",
            )
            return outcome.performed
    except Exception as error:
        _attempt_failed(
            kind=kind, object_id=object_id, effect_id=effect_id, attempt=attempt, error=error
        )
        return False


def _claim(*, kind: str, object_id: int) -> tuple[int, int] | None:
    """Count one more attempt and take the lease, committed before the work (so
    an attempt that kills its worker still counts); None when the row is not
    pending or another worker holds it."""
    now = timezone.now()
    with transaction.atomic():
        effect = (
            SideEffect.objects.select_for_update(skip_locked=True)
            .filter(kind=kind, object_id=object_id, status=Status.PENDING)
            .only("pk", "attempts", "last_error")
            .first()
        )
        if effect is None:
            return None
        if effect.attempts >= settings.SIDE_EFFECT_MAX_ATTEMPTS:
            reason = effect.last_error or (
                f"Gave up after {effect.attempts} attempts that never finished "
                "(the worker stopped while performing it)."
            )
            SideEffect.objects.filter(pk=effect.pk).update(
                status=Status.FAILED, leased_until=None, last_error=reason[:ERROR_LIMIT]
            )
            logger.error("Side effect %s of %s failed: %s", kind, object_id, reason)
            return None
        attempt = effect.attempts + 1
        SideEffect.objects.filter(pk=effect.pk).update(
            attempts=attempt, last_attempt_at=now, leased_until=now + lease()
        )
        return effect.pk, attempt


def _attempt_failed(
    *, kind: str, object_id: int, effect_id: int, attempt: int, error: Exception
) -> None:
    text = f"{type(error).__name__}: {error}"[:ERROR_LIMIT]
    this_claim = SideEffect.objects.filter(pk=effect_id, status=Status.PENDING, attempts=attempt)
    if attempt >= settings.SIDE_EFFECT_MAX_ATTEMPTS:
        this_claim.update(status=Status.FAILED, leased_until=None, last_error=text)
        logger.error(
            "Side effect %s of %s gave up after %s attempts: %s",
            kind,
            object_id,
            attempt,
            text,
            exc_info=error,
        )
        return
    wait = retry_delay(attempts=attempt)
    due = timezone.now() + wait
    if this_claim.update(last_error=text, due_at=due, leased_until=due + lease()):
        logger.warning(
            "Side effect %s of %s failed (attempt %s), retried in %s s: %s",
            kind,
            object_id,
            attempt,
            wait.total_seconds(),
            text,
            exc_info=error,
        )
        retry = [(kind, object_id)]
        transaction.on_commit(lambda: _enqueue(retry, countdown=wait.total_seconds()))


def side_effects_sweep(*, batch_size: int = SWEEP_BATCH_SIZE) -> int:
    """Re-enqueue pending side effects that are due and whose lease ran out, each
    with a fresh lease; returns how many. Safe to run at any time, any number of
    times, in several processes at once: a row is claimed by one of them."""
    now = timezone.now()
    # only quoted identifiers in the text; every value is a parameter
    pk, kind, object_id, status, due, lease_column = (
        column(SideEffect, name)
        for name in ("id", "kind", "object_id", "status", "due_at", "leased_until")
    )
    effects = table(SideEffect)
    sql = (
        f"UPDATE {effects} SET {lease_column} = %s WHERE {pk} IN ("  # noqa: S608
        f" SELECT {pk} FROM {effects}"
        f" WHERE {status} = %s AND {due} <= %s"
        f" AND ({lease_column} IS NULL OR {lease_column} <= %s)"
        f" ORDER BY {due}, {pk} LIMIT %s FOR UPDATE SKIP LOCKED"
        f") RETURNING {kind}, {object_id}"
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, [now + lease(), Status.PENDING, now, now, batch_size])
            claimed = [(row[0], row[1]) for row in cursor.fetchall()]
        transaction.on_commit(lambda: _enqueue(claimed))
    return len(claimed)


def side_effect_retry(*, effect_id: int) -> bool:
    """Give a failed side effect a fresh round of attempts, the first one now.

    Only failed rows qualify (pending ones are retried anyway, done ones never
    happen again); returns whether this one was reset.
    """
    now = timezone.now()
    with transaction.atomic():
        effect = SideEffect.objects.select_for_update().filter(pk=effect_id).first()
        if effect is None or effect.status != Status.FAILED:
            return False
        SideEffect.objects.filter(pk=effect_id).update(
            status=Status.PENDING, attempts=0, due_at=now, leased_until=now + lease()
        )
        claimed = [(effect.kind, effect.object_id)]
        transaction.on_commit(lambda: _enqueue(claimed))
    return True


def side_effects_settle(*, subject: Model, note: str) -> int:
    """Mark the pending side effects of ``subject`` done without performing them
    (demo data is not e-mailed); their messages then find nothing to do. Returns
    how many were settled."""
    return SideEffect.objects.filter(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        status=Status.PENDING,
    ).update(status=Status.DONE, done_at=timezone.now(), leased_until=None, outcome=note[:255])


def side_effects_prune() -> int:
    """Delete done side effects older than ``OUTBOX_RETENTION_DAYS``; failed and
    pending ones stay. Returns how many went."""
    cutoff = timezone.now() - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    deleted, _ = SideEffect.objects.filter(status=Status.DONE, done_at__lt=cutoff).delete()
    return deleted
