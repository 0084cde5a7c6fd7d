"""The Celery application.

Tasks are autodiscovered from every installed app's ``tasks.py``; the beat
schedule is ``CELERY_BEAT_SCHEDULE`` in settings. Without ``CELERY_BROKER_URL``
the broker is Kombu's file-system transport in ``var/celery`` (a real worker and
beat, no server); with ``redis://`` or ``amqp://`` it is that server.
"""

import os
from pathlib import Path
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

app = Celery("erp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _create_broker_folders(sender: Celery, **kwargs: Any) -> None:
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder", "processed_folder"):
        if key in options:
            Path(options[key]).mkdir(parents=True, exist_ok=True)
