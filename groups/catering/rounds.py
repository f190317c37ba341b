"""A meal round, derived from live occupancy.

The round the boards show is the *current* one: the latest of today's slots
whose round has opened (an hour before its delivery time, when the trolleys
are loaded); before the first one opens, today's first slot. The kitchen cooks
for the *next* slot: the first whose delivery time is still ahead (tomorrow's
first after the last one of the day).

Who a round feeds is read from the open stays at the moment of asking:

- a room is due a meal when someone in it checked in by the delivery time;
- a person who checked in after the delivery time is due a late-arrival meal;
- a room with nobody in it is due nothing, so a release or a transfer before
  the meal takes the room out of the round, and a return puts it back.

What was recorded (``MealDelivery`` rows) stays in the round even when the
room has emptied since.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from groups.catering.models import MealDelivery, MealSlot
from groups.transfers.models import Transfer
from rooms.models import Person, Room, Site, Stay
from site_ops.live import shared_by_renders
from site_ops.speedups.fixed_reads import FixedRead, fixed_read

ROUND_OPENS_BEFORE = timedelta(hours=1)
PENDING = "pending"


def slot_moment(slot: MealSlot, day: date) -> datetime:
    """When the slot's meals are due on a day, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, slot.delivery_time))


def round_opens(moment: datetime) -> datetime:
    """When the round of a slot due at ``moment`` opens: from then on its deliveries are recorded."""
    return moment - ROUND_OPENS_BEFORE


def current_slot(slots: list[MealSlot], now: datetime) -> MealSlot | None:
    today = timezone.localdate(now)
    opened = [slot for slot in slots if round_opens(slot_moment(slot, today)) <= now]
    if opened:
        return max(opened, key=lambda slot: slot.delivery_time)
    return min(slots, key=lambda slot: slot.delivery_time, default=None)


def next_slot(slots: list[MealSlot], now: datetime) -> tuple[MealSlot, date] | None:
    today = timezone.localdate(now)
    ahead = [slot for slot in slots if slot_moment(slot, today) > now]
    if ahead:
        return min(ahead, key=lambda slot: slot.delivery_time), today
    if slots:
        return min(slots, key=lambda slot: slot.delivery_time), today + timedelta(days=1)
    return None


def diet_counts(people) -> list[tuple[str, str, int]]:
    """(diet, label, count) in the order of Person.Diet, for the diets present."""
    return counted_diets(Counter(person.diet for person in people))


# Read once: ``Diet.choices`` builds its list on each read, and each card of
# the catering board reads its room's diets.
DIETS = Person.Diet.choices


def counted_diets(counts: Counter) -> list[tuple[str, str, int]]:
    """``diet_counts`` of people already counted per diet."""
    return [(value, label, counts[value]) for value, label in DIETS if counts[value]]


@dataclass
class RoomMeal:
    """One room's delivery in the round: who it feeds and what was recorded."""

    room: Room
    people: list[Person] = field(default_factory=list)
    delivery: MealDelivery | None = None

    @property
    def status(self) -> str:
        return self.delivery.status if self.delivery else PENDING

    @property
    def meals(self) -> int:
        return self.delivery.meals if self.delivery else len(self.people)

    @property
    def diets(self):
        return diet_counts(self.people)

    @property
    def allergies(self) -> list[str]:
        return [person.allergy_note for person in self.people if person.allergy_note]


@dataclass
class LateMeal:
    """A person who checked in after the delivery time, and whether their meal came."""

    person: Person
    room: Room
    arrived_at: datetime
    delivery: MealDelivery | None = None

    @property
    def status(self) -> str:
        return self.delivery.status if self.delivery else PENDING


@dataclass
class MealRound:
    slot: MealSlot
    day: date
    moment: datetime
    rooms: list[RoomMeal]
    late: list[LateMeal]
    # The moment the round was read at.
    now: datetime

    @property
    def opens(self) -> datetime:
        return round_opens(self.moment)

    @property
    def open(self) -> bool:
        """Whether the round has opened (an hour before its delivery time): before, nothing is recorded for it."""
        return self.now >= self.opens

    def floors(self) -> dict[int, list[RoomMeal]]:
        floors: dict[int, list[RoomMeal]] = {}
        for meal in self.rooms:
            floors.setdefault(meal.room.floor, []).append(meal)
        return floors

    def for_room(self, room_id: int) -> RoomMeal | None:
        return next((meal for meal in self.rooms if meal.room.pk == room_id), None)

    def late_for(self, person_id: int) -> LateMeal | None:
        return next((meal for meal in self.late if meal.person.pk == person_id), None)

    @property
    def progress(self) -> dict[str, int]:
        counts = Counter(meal.status for meal in self.rooms)
        return {
            "delivered": counts[MealDelivery.Status.DELIVERED],
            "refused": counts[MealDelivery.Status.REFUSED],
            "pending": counts[PENDING],
            "done": len(self.rooms) - counts[PENDING],
            "total": len(self.rooms),
            "late_pending": sum(meal.status == PENDING for meal in self.late),
        }

    def badges(self) -> dict[int, str]:
        """Each room's food badge: its delivery's outcome, or pending while a meal is owed."""
        badges = {meal.room.pk: meal.delivery.badge if meal.delivery else PENDING for meal in self.rooms}
        for meal in self.late:
            if meal.status == PENDING:
                badges[meal.room.pk] = PENDING
            else:
                badges.setdefault(meal.room.pk, meal.delivery.badge)
        return badges


