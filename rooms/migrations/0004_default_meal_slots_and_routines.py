"""Sites that exist already get the default meal slots and routine disinfection schedule."""

from django.conf import settings
from django.db import migrations
from django.utils import translation


def forwards(apps, schema_editor):
    from rooms.models.disinfection import DEFAULT_ROUTINES
    from rooms.models.meals import DEFAULT_MEAL_SLOTS

    Site = apps.get_model("rooms", "Site")
    MealSlot = apps.get_model("rooms", "MealSlot")
    RoutineSchedule = apps.get_model("rooms", "RoutineSchedule")
    with translation.override(settings.LANGUAGE_CODE):
        for site in Site.objects.all():
            for kind, at in DEFAULT_MEAL_SLOTS:
                MealSlot.objects.get_or_create(site=site, kind=kind, defaults={"delivery_time": at})
            if not RoutineSchedule.objects.filter(site=site).exists():
                for area, per_floor, times in DEFAULT_ROUTINES:
                    RoutineSchedule.objects.create(site=site, area=str(area), per_floor=per_floor, times=times)


class Migration(migrations.Migration):
    dependencies = [("rooms", "0003_meals_disinfection_security")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
