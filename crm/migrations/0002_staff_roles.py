"""Extend the staff roles (erp/roles.py) to companies and price lists."""

from django.db import migrations

from erp.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0001_accounts_and_price_lists"),
        ("accounting", "0005_analyze_accounts"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
