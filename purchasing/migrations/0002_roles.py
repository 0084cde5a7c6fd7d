"""The Purchasing role, and the purchasing permissions of Manager, Warehouse and
Accounting (erp/roles.py)."""

from django.db import migrations

from erp.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("purchasing", "0001_initial"),
        ("accounting", "0007_purchasing_accounts"),
        ("inventory", "0005_supplier_return"),
    ]

    operations = [
        migrations.RunPython(sync_role_groups, migrations.RunPython.noop),
    ]
