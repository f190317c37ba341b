import uuid
from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rooms.forms import CHOOSE, DayField, OnceForm, TickField, VersionedForm, VersionField, words_for_empty_choices
from rooms.masking import birth_date_from_national_id, validate_national_id, validate_person_name, validate_phone
from rooms.models import Person, Room, Stay
from rooms.services import PERSON_FIELDS
from site_ops.inputs import BORN_AFTER

# How long ago an arrival still being added may have been expected (a late bus, a list typed in late).
EXPECTED_WITHIN = timedelta(days=7)


class PersonForm(forms.ModelForm):
    special_needs = forms.MultipleChoiceField(
        label=_("special needs"),
        choices=Person.Need.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    birth_date = DayField(
        label=_("birth date"),
        required=False,
        help_text=_("Left empty, it is read from the national ID."),
        first=BORN_AFTER,
    )

    class Meta:
        model = Person
        # The fields the service accepts; a household is named once for a family.
        fields = [name for name in PERSON_FIELDS if name != "household"]
        field_classes = {"expected_on": DayField}
        widgets = {
            "national_id": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
            "phone": forms.TextInput(attrs={"inputmode": "tel"}),
            "emergency_phone": forms.TextInput(attrs={"inputmode": "tel"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        words_for_empty_choices(self)

    def clean_name(self):
        return validate_person_name(self.cleaned_data["name"])

    def clean_emergency_contact(self):
        return validate_person_name(self.cleaned_data.get("emergency_contact", ""))

    def clean_expected_on(self):
        day = self.cleaned_data.get("expected_on")
        # An arrival expected a week ago or more is a mistyped year; a record's own older date stays.
        if day and day != self.instance.expected_on and day < timezone.localdate() - EXPECTED_WITHIN:
            raise forms.ValidationError(
                _("An arrival is expected today or later (a late one at most %(days)s days ago).")
                % {"days": EXPECTED_WITHIN.days}
            )
        return day

    def clean_national_id(self):
        return validate_national_id(self.cleaned_data["national_id"])

    def clean_phone(self):
        return validate_phone(self.cleaned_data.get("phone", ""))

    def clean_emergency_phone(self):
        return validate_phone(self.cleaned_data.get("emergency_phone", ""))

    def clean(self):
        cleaned = super().clean()
        national_id = cleaned.get("national_id")
        if national_id and not cleaned.get("birth_date"):
            cleaned["birth_date"] = birth_date_from_national_id(national_id)
        elif national_id and cleaned["birth_date"] != birth_date_from_national_id(national_id):
            # The age decides a room on a low floor, a child's room and the certificate: one of the two is wrong.
            self.add_error(
                "birth_date",
                _("The national ID gives the birth date %(day)s: correct one of the two.")
                % {"day": birth_date_from_national_id(national_id).isoformat()},
            )
        birth = cleaned.get("birth_date")
        if birth and birth > timezone.localdate():
            self.add_error("birth_date", _("The birth date is in the future."))
        return cleaned

    def _post_clean(self):
        # The service creates the person; the unique check on active records
        # is done there, with a message that names the clash.
        pass

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class PersonEditForm(PersonForm):
    """The same fields, with the version the user is editing.

    The national ID and phone numbers are never put into the page: their
    inputs start empty with the masked value as a hint, and an empty input
    keeps what is stored.
    """

    SECRET_FIELDS = ("national_id", "phone", "emergency_phone")

    version = VersionField()
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.SECRET_FIELDS:
            field = self.fields[name]
            field.required = False
            masked = getattr(self.instance, f"{name}_masked")
            field.widget.attrs["placeholder"] = masked or ""
            field.help_text = _("Leave empty to keep the stored value.")
            self.initial[name] = ""
        if not self.is_bound:
            self.initial["version"] = self.instance.version
            self.initial.setdefault("token", uuid.uuid4().hex)

    def clean_national_id(self):
        value = self.cleaned_data.get("national_id", "").strip()
        return validate_national_id(value) if value else ""

    def clean(self):
        cleaned = super().clean()
        # An empty national ID keeps the stored one, so an empty birth date is
        # read from that (a birth date is required).
        if not cleaned.get("birth_date") and not cleaned.get("national_id") and self.instance.national_id:
            cleaned["birth_date"] = birth_date_from_national_id(self.instance.national_id)
        return cleaned

    def values(self) -> dict:
        values = super().values()
        for name in self.SECRET_FIELDS:
            if not values.get(name):
                values.pop(name, None)
        return values


class RegisterForm(OnceForm):
    """The token and nothing else; the person's fields are PersonForm's."""


class HouseholdForm(OnceForm):
    household = forms.CharField(
        label=_("household name"),
        max_length=40,
        help_text=_("For example the family's surname and home address; shared by everyone below."),
    )


class FamilyMemberForm(PersonForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address"].help_text = _("Left empty: the address of the first member who has one.")

    class Meta(PersonForm.Meta):
        fields = [
            "name",
            "national_id",
            "phone",
            "address",
            "sex",
            "birth_date",
            "category",
            "special_needs",
            "diet",
            "allergy_note",
            "expected_on",
            "source",
        ]


FamilyFormSet = forms.formset_factory(FamilyMemberForm, extra=2, max_num=8, min_num=2, validate_min=True)


# More rooms than a tablet's list shows at once get a box to type the number into.
FILTER_FROM = 20


class RoomChoiceForm(VersionedForm):
    """A room for a person: the rooms they may share first; for the site head
    also the others, which take a reason (the service decides and audits)."""

    room = forms.ModelChoiceField(label=_("room"), queryset=Room.objects.none())
    together = TickField(required=False)
    override = forms.CharField(
        label=_("reason to put them with another household"),
        max_length=200,
        required=False,
        help_text=_("Site head only: needed when the room holds people of another household or category."),
    )
    # The box for the person's family (``family``: who would come along),
    # offered only when there is someone.
    together_label = _("the family is checked in together")
    together_help = _("%(names)s are checked in in the same step, to the same room.")

    def __init__(self, *args, site, options, site_head: bool, family=(), **kwargs):
        super().__init__(*args, **kwargs)
        if family:
            self.fields["together"].label = self.together_label
            self.fields["together"].help_text = self.together_help % {
                "names": "、".join(other.name for other in family)
            }
        else:
            del self.fields["together"]
        # Any room of the site validates, so that a full or closed room gets
        # the service's clear message; the select offers only rooms that take
        # this person now.
        field = self.fields["room"]
        field.queryset = Room.objects.filter(site=site)
        choices = [("", CHOOSE)] + [(room.pk, self.room_label(room)) for room in options.fit]
        if site_head and options.others:
            others = [(room.pk, self.room_label(room)) for room in options.others]
            choices.append((_("Other households (site head, with a reason)"), others))
        if not site_head:
            del self.fields["override"]
        field.widget.choices = choices
        if len(options.fit) + (len(options.others) if site_head else 0) > FILTER_FROM:
            # Hundreds of rooms on a tablet: a box above the list narrows it as a number is typed (live.js).
            field.widget.attrs["data-filter"] = _("Type a room number to narrow the list")

    @staticmethod
    def room_label(room: Room) -> str:
        return _("%(number)s (floor %(floor)s, %(free)s of %(capacity)s beds free)") % {
            "number": room.number,
            "floor": room.floor,
            "free": room.free_beds,
            "capacity": room.capacity,
        }


class CheckInForm(RoomChoiceForm):
    pass


class RoomChangeForm(RoomChoiceForm):
    reason = forms.ChoiceField(label=_("why"), choices=Stay.MoveReason.choices)
    note = forms.CharField(label=_("note"), max_length=150, required=False)
    override = forms.CharField(
        label=_("the site head's reason"),
        max_length=200,
        required=False,
        help_text=_(
            "Site head only: needed to put them with another household, or to move a child or someone "
            "with a carer away from the family or the carer in their room."
        ),
    )

    together_label = _("the family moves together")
    together_help = _("%(names)s move in the same step, to the same room.")

    field_order = ["room", "together", "reason", "note", "override"]


class NoShowForm(VersionedForm):
    reason = forms.CharField(label=_("why they did not arrive"), min_length=2, max_length=200)


class ReleaseForm(VersionedForm):
    together = TickField(required=False)


class CarerForm(VersionedForm):
    cares_for = forms.ModelChoiceField(
        label=_("cares for"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_("A carer (陪护) and the person they look after are roomed, transferred and released together."),
    )

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        # The people they may look after: their own household first, anyone on the site otherwise.
        people = Person.objects.filter(
            site_id=person.site_id, status__in=[Person.Status.EXPECTED, Person.Status.IN_ISOLATION]
        ).exclude(pk=person.pk)
        if person.household:
            people = people.filter(household=person.household)
        self.fields["cares_for"].queryset = people.order_by("name")


class RoomMoveForm(VersionedForm):
    to = forms.ChoiceField(choices=Room.Status.choices)
    note = forms.CharField(max_length=200, required=False)


class RevealForm(forms.Form):
    field = forms.ChoiceField(
        choices=[
            ("national_id", _("national ID")),
            ("phone", _("phone")),
            ("emergency_phone", _("emergency contact phone")),
        ],
        # The form shows no label: the section's heading says what it does.
        widget=forms.Select(attrs={"aria-label": _("Reveal personal data")}),
    )
    reason = forms.CharField(label=_("reason"), min_length=2, max_length=200)


class ReleaseListForm(forms.Form):
    """The day of the release list for the communities (today when left empty)."""

    day = DayField(label=_("released on"), required=False)
    full_id = TickField(label=_("full national IDs and phone numbers"), required=False)

    def clean_day(self):
        return self.cleaned_data.get("day") or timezone.localdate()
