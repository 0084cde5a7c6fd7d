"""Documented configurations start, and ones that cannot work say why at once.

``.env.example`` copied as is gives the demo defaults (a blank value is unset).
``make run`` (``manage.py runstack``) with a broker or cache that cannot work
stops before starting anything and says which setting, which server or which
missing package, instead of serving a shop whose worker crashed. That every
documented configuration really starts and carries an order to its tracking
e-mail is proven by ``.ci/stacks`` against real servers."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from erp import embedded_db


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def runstack(tmp_path: Path, **env: str) -> tuple[subprocess.CompletedProcess[str], float]:
    inherited = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_BROKER_URL", "CACHE_URL"}
    }
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "manage.py", "runstack", "--port", str(closed_port()), "--no-seed"],
        cwd=settings.BASE_DIR,
        env={**inherited, "ERP_VAR_DIR": str(tmp_path / "var"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result, time.monotonic() - started


def test_runstack_stops_at_once_when_the_redis_broker_does_not_answer(tmp_path):
    port = closed_port()

    result, seconds = runstack(tmp_path, CELERY_BROKER_URL=f"redis://127.0.0.1:{port}/0")

    assert result.returncode == 1
    assert (
        f"The Celery broker redis://127.0.0.1:{port}/0 (CELERY_BROKER_URL) does not answer: "
        in (result.stderr)
    )
    assert "unset CELERY_BROKER_URL to use the file-system broker" in result.stderr
    assert "starting web" not in result.stdout  # nothing was started
    assert seconds < 30


def test_runstack_names_a_rabbitmq_broker_that_does_not_answer_without_its_password(tmp_path):
    port = closed_port()

    result, _ = runstack(tmp_path, CELERY_BROKER_URL=f"amqp://kontor:s3cret@127.0.0.1:{port}//")

    assert result.returncode == 1
    assert f"The Celery broker amqp://kontor:**@127.0.0.1:{port}// (CELERY_BROKER_URL)" in (
        result.stderr
    )
    assert "s3cret" not in result.stderr + result.stdout


def test_runstack_stops_at_once_when_the_redis_cache_does_not_answer(tmp_path):
    port = closed_port()

    result, _ = runstack(tmp_path, CACHE_URL=f"redis://127.0.0.1:{port}/1")

    assert result.returncode == 1
    assert f"The cache redis://127.0.0.1:{port}/1 (CACHE_URL) does not answer: " in result.stderr
    assert "unset CACHE_URL" in result.stderr


def test_runstack_names_the_missing_redis_package_instead_of_a_nonetype_error(tmp_path):
    # a Python where `import redis` fails, as before redis was in requirements.lock
    shadow = tmp_path / "without_redis"
    (shadow / "redis").mkdir(parents=True)
    (shadow / "redis" / "__init__.py").write_text(
        "raise ImportError('No module named redis (hidden by the test)')\n"
    )

    result, _ = runstack(
        tmp_path,
        PYTHONPATH=str(shadow),
        CELERY_BROKER_URL=f"redis://127.0.0.1:{closed_port()}/0",
    )

    assert result.returncode == 1
    assert (
        "CELERY_BROKER_URL is redis://127.0.0.1:" in result.stderr
        and "but the Python package “redis” it needs is not installed" in result.stderr
    )
    assert "NoneType" not in result.stderr


def example_environment() -> dict[str, str]:
    """The settings of ``.env.example``, as ``.env`` would give them when copied as is."""
    values = {}
    for line in (settings.BASE_DIR / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def test_env_example_copied_as_is_starts_with_the_demo_defaults(tmp_path):
    example = example_environment()
    assert {"SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"} <= set(example)
    assert example["CACHE_URL"] == example["CELERY_BROKER_URL"] == ""  # blank means unset
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}

    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings as s; "
            "print(s.CELERY_BROKER_URL, s.CACHES['default']['BACKEND'], s.EMAIL_BACKEND, "
            "s.SECRET_KEY.startswith('django-insecure-kontor-development'))",
        ],
        cwd=settings.BASE_DIR,
        env={**inherited, **example, "ERP_VAR_DIR": str(tmp_path / "var")},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-4:] == [
        "filesystem://localhost//",
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.mail.backends.console.EmailBackend",
        "True",
    ]


def test_filemail_with_an_absolute_path_writes_into_that_folder(tmp_path):
    mail = tmp_path / "mail"
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}

    result = subprocess.run(
        [sys.executable, "manage.py", "sendtestemail", "someone@example.com"],
        cwd=settings.BASE_DIR,
        env={**inherited, "EMAIL_URL": f"filemail://{mail}"},  # filemail:///tmp/...
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    written = list(mail.iterdir())
    assert len(written) == 1
    assert "To: someone@example.com" in written[0].read_text()
    assert not (settings.BASE_DIR / str(mail).lstrip("/")).exists()


def health(port: int) -> dict:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            return json.loads(answer.read())
    except (OSError, ValueError):
        return {}


@pytest.mark.django_db(transaction=True)
def test_runstack_serves_web_worker_and_beat_in_a_fresh_clone_with_no_var_folder(tmp_path):
    # given: a fresh clone (var/ is git-ignored) whose database and broker live
    # elsewhere, so nothing creates var/ before beat wants its schedule there
    var = tmp_path / "clone" / "var"
    port = closed_port()
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {
        **inherited,
        "DATABASE_URL": os.environ.get("DATABASE_URL") or embedded_db.database_url(),
        "ERP_DATABASE_NAME": connection.settings_dict["NAME"],
        "ERP_VAR_DIR": str(var),
        "CELERY_BROKER_URL": "filesystem://localhost//",
        "CELERY_BROKER_DIR": str(tmp_path / "broker"),
        "CELERY_QUEUE": f"kontor-test-runstack-{uuid.uuid4().hex[:8]}",
        "CACHE_URL": "",
    }

    log = tmp_path / "runstack.log"

    # when: `make run` starts
    with log.open("wb") as output:
        stack = subprocess.Popen(
            [sys.executable, "manage.py", "runstack", "--port", str(port), "--no-seed"],
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        report: dict = {}
        while time.monotonic() < deadline and stack.poll() is None:
            report = health(port)
            if report.get("worker", {}).get("alive"):
                break
            time.sleep(1)

        # then: web, worker (its first heartbeat) and beat run, and Ctrl-C stops them
        # all without an alarming line
        assert stack.poll() is None, log.read_text()[-3000:]
        assert report["status"] == "ok" and report["worker"]["alive"] is True, report
        assert list(var.glob("celerybeat-schedule*")), "beat keeps its schedule in var/"
        # Ctrl-C in a terminal signals the foreground process group
        os.killpg(stack.pid, signal.SIGINT)
        stack.wait(timeout=60)
        output = log.read_text()
        assert stack.returncode == 0, output[-3000:]
        assert "web server, worker and beat stopped" in output
        assert health(port) == {}
        # each server stopped once, gracefully: nothing reads as a failure
        assert "ERROR" not in output, output[-3000:]
        assert "SIGKILL" not in output
        assert "cold shutdown" not in output
        assert "Handling signal: term" in output  # gunicorn's graceful stop
        assert "Warm shutdown" in output  # celery's
    finally:
        if stack.poll() is None:
            stack.send_signal(signal.SIGTERM)  # stops the servers in their own groups
            try:
                stack.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(stack.pid, signal.SIGKILL)
                stack.wait()
