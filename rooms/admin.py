from django.contrib import admin
from django.db import transaction

from rooms.models import (
    AuditEvent,
    MealSlot,
    Person,
    Room,
    RoutineSchedule,
    Site,
    Stay,
    Transfer,
)
from rooms.services import audit
from site_ops import live


class AuditedAdmin(admin.ModelAdmin):
    """Site set-up in the admin is audited and reaches the boards like any change."""

    # What else the change is about, for boards that opt in by topic.
    topics: tuple[str, ...] = ()

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            before = {name: form.initial.get(name) for name in form.changed_data} if change else {}
            super().save_model(request, obj, form, change)
            after = {name: form.cleaned_data.get(name) for name in form.changed_data}
            site = obj if isinstance(obj, Site) else obj.site
            action = f"{obj._meta.model_name}.{'set_up' if not change else 'admin_change'}"
            audit(
                site=site,
                by=request.user,
                action=action,
                obj=obj,
                room=obj if isinstance(obj, Room) else None,
                before={key: str(value) for key, value in before.items()},
                after={key: str(value) for key, value in after.items()},
            )
            live.publish(site=site, rooms=[obj.pk] if isinstance(obj, Room) else [], topics=self.topics)

    def has_delete_permission(self, request, obj=None):
        # Rooms and sites carry history; take a room out of service instead.
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that change only through the services (which audit and broadcast): shown, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if not change:
                # A new site starts with the usual meal times and routine
                # disinfection; both are edited below.
                MealSlot.objects.bulk_create(MealSlot.defaults_for(obj))
                RoutineSchedule.objects.bulk_create(RoutineSchedule.defaults_for(obj))


@admin.register(MealSlot)
class MealSlotAdmin(AuditedAdmin):
    list_display = ["kind", "delivery_time", "site"]
    list_filter = ["site"]
    topics = ("meals",)


@admin.register(RoutineSchedule)
class RoutineScheduleAdmin(AuditedAdmin):
    list_display = ["area", "per_floor", "times", "site"]
    list_filter = ["site"]
    topics = ("disinfection",)


@admin.register(Room)
class RoomAdmin(AuditedAdmin):
    list_display = ["number", "site", "floor", "capacity", "status", "occupant_count"]
    list_filter = ["site", "floor", "status", "capacity"]
    search_fields = ["number"]
    # Status and occupancy move only through the services (check-in, check-out,
    # room moves), so that every change is audited and broadcast.
    readonly_fields = [
        "status",
        "occupant_count",
        "status_changed_at",
        "ventilation_until",
        "version",
        "updated_at",
        "updated_by",
    ]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "masked_id", "site", "status", "category", "expected_on"]
    list_filter = ["site", "status", "category"]
    search_fields = ["name", "household"]
    exclude = ["national_id", "phone", "emergency_phone"]
    readonly_fields = ["masked_id", "status", "version", "updated_at", "updated_by"]

    @admin.display(description="national ID")
    def masked_id(self, person):
        return person.national_id_masked

    def has_add_permission(self, request):
        # People arrive through the general board, which audits and broadcasts.
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Stay)
class StayAdmin(ReadOnlyAdmin):
    list_display = ["person", "room", "started_at", "ends_on", "ended_at", "end_reason"]
    list_filter = ["site", "end_reason"]


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    # Transfers move only through their steps on the boards, which audit and broadcast.
    list_display = ["created_at", "person", "room", "destination_type", "destination_name", "urgency", "state"]
    list_filter = ["site", "state", "destination_type", "urgency"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_name", "role", "action", "label"]
    list_filter = ["site", "action"]
    search_fields = ["label", "actor_name"]


# Imported last: the medical admin reuses AuditedAdmin above.
from rooms import admin_medical  # noqa: E402, F401
