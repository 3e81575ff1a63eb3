"""On PostgreSQL an import's file is stored uncompressed (TOAST storage EXTERNAL).

The file is kept only until its import has run, and compressing 60 MB with pglz costs the
upload about a second and a half (reading it back costs its decompression too). Spreadsheets
saved as XLSX are compressed already. SQLite does not compress.
"""

from django.db import migrations


def uncompressed(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE imports_importfile ALTER COLUMN data SET STORAGE EXTERNAL")


def compressed(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE imports_importfile ALTER COLUMN data SET STORAGE EXTENDED")


class Migration(migrations.Migration):
    dependencies = [("imports", "0002_import_file")]
    operations = [migrations.RunPython(uncompressed, compressed)]
