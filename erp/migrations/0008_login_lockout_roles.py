"""Extend the Manager role (erp/roles.py) to the login lockout screens (django-axes):
failed attempts (view, unlock) and the log of logins (view)."""

from django.db import migrations

from erp.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("erp", "0007_shared_cache_table"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
