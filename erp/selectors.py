"""Reads of the shared kernel: health of the database, broker and workers."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from erp.models import WorkerHeartbeat

WORKER_STALE_AFTER = timedelta(seconds=90)


def database_status() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            (version,) = cursor.fetchone()
    except Exception as error:  # any failure means unhealthy, and says why
        return {"ok": False, "error": str(error).strip()}
    return {"ok": True, "vendor": connection.vendor, "version": version.split(",")[0]}


def broker_status() -> dict[str, Any]:
    from erp.celery import app

    transport = settings.CELERY_BROKER_URL.split("://", 1)[0]
    try:
        with app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:  # any failure means unhealthy, and says why
        return {"ok": False, "transport": transport, "error": str(error).strip()}
    return {"ok": True, "transport": transport}


def worker_status() -> dict[str, Any]:
    """Informational: the newest heartbeat; a quiet worker does not fail health."""
    try:
        latest = WorkerHeartbeat.objects.order_by("-last_seen").first()
    except Exception:  # the database check reports database failures
        return {"seen": False}
    if latest is None:
        return {"seen": False}
    age = timezone.now() - latest.last_seen
    return {
        "seen": True,
        "worker": latest.worker,
        "last_seen": latest.last_seen.isoformat(),
        "alive": age <= WORKER_STALE_AFTER,
    }


#: what anyone may read of the health report: no versions, error texts (socket
#: paths, host names) or worker host names, which only staff and DEBUG see
PUBLIC_HEALTH_FIELDS = {
    "database": ("ok",),
    "broker": ("ok", "transport"),
    "worker": ("seen", "alive"),
}


def health_public(report: dict[str, Any]) -> dict[str, Any]:
    """``report`` without the details a stranger could use to map the deployment."""
    public: dict[str, Any] = {"status": report["status"]}
    for part, fields in PUBLIC_HEALTH_FIELDS.items():
        public[part] = {field: report[part][field] for field in fields if field in report[part]}
    return public


def health() -> tuple[bool, dict[str, Any]]:
    database = database_status()
    broker = broker_status()
    healthy = database["ok"] and broker["ok"]
    return healthy, {
        "status": "ok" if healthy else "unavailable",
        "database": database,
        "broker": broker,
        "worker": worker_status() if database["ok"] else {"seen": False},
    }
