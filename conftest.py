"""Test session set-up shared by every test package.

Celery messages of a test run go to a queue of their own (and, with the
file-system broker, to a temporary folder), so a `make run` worker on the
same machine never picks them up and tests never see its messages.
"""

import os
import tempfile
import uuid
from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    from erp.celery import app

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
