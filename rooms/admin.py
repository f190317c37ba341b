from django.contrib import admin

from rooms.models import AuditEvent, Person, Room, Site, Stay


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "address", "protocol_days", "ventilation_minutes"]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
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
class StayAdmin(admin.ModelAdmin):
    list_display = ["person", "room", "started_at", "ends_on", "ended_at", "end_reason"]
    list_filter = ["site", "end_reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_name", "role", "action", "label"]
    list_filter = ["site", "action"]
    search_fields = ["label", "actor_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
