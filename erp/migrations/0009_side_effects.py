"""Side effects that must happen once (erp.side_effects), the enqueue lease of
webhook deliveries and dispatches, and the Manager's view of side effects."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

from erp.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("erp", "0008_login_lockout_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxevent",
            name="enqueued_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="enqueued_until",
            field=models.DateTimeField(
                blank=True,
                help_text="A message for this delivery is on the queue until then; the sweep does not queue it again before.",
                null=True,
            ),
        ),
        migrations.CreateModel(
            name="SideEffect",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=64)),
                ("object_id", models.PositiveBigIntegerField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("done", "Done"),
                            ("failed", "Failed (gave up)"),
                        ],
                        default="pending",
                        max_length=16,
                    ),
                ),
                (
                    "due_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now,
                        help_text="The next attempt, at the earliest.",
                    ),
                ),
                (
                    "leased_until",
                    models.DateTimeField(
                        blank=True,
                        help_text="Queued or being performed until then; the sweep leaves it alone before.",
                        null=True,
                    ),
                ),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("last_attempt_at", models.DateTimeField(blank=True, null=True)),
                ("last_error", models.CharField(blank=True, max_length=500)),
                (
                    "outcome",
                    models.CharField(blank=True, help_text="What was done.", max_length=255),
                ),
                ("done_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "content_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="contenttypes.contenttype",
                    ),
                ),
            ],
            options={
                "ordering": ["-pk"],
                "indexes": [
                    models.Index(
                        condition=models.Q(("status", "pending")),
                        fields=["due_at"],
                        name="side_effect_due",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("kind", "object_id", "content_type"), name="side_effect_once"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "done"), _negated=True),
                            ("done_at__isnull", False),
                            _connector="OR",
                        ),
                        name="side_effect_done_has_time",
                    ),
                ],
            },
        ),
        migrations.RunPython(sync_role_groups, migrations.RunPython.noop),
    ]
