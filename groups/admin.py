from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from groups.models import Staff


class StaffInline(admin.StackedInline):
    model = Staff
    can_delete = False
    verbose_name_plural = "site"


class StaffUserAdmin(UserAdmin):
    """Staff accounts: a personal login, its site and its groups, on one page."""

    inlines = [StaffInline]
    list_display = ["username", "last_name", "first_name", "is_active", "group_names"]
    list_filter = ["groups", "is_active"]

    @admin.display(description="groups")
    def group_names(self, user):
        return ", ".join(group.name for group in user.groups.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")


admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)
