"""Which rooms to offer a person, and which one to suggest, at check-in and room change."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F
from django.utils.translation import gettext as _

from rooms.models import Person, Room, Stay
from rooms.services import may_share


@dataclass
class RoomOptions:
    """The rooms that take one more person now: those this person may share
    (empty, or their own household's), and the others (the site head may
    still choose one, with a reason)."""

    fit: list[Room]
    others: list[Room]


def room_options(person: Person, *, leaving: Room | None = None) -> RoomOptions:
    """Two queries, whatever the size of the site."""
    free = Room.objects.filter(
        site_id=person.site_id,
        status__in=[Room.Status.AVAILABLE, Room.Status.OCCUPIED],
        occupant_count__lt=F("capacity"),
    ).order_by("floor", "number")
    if leaving is not None:
        free = free.exclude(pk=leaving.pk)
    free = list(free)
    occupants = defaultdict(list)
    taken = [room.pk for room in free if room.occupant_count]
    for stay in Stay.objects.open().filter(room_id__in=taken).select_related("person"):
        occupants[stay.room_id].append(stay.person)
    options = RoomOptions(fit=[], others=[])
    for room in free:
        room.occupants = occupants[room.pk]
        (options.fit if may_share(person, room.occupants) else options.others).append(room)
    return options


@dataclass
class Suggestion:
    room: Room | None
    # What was applied for this person, in words ("low floor: aged 65").
    hint: str


def suggest_room(person: Person, options: RoomOptions, *, single: bool = False, beds: int = 1) -> Suggestion:
    """A room for this person, as the general group would choose it.

    Family members go together (to a relative's room with a free bed, or to an
    empty family room that holds the whole household); single people go to
    single rooms, so family rooms stay free for families; elderly, disabled
    and pregnant people go as low as possible, everyone else above the low
    floors first. Strangers never share: only ``options.fit`` is offered.
    ``single``: an empty single room only (away from an exposure).
    ``beds``: the family in the person's room moves with them, this many in all.
    """
    site = person.site
    low_reason = person.low_floor_reason()
    if low_reason:
        floors = _("low floor: %(reason)s") % {"reason": low_reason}
    else:
        floors = _("upper floors first, the low ones kept for the elderly")

    def floor_order(room: Room):
        if low_reason:
            return (room.floor, room.number)
        return (room.floor <= site.low_floor_max, room.floor, room.number)

    def found(room, placement):
        if room is None:
            return Suggestion(None, _("No room free for this person."))
        return Suggestion(room, _("%(placement)s; %(floors)s") % {"placement": placement, "floors": floors})

    rooms = options.fit
    # Transferred from another site of the district: the room its office chose.
    kept = person.carried_plan.get("room")
    for room in rooms:
        if room.pk == kept:
            return found(room, _("the room the district office kept"))
    empty = [room for room in rooms if room.status == Room.Status.AVAILABLE]
    singles = [room for room in empty if room.capacity == 1]
    if single:
        return found(min(singles or empty, key=floor_order, default=None), _("an empty room of their own"))
    if person.household:
        for room in sorted(rooms, key=floor_order):
            relatives = any(other.household == person.household for other in room.occupants)
            if room.occupant_count and relatives and room.free_beds >= beds:
                return found(room, _("with their family in room %(room)s") % {"room": room.number})
    if beds > 1:
        fitting = [room for room in empty if room.capacity >= beds]
        room = min(fitting, key=lambda room: (room.capacity, floor_order(room)), default=None)
        return found(room, _("an empty room for the family of %(size)s") % {"size": beds})
    if person.household:
        # The family still to come, with this person (who may be in a room already, moving).
        size = (
            Person.objects.filter(site_id=person.site_id, household=person.household, status=Person.Status.EXPECTED)
            .exclude(pk=person.pk)
            .count()
            + 1
        )
        family = [room for room in empty if room.capacity >= size]
        if family and size > 1:
            room = min(family, key=lambda room: (room.capacity, floor_order(room)))
            return found(room, _("an empty room for the family of %(size)s") % {"size": size})
    for candidates, placement in ((singles, _("a single room")), (empty, _("an empty room"))):
        if candidates:
            return found(min(candidates, key=floor_order), placement)
    return found(None, "")
