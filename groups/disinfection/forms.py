from django import forms
from django.utils.translation import gettext_lazy as _

from groups.disinfection.models import DisinfectionTask, EnvironmentalSample
from rooms.forms import FloorChoiceMixin, OnceForm, SiteForm, TickField, VersionedForm
from rooms.models import Room
from site_ops.inputs import whole_number


class AgentChoiceField(forms.ModelChoiceField):
    """One of the site's agents, by its id. A name instead (a form posted
    without the list) goes to the service as it is, which finds the agent of
    that name or refuses it with the site's list."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if whole_number(value) is None:
            return str(value).strip()[:60]
        return super().to_python(value)


class DisinfectionRecordForm(SiteForm):
    """What a disinfection used: the fields every task records."""

    agent = AgentChoiceField(label=_("disinfectant"), queryset=None, empty_label=None)
    method = forms.ChoiceField(
        label=_("method"),
        choices=DisinfectionTask.Method.choices,
        widget=forms.RadioSelect,
        initial=DisinfectionTask.Method.WIPE,
        # Records posted before the method was asked for still count; the board always sends one.
        required=False,
    )
    concentration_mg_l = forms.IntegerField(label=_("concentration (mg/L)"), min_value=1, max_value=20000)
    contact_minutes = forms.IntegerField(label=_("contact time (minutes)"), min_value=1, max_value=600, initial=30)
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args, agents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents

    def values(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in ("agent", "method", "concentration_mg_l", "contact_minutes", "note")
        }


class TaskCompleteForm(DisinfectionRecordForm, VersionedForm):
    pass


class RoutineCompleteForm(DisinfectionRecordForm):
    pass


class SpotTaskForm(SiteForm):
    site_querysets = {"room": Room}

    room = forms.ModelChoiceField(label=_("room"), queryset=Room.objects.none(), required=False, to_field_name="number")
    where = forms.CharField(
        label=_("or a place"), max_length=100, required=False, help_text=_("For example: lift 2, F5 corridor.")
    )
    reason = forms.CharField(label=_("reason"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A room number is quicker to type on a tablet than to find in a list.
        self.fields["room"].widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
        self.fields["room"].error_messages["invalid_choice"] = _("No room with this number on this site.")

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("room") and not cleaned.get("where"):
            raise forms.ValidationError(_("Give a room number or a place."))
        return cleaned


class SampleTakeForm(VersionedForm):
    note = forms.CharField(label=_("note"), max_length=200, required=False, help_text=_("For example: 6 swabs."))


class SampleResultForm(VersionedForm):
    result = forms.ChoiceField(
        label=_("result"),
        choices=[
            (EnvironmentalSample.Status.NEGATIVE, _("negative: the room may be used again")),
            (EnvironmentalSample.Status.POSITIVE, _("positive: disinfect the room again")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class WasteCollectForm(FloorChoiceMixin, SiteForm):
    site_querysets = {"room": Room}

    floor = forms.TypedChoiceField(label=_("floor"), coerce=int)
    bags = forms.IntegerField(label=_("bags"), min_value=1, max_value=200)
    weight_kg = forms.DecimalField(label=_("weight (kg)"), min_value=0.1, max_value=9999, decimal_places=1)
    positive = TickField(label=_("from a positive case's room"), required=False)
    room = forms.ModelChoiceField(
        label=_("room"),
        queryset=Room.objects.none(),
        required=False,
        to_field_name="number",
        help_text=_("If the bags come from one room."),
    )

    def __init__(self, *args, floors, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_floor_choices(floors)
        self.fields["room"].widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
        self.fields["room"].error_messages["invalid_choice"] = _("No room with this number on this site.")


class WasteHandoverForm(OnceForm):
    contractor = forms.CharField(label=_("contractor"), max_length=100)
    manifest_number = forms.CharField(label=_("transfer manifest number"), max_length=40)
    handed_over_name = forms.CharField(
        label=_("handed over by"), max_length=50, help_text=_("Signature: the staff member handing the waste over.")
    )
    receiver = forms.CharField(
        label=_("received by"), max_length=50, help_text=_("Signature: the contractor's receiver.")
    )
