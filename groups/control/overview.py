"""What the catering, disinfection and security groups add to the control
screen: a food and a disinfection badge in each room cell, their counters and
the open incidents."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from groups.catering.rounds import meal_round, round_progress, stays_of_rooms
from groups.disinfection.models import DisinfectionTask, WasteCollection
from groups.disinfection.routines import routine_today
from groups.security.board import open_incidents
from groups.security.models import CheckpointEntry
from rooms.models import Room, Site
from rooms.reads import day_start
from site_ops.speedups.fixed_reads import FixedRead


@dataclass(frozen=True)
class Badge:
    """One of a room cell's badges: what it is about, its state, how it reads."""

    kind: str
    state: str

    @property
    def letter(self) -> str:
        return str(BADGE_LETTERS[self.kind])

    @property
    def label(self) -> str:
        return str(BADGE_LABELS[(self.kind, self.state)])


BADGE_LETTERS = {"food": pgettext_lazy("room badge", "M"), "disinfection": pgettext_lazy("room badge", "D")}
BADGE_LABELS = {
    ("food", "delivered"): _("meal delivered"),
    ("food", "pending"): _("meal pending"),
    ("food", "refused"): _("meal refused"),
    ("food", "complaint"): _("meal complaint"),
    ("disinfection", "done"): _("disinfected today"),
    ("disinfection", "due"): _("disinfection due"),
    ("disinfection", "overdue"): _("disinfection overdue"),
    ("disinfection", "sealed"): _("sealed until terminal disinfection"),
}


def _disinfection_badge(room: Room, tasks: list[DisinfectionTask], now) -> str:
    if room.status == Room.Status.SEALED:
        return "sealed"
    open_tasks = [task for task in tasks if task.status == DisinfectionTask.Status.OPEN]
    if any(task.is_overdue(now) for task in open_tasks):
        return "overdue"
    if open_tasks or room.status == Room.Status.AWAITING_DISINFECTION:
        return "due"
    return "done" if tasks else ""


def _group_tasks(site: Site, start, room_ids=None) -> list[DisinfectionTask]:
    """Terminal and spot tasks open or done today (of the given rooms only, if given): one query."""
    if room_ids is None:
        return _site_tasks(site.pk, start)
    return _room_tasks(site.pk, start, list(room_ids))


def _tasks_today(site_id: int, start):
    return (
        DisinfectionTask.objects.filter(site_id=site_id)
        .exclude(kind=DisinfectionTask.Kind.ROUTINE)
        .filter(Q(status=DisinfectionTask.Status.OPEN) | Q(done_at__gte=start))
    )


def _tasks_today_values(site_id: int, start) -> list:
    adapt = connection.ops.adapt_datetimefield_value
    return [site_id, DisinfectionTask.Kind.ROUTINE, DisinfectionTask.Status.OPEN, adapt(start)]


_site_tasks = FixedRead(_tasks_today, _tasks_today_values)
_room_tasks = FixedRead(
    lambda site_id, start, room_ids: _tasks_today(site_id, start).filter(room_id__in=room_ids),
    lambda site_id, start, room_ids: [*_tasks_today_values(site_id, start), *room_ids],
)


def _set_badges(rooms: list[Room], meals, tasks: list[DisinfectionTask], now) -> None:
    food = meals.badges() if meals else {}
    by_room: dict[int, list[DisinfectionTask]] = {}
    for task in tasks:
        by_room.setdefault(task.room_id, []).append(task)
    for room in rooms:
        room.food_badge = food.get(room.pk, "")
        room.disinfection_badge = _disinfection_badge(room, by_room.get(room.pk, []), now)
        room.badges = [
            Badge(kind, state)
            for kind, state in (("food", room.food_badge), ("disinfection", room.disinfection_badge))
            if state
        ]


def attach_group_badges(site: Site, rooms: list[Room], now=None) -> list[Room]:
    """The food and disinfection badges of a few rooms (a broadcast's), read
    for those rooms only: four queries (slots, who of their occupants is
    away, their deliveries, their tasks). The rooms come with their
    occupants (``changed_rooms``), which the meal round takes rather than
    reading them again (a lab sheet's hundred rooms: three hundred rows)."""
    now = now or timezone.now()
    room_ids = [room.pk for room in rooms]
    if room_ids:
        meals = meal_round(site, now=now, room_ids=room_ids, stays=stays_of_rooms(rooms))
        _set_badges(rooms, meals, _group_tasks(site, day_start(now), room_ids), now)
    return rooms


def group_overview(site: Site, rooms: list[Room], now=None) -> dict:
    """Badges for the given rooms (set on them as ``badges``, with their states
    as ``food_badge`` and ``disinfection_badge``), the groups' counters and the
    open incidents: ten queries, however many rooms.

    1-3. the meal round: slots, open stays, recorded deliveries (with no
         rooms, a broadcast's: slots, late arrivals, deliveries and two counts)
    4.   terminal and spot tasks open or done today
    5-7. routine disinfection: schedule, floors, today's rows
    8.   medical waste collected today
    9.   who and what is inside, by kind
    10.  open incidents with their rooms
    """
    now = now or timezone.now()
    if rooms:
        meals = meal_round(site, now=now)
        food = {"meals": {"slot": meals.slot, **meals.progress} if meals else None}
    else:
        meals, food = None, food_figures(site, now)
    tasks = _group_tasks(site, day_start(now))
    _set_badges(rooms, meals, tasks, now)
    return {**environment_figures(site, now, tasks), **food, **gate_figures(site)}


def food_figures(site: Site, now=None) -> dict:
    """The meal round's figures, counted rather than read room by room (a
    broadcast's): the slots, late arrivals, deliveries and two counts."""
    meals = meal_round(site, now=now or timezone.now(), floors=[])
    return {"meals": {"slot": meals.slot, **round_progress(site, meals)} if meals else None}


# Today's medical waste, grouped by the site (one row) rather than aggregated, so that the statement is built once.
_waste_kg = FixedRead(
    lambda site_id, start: (
        WasteCollection.objects.filter(site_id=site_id, collected_at__gte=start)
        .order_by()
        .values_list("site_id")
        .annotate(kg=Sum("weight_kg"))
    ),
    lambda site_id, start: [connection.ops.adapt_datetimefield_value(start), site_id],
)


def environment_figures(site: Site, now=None, tasks=None) -> dict:
    """The disinfection backlog, overdue routine areas and today's medical
    waste: five queries (one fewer given today's tasks)."""
    now = now or timezone.now()
    start = day_start(now)
    tasks = _group_tasks(site, start) if tasks is None else tasks
    open_tasks = [task for task in tasks if task.status == DisinfectionTask.Status.OPEN]
    routine = routine_today(site, now=now)
    waste = _waste_kg(site.pk, start)
    return {
        "disinfection_backlog": len(open_tasks),
        "disinfection_overdue": sum(task.is_overdue(now) for task in open_tasks),
        "routine_overdue": sum(len(area.overdue) for area in routine),
        "waste_kg": (waste[0][1] if waste else None) or Decimal(0),
    }


def gate_figures(site: Site) -> dict:
    """Who and what is inside the gate, and the open incidents: two queries."""
    inside = dict(
        CheckpointEntry.objects.filter(site=site, left_at__isnull=True)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {
        "people_inside": inside.get(CheckpointEntry.Kind.PERSON, 0),
        "vehicles_inside": inside.get(CheckpointEntry.Kind.VEHICLE, 0),
        "deliveries_inside": inside.get(CheckpointEntry.Kind.DELIVERY, 0),
        "incidents": open_incidents(site),
    }
