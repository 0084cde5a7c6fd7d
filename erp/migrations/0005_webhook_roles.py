"""Extend the staff roles (erp/roles.py) to webhook subscriptions and their log."""

from django.db import migrations

from erp.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("erp", "0004_outbox_webhooks"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
