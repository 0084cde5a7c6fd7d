"""``make run``: database, migrations, demo data, then web + worker + beat.

All three servers run as children of this process; Ctrl-C (SIGINT) or SIGTERM
stops them all, waits for them, and stops the embedded PostgreSQL if this
command started it. Nothing is left running.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from erp import embedded_db

STOP_TIMEOUT = 15.0


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

    def _start_database(self) -> bool:
        if os.environ.get("DATABASE_URL"):
            return False
        self.stdout.write("starting embedded PostgreSQL (first start initialises var/pgdata)")
        return embedded_db.ensure_running()

    def _spawn(self, host: str, port: int, web_workers: int) -> list[subprocess.Popen[bytes]]:
        python = sys.executable
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
            children.append(subprocess.Popen(command, cwd=settings.BASE_DIR))
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
