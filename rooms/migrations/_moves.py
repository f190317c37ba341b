"""Steps the move to one app per group needs, shared by the group apps' first migrations.

Each is idempotent: it does nothing where it was done before, so a database
made before the group apps and a new one end the same.
"""

from django.contrib.sessions.backends.db import SessionStore

ROLES = ["site_head", "general", "medical", "disinfection", "security", "catering"]
REVEALERS = ["site_head", "general"]
SESSION_BACKEND_KEY = "_auth_user_backend"
FORMER_BACKENDS = ("groups.backends.StaffBackend", "django.contrib.auth.backends.ModelBackend")
BACKEND = "rooms.backends.StaffBackend"


def create_table_if_missing(app_label: str, model_name: str):
    """Create a model's table unless a former app made it already (then it keeps its rows)."""

    def create(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        if model._meta.db_table not in schema_editor.connection.introspection.table_names():
            schema_editor.create_model(model)

    return create


def relabel_content_types(old_app: str, new_app: str, models: list[str]):
    """Move content types to a model's new app, so its permissions and admin log follow it."""

    def relabel(apps, schema_editor):
        found = apps.get_model("contenttypes", "ContentType").objects.using(schema_editor.connection.alias)
        for model in models:
            if not found.filter(app_label=new_app, model=model).exists():
                found.filter(app_label=old_app, model=model).update(app_label=new_app)

    return relabel


def roles(apps, schema_editor):
    """The six roles as auth groups; the site head and the general group may reveal personal data."""
    db = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    person_type, _ = ContentType.objects.using(db).get_or_create(app_label="rooms", model="person")
    reveal, _ = Permission.objects.using(db).get_or_create(
        content_type=person_type,
        codename="reveal_personal_data",
        defaults={"name": "Can reveal national IDs and phone numbers"},
    )
    for name in ROLES:
        group, _ = Group.objects.using(db).get_or_create(name=name)
        if name in REVEALERS:
            group.permissions.add(reveal)


def rename_session_backend(apps, schema_editor):
    """Login sessions record the backend that authenticated them, and Django
    accepts one only while that path is still configured: without this, the
    upgrade would log out every tablet and wall display."""
    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    for session in Session.objects.using(schema_editor.connection.alias).all():
        data = store.decode(session.session_data)  # {} for data it cannot read
        if data.get(SESSION_BACKEND_KEY) in FORMER_BACKENDS:
            data[SESSION_BACKEND_KEY] = BACKEND
            session.session_data = store.encode(data)
            session.save(update_fields=["session_data"])
