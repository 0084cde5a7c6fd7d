"""``make run``: database, migrations, demo data, then web + worker + beat.

All three servers run as children of this process, each in a process group of
its own; Ctrl-C (SIGINT) or SIGTERM reaches this command only, which stops each
server once with SIGTERM (gunicorn and celery stop gracefully), waits for them,
and stops the embedded PostgreSQL if this command started it. Nothing is left
running.

Before anything starts, the configured Celery broker (``CELERY_BROKER_URL``:
the file-system default, Redis or RabbitMQ) and cache (``CACHE_URL``) must
answer; if one does not, or its client library is missing, the command stops
at once saying which and what to do, instead of serving a shop whose e-mails
never go out. Once the worker runs, one heartbeat goes through the broker, so
``/healthz`` reports the worker alive at once instead of after beat's first
30 s (``.ci/stacks`` waits for it).
"""

import importlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from erp import embedded_db

STOP_TIMEOUT = 15.0
# The client library each broker and cache scheme needs (kombu and Django import
# them lazily, and fail late with "'NoneType' object has no attribute 'Redis'").
CLIENT_LIBRARIES = {"redis": "redis", "rediss": "redis", "amqp": "amqp", "pyamqp": "amqp"}


class Command(BaseCommand):
    help = "Set up and serve the whole stack: web server, Celery worker and beat."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--no-seed", action="store_true", help="skip the demo data")

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        self._check_port_free(host, port)
        self._check_broker()
        self._check_cache()
        started_database = self._start_database()
        children: list[subprocess.Popen[bytes]] = []
        stopping = False

        def request_stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        try:
            call_command("migrate", interactive=False, verbosity=0)
            call_command("createcachetable", verbosity=0)
            if not options["no_seed"]:
                call_command("seed_demo", stdout=self.stdout)
            if stopping:
                return
            children = self._spawn(host, port, options["web_workers"])
            self._wait_until_listening(host, port, children)
            self._send_first_heartbeat()
            self._print_banner(host, port)
            while not stopping:
                for child in children:
                    if child.poll() is not None:
                        raise CommandError(f"{child.args!r} exited with {child.returncode}")
                time.sleep(0.5)
        finally:
            self._stop(children)
            if started_database:
                embedded_db.stop()
                self.stdout.write("embedded PostgreSQL stopped")

    def _check_port_free(self, host: str, port: int) -> None:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as error:
                raise CommandError(
                    f"Port {port} on {host} is in use ({error.strerror}); "
                    f"stop what runs there or start with PORT=<another port> make run."
                ) from error

    def _check_broker(self) -> None:
        from kombu.utils.url import maybe_sanitize_url

        from erp.celery import app

        url = settings.CELERY_BROKER_URL
        shown = maybe_sanitize_url(url)
        self._check_client_library(url, "CELERY_BROKER_URL", shown)
        try:
            with app.connection_for_write() as broker:
                broker.ensure_connection(max_retries=1, timeout=5)
        except Exception as error:  # whatever the transport raises, say it and stop
            raise CommandError(
                f"The Celery broker {shown} (CELERY_BROKER_URL) does not answer: "
                f"{str(error).strip() or type(error).__name__}. Start it, or unset "
                "CELERY_BROKER_URL to use the file-system broker in var/celery."
            ) from error

    def _check_cache(self) -> None:
        from kombu.utils.url import maybe_sanitize_url

        url = os.environ.get("CACHE_URL", "")
        if not url:
            return
        shown = maybe_sanitize_url(url)
        self._check_client_library(url, "CACHE_URL", shown)
        try:
            caches["default"].set("kontor:runstack:check", "ok", timeout=10)
            answered = caches["default"].get("kontor:runstack:check")
        except Exception as error:  # whatever the backend raises, say it and stop
            raise CommandError(
                f"The cache {shown} (CACHE_URL) does not answer: "
                f"{str(error).strip() or type(error).__name__}. Start it, or unset CACHE_URL "
                "to keep a cache in each process's memory."
            ) from error
        if answered != "ok":
            raise CommandError(f"The cache {shown} (CACHE_URL) does not keep what is stored.")

    def _check_client_library(self, url: str, setting: str, shown: str) -> None:
        scheme = url.split("://", 1)[0].split("+", 1)[0].lower()
        library = CLIENT_LIBRARIES.get(scheme)
        if library is None:
            return
        try:
            importlib.import_module(library)
        except ImportError as error:
            raise CommandError(
                f"{setting} is {shown}, but the Python package “{library}” it needs is not "
                "installed; `make run` installs requirements.lock, which pins it."
            ) from error

    def _send_first_heartbeat(self) -> None:
        from erp.tasks import record_worker_heartbeat

        try:
            record_worker_heartbeat.delay()
        except Exception as error:  # beat sends one every 30 s anyway
            self.stderr.write(f"could not queue the first worker heartbeat: {error}")

    def _start_database(self) -> bool:
        if os.environ.get("DATABASE_URL"):
            return False
        self.stdout.write("starting embedded PostgreSQL (first start initialises var/pgdata)")
        return embedded_db.ensure_running()

    def _spawn(self, host: str, port: int, web_workers: int) -> list[subprocess.Popen[bytes]]:
        python = sys.executable
        # beat keeps its schedule under var/, which nothing else creates when the
        # database and the broker are servers (var/ is not in a fresh clone)
        Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).parent.mkdir(parents=True, exist_ok=True)
        commands = {
            "web": [
                python,
                "-m",
                "gunicorn",
                "erp.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(web_workers),
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "10",
            ],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "erp",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "--hostname",
                f"worker@{socket.gethostname()}",
            ],
            "beat": [
                python,
                "-m",
                "celery",
                "-A",
                "erp",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                settings.CELERY_BEAT_SCHEDULE_FILENAME,
            ],
        }
        children = []
        for name, command in commands.items():
            self.stdout.write(f"starting {name}: {' '.join(command[2:5])} ...")
            # a process group of its own: Ctrl-C in the terminal reaches only this
            # command, which stops each server once with SIGTERM (a graceful stop),
            # instead of every server getting SIGINT and then SIGTERM on top
            # (gunicorn then killed its busy workers and logged an ERROR, celery
            # warned of a cold shutdown)
            children.append(subprocess.Popen(command, cwd=settings.BASE_DIR, process_group=0))
        return children

    def _wait_until_listening(
        self, host: str, port: int, children: list[subprocess.Popen[bytes]]
    ) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any(child.poll() is not None for child in children):
                raise CommandError("a server exited during start-up; see its output above")
            with socket.socket() as probe:
                if probe.connect_ex((host, port)) == 0:
                    return
            time.sleep(0.2)
        raise CommandError(f"the web server did not listen on {host}:{port} within 60 s")

    def _print_banner(self, host: str, port: int) -> None:
        from erp.demo import DEMO_LOGINS

        base = f"http://{host}:{port}"
        lines = [
            "",
            f"  {settings.PRODUCT_NAME} is running:",
            f"    storefront   {base}/",
            f"    back office  {base}/admin/",
            f"    API          {base}/api/v1/   docs {base}/api/docs/",
            f"    health       {base}/healthz",
            "",
        ]
        if settings.DEBUG:
            lines.append("  demo logins (demo only, public passwords):")
            for login in DEMO_LOGINS:
                lines.append(f"    {login.username:<22} {login.password:<18} {login.what}")
            lines.append("")
        lines.append("  Ctrl-C stops everything.")
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))

    def _stop(self, children: list[subprocess.Popen[bytes]]) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if children:
            self.stdout.write("web server, worker and beat stopped")
