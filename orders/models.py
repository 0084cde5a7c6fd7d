"""Orders: Oscar's order models with the channel and payment method added, plus
shipments (with carriers and tracking), and returns.

Invariants:

- an order's status only changes along ``orders.statuses.PIPELINE``;
- a shipment line never ships more of an order line than was ordered, minus
  what other shipments shipped (checked in ``orders.services``, under a lock
  on the order);
- a shipment's tracking e-mail is sent at most once (``tracking_email_sent_at``
  is set in the same transaction that sends it, under a row lock);
- a tracking link is ``http``/``https`` to the carrier's own host, or nothing:
  a carrier's pattern is checked when saved (``Carrier.clean``) and again each
  time a link is built, so a pattern stored before the rule (``javascript:``)
  is never shown, mailed or returned by the API.
"""

from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from oscar.apps.order.abstract_models import AbstractOrder

TRACKING_NUMBER_PLACEHOLDER = "{tracking_number}"


class Order(AbstractOrder):
    class Channel(models.TextChoices):
        WEB = "web", "Web shop"
        STAFF = "staff", "Staff (phone / counter)"
        B2B = "b2b", "B2B account"
        API = "api", "API"

    channel = models.CharField(
        max_length=8, choices=Channel.choices, default=Channel.WEB, db_index=True
    )
    payment_method = models.CharField(max_length=32, blank=True, default="")
    # the buyer's own reference (their purchase-order number), printed on the
    # confirmation, invoice and packing slip; part of the placed order, never edited
    customer_reference = models.CharField(
        "your order reference", max_length=64, blank=True, default=""
    )
    # Oscar's purchase counters take each order once, in batches
    # (shop.analytics.orders_count_in_analytics); set in the same transaction
    counted_in_analytics = models.BooleanField(default=False, editable=False)

    class Meta(AbstractOrder.Meta):
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(counted_in_analytics=False),
                name="order_not_yet_counted",
            )
        ]


from oscar.apps.order.models import *  # noqa: E402, F403 - Oscar's fork pattern: its other models


def validate_tracking_url_pattern(pattern: str) -> None:
    """Refuse a tracking-link pattern that is not an http(s) link to a fixed
    host with the ``{tracking_number}`` placeholder after the host."""
    if any(ord(character) <= 0x20 or ord(character) == 0x7F for character in pattern):
        raise ValidationError(
            "The tracking link may not contain spaces or control characters.", code="invalid"
        )
    if not pattern.lower().startswith(("http://", "https://")):
        raise ValidationError(
            "The tracking link must start with http:// or https://.", code="invalid_scheme"
        )
    if TRACKING_NUMBER_PLACEHOLDER not in pattern:
        raise ValidationError(
            "The tracking link must contain {tracking_number} where the number goes.",
            code="no_placeholder",
        )
    try:
        parts = urlsplit(pattern)
        is_fixed_host = bool(parts.hostname) and not ({"{", "}", "@"} & set(parts.netloc))
    except ValueError:  # e.g. an unclosed IPv6 bracket
        is_fixed_host = False
    if not is_fixed_host:
        raise ValidationError(
            "The tracking link must name the carrier's host, e.g. "
            "https://carrier.example/track?number={tracking_number}.",
            code="invalid_host",
        )


class Carrier(models.Model):
    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=64)
    tracking_url_pattern = models.CharField(
        max_length=255,
        validators=[validate_tracking_url_pattern],
        help_text=(
            "Link to the carrier's tracking page (http or https); {tracking_number} is replaced."
        ),
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def tracking_url(self, tracking_number: str) -> str:
        """The parcel's tracking link, or "" when the stored pattern is not a
        valid http(s) pattern (one saved before the rule, or written around it)."""
        try:
            validate_tracking_url_pattern(self.tracking_url_pattern)
        except ValidationError:
            return ""
        # every character quoted ("/", "?", "#" too): the number stays one value
        return self.tracking_url_pattern.replace(
            TRACKING_NUMBER_PLACEHOLDER, quote(tracking_number, safe="")
        )


class Shipment(models.Model):
    class Status(models.TextChoices):
        PACKED = "packed", "Packed"
        SHIPPED = "shipped", "Shipped"
        DELIVERED = "delivered", "Delivered"

    order = models.ForeignKey("order.Order", on_delete=models.PROTECT, related_name="shipments")
    warehouse = models.ForeignKey("inventory.Warehouse", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PACKED)
    carrier = models.ForeignKey(Carrier, null=True, blank=True, on_delete=models.PROTECT)
    tracking_number = models.CharField(max_length=64, blank=True)
    packed_at = models.DateTimeField(auto_now_add=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    packed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tracking_email_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="packed")
                | (models.Q(carrier__isnull=False) & ~models.Q(tracking_number="")),
                name="shipment_shipped_has_tracking",
            ),
        ]

    def __str__(self) -> str:
        return f"Parcel from {self.warehouse.code} for order {self.order.number}"

    @property
    def tracking_url(self) -> str:
        if self.carrier is None or not self.tracking_number:
            return ""
        return self.carrier.tracking_url(self.tracking_number)


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("order.Line", on_delete=models.PROTECT, related_name="shipped")
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="shipment_line_gt_0"),
            models.UniqueConstraint(fields=["shipment", "order_line"], name="shipment_line_once"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.order_line.title}"


class ReturnRequest(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        AUTHORISED = "authorised", "Authorised"
        RECEIVED = "received", "Received"
        REJECTED = "rejected", "Rejected"

    class Refund(models.TextChoices):
        NONE = "", "Not yet"
        REFUNDED = "refunded", "Refunded to card"
        DUE = "due", "Refund due (bank transfer)"

    number = models.CharField(
        max_length=32,
        unique=True,
        editable=False,
        help_text="R-<year>-<number>, drawn from the returns series when the return is asked for.",
    )
    order = models.ForeignKey("order.Order", on_delete=models.PROTECT, related_name="returns")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    requested_at = models.DateTimeField(auto_now_add=True)
    authorised_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    warehouse = models.ForeignKey(
        "inventory.Warehouse", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    refund_status = models.CharField(max_length=16, choices=Refund.choices, blank=True, default="")
    refund_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    staff_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"Return {self.number} of order {self.order.number}"


class ReturnLine(models.Model):
    class Reason(models.TextChoices):
        DAMAGED = "damaged", "Arrived damaged"
        WRONG_ITEM = "wrong_item", "Wrong item sent"
        NOT_AS_DESCRIBED = "not_as_described", "Not as described"
        NO_LONGER_NEEDED = "no_longer_needed", "No longer needed"
        OTHER = "other", "Other"

    return_request = models.ForeignKey(
        ReturnRequest, on_delete=models.CASCADE, related_name="lines"
    )
    order_line = models.ForeignKey("order.Line", on_delete=models.PROTECT, related_name="returned")
    quantity = models.PositiveIntegerField()
    reason = models.CharField(max_length=32, choices=Reason.choices)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="return_line_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.order_line.title}"


class IdempotencyKey(models.Model):
    """An API client's ``Idempotency-Key`` for an order it placed.

    Written in the order's transaction, so a key exists exactly when its
    order does: a retry finds the order, a concurrent retry waits on the
    unique index until the first request commits (or rolls back), and a
    request that failed leaves no key behind and may simply be sent again.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request body")
    order = models.ForeignKey("order.Order", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once"),
        ]

    def __str__(self) -> str:
        return f"{self.key} -> order {self.order_id}"
