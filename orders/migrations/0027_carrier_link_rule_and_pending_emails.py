"""Carrier tracking links are validated on the field (http or https, a fixed
host, the {tracking_number} placeholder), and the e-mails a deployment made
before side effects had rows get one now.

Before erp 0009, a tracking e-mail or a credit-hold alert existed only as a
message on the broker; after it, a message without a row does nothing. So every
shipped parcel whose tracking e-mail has not gone, and every order waiting on
credit hold whose credit controllers were never told, gets a pending row that
the side-effects sweep sends (once: the tasks keep their own sent-markers).
Order confirmations were sent by the checkout request itself and need none.
"""

from django.db import migrations, models
from django.utils import timezone

import orders.models

TRACKING_EMAIL = "shipment.tracking_email"
CREDIT_HOLD_ALERT_EMAIL = "order.credit_hold_alert"
CREDIT_HOLD = "Credit hold"
CREDIT_HOLD_ALERT_NOTE = "Credit hold alert"


def record_unsent_emails(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    SideEffect = apps.get_model("erp", "SideEffect")
    Shipment = apps.get_model("order", "Shipment")
    Order = apps.get_model("order", "Order")
    now = timezone.now()

    unsent_parcels = list(
        Shipment.objects.filter(
            status__in=["shipped", "delivered"], tracking_email_sent_at__isnull=True
        )
        .exclude(tracking_number="")
        .values_list("pk", flat=True)
    )
    held_untold = list(
        Order.objects.filter(status=CREDIT_HOLD)
        .exclude(notes__note_type=CREDIT_HOLD_ALERT_NOTE)
        .values_list("pk", flat=True)
    )
    rows = []
    for kind, model, ids in (
        (TRACKING_EMAIL, "shipment", unsent_parcels),
        (CREDIT_HOLD_ALERT_EMAIL, "order", held_untold),
    ):
        if not ids:
            continue
        content_type, _ = ContentType.objects.get_or_create(app_label="order", model=model)
        rows += [
            SideEffect(kind=kind, content_type=content_type, object_id=pk, due_at=now) for pk in ids
        ]
    SideEffect.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("order", "0026_placed_orders_immutable"),
        ("erp", "0009_side_effects"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterField(
            model_name="carrier",
            name="tracking_url_pattern",
            field=models.CharField(
                help_text=(
                    "Link to the carrier's tracking page (http or https); "
                    "{tracking_number} is replaced."
                ),
                max_length=255,
                validators=[orders.models.validate_tracking_url_pattern],
            ),
        ),
        migrations.RunPython(record_unsent_emails, migrations.RunPython.noop),
    ]
