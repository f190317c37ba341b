from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from groups.medical.models import HealthCheck, Sample
from groups.medical.services.health import TEMPERATURE_RANGE
from rooms.forms import DayField, OnceForm, TickField, VersionedForm, VersionField
from site_ops.inputs import MAX_ID

MAX_SHEET_BYTES = 5 * 1024 * 1024


def ct_field(label):
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("0.1"),
        max_value=Decimal("59.9"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5}),
    )


class CollectForm(VersionedForm):
    barcode = forms.CharField(label=_("tube barcode"), max_length=40, required=False)


class ResultForm(VersionedForm):
    result = forms.ChoiceField(label=_("result"), choices=Sample.Result.choices)
    ct_orf1ab = ct_field(_("Ct ORF1ab"))
    ct_n = ct_field(_("Ct N"))


class CorrectionForm(ResultForm):
    reason = forms.CharField(label=_("reason for the correction"), min_length=2, max_length=200)


class CancelForm(VersionedForm):
    reason = forms.CharField(label=_("reason"), min_length=2, max_length=200)


class ExtendForm(VersionedForm):
    until = DayField(label=_("new end date"))
    reason = forms.CharField(label=_("reason"), min_length=2, max_length=200)


def _text(label, required=True, max_length=100):
    """A text field whose label is also its placeholder (the forms are one line)."""
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        widget=forms.TextInput(attrs={"placeholder": label, "aria-label": label}),
    )


class MedicineNeedForm(OnceForm):
    name = _text(_("medicine"))
    dose = _text(_("dose and times"), required=False)
    note = _text(_("note"), required=False, max_length=200)


class LabSheetForm(forms.Form):
    sheet = forms.FileField(label=_("lab result sheet (.csv or .xlsx)"))

    def clean_sheet(self):
        sheet = self.cleaned_data["sheet"]
        if sheet.size > MAX_SHEET_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return sheet


class CertificateForm(forms.Form):
    full_id = TickField(label=_("print the full national ID"), required=False)


class RoundForm(OnceForm):
    day = DayField(widget=forms.HiddenInput)
    round = forms.ChoiceField(choices=HealthCheck.Round.choices, widget=forms.HiddenInput)


class HealthEntryForm(forms.Form):
    """One person's row of a health round."""

    person = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    version = VersionField(min_value=0, required=False)
    outcome = forms.ChoiceField(
        label=_("outcome"),
        choices=HealthCheck.Outcome.choices,
        initial=HealthCheck.Outcome.CHECKED,
        widget=forms.RadioSelect,
    )
    temperature = forms.DecimalField(
        label=_("temperature (°C)"),
        required=False,
        max_digits=3,
        decimal_places=1,
        # "°C", not a reading: a grey 36.5 read as one entered, and an empty row is not recorded.
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 4, "placeholder": "°C", "autocomplete": "off"}),
    )
    symptoms = forms.MultipleChoiceField(
        label=_("symptoms"), choices=HealthCheck.Symptom.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    mood = forms.ChoiceField(
        label=_("mood"),
        choices=HealthCheck.Mood.choices,
        initial=HealthCheck.Mood.STABLE,
        required=False,
        widget=forms.RadioSelect,
    )

    def clean_temperature(self):
        # The service refuses it too, for the whole floor; here it marks the row and its field.
        temperature = self.cleaned_data.get("temperature")
        low, high = TEMPERATURE_RANGE
        if temperature is not None and not low <= temperature <= high:
            raise forms.ValidationError(
                _("%(value)s °C cannot be right: check the reading."), params={"value": temperature}
            )
        return temperature

    def clean(self):
        cleaned = super().clean()
        checked = cleaned.get("outcome") == HealthCheck.Outcome.CHECKED
        if checked and cleaned.get("temperature") is None and cleaned.get("symptoms"):
            self.add_error("temperature", _("Enter the temperature too."))
        return cleaned

    def entry(self) -> dict | None:
        """What the service records for this row, or None for a row left empty."""
        data = self.cleaned_data
        checked = data["outcome"] == HealthCheck.Outcome.CHECKED
        if checked and data.get("temperature") is None:
            return None
        return {
            "outcome": data["outcome"],
            "temperature": data.get("temperature"),
            "symptoms": data.get("symptoms") or [],
            "mood": data.get("mood") or HealthCheck.Mood.STABLE,
            # No version: the page showed no check for this round. One recorded
            # since (another tablet) is then a conflict, not overwritten (0 is no version).
            "version": data.get("version") or 0,
        }
