"""Housekeeping of the login records: the log of successful logins grows by a row
per login and would otherwise grow for ever."""

from celery import shared_task
from django.conf import settings


@shared_task
def login_logs_prune() -> int:
    """Beat, daily: forget logins and failed-login records older than
    ``LOGIN_LOG_RETENTION_DAYS``; returns how many rows went. Lockouts in force
    are attempts, not logs, and stay."""
    from axes.handlers.proxy import AxesProxyHandler

    age_days = settings.LOGIN_LOG_RETENTION_DAYS
    return AxesProxyHandler.reset_logs(age_days=age_days) + AxesProxyHandler.reset_failure_logs(
        age_days=age_days
    )
