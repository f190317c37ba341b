"""Forms of the catering, disinfection and security boards.

Choices that name records (a slot, a room, a person) are limited to the
user's site; the services check the rest (the round, the move, the version).
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from groups.catering.models import MealDelivery, MealSlot
from rooms.forms import DayField, SiteForm, VersionedForm
from rooms.models import Person, Room
from site_ops.inputs import FLOORS

# --- catering ---------------------------------------------------------------


class MealRoundForm(SiteForm):
    """Which round a tap on the catering board is about."""

    site_querysets = {"slot": MealSlot}

    slot = forms.ModelChoiceField(queryset=MealSlot.objects.none(), widget=forms.HiddenInput)
    day = DayField(widget=forms.HiddenInput)


class MealRecordForm(MealRoundForm):
    site_querysets = {"slot": MealSlot, "room": Room}

    room = forms.ModelChoiceField(queryset=Room.objects.none(), widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=MealDelivery.Status.choices, widget=forms.HiddenInput)
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class MealFloorForm(MealRoundForm):
    floor = forms.IntegerField(widget=forms.HiddenInput, min_value=FLOORS[0], max_value=FLOORS[1])


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


# --- security ---------------------------------------------------------------
