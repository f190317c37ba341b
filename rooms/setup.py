"""A site's rooms added floor by floor: what a site head does on the first day.

A hotel taken over as an isolation site has hundreds of rooms numbered by
floor (301-325, 401-425, ...). The admin's room form adds one at a time;
``AddRoomsForm`` and ``add_rooms`` add a range of floors with the same room
numbers on each, in one transaction, each room audited as one added by hand
is, and every open board of the site shown the new rooms (``live.resync_site``).
"""

import hashlib
import re
from itertools import groupby

from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from rooms.models import Room, Site
from rooms.services import audit_all, audit_event
from site_ops import live
from site_ops.inputs import FLOORS

# More than a site of 1,000 rooms sets up at once is a mistyped range.
MOST_ROOMS = 2000
# How many numbers a refusal names before "and N more".
NAMED = 10


def room_number(floor: int, n: int, width: int) -> str:
    """Floor 3, room 7: "307"; floor 12: "1207"; a floor below ground: "B1-07"."""
    prefix = str(floor) if floor > 0 else f"B{-floor}-"
    return f"{prefix}{n:0{width}d}"


class AddRoomsForm(forms.Form):
    site = forms.ModelChoiceField(queryset=Site.objects.none(), label=_("site"), empty_label=None)
    floor_from = forms.IntegerField(label=_("from floor"), min_value=FLOORS[0], max_value=FLOORS[1])
    floor_to = forms.IntegerField(label=_("to floor"), min_value=FLOORS[0], max_value=FLOORS[1])
    first = forms.IntegerField(
        label=_("first room on each floor"),
        min_value=1,
        max_value=999,
        initial=1,
        help_text=_("1 gives 301 on the third floor."),
    )
    last = forms.IntegerField(
        label=_("last room on each floor"),
        min_value=1,
        max_value=999,
        help_text=_("25 gives 325 on the third floor."),
    )
    capacity = forms.IntegerField(
        label=_("beds in each room"),
        min_value=1,
        max_value=8,
        initial=1,
        help_text=_("More than one bed makes a family room."),
    )
    skip = forms.CharField(
        label=_("room numbers to leave out"),
        required=False,
        max_length=500,
        help_text=_("Numbers the building does not have, separated by commas or spaces, such as 304, 314."),
    )

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        if len(sites) == 1:  # a site head's own: nothing to choose
            self.fields["site"].initial = sites[0]
            self.fields["site"].widget = forms.HiddenInput()

    def clean_skip(self):
        words = [word for word in re.split(r"[\s,，、;；]+", self.cleaned_data["skip"]) if word]
        bad = [word for word in words if not re.fullmatch(r"[A-Za-z0-9-]{1,10}", word)]
        if bad:
            raise forms.ValidationError(
                _("%(words)s is not a room number. Separate the numbers with commas or spaces."),
                params={"words": "、".join(bad[:NAMED])},
            )
        return {word.upper() for word in words}

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data["floor_from"] > data["floor_to"]:
            self.add_error("floor_to", _("The last floor comes after the first."))
        if data["first"] > data["last"]:
            self.add_error("last", _("The last room comes after the first."))
        if self.errors:
            return data
        floors = [f for f in range(data["floor_from"], data["floor_to"] + 1) if f != 0]
        width = 3 if data["last"] >= 100 else 2
        numbers = [
            (floor, room_number(floor, n, width)) for floor in floors for n in range(data["first"], data["last"] + 1)
        ]
        numbers = [(floor, number) for floor, number in numbers if number not in data["skip"]]
        if not numbers:
            raise forms.ValidationError(_("These ranges leave no room to add."))
        if len(numbers) > MOST_ROOMS:
            raise forms.ValidationError(
                _("That is %(count)d rooms; at most %(most)d are added at once. Add the floors in parts."),
                params={"count": len(numbers), "most": MOST_ROOMS},
            )
        taken = sorted(
            Room.objects.filter(site=data["site"], number__in=[number for _floor, number in numbers]).values_list(
                "number", flat=True
            )
        )
        if taken:
            raise forms.ValidationError(
                ngettext(
                    "Room %(numbers)s is already set up: change the range, or leave it out.",
                    "%(count)d of these rooms are already set up (%(numbers)s): change the range, or leave them out.",
                    len(taken),
                )
                % {"count": len(taken), "numbers": "、".join(taken[:NAMED]) + ("…" if len(taken) > NAMED else "")},
            )
        data["numbers"] = numbers
        return data


def add_rooms(*, by, site: Site, numbers: list[tuple[int, str]], capacity: int) -> list[Room]:
    """Add the rooms (``(floor, number)``), each audited; every open board of the site shows them."""
    with transaction.atomic():
        rooms = Room.objects.bulk_create(
            [Room(site=site, floor=floor, number=number, capacity=capacity, updated_by=by) for floor, number in numbers]
        )
        audit_all(
            [
                audit_event(
                    site=site,
                    by=by,
                    action="room.set_up",
                    obj=room,
                    room=room,
                    after={"number": room.number, "floor": str(room.floor), "capacity": str(room.capacity)},
                )
                for room in rooms
            ]
        )
        # The counters and the district's overview as for any change; the
        # boards' grids have no place yet for a new room's cell: the whole board.
        live.publish(site=site)
        live.resync_site(site.pk)
    return rooms


def fingerprint(numbers: list[tuple[int, str]]) -> str:
    """What a preview showed, to add exactly that."""
    return hashlib.sha256(" ".join(number for _floor, number in numbers).encode()).hexdigest()[:16]


def preview_of(numbers: list[tuple[int, str]]) -> dict:
    """The rooms to add, a line per floor: its first and last number and how many."""
    floors = []
    for floor, rooms in groupby(numbers, key=lambda pair: pair[0]):
        on_floor = [number for _floor, number in rooms]
        floors.append({"floor": floor, "first": on_floor[0], "last": on_floor[-1], "count": len(on_floor)})
    return {"floors": floors, "total": len(numbers), "fingerprint": fingerprint(numbers)}


def added_message(rooms: list[Room]) -> str:
    floors = sorted({room.floor for room in rooms})
    return ngettext(
        "%(count)d room added on floors %(first)s to %(last)s; the boards show it now.",
        "%(count)d rooms added on floors %(first)s to %(last)s; the boards show them now.",
        len(rooms),
    ) % {"count": len(rooms), "first": floors[0], "last": floors[-1]}
