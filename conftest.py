"""Test session set-up shared by every test package.

Celery messages of a test run go to a queue of their own (and, with the
file-system broker, to a temporary folder), so a `make run` worker on the
same machine never picks them up and tests never see its messages.
"""

import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    from erp.celery import app

    # webhook receivers in tests listen on 127.0.0.1 (also for worker processes);
    # erp/tests/test_outbound.py turns this off to test the guard
    os.environ["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = "1"
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    queue = f"kontor-test-{uuid.uuid4().hex[:8]}"
    os.environ["CELERY_QUEUE"] = queue
    app.conf.task_default_queue = queue
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        broker_dir = Path(tempfile.mkdtemp(prefix="kontor-test-broker-"))
        os.environ["CELERY_BROKER_DIR"] = str(broker_dir)
        options = {
            "data_folder_in": str(broker_dir / "queue"),
            "data_folder_out": str(broker_dir / "queue"),
            "control_folder": str(broker_dir / "control"),
            "processed_folder": str(broker_dir / "processed"),
            "store_processed": False,
        }
        for name in ("queue", "control", "processed"):
            (broker_dir / name).mkdir()
        app.conf.broker_transport_options = options


def pytest_unconfigure(config: pytest.Config) -> None:
    from erp import embedded_db

    # Stop the embedded server only if this test run started it.
    if getattr(embedded_db, "started_by_this_process", False):
        embedded_db.stop()


def _is_transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(
        (marker and marker.kwargs.get("transaction"))
        or "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
    )


@pytest.fixture(autouse=True)
def _reference_data(request: pytest.FixtureRequest) -> None:
    """Transactional tests start from an emptied database: put back the rows
    our data migrations create (staff roles, carriers, chart of accounts), as a
    fresh install has."""
    if not _is_transactional(request):
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps
    from django.conf import settings
    from django.contrib.sites.models import Site

    from erp.roles import sync_role_groups

    Site.objects.get_or_create(
        pk=settings.SITE_ID, defaults={"domain": "testserver", "name": "Kontor Demo Store"}
    )
    sync_role_groups(apps)
    carriers = __import__("orders.migrations.0023_carriers_and_roles", fromlist=["add_carriers"])
    carriers.add_carriers(apps, None)
    chart = __import__("accounting.migrations.0003_chart_of_accounts", fromlist=["seed_chart"])
    chart.seed_chart(apps, None)
    purchasing_accounts = __import__(
        "accounting.migrations.0007_purchasing_accounts", fromlist=["seed_accounts"]
    )
    purchasing_accounts.seed_accounts(apps, None)
    from erp.legal_pages import legal_pages_create

    legal_pages_create(apps)


@pytest.fixture(autouse=True)
def _process_memory_forgotten() -> None:
    """What a process remembers for a few seconds (which webhook events someone
    listens to, whether a site offer runs) may describe rows an earlier test
    rolled back: every test starts without it."""
    from erp.services.outbox import subscribed_events_forget
    from orders.offers import site_offers_forget

    subscribed_events_forget()
    site_offers_forget()


@pytest.fixture
def start_worker() -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start real Celery worker processes on the project's broker and this test's
    database, with extra environment variables if given (``EMAIL_URL=...``); the
    ones still running are stopped at the end of the test."""
    from django.conf import settings
    from django.db import connection

    from erp.celery import app

    processes: list[subprocess.Popen[bytes]] = []

    def start(**extra_environment: str) -> subprocess.Popen[bytes]:
        environment = {
            **os.environ,
            "ERP_DATABASE_NAME": connection.settings_dict["NAME"],
            "CELERY_QUEUE": app.conf.task_default_queue,
            **extra_environment,
        }
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "erp",
                "worker",
                "--pool",
                "solo",
                "--without-mingle",
                "--without-gossip",
                "--hostname",
                f"test-{uuid.uuid4().hex[:6]}@%h",
                "--loglevel",
                "INFO",
            ],
            cwd=settings.BASE_DIR,
            env=environment,
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture
def queue_length() -> Callable[..., int]:
    """Empty this test run's broker queues (earlier tests leave messages no worker
    took) and return a function that counts the messages waiting on one of them:
    the main queue, or its ``.housekeeping`` queue with ``housekeeping=True``."""
    from erp.celery import app

    main = app.conf.task_default_queue
    names = [main, f"{main}.housekeeping"]  # never the configured, shared queues
    with app.connection_for_write() as broker:
        for name in names:
            broker.default_channel.queue_declare(queue=name)
            broker.default_channel.queue_purge(name)

    def length(*, housekeeping: bool = False) -> int:
        with app.connection_for_write() as broker:
            declared = broker.default_channel.queue_declare(queue=names[housekeeping])
            return int(declared.message_count)

    return length


@pytest.fixture
def worker(start_worker: Callable[..., subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
    """A real Celery worker process on the project's broker and this test's database."""
    return start_worker()


@pytest.fixture
def api() -> Any:
    """An anonymous DRF API client (``tests.api.conftest.client_for`` logs one in)."""
    from rest_framework.test import APIClient

    return APIClient()
