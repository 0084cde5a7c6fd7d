"""Extend the staff roles (erp/roles.py) to the stock models."""

from django.db import migrations

from erp.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0002_stock_ledger"),
        ("erp", "0002_staff_roles"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
