"""On PostgreSQL the search key column compares bytewise (collation "C").

Keys are matched exactly or by prefix, never sorted for people to read, so the language's
collation buys nothing and costs a locale comparison per step of every index search and build.
Under "C" the (key, person) index also serves ``key LIKE 'b:金%'``, so the extra
``varchar_pattern_ops`` index of 0007 goes: one index fewer to keep and to rebuild after a
bulk load. SQLite already compares bytewise (BINARY).
"""

from django.db import migrations

PATTERN_INDEX = "people_personsearchkey_key_pattern"


def to_bytewise(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {PATTERN_INDEX}")
        schema_editor.execute(
            'ALTER TABLE people_personsearchkey ALTER COLUMN key TYPE varchar(80) COLLATE "C"'
        )


def to_default(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'ALTER TABLE people_personsearchkey ALTER COLUMN key TYPE varchar(80) COLLATE "default"'
        )
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {PATTERN_INDEX} "
            "ON people_personsearchkey (key varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("people", "0008_search_key_composite")]
    operations = [migrations.RunPython(to_bytewise, to_default)]
