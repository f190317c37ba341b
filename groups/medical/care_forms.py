"""The care ledger's forms: a plan, a follow-up in a couple of taps, a planned hospital visit."""

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from groups.medical.care_models import CarePlan, HospitalVisitPlan
from rooms.forms import DayField, OnceForm, TickField, VersionField, words_for_empty_choices
from rooms.roles import display_name


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return display_name(user)


class CarePlanForm(OnceForm):
    # 0: the plan does not exist yet.
    version = VersionField(min_value=0)
    watch = forms.CharField(
        label=CarePlan._meta.get_field("watch").verbose_name,
        help_text=CarePlan._meta.get_field("watch").help_text,
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    bring = forms.CharField(
        label=CarePlan._meta.get_field("bring").verbose_name,
        help_text=CarePlan._meta.get_field("bring").help_text,
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    how_to_talk = forms.CharField(
        label=CarePlan._meta.get_field("how_to_talk").verbose_name,
        help_text=CarePlan._meta.get_field("how_to_talk").help_text,
        max_length=200,
        required=False,
    )
    door_note = forms.CharField(
        label=CarePlan._meta.get_field("door_note").verbose_name,
        help_text=CarePlan._meta.get_field("door_note").help_text,
        max_length=200,
        required=False,
    )
    responsible = StaffChoiceField(
        label=CarePlan._meta.get_field("responsible").verbose_name, queryset=None, required=False
    )
    every_days = forms.IntegerField(
        label=CarePlan._meta.get_field("every_days").verbose_name,
        help_text=CarePlan._meta.get_field("every_days").help_text,
        min_value=1,
        max_value=7,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    due_date = DayField(
        label=CarePlan._meta.get_field("due_date").verbose_name,
        help_text=CarePlan._meta.get_field("due_date").help_text,
        required=False,
    )

    def __init__(self, *args, site, plan: CarePlan | None = None, pregnant: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        words_for_empty_choices(self)
        # Any active login of the site; the service checks it again.
        self.fields["responsible"].queryset = (
            get_user_model().objects.filter(staff__site=site, is_active=True).order_by("last_name", "first_name")
        )
        if not pregnant:
            del self.fields["due_date"]
        if not self.is_bound:
            self.initial["version"] = plan.version if plan else 0
            if plan is not None:
                for name in ("watch", "bring", "how_to_talk", "door_note", "every_days", "due_date"):
                    self.initial[name] = getattr(plan, name)
                self.initial["responsible"] = plan.responsible_id


class FollowUpForm(OnceForm):
    """一测二问三看: a temperature, what was asked, and three looks (ticked: all is well)."""

    temperature = forms.DecimalField(
        label=_("temperature (°C)"),
        required=False,
        max_digits=3,
        decimal_places=1,
        min_value=Decimal("34"),
        max_value=Decimal("43"),
    )
    asked = forms.CharField(label=_("asked"), max_length=200, required=False)
    warm = TickField(label=_("warm enough"), required=False)
    covered = TickField(label=_("bedding enough"), required=False)
    fed = TickField(label=pgettext_lazy("care", "eating"), required=False)
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class VisitPlanForm(OnceForm):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("weekdays"),
        choices=HospitalVisitPlan.WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Dialysis is usually three times a week: Mon, Wed, Fri."),
    )
    leave_at = forms.TimeField(label=_("leaves at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    hospital = forms.CharField(
        label=_("hospital"),
        max_length=100,
        help_text=_("The hospital's name or address only: the escort sees it."),
    )
    reason = forms.CharField(
        label=_("reason"),
        max_length=200,
        help_text=_("Shown on each transfer request, e.g. haemodialysis; not on the escort's page."),
    )


class VisitStopForm(OnceForm):
    version = VersionField()
