from django.db import migrations

# On PostgreSQL the database itself refuses to change or delete a ledger row, whatever code (or
# person with a SQL prompt and the application's role) tries it. TRUNCATE is left to the
# database owner: it is how a test database is emptied, and no application path issues it.
TABLES = ("money_transaction", "money_entry")

FORWARD = """
CREATE OR REPLACE FUNCTION money_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'raise_exception';
END
$$ LANGUAGE plpgsql;
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FORWARD, params=None)  # its "%" are PL/pgSQL's, not placeholders
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION money_append_only()"
        )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS money_append_only()")


class Migration(migrations.Migration):
    dependencies = [("money", "0001_ledger")]
    operations = [migrations.RunPython(install, remove)]
