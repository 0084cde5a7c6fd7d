import secrets
import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone

from erp.outbound import PrivateAddressError, url_host_check


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker ran the heartbeat task.

    Written by ``erp.tasks.record_worker_heartbeat`` (beat runs it every 30 s),
    read by ``/healthz`` to tell whether background work is being done.
    """

    worker = models.CharField(max_length=255, unique=True)
    beats = models.PositiveBigIntegerField(default=0)
    last_seen = models.DateTimeField()

    class Meta:
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return f"{self.worker} at {self.last_seen:%Y-%m-%d %H:%M:%S}"


class DocumentSequence(models.Model):
    """The last number used in a document series (invoices per year, ...).

    Numbers are drawn under a row lock in the transaction that creates the
    document, so a rolled-back document gives its number back: series are
    gap-free (see ``erp.services.sequences.sequence_next``).
    """

    series = models.CharField(max_length=32)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="document_sequence_once"),
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.last_number}"


def generate_webhook_secret() -> str:
    """A fresh signing secret: 32 random bytes, URL-safe text."""
    return secrets.token_urlsafe(32)


class OutboxEvent(models.Model):
    """Something that happened, written in the transaction that made it happen.

    The row commits or rolls back with the business change, so an event is
    never announced for a change that did not happen and never lost when the
    broker is down at commit time: ``dispatched_at`` stays empty until the
    event has been fanned out into one ``WebhookDelivery`` per subscription,
    and the outbox sweep picks up whatever the commit-time enqueue missed.
    ``id`` is the identifier receivers de-duplicate by.
    """

    class Name(models.TextChoices):
        ORDER_CREATED = "order.created", "Order created"
        ORDER_CANCELLED = "order.cancelled", "Order cancelled"
        SHIPMENT_CREATED = "shipment.created", "Shipment created"
        INVOICE_CREATED = "invoice.created", "Invoice created"
        STOCK_CHANGED = "stock.changed", "Available-to-promise changed"
        PURCHASE_ORDER_SENT = "purchase_order.sent", "Purchase order sent"
        PURCHASE_ORDER_RECEIVED = "purchase_order.received", "Goods received on a purchase order"
        SUPPLIER_BILL_POSTED = "supplier_bill.posted", "Supplier bill posted"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.CharField(max_length=64, choices=Name.choices)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # its dispatch is on the queue until then (see WebhookDelivery.enqueued_until)
    enqueued_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(dispatched_at__isnull=True),
                name="outbox_event_undispatched",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.id}"


class WebhookSubscription(models.Model):
    """A receiver of events: every event named in ``events`` is POSTed to
    ``url``, signed with ``secret`` (see ``erp.services.outbox`` for the scheme)."""

    url = models.URLField(
        "URL",
        max_length=500,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="Receives a signed JSON POST for each event (http or https).",
    )
    secret = models.CharField(
        max_length=128,
        default=generate_webhook_secret,
        help_text="Signs every request (Kontor-Signature header); share it with the receiver only.",
    )
    events = ArrayField(
        models.CharField(max_length=64, choices=OutboxEvent.Name.choices),
        help_text="The events this receiver wants.",
    )
    is_active = models.BooleanField("active", default=True)
    description = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["url", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(events__len__gt=0), name="webhook_subscription_has_events"
            ),
        ]

    def __str__(self) -> str:
        return self.description or self.url

    def clean(self) -> None:
        try:
            url_host_check(self.url)
        except PrivateAddressError as refused:
            raise ValidationError({"url": str(refused)}) from refused


class WebhookDelivery(models.Model):
    """One event on its way to one subscription, and the log of its attempts.

    Created once per (event, subscription). Pending rows are attempted when
    ``next_attempt_at`` has passed; an attempt first claims the row with a
    conditional UPDATE (pending and due), which also moves ``next_attempt_at``
    past the request's time-out, so two workers never send the same row at
    once. ``enqueued_until`` is the lease of the message queued for the row: the
    sweep queues it again only once that has passed. Delivered and failed (given
    up) rows are finished and never sent again unless staff retry a failed one.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (gave up)"

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    enqueued_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A message for this delivery is on the queue until then; the sweep "
        "does not queue it again before.",
    )
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "subscription"], name="webhook_delivery_once"),
            models.CheckConstraint(
                condition=~models.Q(status="delivered") | models.Q(delivered_at__isnull=False),
                name="webhook_delivery_delivered_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="webhook_delivery_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event.event} to {self.subscription.url}"


class IdempotentRequest(models.Model):
    """The answer to an API request sent with an ``Idempotency-Key``, so a client that
    retries (a scanner after a time-out) gets the same answer and nothing happens twice.

    Stored in the transaction of the change it answers for: it exists exactly when
    the change does (see ``erp.services.idempotency.idempotent_request``).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=64, help_text="The endpoint, e.g. inventory.receipt")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request body")
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "scope", "key"], name="idempotent_request_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class SideEffect(models.Model):
    """Something that must happen once because a business change committed: an
    e-mail to send, a message to pass on. Written in the transaction of that change,
    so it exists exactly when the change does; ``status`` says whether it is done.

    ``(kind, content_type, object_id)`` is unique: recording the same effect twice
    leaves one row. ``leased_until`` is the lease of whoever holds the row, a message
    on the queue or a worker performing it: the sweep (``erp.side_effects``)
    re-enqueues only pending rows that are due and whose lease has run out. A row
    is marked done in the transaction that performs the effect, and failed (for
    staff to retry) after ``SIDE_EFFECT_MAX_ATTEMPTS`` attempts.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed (gave up)"

    kind = models.CharField(max_length=64)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    due_at = models.DateTimeField(
        default=timezone.now, help_text="The next attempt, at the earliest."
    )
    leased_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Queued or being performed until then; the sweep leaves it alone before.",
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    outcome = models.CharField(max_length=255, blank=True, help_text="What was done.")
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "content_type"], name="side_effect_once"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="done") | models.Q(done_at__isnull=False),
                name="side_effect_done_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(status="pending"),
                name="side_effect_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.content_type.model} {self.object_id}"
