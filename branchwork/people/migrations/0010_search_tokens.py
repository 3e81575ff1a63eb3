"""Search by name tokens: keys ``t:<token>`` replace the character bigrams, and each person
carries their tokens as ``search_text`` (see ``people.search``). Both are derived from the
names, so they are computed again for everyone. An index serves the people list's order."""

from django.db import migrations, models


def refill(apps, schema_editor):  # type: ignore[no-untyped-def]
    # Derived by the current code, as the search reads them.
    from branchwork.people.search import index_entries

    Person = apps.get_model("people", "Person")
    Key = apps.get_model("people", "PersonSearchKey")
    Key.objects.all().delete()
    keys, people = [], []
    for person in Person.objects.order_by("pk").iterator(chunk_size=2000):
        found, person.search_text = index_entries(person)
        keys.extend(Key(person_id=person.pk, key=k) for k in sorted(found))
        people.append(person)
        if len(keys) >= 20000:
            Key.objects.bulk_create(keys)
            Person.objects.bulk_update(people, ["search_text"], batch_size=500)
            keys, people = [], []
    Key.objects.bulk_create(keys)
    Person.objects.bulk_update(people, ["search_text"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0003_reference_data"),
        ("people", "0009_search_key_collation"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                fields=["family_name_kana", "given_name_kana", "id"], name="person_order"
            ),
        ),
        migrations.RunPython(refill, migrations.RunPython.noop),
    ]
