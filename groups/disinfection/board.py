"""The disinfection board: rooms to disinfect, rooms to inspect (and the
environmental samples of positive cases' rooms), the routine round of public
areas, what was done today and the medical-waste chain.

Its audience sees rooms and places, never who is or was in them.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from groups.disinfection.models import (
    DisinfectionSettings,
    DisinfectionTask,
    EnvironmentalSample,
    RoutineSchedule,
    WasteCollection,
    WasteHandover,
)
from groups.disinfection.routines import routine_today
from groups.disinfection.services import TOPIC
from rooms import requests
from rooms.handover import group_handover, handover_topic
from rooms.models import Room, Site
from rooms.reads import day_start, load_site
from rooms.roles import Role
from rooms.services import open_repairs
from site_ops.boards import WholeBoard

TEMPLATE = "disinfection/board.html"
DONE_LIST_LENGTH = 30


def waste_today(site: Site, now, max_days: int = 2) -> dict:
    """Today's collections and hand-overs, and what waits on site (oldest
    first, flagged past ``max_days``): two queries."""
    start = day_start(now)
    collections = list(
        WasteCollection.objects.filter(site=site)
        .filter(Q(collected_at__gte=start) | Q(handover__isnull=True))
        .select_related("collected_by", "room")
        .order_by("-collected_at")
    )
    handovers = list(WasteHandover.objects.filter(site=site, handed_at__gte=start).order_by("-handed_at"))
    today = [c for c in collections if c.collected_at >= start]
    waiting = [c for c in reversed(collections) if c.handover_id is None]
    for collection in waiting:
        collection.too_long = collection.is_waiting_too_long(now, max_days)
    return {
        "collections": today,
        "handovers": handovers,
        "waiting": waiting,
        "max_days": max_days,
        "too_long_bags": sum(c.bags for c in waiting if c.too_long),
        "positive_bags": sum(c.bags for c in waiting if c.positive),
        "today_kg": sum((c.weight_kg for c in today), Decimal(0)),
        "today_bags": sum(c.bags for c in today),
        "waiting_kg": sum((c.weight_kg for c in waiting), Decimal(0)),
        "waiting_bags": sum(c.bags for c in waiting),
    }


def disinfection_board(site: Site, now=None) -> dict:
    """The disinfection board: twelve queries.

    1. open terminal and spot tasks, with their rooms
    2. ventilating rooms (to inspect), each with its open environmental sample
    3. the routine schedule
    4. the site's floors
    5. today's routine rows
    6. tasks done today, with rooms, schedules and who did them
    7. the site's disinfection settings (how long waste may wait)
    8-9. waste: collections (today's and those waiting) and today's hand-overs
    10-11. the shift handover (rooms.handover.group_handover)
    12. the group's open requests (rooms.requests.group_list)
    """
    now = now or timezone.now()
    tasks = list(
        DisinfectionTask.objects.filter(site=site, status=DisinfectionTask.Status.OPEN)
        .exclude(kind=DisinfectionTask.Kind.ROUTINE)
        .select_related("room")
        .order_by("due_at")
    )
    open_sample = EnvironmentalSample.objects.filter(room=OuterRef("pk"), status__in=EnvironmentalSample.OPEN)
    # A repair asked for the room and not done: it is inspected out of service, not made available.
    open_repair = open_repairs().filter(room=OuterRef("pk"))
    ventilating = list(
        Room.objects.filter(site=site, status=Room.Status.VENTILATING)
        .annotate(
            sample_id=Subquery(open_sample.values("pk")[:1]),
            sample_status=Subquery(open_sample.values("status")[:1]),
            repair=Subquery(open_repair.values("what")[:1]),
        )
        .order_by("ventilation_until", "number")
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
    redo = {task.room_id for task in tasks if task.kind == DisinfectionTask.Kind.TERMINAL}
    for room in ventilating:
        # A room to disinfect again, or waiting for its environmental sample, is not inspected yet.
        room.held = room.sample_id is not None or room.pk in redo
        room.ready = not room.held and (room.ventilation_until is None or room.ventilation_until <= now)
    settings = DisinfectionSettings.for_site(site)
    return {
        "site": site,
        "now": now,
        "tasks": tasks,
        "overdue_tasks": sum(task.overdue for task in tasks),
        "ventilating": ventilating,
        "routine": routine,
        "routine_overdue": sum(len(area.overdue) for area in routine),
        "done": done,
        "samples_due": sum(room.sample_id is not None for room in ventilating),
        "waste": waste_today(site, now, settings.waste_max_days),
        "floor_choices": floors,
        "handover": group_handover(site, Role.DISINFECTION, now),
        **requests.group_list(site, Role.DISINFECTION),
    }


@dataclass(frozen=True)
class DisinfectionBoard(WholeBoard):
    # Departures (which open terminal tasks) and room moves into, out of and
    # between the statuses this board shows name this topic too.
    topics: frozenset[str] | None = frozenset(
        {TOPIC, handover_topic(Role.DISINFECTION), requests.requests_topic(Role.DISINFECTION)}
    )

    def part(self, site_id, params):
        return (f"{TEMPLATE}#board-body", disinfection_board(load_site(site_id)))

    def clock_parts(self, site_id):
        """Tasks become overdue and rooms ready for inspection with the clock: the whole board, as a change sends it."""
        return [("board-body", *self.part(site_id, {}))]
