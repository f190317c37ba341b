from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from rooms.handover import GROUPS, HANDOVER, handover_topic
from rooms.models import (
    ACTION_LABELS,
    AuditEvent,
    District,
    Handover,
    Person,
    Request,
    RequestRoute,
    RoleGroup,
    Room,
    Shift,
    Site,
    Staff,
    Stay,
)
from rooms.roles import Role, role_words, site_of
from rooms.services import audit
from rooms.setup import AddRoomsForm, add_rooms, added_message, fingerprint, preview_of
from rooms.templatetags.audit import audit_changes, role_labels
from site_ops import live


def own_site_choices(model, user):
    """The records of ``model`` a site head who is not the installation's
    administrator may choose in a form: their own site's; None when the model
    belongs to no site."""
    site = site_of(user)
    if model is Site:
        return Site.objects.filter(pk=site.pk if site else None)
    if model is User:
        return User.objects.filter(staff__site=site.pk if site else None)
    if any(field.name == "site" for field in model._meta.get_fields()):
        return model._default_manager.filter(site=site.pk if site else None)
    return None


class SiteScoped:
    """Put before an admin class: a user who is not the installation's
    administrator (a site head, the admin is their site's set-up) sees,
    chooses and edits only their own site's records, and no list filters by
    site (its choices would name every site)."""

    # The path from a record to its site.
    site_path = "site"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        site = site_of(request.user)
        return queryset.filter(**{self.site_path: site.pk}) if site else queryset.none()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return super().formfield_for_foreignkey(db_field, request, **self.own_choices(db_field, request, kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return super().formfield_for_manytomany(db_field, request, **self.own_choices(db_field, request, kwargs))

    @staticmethod
    def own_choices(db_field, request, kwargs: dict) -> dict:
        """A form field's arguments, its choices kept to the user's own site unless they are the installation's."""
        choices = None if request.user.is_superuser else own_site_choices(db_field.related_model, request.user)
        return kwargs if choices is None else {**kwargs, "queryset": choices}

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if request.user.is_superuser:
            return filters
        return [f for f in filters if f not in ("site", "sites")]


class SiteScopedAdmin(SiteScoped, admin.ModelAdmin):
    pass


class AuditedAdmin(SiteScopedAdmin):
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
            live.publish(
                site=site,
                rooms=[obj.pk] if isinstance(obj, Room) else [],
                topics=self.topics,
                whole_boards=self.whole_boards(form, change),
            )

    def whole_boards(self, form, change) -> bool:
        """Whether the change is one the site's open boards have no place for (``live.publish``)."""
        return False

    def has_delete_permission(self, request, obj=None):
        # Rooms and sites carry history; take a room out of service instead.
        return False


class ReadOnlyAdmin(SiteScopedAdmin):
    """Records that change only through the services (which audit and broadcast): shown, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RoomAdminForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["site", "number", "floor", "capacity", "note"]

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        # Not in the form, so not checked with it: the people in the room now.
        if capacity is not None and capacity < self.instance.occupant_count:
            raise forms.ValidationError(
                ngettext(
                    "%(count)d person is in this room now: it keeps at least %(count)d bed.",
                    "%(count)d people are in this room now: it keeps at least %(count)d beds.",
                    self.instance.occupant_count,
                )
                % {"count": self.instance.occupant_count}
            )
        return capacity


@admin.register(Room)
class RoomAdmin(AuditedAdmin):
    form = RoomAdminForm
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

    def whole_boards(self, form, change) -> bool:
        # A new room, or one that moved in the grid: no open board has its place yet.
        return not change or bool({"number", "floor"} & set(form.changed_data))

    def get_urls(self):
        add_many = path("add-many/", self.admin_site.admin_view(self.add_many_view), name="rooms_room_add_many")
        return [add_many, *super().get_urls()]

    def add_many_view(self, request):
        """Rooms floor by floor (rooms.setup): a preview, then the rooms added in one step."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        sites = Site.objects.all() if request.user.is_superuser else own_site_choices(Site, request.user)
        form = AddRoomsForm(request.POST or None, sites=sites)
        preview, changed = None, False
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            # Added only as previewed: a field changed after the preview shows the new preview first.
            if "confirm" in request.POST and request.POST.get("previewed") == fingerprint(data):
                site, numbers, capacity = data["site"], data["numbers"], data["capacity"]
                rooms = add_rooms(by=request.user, site=site, numbers=numbers, capacity=capacity)
                self.message_user(request, added_message(rooms), messages.SUCCESS)
                return redirect("admin:rooms_room_changelist")
            changed = "confirm" in request.POST
            preview = preview_of(data)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Add rooms floor by floor"),
            "adminform": helpers.AdminForm(form, [(None, {"fields": list(form.fields)})], {}),
            "preview": preview,
            "changed_since_preview": changed,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/rooms/room/add_many.html", context)


@admin.register(Person)
class PersonAdmin(SiteScopedAdmin):
    list_display = ["name", "masked_id", "site", "status", "category", "expected_on"]
    list_filter = ["site", "status", "category"]
    search_fields = ["name", "household"]
    exclude = ["national_id", "phone", "emergency_phone", "special_needs"]
    readonly_fields = ["masked_id", "needs", "status", "version", "updated_at", "updated_by"]

    @admin.display(description=_("national ID"))
    def masked_id(self, person):
        return person.national_id_masked

    @admin.display(description=_("special needs"))
    def needs(self, person):
        return "、".join(person.get_special_needs_display()) or "—"

    def has_add_permission(self, request):
        # People arrive through the general board, which audits and broadcasts.
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # A person carries their stays, tests and audit history: never deleted.
        return False


@admin.register(Stay)
class StayAdmin(ReadOnlyAdmin):
    list_display = ["person", "room", "started_at", "ends_on", "ended_at", "end_reason"]
    list_filter = ["site", "end_reason"]


class ActionFilter(admin.SimpleListFilter):
    """The audit log by what was done, in words (the stored action is a key)."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return sorted(((key, label) for key, label in ACTION_LABELS.items()), key=lambda item: str(item[1]))

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "who", "roles", "what", "label"]
    list_filter = ["site", ActionFilter]
    search_fields = ["label", "actor_name"]
    # An event read as the history reads it: what was done and what changed, in words.
    fields = ["at", "site", "who", "roles", "what", "label", "room", "person", "changes", "note"]
    readonly_fields = fields

    @admin.display(description=_("changes"))
    def changes(self, event):
        return "; ".join(
            f"{row['label']}: {row['before']} → {row['after']}"
            if row["before"] is not None
            else f"{row['label']}: {row['after']}"
            for row in audit_changes(event)
        )

    @admin.display(description=_("actor"), ordering="actor_name")
    def who(self, event):
        return event.actor_words

    @admin.display(description=_("role"))
    def roles(self, event):
        return role_labels(event.role)

    @admin.display(description=_("action"), ordering="action")
    def what(self, event):
        return event.action_label


@admin.register(Shift)
class ShiftAdmin(AuditedAdmin):
    """Each group's shifts: the boards and the control screen show the shift change
    a handover given now is for (rooms.handover.shift_change)."""

    list_display = ["group", "name", "starts", "ends", "site"]
    list_filter = ["site", "group"]
    topics = (HANDOVER, *(handover_topic(group) for group in GROUPS))

    def has_delete_permission(self, request, obj=None):
        # A shift carries no history (a handover keeps its shifts' names): a
        # site going from two shifts to three deletes one.
        return True


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    list_display = ["change_at", "group", "handed_over_by", "acknowledged_by", "site"]
    list_filter = ["site", "group"]


class StaffInline(SiteScoped, admin.StackedInline):
    model = Staff
    can_delete = False
    verbose_name_plural = _("site")


class RoleFilter(admin.SimpleListFilter):
    """Staff by role, in words (a group's name is the role's key)."""

    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return Role.choices

    def queryset(self, request, queryset):
        return queryset.filter(groups__name=self.value()) if self.value() else queryset


class StaffUserAdmin(SiteScoped, UserAdmin):
    """Staff accounts: a personal login, its site and its groups, on one page.

    A site head who is not the installation's administrator keeps their own
    site's accounts: no other site's, no superuser's, and no account made a
    superuser or given permissions one by one (its groups say what it may do).
    """

    inlines = [StaffInline]
    site_path = "staff__site"

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        kept = ("is_superuser", "user_permissions")
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in kept]})
            for name, options in fieldsets
        ]

    list_display = ["username", "last_name", "first_name", "is_active", "group_names"]
    list_filter = [RoleFilter, "is_active"]

    @admin.display(description=_("groups"))
    def group_names(self, user):
        return role_labels(",".join(group.name for group in user.groups.all()))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "groups":
            field.label_from_instance = role_name
            if not request.user.is_superuser:
                # The district office's officers work for the district, set up by the installation's administrator.
                field.queryset = field.queryset.exclude(name=Role.DISTRICT)
        elif db_field.name == "user_permissions":
            field.label_from_instance = permission_name
        return field

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    # An account's groups, site and whether it is active decide what its open
    # boards may show: its sockets check again as soon as a change commits.
    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        site = site_of(request.user)
        if not request.user.is_superuser and site is not None:
            # An account a site head adds works at their site, even with the site left blank.
            Staff.objects.get_or_create(user=form.instance, defaults={"site": site})
        live.recheck_user_sockets(form.instance.pk)

    def user_change_password(self, request, id, form_url=""):
        # A new password ends the account's other sessions: their open boards close at once.
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, id)
            if user is not None:
                live.recheck_user_sockets(user.pk)
        return response

    def delete_model(self, request, obj):
        user_id = obj.pk
        super().delete_model(request, obj)
        live.recheck_user_sockets(user_id)

    def delete_queryset(self, request, queryset):
        user_ids = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        for user_id in user_ids:
            live.recheck_user_sockets(user_id)


admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)


def role_name(group: Group) -> str:
    """A group is a role: its name is the role's key, shown in words."""
    return role_words(group.name)


PERMISSION_ACTIONS = {"add": _("may add"), "change": _("may change"), "delete": _("may delete"), "view": _("may view")}


def permission_name(permission) -> str:
    """A permission in words: Django stores its name in English ("Can view room")."""
    model = permission.content_type.model_class()
    action, _sep, subject = permission.codename.partition("_")
    if model is not None and action in PERMISSION_ACTIONS and subject == model._meta.model_name:
        return f"{model._meta.verbose_name} · {PERMISSION_ACTIONS[action]}"
    # The project's own (Site's "reveal_personal_data") are in the catalogue.
    return gettext(permission.name)


class RoleGroupAdmin(GroupAdmin):
    """The groups are the roles the code knows (their names are keys): shown in
    words, their permissions editable, none added, renamed or deleted."""

    list_display = ["role"]
    fields = ["role", "permissions"]
    readonly_fields = ["role"]

    @admin.display(description=_("role"))
    def role(self, group):
        return str(group)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "permissions":
            field.label_from_instance = permission_name
        return field

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # What a role may do is the installation's, for every site alike.
    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser


admin.site.unregister(Group)
admin.site.register(RoleGroup, RoleGroupAdmin)


class OwnSiteLogins:
    """Put before an admin class of the login records: a site head who is not
    the installation's administrator sees their own site's accounts' logins
    and lockouts (and may lift one), no other site's."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        site = site_of(request.user)
        return queryset.filter(
            username__in=User.objects.filter(staff__site=site.pk if site else None).values("username")
        )


for _model, _admin_class in (
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
        admin.site.register(_model, type(_admin_class.__name__, (OwnSiteLogins, _admin_class), {}))


@admin.register(RequestRoute)
class RequestRouteAdmin(AuditedAdmin):
    """Which group works each kind of residents' request on a site (a kind with no row goes to its default group)."""

    list_display = ["site", "kind", "group"]
    list_filter = ["site", "group"]

    def has_delete_permission(self, request, obj=None):
        # Deleting a route sends the kind back to its default group.
        return True


@admin.register(Request)
class RequestAdmin(ReadOnlyAdmin):
    list_display = ["requested_at", "room", "kind", "urgency", "group", "status", "site"]
    list_filter = ["site", "kind", "group", "status"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    """A district isolation office: its sites and its officers' logins.

    Audited on every site it covers (before and after the change), since the
    audit log is per site; the officers' open sockets check their right at
    once, so a site taken out of a district, or an officer taken off it,
    stops showing at once.
    """

    list_display = ["name", "site_names"]
    filter_horizontal = ["sites", "officers"]

    # A district spans sites: the installation's administrator's alone.
    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description=_("sites"))
    def site_names(self, district):
        return ", ".join(site.name for site in district.sites.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("sites")

    def save_related(self, request, form, formsets, change):
        district = form.instance
        with transaction.atomic():
            before_sites = {site.pk: site for site in district.sites.all()} if change else {}
            before_officers = set(district.officers.values_list("pk", flat=True)) if change else set()
            super().save_related(request, form, formsets, change)
            after_sites = {site.pk: site for site in district.sites.all()}
            after_officers = set(district.officers.values_list("pk", flat=True))
            record = {
                "name": district.name,
                "sites": ", ".join(sorted(site.name for site in after_sites.values())),
                "officers": len(after_officers),
            }
            previous = {
                "sites": ", ".join(sorted(site.name for site in before_sites.values())),
                "officers": len(before_officers),
            }
            for site in {**before_sites, **after_sites}.values():
                audit(
                    site=site,
                    by=request.user,
                    action="district.admin_change",
                    obj=district,
                    before=previous,
                    after=record,
                )
                live.publish(site=site)
            for user_id in before_officers | after_officers:
                live.recheck_user_sockets(user_id)

    def has_delete_permission(self, request, obj=None):
        return False
