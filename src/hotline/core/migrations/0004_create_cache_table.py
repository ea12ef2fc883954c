"""Create the database cache table (settings.CACHES: the throttling counters shared by every
web process), so that ``hotline migrate`` is all a deployment runs."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_cache_table(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS hotline_cache")


class Migration(migrations.Migration):
    dependencies = [("core", "0003_hash_existing_audit_entries")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
