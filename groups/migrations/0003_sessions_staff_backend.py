"""Login sessions made before the login backend became ``StaffBackend`` keep working.

A session records the backend that authenticated it, and Django accepts it
only while that backend is still listed in ``AUTHENTICATION_BACKENDS``:
without this, the upgrade would log out every tablet and wall display (their
sockets refused, their pages back at the login).
"""

from django.db import migrations

KEY = "_auth_user_backend"
OLD = "django.contrib.auth.backends.ModelBackend"
NEW = "groups.backends.StaffBackend"


def rename_backend(apps, schema_editor, old=OLD, new=NEW):
    from django.contrib.sessions.backends.db import SessionStore

    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    for session in Session.objects.using(schema_editor.connection.alias).all():
        data = store.decode(session.session_data)  # {} for data it cannot read
        if data.get(KEY) == old:
            data[KEY] = new
            session.session_data = store.encode(data)
            session.save(update_fields=["session_data"])


def rename_back(apps, schema_editor):
    rename_backend(apps, schema_editor, old=NEW, new=OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("groups", "0002_roles"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(rename_backend, rename_back)]
