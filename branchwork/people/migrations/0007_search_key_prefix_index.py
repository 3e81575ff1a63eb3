"""On PostgreSQL, an index that serves ``key LIKE 'b:金%'`` whatever the database's collation
(one-character searches). SQLite gets no extra index: its searches use a range on the
existing ``(key, person)`` index."""

from django.db import migrations

INDEX = "people_personsearchkey_key_pattern"


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON people_personsearchkey (key varchar_pattern_ops)"
        )


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("people", "0006_privacy")]
    operations = [migrations.RunPython(create, drop)]
