import pytest
from django.test import Client
from django.utils import timezone

from erp.celery import app
from erp.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def test_healthz_is_503_and_says_why_when_the_broker_is_unreachable(client: Client):
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


def test_healthz_reports_the_newest_worker_heartbeat(client: Client):
    WorkerHeartbeat.objects.create(worker="worker@box", last_seen=timezone.now(), beats=3)

    report = client.get("/healthz").json()

    assert report["worker"]["seen"] is True
    assert report["worker"]["worker"] == "worker@box"
    assert report["worker"]["alive"] is True
