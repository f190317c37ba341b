from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.security.models import CheckpointEntry, Incident
from rooms.forms import FloorChoiceMixin, OnceForm, SiteForm, VersionedForm
from rooms.models import Request, Room


def _at(moment) -> str:
    """When, as the clocks on the site read it."""
    return f"{timezone.localtime(moment):%m-%d %H:%M}"


class CheckpointInForm(OnceForm):
    kind = forms.ChoiceField(label=_("kind"), choices=CheckpointEntry.Kind.choices, widget=forms.RadioSelect)
    name = forms.CharField(label=_("who or which vehicle"), max_length=60)
    purpose = forms.CharField(label=_("purpose"), max_length=100)
    request = forms.TypedChoiceField(
        label=_("for the request"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("A family's delivery for a resident's request: the request's group is told it arrived."),
    )

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site
        waiting = (
            Request.objects.filter(site=site, kind__in=Request.GOODS_KINDS, status__in=Request.OPEN_STATUSES)
            .select_related("room")
            .order_by("room__number", "requested_at")
        )
        # Security sees which room and what kind, not which medicine.
        self.fields["request"].choices = [("", "—")] + [
            (request.pk, f"{request.room.number} · {request.get_kind_display()} · {_at(request.requested_at)}")
            for request in waiting
        ]

    def clean(self):
        data = super().clean()
        if data.get("request") and data.get("kind") != CheckpointEntry.Kind.DELIVERY:
            self.add_error("request", _("Only a delivery is for a request."))
        return data


class CheckpointOutForm(VersionedForm):
    pass


class PatrolForm(FloorChoiceMixin, OnceForm):
    floor = forms.TypedChoiceField(label=_("floor"), coerce=int)
    remarks = forms.CharField(label=_("remarks"), max_length=200, required=False)

    def __init__(self, *args, floors, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_floor_choices(floors)


class IncidentForm(SiteForm):
    site_querysets = {"room": Room, "visited_room": Room}

    kind = forms.ChoiceField(label=_("what happened"), choices=Incident.Kind.choices)
    severity = forms.ChoiceField(
        label=_("severity"),
        choices=Incident.Severity.choices,
        initial=Incident.Severity.MEDIUM,
        widget=forms.RadioSelect,
    )
    room = forms.ModelChoiceField(label=_("room"), queryset=Room.objects.none(), required=False, to_field_name="number")
    visited_room = forms.ModelChoiceField(
        label=_("room gone into"),
        queryset=Room.objects.none(),
        required=False,
        to_field_name="number",
        help_text=_("For a person found in another room: everyone in the two rooms is named on the incident."),
    )
    description = forms.CharField(label=_("description"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))

    field_order = ["kind", "severity", "room", "visited_room", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("room", "visited_room"):
            self.fields[name].widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
            self.fields[name].error_messages["invalid_choice"] = _("No room with this number on this site.")

    def clean(self):
        data = super().clean()
        if data.get("visited_room") and data.get("kind") != Incident.Kind.LEFT_ROOM:
            self.add_error("visited_room", _("Only for a person who left their room."))
        if data.get("kind") == Incident.Kind.LEFT_ROOM and data.get("visited_room") and not data.get("room"):
            self.add_error("room", _("Give the room the person left."))
        return data


class IncidentResolveForm(VersionedForm):
    resolution = forms.CharField(
        label=_("how it was resolved"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )
