from django import forms
from django.utils.translation import gettext_lazy as _

from rooms.forms import FloorChoiceMixin, OnceForm, SiteForm, VersionedForm
from rooms.models import Room


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
