from django import forms
from django.utils.translation import gettext_lazy as _

from groups.control.district import ROOM_TYPES
from groups.transfers.models import Transfer
from rooms.forms import TickField, VersionedForm, words_for_empty_choices
from rooms.models import Room


class OfficeConfirmForm(VersionedForm):
    """The isolation office confirms a transfer's destination and the bed there.

    For another site of the district the bed is a room there with space
    (``rooms``: the free rooms of the other sites); for a hospital, its name
    and the ward and bed.
    """

    destination_name = forms.CharField(label=_("Receiving hospital"), max_length=100, required=False)
    receiving_bed = forms.CharField(
        label=_("Receiving bed"), max_length=100, required=False, help_text=_("Ward and bed, e.g. 3病区 12床.")
    )
    receiving_room = forms.ModelChoiceField(
        label=_("Room at the receiving site"), queryset=Room.objects.none(), required=False
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, transfer: Transfer, sites, **kwargs):
        super().__init__(*args, **kwargs)
        words_for_empty_choices(self)
        self.initial.setdefault("version", transfer.version)
        if transfer.destination_type == Transfer.Destination.OTHER_SITE:
            del self.fields["destination_name"], self.fields["receiving_bed"]
            rooms = Room.objects.filter(
                site__in=[site.pk for site in sites if site.pk != transfer.site_id], status=Room.Status.AVAILABLE
            ).select_related("site")
            self.fields["receiving_room"].queryset = rooms.order_by("site__name", "floor", "number")
            self.fields["receiving_room"].label_from_instance = lambda room: (
                _("%(site)s · room %(room)s (F%(floor)s, %(beds)s beds)")
                % {"site": room.site.name, "room": room.number, "floor": room.floor, "beds": room.capacity}
            )
            self.fields["receiving_room"].required = True
        else:
            del self.fields["receiving_room"]
            self.fields["destination_name"].required = True
            self.fields["receiving_bed"].required = True
            self.initial.setdefault("destination_name", transfer.destination_name)


class FreeBedForm(forms.Form):
    """Where can this family go: how many beds, which room type, an elderly person among them."""

    beds = forms.IntegerField(label=_("People"), min_value=1, max_value=8, initial=1)
    room_type = forms.ChoiceField(
        label=_("Room type"), required=False, choices=[("", _("any"))] + [(key, label) for key, label, _q in ROOM_TYPES]
    )
    elderly = TickField(label=_("Elderly or disabled: low floors first"), required=False)
