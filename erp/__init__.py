"""Project package: settings, URLs, the Celery app and the shared kernel.

The kernel holds what every app may use and nothing domain-specific: money
helpers, document sequences, the staff roles, health checks. It sits at the
bottom of the layer contract: ``erp`` imports no other app of ours.
"""

from erp.celery import app as celery_app

__all__ = ["celery_app"]
