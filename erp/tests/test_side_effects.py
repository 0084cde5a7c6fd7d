"""Side effects that must happen once (``erp.side_effects``): recorded with their
change, performed once, retried with back-off, re-enqueued by the sweep when
their lease ran out, given up visibly, retried by staff.

The broker is replaced by a list of what would have been enqueued (``sent``);
the tasks are run by the test as a worker would run them. The order e-mails built
on them are in ``tests/test_order_emails.py``; the real worker, killed in the
middle of an e-mail, in ``tests/test_side_effects_worker.py``.
"""

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oscar.core.loading import get_model

from erp.celery import app as celery_app
from erp.models import SideEffect
from erp.services import broker
from erp.side_effects import (
    Outcome,
    UnknownSideEffect,
    side_effect_record,
    side_effect_retry,
    side_effect_task,
    side_effects_prune,
    side_effects_settle,
    side_effects_sweep,
)
from erp.tasks import route_housekeeping
from tests.factories import StaffFactory, UserFactory

Status = SideEffect.Status

# --- a side effect the tests control ----------------------------------------------

KIND = "test.effect"
TASK_NAME = "erp.tests.test_side_effects.perform_test_effect"
script: dict[str, Any] = {"calls": [], "fail_with": None, "write": False}


@side_effect_task(kind=KIND)
def perform_test_effect(object_id: int) -> Outcome:
    script["calls"].append(object_id)
    if script["write"]:  # something the effect writes in its transaction
        user = get_model("auth", "User").objects.get(pk=object_id)
        user.first_name = "Performed"
        user.save(update_fields=["first_name"])
    if script["fail_with"] is not None:
        raise script["fail_with"]
    return Outcome(True, f"Did it for {object_id}.")


@pytest.fixture(autouse=True)
def _fresh_script() -> None:
    script.update(calls=[], fail_with=None, write=False)


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
def effect_settings(settings: Any) -> Any:
    settings.SIDE_EFFECT_LEASE_SECONDS = 300
    settings.SIDE_EFFECT_MAX_ATTEMPTS = 4
    settings.SIDE_EFFECT_RETRY_BASE_SECONDS = 30
    settings.SIDE_EFFECT_RETRY_MAX_SECONDS = 100
    return settings


def row(subject: Any, kind: str = KIND) -> SideEffect:
    return SideEffect.objects.get(kind=kind, object_id=subject.pk)


def seconds_from_now(moment: Any) -> float:
    return (moment - timezone.now()).total_seconds()


def make_row(*, status: str = Status.PENDING, due_in: float = -1, lease_in: float | None = None):
    """A side effect row about a fresh user: due ``due_in`` seconds from now,
    leased until ``lease_in`` seconds from now (None: no lease)."""
    now = timezone.now()
    return SideEffect.objects.create(
        kind=KIND,
        content_type=ContentType.objects.get_for_model(get_model("auth", "User")),
        object_id=UserFactory().pk,
        status=status,
        due_at=now + timedelta(seconds=due_in),
        leased_until=None if lease_in is None else now + timedelta(seconds=lease_in),
        done_at=now if status == Status.DONE else None,
    )


# --- recording --------------------------------------------------------------------


@pytest.mark.django_db
def test_an_effect_is_recorded_with_its_change_once_and_enqueued_after_commit(
    sent, effect_settings, django_capture_on_commit_callbacks
):
    user = UserFactory()

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        side_effect_record(kind=KIND, subject=user)
        side_effect_record(kind=KIND, subject=user)  # recording twice changes nothing
        assert sent == []  # nothing leaves before the commit

    effect = row(user)
    assert SideEffect.objects.count() == 1
    assert (effect.content_type.model, effect.status, effect.attempts) == ("user", "pending", 0)
    assert seconds_from_now(effect.due_at) == pytest.approx(0, abs=5)
    assert seconds_from_now(effect.leased_until) == pytest.approx(300, abs=5)
    # each recording sends a message; the second finds the effect done
    assert sent == [(TASK_NAME, [user.pk], None), (TASK_NAME, [user.pk], None)]
    assert perform_test_effect(user.pk) is True
    assert perform_test_effect(user.pk) is False
    assert script["calls"] == [user.pk]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_records_nothing_and_sends_nothing(sent):
    user = UserFactory()

    with pytest.raises(RuntimeError), transaction.atomic():
        side_effect_record(kind=KIND, subject=user)
        raise RuntimeError("the business change failed")

    assert not SideEffect.objects.exists()
    assert sent == []


@pytest.mark.django_db
def test_an_unknown_kind_is_refused_in_the_business_transaction():
    with pytest.raises(UnknownSideEffect, match="No task performs side effects of kind"):
        side_effect_record(kind="order.carrier_pigeon", subject=UserFactory())
    assert not SideEffect.objects.exists()


