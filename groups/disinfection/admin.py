from django.contrib import admin

from groups.disinfection.models import (
    Disinfectant,
    DisinfectionSettings,
    DisinfectionStandard,
    EnvironmentalSample,
    RoutineSchedule,
    WasteHandover,
)
from rooms.admin import AuditedAdmin, ReadOnlyAdmin


@admin.register(RoutineSchedule)
class RoutineScheduleAdmin(AuditedAdmin):
    list_display = ["area", "per_floor", "times", "site"]
    list_filter = ["site"]
    topics = ("disinfection",)


@admin.register(Disinfectant)
class DisinfectantAdmin(AuditedAdmin):
    """The site's list of agents a record chooses from; one no longer used is
    set not in use (records name it, so it is never deleted)."""

    list_display = ["name", "active", "site"]
    list_filter = ["site", "active"]
    topics = ("disinfection",)


@admin.register(DisinfectionStandard)
class DisinfectionStandardAdmin(AuditedAdmin):
    """Per kind of task, the least each agent must reach. A standard is
    changed, not deleted; an agent set not in use takes its standards with it."""

    list_display = ["kind", "disinfectant", "min_concentration_mg_l", "min_contact_minutes", "site"]
    list_filter = ["site", "kind"]
    topics = ("disinfection",)


@admin.register(DisinfectionSettings)
class DisinfectionSettingsAdmin(AuditedAdmin):
    list_display = ["site", "environmental_sample_required", "waste_max_days"]
    topics = ("disinfection",)


@admin.register(EnvironmentalSample)
class EnvironmentalSampleAdmin(ReadOnlyAdmin):
    list_display = ["room", "status", "taken_at", "resulted_at", "site"]
    list_filter = ["site", "status"]


@admin.register(WasteHandover)
class WasteHandoverAdmin(ReadOnlyAdmin):
    list_display = ["handed_at", "contractor", "manifest_number", "handed_over_name", "receiver", "bags", "weight_kg"]
    list_filter = ["site"]
