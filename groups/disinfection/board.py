"""The disinfection board: rooms to disinfect, rooms to inspect, the routine
round of public areas, what was done today and the medical-waste chain.

Its audience sees rooms and places, never who is or was in them.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from groups.disinfection.models import DisinfectionTask, RoutineSchedule, WasteCollection, WasteHandover
from groups.disinfection.routines import routine_today
from groups.disinfection.services import TOPIC
from rooms.models import Room, Site
from rooms.reads import day_start, load_site
from site_ops.boards import WholeBoard

TEMPLATE = "disinfection/board.html"
DONE_LIST_LENGTH = 30


def waste_today(site: Site, now) -> dict:
    """Today's collections and hand-overs, and what waits on site: two queries."""
    start = day_start(now)
    collections = list(
        WasteCollection.objects.filter(site=site)
        .filter(Q(collected_at__gte=start) | Q(handover__isnull=True))
        .select_related("collected_by")
        .order_by("-collected_at")
    )
    handovers = list(WasteHandover.objects.filter(site=site, handed_at__gte=start).order_by("-handed_at"))
    today = [c for c in collections if c.collected_at >= start]
    waiting = [c for c in collections if c.handover_id is None]
    return {
        "collections": today,
        "handovers": handovers,
        "today_kg": sum((c.weight_kg for c in today), Decimal(0)),
        "today_bags": sum(c.bags for c in today),
        "waiting_kg": sum((c.weight_kg for c in waiting), Decimal(0)),
        "waiting_bags": sum(c.bags for c in waiting),
    }


def disinfection_board(site: Site, now=None) -> dict:
    """The disinfection board: eight queries.

    1. open terminal and spot tasks, with their rooms
    2. ventilating rooms (to inspect)
    3. the routine schedule
    4. the site's floors
    5. today's routine rows
    6. tasks done today, with rooms, schedules and who did them
    7-8. waste: collections (today's and those waiting) and today's hand-overs
    """
    now = now or timezone.now()
    tasks = list(
        DisinfectionTask.objects.filter(site=site, status=DisinfectionTask.Status.OPEN)
        .exclude(kind=DisinfectionTask.Kind.ROUTINE)
        .select_related("room")
        .order_by("due_at")
    )
    ventilating = list(
        Room.objects.filter(site=site, status=Room.Status.VENTILATING).order_by("ventilation_until", "number")
    )
    schedules = list(RoutineSchedule.objects.filter(site=site))
    floors = site.floors()
    routine = routine_today(site, now=now, schedules=schedules, floors=floors)
    done = list(
        DisinfectionTask.objects.filter(site=site, done_at__gte=day_start(now))
        .select_related("room", "schedule", "done_by")
        .order_by("-done_at")[:DONE_LIST_LENGTH]
    )
    for task in tasks:
        task.overdue = task.is_overdue(now)
    for room in ventilating:
        room.ready = room.ventilation_until is None or room.ventilation_until <= now
    return {
        "site": site,
        "now": now,
        "tasks": tasks,
        "overdue_tasks": sum(task.overdue for task in tasks),
        "ventilating": ventilating,
        "routine": routine,
        "routine_overdue": sum(len(area.overdue) for area in routine),
        "done": done,
        "waste": waste_today(site, now),
        "floor_choices": floors,
    }


@dataclass(frozen=True)
class DisinfectionBoard(WholeBoard):
    # Departures (which open terminal tasks) and room moves into, out of and
    # between the statuses this board shows name this topic too.
    topics: frozenset[str] | None = frozenset({TOPIC})

    def part(self, site_id, params):
        return (f"{TEMPLATE}#board-body", disinfection_board(load_site(site_id)))
