"""The six roles as auth groups; the site head and the general group may reveal personal data."""

from django.db import migrations

ROLES = ["site_head", "general", "medical", "disinfection", "security", "catering"]
REVEALERS = ["site_head", "general"]


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    person_type, _ = ContentType.objects.get_or_create(app_label="rooms", model="person")
    reveal, _ = Permission.objects.get_or_create(
        content_type=person_type,
        codename="reveal_personal_data",
        defaults={"name": "Can reveal national IDs and phone numbers"},
    )
    for name in ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        if name in REVEALERS:
            group.permissions.add(reveal)


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("groups", "0001_initial"),
        ("rooms", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
