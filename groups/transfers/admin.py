from django.contrib import admin

from groups.transfers.models import Transfer
from rooms.admin import ReadOnlyAdmin


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    # Transfers move only through their steps on the boards, which audit and broadcast.
    list_display = ["created_at", "person", "room", "destination_type", "destination_name", "urgency", "state"]
    list_filter = ["site", "state", "destination_type", "urgency"]
