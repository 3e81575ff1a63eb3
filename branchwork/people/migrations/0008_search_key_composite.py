"""The search-key table becomes a keyed index: primary key (person, key), a (key, person) lookup
index that bulk loads can drop and rebuild, no database-level foreign key. The table holds only
derived data, so it is dropped, created again and refilled from the people's names."""

import django.db.models.deletion
from django.db import migrations, models

PATTERN_INDEX = "people_personsearchkey_key_pattern"


def create_table(apps, schema_editor):  # type: ignore[no-untyped-def]
    """On SQLite the table is WITHOUT ROWID: one B-tree ordered by (person, key), which bulk loads
    append to (about 1.4x the insert rate of a rowid table with the same primary key)."""
    model = apps.get_model("people", "PersonSearchKey")
    if schema_editor.connection.vendor != "sqlite":
        schema_editor.create_model(model)
        return
    schema_editor.execute(
        'CREATE TABLE "people_personsearchkey" ("person_id" bigint NOT NULL, '
        '"key" varchar(80) NOT NULL, PRIMARY KEY ("person_id", "key")) WITHOUT ROWID'
    )
    for index in model._meta.indexes:
        schema_editor.execute(index.create_sql(model, schema_editor))


def drop_table(apps, schema_editor):  # type: ignore[no-untyped-def]
    schema_editor.delete_model(apps.get_model("people", "PersonSearchKey"))


def refill(apps, schema_editor):  # type: ignore[no-untyped-def]
    # The keys are derived from the names by the current code, as the search reads them.
    from branchwork.people.search import keys_for

    Person = apps.get_model("people", "Person")
    Key = apps.get_model("people", "PersonSearchKey")
    batch = []
    for person in Person.objects.order_by("pk").iterator(chunk_size=2000):
        batch.extend(Key(person_id=person.pk, key=k) for k in sorted(keys_for(person)))
        if len(batch) >= 20000:
            Key.objects.bulk_create(batch)
            batch = []
    Key.objects.bulk_create(batch)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {PATTERN_INDEX} "
            "ON people_personsearchkey (key varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("people", "0007_search_key_prefix_index")]

    operations = [
        migrations.DeleteModel(name="PersonSearchKey"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PersonSearchKey",
                    fields=[
                        ("pk", models.CompositePrimaryKey("person", "key", blank=True, editable=False, primary_key=True, serialize=False)),
                        (
                            "person",
                            models.ForeignKey(
                                db_constraint=False,
                                db_index=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="search_keys",
                                to="people.person",
                            ),
                        ),
                        ("key", models.CharField(max_length=80)),
                    ],
                    options={
                        "indexes": [models.Index(fields=["key", "person"], name="search_key_lookup")],
                    },
                ),
            ],
        ),
        migrations.RunPython(create_table, drop_table),
        migrations.RunPython(refill, migrations.RunPython.noop),
    ]
