"""Common carriers (editable in the admin) and the staff roles extended to
shipments and returns (see erp/roles.py)."""

from django.db import migrations

from erp.roles import sync_role_groups

CARRIERS = [
    ("dhl", "DHL", "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={tracking_number}"),
    ("dpd", "DPD", "https://tracking.dpd.de/status/en_US/parcel/{tracking_number}"),
    ("ups", "UPS", "https://www.ups.com/track?tracknum={tracking_number}"),
    ("royal-mail", "Royal Mail", "https://www.royalmail.com/track-your-item#/tracking-results/{tracking_number}"),
    ("usps", "USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels={tracking_number}"),
]


def add_carriers(apps, schema_editor):
    Carrier = apps.get_model("order", "Carrier")
    for code, name, pattern in CARRIERS:
        Carrier.objects.get_or_create(code=code, defaults={"name": name, "tracking_url_pattern": pattern})


class Migration(migrations.Migration):
    dependencies = [
        ("order", "0022_fulfilment"),
        ("inventory", "0003_staff_roles"),
    ]

    operations = [
        migrations.RunPython(add_carriers, migrations.RunPython.noop),
        migrations.RunPython(sync_role_groups, migrations.RunPython.noop),
    ]
