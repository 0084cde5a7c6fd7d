"""The table of the "shared" cache (settings.CACHES): counts every web process
must see alike, such as API login attempts, when no CACHE_URL cache is set."""

from django.core.management import call_command
from django.db import migrations

TABLE = "kontor_shared_cache"


def create_table(apps, schema_editor):
    # Django's own DatabaseCache layout; a no-op when the table exists
    call_command("createcachetable", TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop_table(apps, schema_editor):
    schema_editor.execute(f'DROP TABLE IF EXISTS "{TABLE}"')


class Migration(migrations.Migration):
    dependencies = [("erp", "0006_idempotent_request")]

    operations = [migrations.RunPython(create_table, drop_table)]