@fixed_read(values=lambda site_id: [site_id])
def site_slots(site_id: int):
    """The site's meal slots, in the order of the day."""
    return MealSlot.objects.filter(site_id=site_id)


# The order of a round's rooms and of the kitchen's allergy notes; the pk
# settles two people who checked in to one room at the same moment.
STAY_ORDER = ("room__floor", "room__number", "started_at", "pk")


def in_rooms(site: Site | int):
    """The open stays of everyone in a room now, as a queryset (of a site,
    or of a site's id). Someone away on a hospital visit is fed where they are."""
    return Stay.objects.open().filter(site_id=getattr(site, "pk", site)).exclude(Transfer.away_now())


def open_stays(site: Site, room_ids=None):
    """Everyone in a room now (in the given rooms only, if given), with their
    room: one query."""
    if room_ids is not None:
        return _open_stays_in(site.pk, list(room_ids))
    return _site_stays(site.pk)


def stays_of_rooms(rooms: list[Room]) -> list[Stay]:
    """``open_stays(site, room_ids)`` from rooms read with their occupants (``changed_rooms``: each room's
    ``open_stays``, each with its person): the same stays, with their rooms and people, ordered as
    ``STAY_ORDER`` orders them, without a second read of them. One statement: who of them is away on a
    hospital visit."""
    people = sorted({stay.person_id for room in rooms for stay in room.open_stays})
    away = set(_away_of(people))  # none asked for no one (an empty list reads nothing)
    kept = []
    for room in rooms:
        for stay in room.open_stays:
            if stay.person_id not in away:
                stay.room = room
                kept.append(stay)
    kept.sort(key=lambda stay: (stay.room.floor, stay.room.number, stay.started_at, stay.pk))
    return kept


# Who of these people is away on a hospital visit now (``Transfer.away_now``'s rows).
_away_of = FixedRead(
    lambda person_ids: Transfer.objects.filter(
        person_id__in=person_ids,
        state=Transfer.State.DEPARTED,
        destination_type=Transfer.Destination.HOSPITAL_VISIT,
    ).values_list("person_id", flat=True),
    # A filter's keywords are sorted by name: destination_type, person_id, state.
    lambda person_ids: [Transfer.Destination.HOSPITAL_VISIT, *person_ids, Transfer.State.DEPARTED],
)


def _in_rooms_values(site_id: int) -> list:
    """``in_rooms``'s values, first in each statement that starts from it."""
    return [site_id, 1, Transfer.Destination.HOSPITAL_VISIT, Transfer.State.DEPARTED]


def _day_slot_values(slot_id: int, day: date) -> list:
    """A slot's deliveries of a day: the values of their filter, as Django orders them."""
    return [connection.ops.adapt_datefield_value(day), slot_id]


# A broadcast's rooms (the control screen's food badges, the catering
# board's changed rooms): statements built once.
_open_stays_in = FixedRead(
    lambda site_id, room_ids: (
        in_rooms(site_id).filter(room_id__in=room_ids).select_related("person", "room").order_by(*STAY_ORDER)
    ),
    lambda site_id, room_ids: [*_in_rooms_values(site_id), *room_ids],
)
_recorded = FixedRead(
    lambda slot_id, day: MealDelivery.objects.filter(slot_id=slot_id, day=day).select_related("room"),
    _day_slot_values,
)
# A round of some floors has their rooms' deliveries and every late-arrival meal (a person's).
_recorded_on_floors = FixedRead(
    lambda slot_id, day, floors: (
        MealDelivery.objects.filter(slot_id=slot_id, day=day)
        .filter(Q(room__floor__in=floors) | Q(person__isnull=False))
        .select_related("room")
    ),
    lambda slot_id, day, floors: [*_day_slot_values(slot_id, day), *floors],
)
_recorded_late = FixedRead(
    lambda slot_id, day: MealDelivery.objects.filter(slot_id=slot_id, day=day, person__isnull=False).select_related(
        "room"
    ),
    _day_slot_values,
)
_recorded_in = FixedRead(
    lambda slot_id, day, room_ids: MealDelivery.objects.filter(
        slot_id=slot_id, day=day, room_id__in=room_ids
    ).select_related("room"),
    lambda slot_id, day, room_ids: [connection.ops.adapt_datefield_value(day), *room_ids, slot_id],
)


