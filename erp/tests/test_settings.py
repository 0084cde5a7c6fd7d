"""Configuration from the environment: production checks and refusals."""

import os
import secrets
import subprocess
import sys

from django.conf import settings


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # a clean environment: browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for this process
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {**inherited, **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_clean_with_debug_off_and_a_real_secret():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="shop.example.com",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_debug_off_without_a_secret_key_refuses_to_start():
    result = manage("check", DEBUG="0", SECRET_KEY="")

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_sqlite_is_refused_with_a_clear_message():
    result = manage("check", DATABASE_URL="sqlite:///tmp/kontor.sqlite3")

    assert result.returncode != 0
    assert "Kontor runs on PostgreSQL only" in result.stderr


def test_environment_configures_currency_and_mail():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.OSCAR_DEFAULT_CURRENCY, s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT)",
        DEFAULT_CURRENCY="GBP",
        EMAIL_URL="smtp+tls://mailer:secret@smtp.example.com:587",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-4:] == [
        "GBP",
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.com",
        "587",
    ]
