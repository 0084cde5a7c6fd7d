"""The chart of accounts is too small for autovacuum to ever analyse it; without
statistics the planner picks slow plans for short report periods."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounting", "0004_refunds")]

    operations = [migrations.RunSQL("ANALYZE accounting_account", migrations.RunSQL.noop)]
