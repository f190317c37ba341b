from django.contrib import admin

from groups.disinfection.models import RoutineSchedule
from rooms.admin import AuditedAdmin


@admin.register(RoutineSchedule)
class RoutineScheduleAdmin(AuditedAdmin):
    list_display = ["area", "per_floor", "times", "site"]
    list_filter = ["site"]
    topics = ("disinfection",)
