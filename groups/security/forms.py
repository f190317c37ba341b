from django import forms
from django.utils.translation import gettext_lazy as _

from groups.security.models import CheckpointEntry, Incident
from rooms.forms import FloorChoiceMixin, OnceForm, SiteForm, VersionedForm
from rooms.models import Room


class CheckpointInForm(OnceForm):
    kind = forms.ChoiceField(label=_("kind"), choices=CheckpointEntry.Kind.choices, widget=forms.RadioSelect)
    name = forms.CharField(label=_("who or which vehicle"), max_length=60)
    purpose = forms.CharField(label=_("purpose"), max_length=100)


class CheckpointOutForm(VersionedForm):
    pass


class PatrolForm(FloorChoiceMixin, OnceForm):
    floor = forms.TypedChoiceField(label=_("floor"), coerce=int)
    remarks = forms.CharField(label=_("remarks"), max_length=200, required=False)

    def __init__(self, *args, floors, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_floor_choices(floors)


class IncidentForm(SiteForm):
    site_querysets = {"room": Room}

    kind = forms.ChoiceField(label=_("what happened"), choices=Incident.Kind.choices)
    severity = forms.ChoiceField(
        label=_("severity"),
        choices=Incident.Severity.choices,
        initial=Incident.Severity.MEDIUM,
        widget=forms.RadioSelect,
    )
    room = forms.ModelChoiceField(label=_("room"), queryset=Room.objects.none(), required=False, to_field_name="number")
    description = forms.CharField(label=_("description"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
        self.fields["room"].error_messages["invalid_choice"] = _("No room with this number on this site.")


class IncidentResolveForm(VersionedForm):
    resolution = forms.CharField(
        label=_("how it was resolved"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )
