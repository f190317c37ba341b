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
from rooms.words import site_language
from site_ops import live
from site_ops.inputs import FLOORS

# More than a site of 1,000 rooms sets up at once is a mistyped range.
MOST_ROOMS = 2000
# How many numbers a refusal names before "and N more".
NAMED = 10
# A room's own line in its history; the step has one line of its own ("rooms.added").
ADDED_BY_FLOOR = "room.added_by_floor"


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
        help_text=_(
            "Numbers the building does not have, separated by commas or spaces, such as 304, 314; "
            "a run of them as 2101-2103."
        ),
    )

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        if len(sites) == 1:  # a site head's own: nothing to choose
            self.fields["site"].initial = sites[0]
            self.fields["site"].widget = forms.HiddenInput()

    def clean_skip(self):
        # "2101-2103", "2101～2103", "2101 至 2103": a run of numbers.
        text = re.sub(r"(\d)\s*(?:[-~～—–]|至|到)\s*(\d)", r"\1-\2", self.cleaned_data["skip"])
        words = [word.upper() for word in re.split(r"[\s,，、;；]+", text) if word]
        bad = [word for word in words if not re.fullmatch(r"[A-Z0-9-]{1,10}", word)]
        if bad:
            raise forms.ValidationError(
                _("%(words)s is not a room number. Separate the numbers with commas or spaces."),
                params={"words": "、".join(bad[:NAMED])},
            )
        skipped = set()
        for word in words:
            run = re.fullmatch(r"(\d+)-(\d+)", word)
            if run is None:
                skipped.add(word)  # a number, or one like B1-07
                continue
            first, last = run.groups()
            if len(first) != len(last) or int(first) > int(last) or int(last) - int(first) >= MOST_ROOMS:
                raise forms.ValidationError(
                    _("%(words)s is not a run of room numbers: write the lower number first, as 2101-2103."),
                    params={"words": word},
                )
            skipped.update(f"{n:0{len(first)}d}" for n in range(int(first), int(last) + 1))
        return skipped

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
        if data["floor_from"] == data["floor_to"] == 0:
            self.add_error("floor_from", _("There is no floor 0: the floor below the first is B1, floor -1."))
            return data
        floors = [f for f in range(data["floor_from"], data["floor_to"] + 1) if f != 0]
        width = 3 if data["last"] >= 100 else 2
        every = [
            (floor, room_number(floor, n, width)) for floor in floors for n in range(data["first"], data["last"] + 1)
        ]
        # A number to leave out that is not in the ranges is a typing mistake, not a room spared.
        strays = sorted(data["skip"] - {number for _floor, number in every})
        if strays:
            self.add_error(
                "skip",
                _("%(numbers)s is not among the rooms of these ranges: check it.")
                % {"numbers": "、".join(strays[:NAMED]) + ("…" if len(strays) > NAMED else "")},
            )
            return data
        numbers = [(floor, number) for floor, number in every if number not in data["skip"]]
        data["skipped"] = [(floor, number) for floor, number in every if number in data["skip"]]
        if not numbers:
            raise forms.ValidationError(_("These ranges leave no room to add."))
        if len(numbers) > MOST_ROOMS:
            raise forms.ValidationError(
                _("That is %(count)d rooms; at most %(most)d are added at once. Add the floors in parts."),
                params={"count": len(numbers), "most": MOST_ROOMS},
            )
        existing = set(
            Room.objects.filter(site=data["site"], number__in=[number for _floor, number in numbers]).values_list(
                "number", flat=True
            )
        )
        if existing:
            taken = [(floor, number) for floor, number in numbers if number in existing]
            raise forms.ValidationError(
                ngettext(
                    "Room %(numbers)s is already set up: change the range, or leave it out.",
                    "%(count)d of these rooms are already set up (%(numbers)s): change the range, or leave them out.",
                    len(taken),
                )
                % {"count": len(taken), "numbers": runs(taken)},
            )
        data["numbers"] = numbers
        return data


def add_rooms(*, by, site: Site, numbers: list[tuple[int, str]], capacity: int) -> list[Room]:
    """Add the rooms (``(floor, number)``), each audited; every open board of the site shows them."""
    with transaction.atomic():
        rooms = Room.objects.bulk_create(
            [Room(site=site, floor=floor, number=number, capacity=capacity, updated_by=by) for floor, number in numbers]
        )
        floors = sorted({room.floor for room in rooms})
        with site_language():
            batch = ngettext(
                "%(count)d room on floors %(first)s to %(last)s",
                "%(count)d rooms on floors %(first)s to %(last)s",
                len(rooms),
            ) % {"count": len(rooms), "first": floors[0], "last": floors[-1]}
        # Each room's own history says it was added; the feed says it once for the step
        # (groups/control/board.py leaves the rooms' own lines out of it).
        audit_all(
            [
                audit_event(site=site, by=by, action="rooms.added", obj=site, label=batch, after={"rooms": len(rooms)}),
                *(
                    audit_event(
                        site=site,
                        by=by,
                        action=ADDED_BY_FLOOR,
                        obj=room,
                        room=room,
                        after={"number": room.number, "floor": str(room.floor), "capacity": str(room.capacity)},
                    )
                    for room in rooms
                ),
            ]
        )
        # The site's boards have no place yet for a new room's cell: each
        # gets its whole board, counters and all. The district's overview gets
        # its fragment as for any change.
        live.publish(site=site, whole_boards=True)
    return rooms


def runs(numbers: list[tuple[int, str]]) -> str:
    """Room numbers as their runs, floor by floor: "301-324、401-424、B1-07" (what "leave out" reads)."""
    parts, start, previous = [], None, None
    for floor, number in [*numbers, (None, None)]:
        follows = (
            previous is not None
            and number is not None
            and floor == previous[0]
            and number.isdigit()
            and previous[1].isdigit()
            and len(number) == len(previous[1])
            and int(number) == int(previous[1]) + 1
        )
        if not follows:
            if start is not None:
                parts.append(start[1] if start == previous else f"{start[1]}-{previous[1]}")
            start = (floor, number)
        previous = (floor, number)
    return "、".join(parts)


def fingerprint(data: dict) -> str:
    """What a preview showed (the site, the rooms, their beds), to add exactly that."""
    shown = [str(data["site"].pk), str(data["capacity"]), *(number for _floor, number in data["numbers"])]
    return hashlib.sha256(" ".join(shown).encode()).hexdigest()[:16]


def preview_of(data: dict) -> dict:
    """The rooms to add (a form's cleaned data), a line per floor: its numbers as runs and how many."""
    numbers = data["numbers"]
    floors = []
    for floor, rooms in groupby(numbers, key=lambda pair: pair[0]):
        on_floor = list(rooms)
        floors.append({"floor": floor, "numbers": runs(on_floor), "count": len(on_floor)})
    return {
        "floors": floors,
        "total": len(numbers),
        "site": data["site"],
        "capacity": data["capacity"],
        "skipped": runs(data["skipped"]),
        "fingerprint": fingerprint(data),
    }


def added_message(rooms: list[Room]) -> str:
    floors = sorted({room.floor for room in rooms})
    return ngettext(
        "%(count)d room added on floors %(first)s to %(last)s; the boards show it now.",
        "%(count)d rooms added on floors %(first)s to %(last)s; the boards show them now.",
        len(rooms),
    ) % {"count": len(rooms), "first": floors[0], "last": floors[-1]}
