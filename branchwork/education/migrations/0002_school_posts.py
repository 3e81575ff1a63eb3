from django.db import migrations


def install(apps, schema_editor):
    from branchwork.org.reference import install_reference_data

    install_reference_data(apps.get_model("access", "Role"), apps.get_model("org", "PostType"))


class Migration(migrations.Migration):
    """The school staff's posts (principal, teacher, school staff): added where missing."""

    dependencies = [("education", "0001_schools")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