# --- performing --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_task_performs_once_and_marks_the_row_done(sent, effect_settings):
    user = UserFactory()
    side_effect_record(kind=KIND, subject=user)

    assert perform_test_effect(user.pk) is True
    assert perform_test_effect(user.pk) is False  # a retry or a duplicate message
    assert perform_test_effect(UserFactory().pk) is False  # never recorded: nothing to do

    effect = row(user)
    assert script["calls"] == [user.pk]
    assert (effect.status, effect.attempts, effect.outcome) == ("done", 1, f"Did it for {user.pk}.")
    assert effect.leased_until is None
    assert effect.done_at is not None
    assert effect.last_error == ""


@pytest.mark.django_db
def test_a_failed_attempt_rolls_back_what_it_wrote_backs_off_and_gives_up_visibly(
    sent, effect_settings, django_capture_on_commit_callbacks
):
    user = UserFactory(first_name="Untouched")
    side_effect_record(kind=KIND, subject=user)
    sent.clear()
    script.update(fail_with=ConnectionRefusedError(111, "Connection refused"), write=True)

    waits = []
    for _ in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            assert perform_test_effect(user.pk) is False
        effect = row(user)
        if effect.status == Status.PENDING:
            assert effect.last_attempt_at is not None and effect.leased_until is not None
            waits.append((effect.due_at - effect.last_attempt_at).total_seconds())
            # a message waits for the retry; the sweep leaves the row until it is due
            assert (effect.leased_until - effect.due_at).total_seconds() == pytest.approx(300)

    # doubling, capped at SIDE_EFFECT_RETRY_MAX_SECONDS
    assert waits == pytest.approx([30, 60, 100], abs=2)
    assert [countdown for _, _, countdown in sent] == [30, 60, 100]
    assert {name for name, _, _ in sent} == {TASK_NAME}
    effect = row(user)
    assert (effect.status, effect.attempts) == ("failed", 4)
    assert effect.last_error == "ConnectionRefusedError: [Errno 111] Connection refused"
    assert effect.leased_until is None
    user.refresh_from_db()
    assert user.first_name == "Untouched"  # every attempt's write was rolled back
    assert perform_test_effect(user.pk) is False  # given up: not tried again
    assert len(script["calls"]) == 4
    assert side_effects_sweep() == 0


@pytest.mark.django_db
def test_attempts_that_kill_their_worker_still_count_and_the_effect_is_given_up(
    sent, effect_settings
):
    user = UserFactory()
    side_effect_record(kind=KIND, subject=user)
    # a KeyboardInterrupt passes every handler, as a killed worker leaves mid-task
    script["fail_with"] = KeyboardInterrupt()

    for attempt in range(1, 5):
        with pytest.raises(KeyboardInterrupt):
            perform_test_effect(user.pk)
        effect = row(user)
        assert (effect.status, effect.attempts) == ("pending", attempt)
        assert seconds_from_now(effect.leased_until) == pytest.approx(300, abs=5)

    assert perform_test_effect(user.pk) is False
    effect = row(user)
    assert effect.status == Status.FAILED
    assert effect.last_error == (
        "Gave up after 4 attempts that never finished (the worker stopped while performing it)."
    )
    assert len(script["calls"]) == 4


@pytest.mark.django_db(transaction=True)
def test_while_a_worker_performs_an_effect_another_message_for_it_does_nothing(sent):
    user = UserFactory()
    side_effect_record(kind=KIND, subject=user)
    inside = threading.Event()
    release = threading.Event()
    outcomes: list[bool] = []

    def slow(object_id: int) -> Outcome:
        inside.set()
        assert release.wait(30)
        return Outcome(True, "slow")

    def first_worker() -> None:
        from erp.side_effects import side_effect_perform

        try:
            outcomes.append(side_effect_perform(kind=KIND, object_id=user.pk, perform=slow))
        finally:
            connection.close()

    thread = threading.Thread(target=first_worker)
    thread.start()
    assert inside.wait(30)
    second = perform_test_effect(user.pk)  # the sweep's message, while the first runs
    release.set()
    thread.join(30)

    assert second is False
    assert outcomes == [True]
    assert script["calls"] == []
    assert (row(user).status, row(user).attempts) == ("done", 1)


