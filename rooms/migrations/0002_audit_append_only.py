"""The audit table is append-only: the database refuses UPDATE and DELETE."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER rooms_auditevent_no_update BEFORE UPDATE ON rooms_auditevent
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;""",
    """CREATE TRIGGER rooms_auditevent_no_delete BEFORE DELETE ON rooms_auditevent
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS rooms_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS rooms_auditevent_no_delete;",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION rooms_auditevent_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER rooms_auditevent_no_change BEFORE UPDATE OR DELETE ON rooms_auditevent
       FOR EACH ROW EXECUTE FUNCTION rooms_auditevent_append_only();""",
    # TRUNCATE is how the test runner empties tables between browser tests;
    # a statement trigger would block it, so only row changes are refused.
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS rooms_auditevent_no_change ON rooms_auditevent;",
    "DROP FUNCTION IF EXISTS rooms_auditevent_append_only();",
]


def forwards(apps, schema_editor):
    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}.get(
        schema_editor.connection.vendor, []
    )
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("rooms", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
