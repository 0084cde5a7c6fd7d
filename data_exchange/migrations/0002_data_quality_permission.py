"""The data-quality report's permission (an unmanaged model: no table), given to the
roles that keep the catalogue (erp/roles.py)."""

from django.db import migrations, models

from erp.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("data_exchange", "0001_initial"),
        ("erp", "0011_purchasing_events"),
        ("inventory", "0006_product_specification_sku_policy"),
        ("crm", "0003_company_addresses"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataQualityReport",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
            ],
            options={
                "verbose_name": "data-quality report",
                "permissions": [("view_data_quality", "Can see the data-quality report")],
                "managed": False,
                "default_permissions": (),
            },
        ),
        migrations.RunPython(sync_role_groups, migrations.RunPython.noop),
    ]
