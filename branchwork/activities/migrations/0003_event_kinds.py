from django.db import migrations


def seed(apps, schema_editor):
    from branchwork.activities.reference import install_event_kinds

    install_event_kinds(apps.get_model("activities", "EventKind"))


class Migration(migrations.Migration):
    dependencies = [("activities", "0002_events")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
