"""Forms of the catering, disinfection and security boards.

Choices that name records (a slot, a room, a person) are limited to the
user's site; the services check the rest (the round, the move, the version).
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from rooms.forms import OnceForm, VersionedForm
from rooms.models import CheckpointEntry, Incident, MealDelivery, MealSlot, Person, Room


class SiteForm(OnceForm):
    """A form whose record choices come from one site."""

    site_querysets = {}

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site
        for name, model in self.site_querysets.items():
            self.fields[name].queryset = model.objects.filter(site=site)


# --- catering ---------------------------------------------------------------


class MealRoundForm(SiteForm):
    """Which round a tap on the catering board is about."""

    site_querysets = {"slot": MealSlot}

    slot = forms.ModelChoiceField(queryset=MealSlot.objects.none(), widget=forms.HiddenInput)
    day = forms.DateField(widget=forms.HiddenInput)


class MealRecordForm(MealRoundForm):
    site_querysets = {"slot": MealSlot, "room": Room}

    room = forms.ModelChoiceField(queryset=Room.objects.none(), widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=MealDelivery.Status.choices, widget=forms.HiddenInput)
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class MealFloorForm(MealRoundForm):
    floor = forms.IntegerField(widget=forms.HiddenInput)


class LateMealForm(MealRoundForm):
    site_querysets = {"slot": MealSlot, "person": Person}

    person = forms.ModelChoiceField(queryset=Person.objects.none(), widget=forms.HiddenInput)


class MealFeedbackForm(VersionedForm):
    feedback = forms.ChoiceField(label=_("feedback"), choices=MealDelivery.Feedback.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("what about"),
        max_length=200,
        required=False,
        help_text=_("Needed for a complaint: too cold, wrong diet, not enough..."),
    )


# --- disinfection -----------------------------------------------------------


class DisinfectionRecordForm(forms.Form):
    """What a disinfection used: the fields every task records."""

    agent = forms.CharField(label=_("disinfectant"), max_length=60, initial=_("chlorine-containing disinfectant"))
    concentration_mg_l = forms.IntegerField(label=_("concentration (mg/L)"), min_value=1, max_value=20000)
    contact_minutes = forms.IntegerField(label=_("contact time (minutes)"), min_value=1, max_value=600, initial=30)
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("agent", "concentration_mg_l", "contact_minutes", "note")}


class TaskCompleteForm(DisinfectionRecordForm, VersionedForm):
    pass


class RoutineCompleteForm(DisinfectionRecordForm, OnceForm):
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


class FloorChoiceMixin:
    """A floor field offering the site's floors."""

    def set_floor_choices(self, floors: list[int]) -> None:
        self.fields["floor"].choices = [(floor, _("floor %(floor)s") % {"floor": floor}) for floor in floors]


class WasteCollectForm(FloorChoiceMixin, OnceForm):
    floor = forms.TypedChoiceField(label=_("floor"), coerce=int)
    bags = forms.IntegerField(label=_("bags"), min_value=1, max_value=200)
    weight_kg = forms.DecimalField(label=_("weight (kg)"), min_value=0.1, max_value=9999, decimal_places=1)

    def __init__(self, *args, floors, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_floor_choices(floors)


class WasteHandoverForm(OnceForm):
    contractor = forms.CharField(label=_("contractor"), max_length=100)
    receiver = forms.CharField(label=_("received by"), max_length=50)


# --- security ---------------------------------------------------------------


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
