"""Sites that exist already get the default meal slots and routine disinfection schedule."""

from datetime import time

from django.conf import settings
from django.db import migrations
from django.utils import translation
from django.utils.translation import gettext


# The defaults as they were when this migration was written (a migration keeps
# its own copy; the models' live in groups/catering and groups/disinfection).
DEFAULT_MEAL_SLOTS = [("breakfast", time(7, 30)), ("lunch", time(11, 30)), ("dinner", time(17, 30))]
DEFAULT_ROUTINES = [
    ("corridor and lift", True, "09:00 15:00"),
    ("lobby", False, "08:00 13:00 19:00"),
    ("checkpoint", False, "08:00 13:00 19:00"),
]


def forwards(apps, schema_editor):
    Site = apps.get_model("rooms", "Site")
    MealSlot = apps.get_model("rooms", "MealSlot")
    RoutineSchedule = apps.get_model("rooms", "RoutineSchedule")
    with translation.override(settings.LANGUAGE_CODE):
        for site in Site.objects.all():
            for kind, at in DEFAULT_MEAL_SLOTS:
                MealSlot.objects.get_or_create(site=site, kind=kind, defaults={"delivery_time": at})
            if not RoutineSchedule.objects.filter(site=site).exists():
                for area, per_floor, times in DEFAULT_ROUTINES:
                    RoutineSchedule.objects.create(site=site, area=gettext(area), per_floor=per_floor, times=times)


class Migration(migrations.Migration):
    dependencies = [("rooms", "0003_meals_disinfection_security")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
