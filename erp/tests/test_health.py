import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from erp.celery import app
from erp.models import WorkerHeartbeat
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_healthz_is_503_and_says_why_to_staff_when_the_broker_is_unreachable(client: Client):
    client.force_login(StaffFactory(username="ops", role="Manager"))
    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = original

    assert response.status_code == 503
    report = response.json()
    assert report["status"] == "unavailable"
    assert report["database"]["ok"] is True
    assert report["broker"]["ok"] is False
    assert report["broker"]["transport"]
    assert report["broker"]["error"]


def test_healthz_tells_anyone_what_is_down_but_no_versions_errors_or_host_names(
    client: Client,
):
    WorkerHeartbeat.objects.create(worker="worker@box", last_seen=timezone.now(), beats=3)
    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:9/0"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = original

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": {"ok": True},
        "broker": {"ok": False, "transport": settings.CELERY_BROKER_URL.split("://")[0]},
        "worker": {"seen": True, "alive": True},
    }


def test_healthz_reports_the_newest_worker_heartbeat(client: Client):
    client.force_login(StaffFactory(username="ops", role="Manager"))
    WorkerHeartbeat.objects.create(worker="worker@box", last_seen=timezone.now(), beats=3)

    report = client.get("/healthz").json()

    assert report["worker"]["seen"] is True
    assert report["worker"]["worker"] == "worker@box"
    assert report["worker"]["alive"] is True