def floor_stays(site: Site, floors, arrived_after: datetime | None):
    """Everyone in a room now on these floors, and everyone who checked in
    after ``arrived_after`` (the round's delivery time) wherever they are,
    with their rooms: one query. A change to a few rooms re-sends their
    floors and the late-arrival meals, which are listed for the whole site."""
    floors = list(floors)
    if arrived_after is None:
        return _stays_on_floors(site.pk, floors)
    if not floors:  # the late arrivals alone (the control screen's figures)
        return _stays_arrived_after(site.pk, arrived_after)
    return _stays_on_floors_or_after(site.pk, floors, arrived_after)


def _with_rooms(stays):
    return stays.select_related("person", "room").order_by(*STAY_ORDER)


# Read by every broadcast that touches a room (the catering board's floors,
# the control screen's meal figures): statements built once.
_site_stays = FixedRead(lambda site_id: _with_rooms(in_rooms(site_id)), _in_rooms_values)
_stays_on_floors = FixedRead(
    lambda site_id, floors: _with_rooms(in_rooms(site_id).filter(room__floor__in=floors)),
    lambda site_id, floors: [*_in_rooms_values(site_id), *floors],
)
_stays_arrived_after = FixedRead(
    lambda site_id, after: _with_rooms(in_rooms(site_id).filter(started_at__gt=after)),
    lambda site_id, after: [*_in_rooms_values(site_id), connection.ops.adapt_datetimefield_value(after)],
)
_stays_on_floors_or_after = FixedRead(
    lambda site_id, floors, after: _with_rooms(
        in_rooms(site_id).filter(Q(room__floor__in=floors) | Q(started_at__gt=after))
    ),
    lambda site_id, floors, after: [
        *_in_rooms_values(site_id),
        *floors,
        connection.ops.adapt_datetimefield_value(after),
    ],
)


def round_progress(site: Site, meals: MealRound) -> dict[str, int]:
    """``meals.progress`` for the whole site when ``meals`` holds only some
    floors' rooms (and every late-arrival meal): two counting queries,
    however many rooms.

    As in ``meal_round``, a room is in the round when its delivery was
    recorded or someone in it checked in by the delivery time; a recorded
    outcome is its status, and the other rooms are pending.
    """
    outcomes, pending = _round_counts(site.pk, meals.slot.pk, meals.day, meals.moment)
    delivered = outcomes.get(MealDelivery.Status.DELIVERED, 0)
    refused = outcomes.get(MealDelivery.Status.REFUSED, 0)
    return {
        "delivered": delivered,
        "refused": refused,
        "pending": pending,
        "done": delivered + refused,
        "total": delivered + refused + pending,
        "late_pending": sum(meal.status == PENDING for meal in meals.late),
    }


@shared_by_renders
def _round_counts(site_id: int, slot_id: int, day: date, moment: datetime) -> tuple[dict, int]:
    """The round's recorded outcomes of rooms, and its rooms still pending (``round_progress``): read
    once per broadcast (the control screen's figures and the catering board's both count them)."""
    start = _day_start(day)
    outcomes = dict(_room_outcomes(slot_id, day))
    pending = _rooms_pending(site_id, slot_id, day, moment, start)
    return outcomes, pending[0][1] if pending else 0


def _recorded_rooms(slot_id, day):
    return MealDelivery.objects.filter(slot_id=slot_id, day=day, person__isnull=True)


_room_outcomes = FixedRead(
    lambda slot_id, day: _recorded_rooms(slot_id, day).values_list("status").annotate(n=Count("pk")).order_by(),
    _day_slot_values,
)


def _rooms_pending_query(site_id, slot_id, day, moment, start):
    # A room is pending when someone was in it by the delivery time and its
    # meal is not recorded. Someone who changed room today out of a room whose
    # meal was recorded before they left it (after the delivery time, or before
    # it when the trolley came early) had this meal there: the room they are in
    # now is not owed it for them. Grouped by the site (one row) rather than
    # aggregated, so that the statement is built once.
    recorded = _recorded_rooms(slot_id, day)
    fed_before_moving = Exists(
        recorded.filter(room_id=OuterRef("moved_from_id"), recorded_at__lte=OuterRef("moved_at"))
    )
    return (
        in_rooms(site_id)
        .filter(started_at__lte=moment)
        .exclude(room_id__in=recorded.values("room_id"))
        .exclude(fed_before_moving, moved_at__gte=start)
        .order_by()
        .values_list("site_id")
        .annotate(rooms=Count("room_id", distinct=True))
    )


