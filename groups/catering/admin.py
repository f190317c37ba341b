from django.contrib import admin

from groups.catering.models import MealSlot
from rooms.admin import AuditedAdmin


@admin.register(MealSlot)
class MealSlotAdmin(AuditedAdmin):
    list_display = ["kind", "delivery_time", "site"]
    list_filter = ["site"]
    topics = ("meals",)