# --- the sweep ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sweep_requeues_only_due_pending_rows_whose_lease_ran_out_once_per_lease(
    sent, effect_settings, django_capture_on_commit_callbacks
):
    expired = make_row(lease_in=-1)
    never_leased = make_row(lease_in=None)
    make_row(lease_in=120)  # its message is still on the queue
    make_row(due_in=60)  # a retry, not due yet
    make_row(status=Status.DONE)
    make_row(status=Status.FAILED)

    with django_capture_on_commit_callbacks(execute=True):
        assert side_effects_sweep() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert side_effects_sweep() == 0  # however often it runs
        assert side_effects_sweep() == 0

    assert sorted(args[0] for _, args, _ in sent) == sorted(
        [expired.object_id, never_leased.object_id]
    )
    for effect in (expired, never_leased):
        effect.refresh_from_db()
        assert seconds_from_now(effect.leased_until) == pytest.approx(300, abs=5)
    SideEffect.objects.filter(pk=expired.pk).update(leased_until=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert side_effects_sweep() == 1
    assert sent[-1] == (TASK_NAME, [expired.object_id], None)


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_queue_each_row_once(sent):
    rows = [make_row() for _ in range(40)]
    claimed: list[int] = []
    barrier = threading.Barrier(4)

    def sweep() -> None:
        try:
            barrier.wait()
            claimed.append(side_effects_sweep(batch_size=15))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sum(claimed) == 40
    assert sorted(args[0] for _, args, _ in sent) == sorted(effect.object_id for effect in rows)


@pytest.mark.django_db(transaction=True)
def test_a_message_the_broker_refused_gives_its_lease_up_for_the_next_sweep(monkeypatch):
    monkeypatch.setattr(broker, "task_enqueue", lambda **kwargs: False)
    user = UserFactory()

    with transaction.atomic():
        side_effect_record(kind=KIND, subject=user)

    assert row(user).leased_until is None
    assert side_effects_sweep() == 1  # and, refused again, it waits for the next one
    assert row(user).leased_until is None


def test_heartbeats_and_sweeps_have_their_own_queue_that_every_worker_consumes(settings):
    default = celery_app.conf.task_default_queue
    route = celery_app.amqp.router.route
    for name in [
        "erp.tasks.record_worker_heartbeat",
        "erp.tasks.outbox_sweep",
        "erp.tasks.side_effects_sweep",
    ]:
        assert route({}, name)["queue"].name == f"{default}.housekeeping"
    for name in [TASK_NAME, "orders.tasks.send_tracking_email", "erp.tasks.webhook_deliver"]:
        assert route({}, name)["queue"].name == default
    assert route_housekeeping("orders.tasks.send_tracking_email", (), {}, {}) is None
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    assert [q.name for q in settings.CELERY_TASK_QUEUES] == [queue, f"{queue}.housekeeping"]
    sweep = settings.CELERY_BEAT_SCHEDULE["side-effects-sweep"]
    assert (sweep["task"], sweep["schedule"]) == ("erp.tasks.side_effects_sweep", 30.0)


@pytest.mark.django_db
def test_settling_marks_pending_effects_done_without_performing_them(sent):
    user, other = UserFactory(), UserFactory()
    side_effect_record(kind=KIND, subject=user)
    side_effect_record(kind=KIND, subject=other)

    assert side_effects_settle(subject=user, note="Not sent: demo data.") == 1

    assert perform_test_effect(user.pk) is False  # its message finds nothing to do
    assert script["calls"] == []
    effect = row(user)
    assert (effect.status, effect.outcome, effect.attempts) == ("done", "Not sent: demo data.", 0)
    assert row(other).status == Status.PENDING
    assert side_effects_settle(subject=user, note="again") == 0


@pytest.mark.django_db
def test_prune_deletes_only_done_effects_past_the_retention(settings):
    settings.OUTBOX_RETENTION_DAYS = 30
    old_done = make_row(status=Status.DONE)
    SideEffect.objects.filter(pk=old_done.pk).update(done_at=timezone.now() - timedelta(days=31))
    kept = [make_row(status=Status.DONE), make_row(status=Status.FAILED), make_row()]

    assert side_effects_prune() == 1
    assert set(SideEffect.objects.all()) == set(kept)


# --- the back office ---------------------------------------------------------------

PAGE = "/admin/erp/sideeffect/"


@pytest.mark.django_db
def test_managers_see_side_effects_read_only_and_retry_failed_ones(
    client: Client, sent, django_capture_on_commit_callbacks
):
    failed = make_row(status=Status.FAILED)
    SideEffect.objects.filter(pk=failed.pk).update(attempts=8, last_error="SMTPServerDisconnected")
    done = make_row(status=Status.DONE)

    for role in ["Warehouse", "Sales", "Accounting", "HR"]:
        client.force_login(StaffFactory(username=role.lower(), role=role))
        assert client.get(PAGE).status_code == 403
    client.force_login(StaffFactory(username="mia", role="Manager"))
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "SMTPServerDisconnected" in page.content.decode()
    assert "Retry now" in page.content.decode()
    assert client.get(f"{PAGE}{failed.pk}/change/").status_code == 200
    assert client.get(f"{PAGE}add/").status_code == 403
    assert client.post(f"{PAGE}{failed.pk}/delete/").status_code == 403

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            PAGE, {"action": "retry_now", "_selected_action": [failed.pk, done.pk]}, follow=True
        )

    messages = [str(message) for message in response.context["messages"]]
    assert "1 side effect(s) queued for a new round of attempts." in messages
    assert "1 side effect(s) skipped: only failed ones can be retried." in messages
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("pending", 0)
    assert sent == [(TASK_NAME, [failed.object_id], None)]
    assert side_effect_retry(effect_id=done.pk) is False


@pytest.mark.django_db
def test_the_side_effect_list_runs_a_constant_number_of_queries(client: Client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    def queries_with(rows: int) -> int:
        for _ in range(rows):
            make_row(status=Status.FAILED)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PAGE).status_code == 200
        return len(queries)

    one = queries_with(1)
    assert queries_with(5) == one