def _rooms_pending_values(site_id, slot_id, day, moment, start) -> list:
    moment, start = connection.ops.adapt_datetimefield_value(moment), connection.ops.adapt_datetimefield_value(start)
    recorded = _day_slot_values(slot_id, day)
    return [*_in_rooms_values(site_id), moment, *recorded, 1, *recorded, start]


_rooms_pending = FixedRead(_rooms_pending_query, _rooms_pending_values)


def site_diets(site: Site) -> tuple[Counter, list[tuple[str, str]]]:
    """How many people of each diet are in the rooms now, and the allergy
    notes as (room number, note) in the round's order: two queries, whose
    rows are the diets present and the people with a note."""
    counts = Counter(dict(_diet_counts(site.pk)))
    return counts, _allergy_notes(site.pk)


_diet_counts = FixedRead(
    lambda site_id: in_rooms(site_id).values_list("person__diet").annotate(n=Count("pk")).order_by(),
    _in_rooms_values,
)
_allergy_notes = FixedRead(
    lambda site_id: (
        in_rooms(site_id)
        .exclude(person__allergy_note="")
        .order_by(*STAY_ORDER)
        .values_list("room__number", "person__allergy_note")
    ),
    lambda site_id: [*_in_rooms_values(site_id), ""],
)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def _fed_before_moving(slot: MealSlot, day: date, moment: datetime, stays, by_room: dict) -> set[int]:
    """The stays whose person changed room today, when the room they left had the round's meal recorded
    before they left it: they were fed there. No query unless someone due the meal moved today and the
    room they left is not among the rows already read."""
    start = _day_start(day)
    moved = [stay for stay in stays if stay.moved_at and stay.moved_at >= start and stay.started_at <= moment]
    if not moved:
        return set()
    missing = {stay.moved_from_id for stay in moved} - set(by_room)
    left = dict(by_room)
    if missing:
        rows = MealDelivery.objects.filter(slot=slot, day=day, person__isnull=True, room_id__in=missing)
        left.update((row.room_id, row) for row in rows)
    return {
        stay.pk
        for stay in moved
        if (row := left.get(stay.moved_from_id)) is not None and row.recorded_at <= stay.moved_at
    }


def meal_round(
    site: Site,
    *,
    now: datetime | None = None,
    slot: MealSlot | None = None,
    slots=None,
    stays=None,
    room_ids=None,
    floors=None,
) -> MealRound | None:
    """Today's round of a slot (the current one by default): one query for the
    recorded deliveries, plus the slots and the open stays unless the caller
    already has them. ``room_ids``: the round of those rooms only (a
    broadcast touching a few). ``floors``: the rooms of those floors only,
    with every late-arrival meal (the stays, if given, are ``floor_stays``).
    One or the other, not both."""
    if room_ids is not None and floors is not None:
        raise ValueError("meal_round: room_ids or floors, not both")
    now = now or timezone.now()
    if slot is None:
        slots = site_slots(site.pk) if slots is None else slots
        slot = current_slot(slots, now)
        if slot is None:
            return None
    day = timezone.localdate(now)
    moment = slot_moment(slot, day)
    if stays is None:
        stays = open_stays(site, room_ids) if floors is None else floor_stays(site, floors, moment)
    if room_ids is not None:
        recorded = _recorded_in(slot.pk, day, list(room_ids))
    elif floors is not None:
        recorded = _recorded_on_floors(slot.pk, day, list(floors)) if floors else _recorded_late(slot.pk, day)
    else:
        recorded = _recorded(slot.pk, day)
    by_room = {row.room_id: row for row in recorded if row.person_id is None}
    by_person = {row.person_id: row for row in recorded if row.person_id is not None}
    fed = _fed_before_moving(slot, day, moment, stays, by_room)

    rooms: dict[int, RoomMeal] = {}
    late = []
    for stay in stays:
        if stay.started_at > moment:
            late.append(LateMeal(stay.person, stay.room, stay.started_at, by_person.get(stay.person_id)))
            continue
        if stay.pk in fed:
            continue  # had this meal in the room they left: not owed again in this one
        meal = rooms.setdefault(stay.room_id, RoomMeal(stay.room, delivery=by_room.get(stay.room_id)))
        meal.people.append(stay.person)
    for room_id, row in by_room.items():
        rooms.setdefault(room_id, RoomMeal(row.room, delivery=row))
    ordered = sorted(rooms.values(), key=lambda meal: (meal.room.floor, meal.room.number))
    return MealRound(slot=slot, day=day, moment=moment, rooms=ordered, late=late, now=now)
