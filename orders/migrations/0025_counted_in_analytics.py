from django.db import migrations, models


class Migration(migrations.Migration):
    """Orders placed before this migration were counted one by one by a task
    each: they start as counted; new orders wait for the batch."""

    dependencies = [
        ("order", "0024_idempotency_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="counted_in_analytics",
            field=models.BooleanField(default=True, editable=False),
        ),
        migrations.AlterField(
            model_name="order",
            name="counted_in_analytics",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(("counted_in_analytics", False)),
                fields=["id"],
                name="order_not_yet_counted",
            ),
        ),
    ]
