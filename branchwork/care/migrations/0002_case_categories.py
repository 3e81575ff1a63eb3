from django.db import migrations


def seed(apps, schema_editor):
    from branchwork.care.reference import install_case_categories

    install_case_categories(apps.get_model("care", "CaseCategory"))


class Migration(migrations.Migration):
    dependencies = [("care", "0001_cases")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
