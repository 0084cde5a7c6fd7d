"""Returns get a number customers and staff can quote: R-<year>-<6 digits>, drawn
from the erp document sequences (series "R", per year of the request). Existing
returns are numbered here in the order they were asked for."""

from django.db import migrations, models
from django.utils import timezone

RETURN_SERIES = "R"


def number_existing_returns(apps, schema_editor):
    ReturnRequest = apps.get_model("order", "ReturnRequest")
    DocumentSequence = apps.get_model("erp", "DocumentSequence")
    last: dict[int, int] = {}
    for return_request in ReturnRequest.objects.order_by("requested_at", "pk"):
        year = timezone.localtime(return_request.requested_at).year
        if year not in last:
            sequence, _ = DocumentSequence.objects.get_or_create(series=RETURN_SERIES, year=year)
            last[year] = sequence.last_number
        last[year] += 1
        ReturnRequest.objects.filter(pk=return_request.pk).update(
            number=f"{RETURN_SERIES}-{year}-{last[year]:06d}"
        )
    for year, number in last.items():
        DocumentSequence.objects.filter(series=RETURN_SERIES, year=year).update(last_number=number)


class Migration(migrations.Migration):
    dependencies = [
        ("erp", "0009_side_effects"),
        ("order", "0028_order_customer_reference"),
    ]

    operations = [
        migrations.AddField(
            model_name="returnrequest",
            name="number",
            field=models.CharField(editable=False, max_length=32, null=True),
        ),
        migrations.RunPython(number_existing_returns, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="returnrequest",
            name="number",
            field=models.CharField(
                editable=False,
                help_text=(
                    "R-<year>-<number>, drawn from the returns series when the return is asked for."
                ),
                max_length=32,
                unique=True,
            ),
        ),
    ]
