"""The transfer request and one form per move; each hands the service its arguments."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from groups.transfers import services
from groups.transfers.models import Transfer
from rooms.forms import MomentField, OnceForm, TickField, VersionedForm, words_for_empty_choices
from rooms.masking import validate_phone
from rooms.models import Person, Stay


class TransferRequestForm(OnceForm):
    person = forms.ModelChoiceField(label=_("person"), queryset=Person.objects.none())
    destination_type = forms.ChoiceField(
        label=_("destination type"), choices=Transfer.Destination.choices, widget=forms.RadioSelect
    )
    destination_name = forms.CharField(
        label=_("destination"),
        max_length=100,
        help_text=_(
            "The hospital, site or address. A designated hospital, a relative's hospital or another site goes on "
            "the isolation office's list for it to confirm the bed; a makeshift hospital, home or a hospital visit "
            "the site arranges itself. The escort sees it: the department or the illness goes in the reason, which "
            "the escort's page leaves out."
        ),
    )
    destination_contact = forms.CharField(
        label=_("destination contact"), max_length=100, required=False, help_text=_("Who receives, and a phone.")
    )
    urgency = forms.ChoiceField(
        label=_("urgency"), choices=Transfer.Urgency.choices, initial=Transfer.Urgency.ROUTINE, widget=forms.RadioSelect
    )
    reason = forms.CharField(label=_("reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        words_for_empty_choices(self)
        # Everybody in isolation, labelled with the room they are in.
        room_number = Stay.objects.open().filter(person=OuterRef("pk")).values("room__number")[:1]
        field = self.fields["person"]
        field.queryset = (
            Person.objects.filter(site=site, status=Person.Status.IN_ISOLATION)
            .annotate(room_number=Subquery(room_number))
            .order_by("room_number", "name")
        )
        field.label_from_instance = lambda person: f"{person.room_number} · {person.name}"

    def arguments(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "token"}


class TransferMoveForm(VersionedForm):
    """A move with an optional note; the subclasses add what their step records."""

    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(self, *args, transfer: Transfer, **kwargs):
        self.transfer = transfer
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("version", transfer.version)

    def arguments(self) -> dict:
        return dict(self.cleaned_data)


class ReasonForm(TransferMoveForm):
    """Rejection and cancellation: the reason is the step's note."""

    note = None
    reason = forms.CharField(label=_("reason"), max_length=300)


# A Chinese vehicle plate: the province's character, the city's letter, then five (six on a new-energy
# vehicle) letters and digits, with a last 挂 (trailer), 学 (learner) or 警 (police) on some.
PLATE = re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][A-Z0-9]{5,6}[挂学警]?")
# A departure planned at the request's minute is not "before" it for a clock a few minutes off.
PLANNED_BEFORE_REQUEST = timedelta(minutes=10)


class ArrangeForm(TransferMoveForm):
    destination_name = forms.CharField(label=_("destination, as confirmed"), max_length=100)
    destination_contact = forms.CharField(label=_("destination contact"), max_length=100, required=False)
    confirmed_with = forms.CharField(
        label=_("confirmed with"),
        max_length=100,
        help_text=_("Who at the isolation office or the receiving end confirmed the bed."),
    )
    vehicle_plate = forms.CharField(label=_("vehicle plate"), max_length=20)
    driver_name = forms.CharField(label=_("driver"), max_length=50)
    driver_phone = forms.CharField(
        label=_("driver's phone"), max_length=20, widget=forms.TextInput({"inputmode": "tel"})
    )
    escort = forms.CharField(label=_("escort"), max_length=100, help_text=_("Who goes with the person."))
    planned_departure_at = MomentField(label=_("planned departure"))

    field_order = [
        "destination_name",
        "destination_contact",
        "confirmed_with",
        "vehicle_plate",
        "driver_name",
        "driver_phone",
        "escort",
        "planned_departure_at",
        "note",
    ]

    def __init__(self, *args, transfer: Transfer, **kwargs):
        super().__init__(*args, transfer=transfer, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("destination_name", transfer.destination_name)
            self.initial.setdefault("destination_contact", transfer.destination_contact)
            # A planned hospital visit was asked for with its departure time.
            if transfer.planned_departure_at:
                self.initial.setdefault("planned_departure_at", timezone.localtime(transfer.planned_departure_at))
            # The district office confirmed the bed: the site arranges the vehicle on that.
            if transfer.confirmed_with:
                self.initial.setdefault("confirmed_with", transfer.confirmed_with)

    def clean_driver_phone(self):
        return validate_phone(self.cleaned_data["driver_phone"])

    def clean_vehicle_plate(self):
        # Written as on the plate (渝A·12345): without its dot or spaces, in capitals.
        plate = re.sub(r"[\s·.\-]", "", self.cleaned_data["vehicle_plate"]).upper()
        if not PLATE.fullmatch(plate):
            raise forms.ValidationError(_("Enter the plate as it is on the vehicle, for example 渝A·12345."))
        return plate

    def clean_planned_departure_at(self):
        planned = self.cleaned_data["planned_departure_at"]
        if planned < self.transfer.created_at - PLANNED_BEFORE_REQUEST:
            raise forms.ValidationError(
                _("The departure cannot be planned before the transfer was requested (%(time)s).")
                % {"time": timezone.localtime(self.transfer.created_at).strftime("%Y-%m-%d %H:%M")}
            )
        return planned


class DepartForm(TransferMoveForm):
    departed_at = MomentField(label=_("departed at"))
    field_order = ["departed_at", "note"]

    def __init__(self, *args, transfer: Transfer, **kwargs):
        super().__init__(*args, transfer=transfer, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("departed_at", timezone.localtime().replace(second=0, microsecond=0))


class CompleteForm(TransferMoveForm):
    handed_over_to = forms.CharField(
        label=_("handed over to"), max_length=100, help_text=_("The receiver who confirmed the handover.")
    )
    vehicle_disinfected = TickField(label=_("vehicle disinfected"), required=True)
    field_order = ["handed_over_to", "vehicle_disinfected", "note"]

    def __init__(self, *args, transfer: Transfer, **kwargs):
        super().__init__(*args, transfer=transfer, **kwargs)
        # The receiving site of the district checked them in: its words name the receiver.
        if not self.is_bound and transfer.received_by:
            self.initial.setdefault("handed_over_to", transfer.received_by)


# The form each move asks for, by the state it moves to.
@dataclass(frozen=True)
class Step:
    """One step of a transfer on the screens: its form, the service it calls, its button."""

    form: type[forms.Form]
    service: Callable
    label: str


S = Transfer.State
# Every step a user takes, by the state it leads to. Which steps are allowed
# from which state, and for whom, is the services' TRANSFER_MOVES.
STEPS: dict[str, Step] = {
    S.APPROVED: Step(TransferMoveForm, services.transfer_approve, _("Approve")),
    S.REJECTED: Step(ReasonForm, services.transfer_reject, _("Reject")),
    S.ARRANGED: Step(ArrangeForm, services.transfer_arrange, _("Arrange")),
    # What the tap does, not the state it leads to.
    S.DEPARTED: Step(DepartForm, services.transfer_depart, pgettext_lazy("action", "Record departure")),
    S.COMPLETED: Step(CompleteForm, services.transfer_complete, pgettext_lazy("action", "Confirm handover")),
    S.RETURNED: Step(TransferMoveForm, services.transfer_return, pgettext_lazy("action", "Record return")),
    S.CANCELLED: Step(ReasonForm, services.transfer_cancel, _("Cancel transfer")),
}
del S
