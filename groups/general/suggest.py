"""Which room to offer at check-in."""

from django.db.models import F

from rooms.models import Person, Room, Stay


def suggest_room(person: Person) -> Room | None:
    """A free room for this person, as the general group would choose it.

    Family members go together (to a relative's room with a free bed, or to an
    empty family room that holds the whole household); single people go to
    single rooms, so family rooms stay free for families; elderly, disabled
    and pregnant people go as low as possible, everyone else above the low
    floors first.
    """
    site = person.site
    rooms = list(
        Room.objects.filter(
            site=site,
            status__in=[Room.Status.AVAILABLE, Room.Status.OCCUPIED],
            occupant_count__lt=F("capacity"),
        )
    )
    if not rooms:
        return None
    low_first = person.needs_low_floor

    def floor_order(room: Room):
        if low_first:
            return (room.floor, room.number)
        return (room.floor <= site.low_floor_max, room.floor, room.number)

    if person.household:
        relatives_rooms = set(
            Stay.objects.open().filter(site=site, person__household=person.household).values_list("room_id", flat=True)
        )
        for room in sorted(rooms, key=floor_order):
            if room.pk in relatives_rooms:
                return room
        size = Person.objects.filter(site=site, household=person.household, status=Person.Status.EXPECTED).count()
        family = [room for room in rooms if room.status == Room.Status.AVAILABLE and room.capacity >= size]
        if family:
            return min(family, key=lambda room: (room.capacity, floor_order(room)))
    empty = [room for room in rooms if room.status == Room.Status.AVAILABLE]
    singles = [room for room in empty if room.capacity == 1]
    # Strangers never share a room: only relatives join an occupied one.
    for candidates in (singles, empty):
        if candidates:
            return min(candidates, key=floor_order)
    return None
