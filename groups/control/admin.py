from django.contrib import admin
from django.db import transaction

from groups.catering.models import MealSlot
from groups.disinfection.models import RoutineSchedule
from groups.disinfection.services import disinfection_set_up
from rooms.admin import AuditedAdmin
from rooms.models import Shift, Site


@admin.register(Site)
class SiteAdmin(AuditedAdmin):
    list_display = [
        "name",
        "address",
        "ventilation_minutes",
        "transfer_stale_minutes",
        "patrol_interval_minutes",
    ]
    topics = ("meals", "disinfection", "security", "transfers")
    site_path = "pk"

    def has_add_permission(self, request):
        # A new site is the installation's, not a site head's.
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if not change:
                # A new site starts with the usual meal times and routine
                # disinfection; both are edited below.
                MealSlot.objects.bulk_create(MealSlot.defaults_for(obj))
                RoutineSchedule.objects.bulk_create(RoutineSchedule.defaults_for(obj))
                # Its disinfectants with their national minimums, and its waste limit.
                disinfection_set_up(obj, by=request.user)
                # Every group's day and night shift, for its handovers.
                Shift.objects.bulk_create(Shift.defaults_for(obj))
