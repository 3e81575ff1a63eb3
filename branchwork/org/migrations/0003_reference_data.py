"""Install the default roles and officer post types (see branchwork/org/reference.py)."""

from django.db import migrations


def install(apps, schema_editor):
    from branchwork.org.reference import install_reference_data

    install_reference_data(apps.get_model("access", "Role"), apps.get_model("org", "PostType"))


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0002_initial"),
        ("access", "0002_initial"),
    ]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
