"""Company addresses (billing / shipping) that buyers choose at checkout."""

import django.db.models.deletion
from django.db import migrations, models

from erp.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("address", "0007_useraddress_code"),
        ("crm", "0002_staff_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="CompanyAddress",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "label",
                    models.CharField(
                        help_text="How buyers recognise it, e.g. “Head office” or “Warehouse Ulm”.",
                        max_length=64,
                    ),
                ),
                (
                    "attention",
                    models.CharField(
                        blank=True, max_length=128, verbose_name="for the attention of"
                    ),
                ),
                ("line1", models.CharField(max_length=255, verbose_name="street and number")),
                (
                    "line2",
                    models.CharField(blank=True, max_length=255, verbose_name="address line 2"),
                ),
                ("postcode", models.CharField(max_length=64)),
                ("city", models.CharField(max_length=255)),
                (
                    "state",
                    models.CharField(blank=True, max_length=255, verbose_name="state / region"),
                ),
                ("phone_number", models.CharField(blank=True, max_length=32)),
                ("is_billing", models.BooleanField(default=False, verbose_name="billing address")),
                ("is_shipping", models.BooleanField(default=True, verbose_name="shipping address")),
                (
                    "company",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="addresses",
                        to="crm.company",
                    ),
                ),
                (
                    "country",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="address.country",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "company addresses",
                "ordering": ["company", "label", "pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("is_billing", True), ("is_shipping", True), _connector="OR"
                        ),
                        name="company_address_billing_or_shipping",
                    )
                ],
            },
        ),
        # the roles that edit companies edit their addresses too (erp/roles.py)
        migrations.RunPython(sync_role_groups, migrations.RunPython.noop),
    ]
