"""The storefront's legal and help pages (imprint, terms, privacy, shipping &
returns, contact) exist from the start, with placeholder text the owner edits;
Managers may edit flat pages."""

from django.db import migrations

from erp.legal_pages import legal_pages_create
from erp.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("erp", "0009_side_effects"),
        ("flatpages", "0001_initial"),
        ("sites", "0002_alter_domain_unique"),
    ]

    operations = [
        migrations.RunPython(legal_pages_create, migrations.RunPython.noop),
        migrations.RunPython(sync_role_groups, migrations.RunPython.noop),
    ]
