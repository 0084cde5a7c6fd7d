"""Project package: settings, URLs, the Celery app and the shared kernel.

The kernel holds what every app may use and nothing domain-specific: document
sequences, the outbox and webhooks, idempotency and advisory locks, the staff
roles and permission checks, queued side effects (e-mail), CSV downloads,
health checks, the admin site, staff users and the embedded database. It sits
at the bottom of the layer contract: ``erp`` imports no other app of ours.
"""

from erp.celery import app as celery_app

__all__ = ["celery_app"]
