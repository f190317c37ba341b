"""The disinfection board: rooms to disinfect, rooms to inspect (and the
environmental samples of positive cases' rooms), the routine round of public
areas, what was done today and the medical-waste chain.

Its audience sees rooms and places, never who is or was in them.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from groups.disinfection.models import (
    DisinfectionSettings,
    DisinfectionTask,
    EnvironmentalSample,
    WasteCollection,
    WasteHandover,
)
from groups.disinfection.routines import routine_today, site_schedules
from groups.disinfection.services import TOPIC
from rooms import requests
from rooms.handover import group_handover, handover_topic
from rooms.models import Request, Room, Site
from rooms.reads import day_start, load_site
from rooms.roles import Role
from rooms.services import open_repairs
from site_ops.boards import WholeBoard
from site_ops.speedups.fixed_reads import FixedRead

TEMPLATE = "disinfection/board.html"
DONE_LIST_LENGTH = 30


def waste_today(site: Site, now, max_days: int = 2) -> dict:
    """Today's collections and hand-overs, and what waits on site (oldest
    first, flagged past ``max_days``): two queries."""
    start = day_start(now)
    collections = _waste_collections(site.pk, start)
    handovers = _waste_handovers(site.pk, start)
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


# The board's reads, on every render of it (a WholeBoard: every change re-renders it): built once.
_waste_collections = FixedRead(
    lambda site_id, start: (
        WasteCollection.objects.filter(site_id=site_id)
        .filter(Q(collected_at__gte=start) | Q(handover__isnull=True))
        .select_related("collected_by", "room")
        .order_by("-collected_at")
    ),
    lambda site_id, start: [site_id, connection.ops.adapt_datetimefield_value(start)],
)
_waste_handovers = FixedRead(
    lambda site_id, start: WasteHandover.objects.filter(site_id=site_id, handed_at__gte=start).order_by("-handed_at"),
    lambda site_id, start: [connection.ops.adapt_datetimefield_value(start), site_id],
)
_open_tasks = FixedRead(
    lambda site_id: (
        DisinfectionTask.objects.filter(site_id=site_id, status=DisinfectionTask.Status.OPEN)
        .exclude(kind=DisinfectionTask.Kind.ROUTINE)
        .select_related("room")
        .order_by("due_at")
    ),
    lambda site_id: [site_id, DisinfectionTask.Status.OPEN, DisinfectionTask.Kind.ROUTINE],
)


def _ventilating_query(site_id):
    open_sample = EnvironmentalSample.objects.filter(room=OuterRef("pk"), status__in=EnvironmentalSample.OPEN)
    # A repair asked for the room and not done: it is inspected out of service, not made available.
    open_repair = open_repairs().filter(room=OuterRef("pk"))
    return (
        Room.objects.filter(site_id=site_id, status=Room.Status.VENTILATING)
        .annotate(
            sample_id=Subquery(open_sample.values("pk")[:1]),
            sample_status=Subquery(open_sample.values("status")[:1]),
            repair=Subquery(open_repair.values("what")[:1]),
        )
        .order_by("ventilation_until", "number")
    )


_ventilating = FixedRead(
    _ventilating_query,
    lambda site_id: [
        *EnvironmentalSample.OPEN,
        *EnvironmentalSample.OPEN,
        Request.Kind.REPAIR,
        *Request.OPEN_STATUSES,
        site_id,
        Room.Status.VENTILATING,
    ],
)
_done_today = FixedRead(
    lambda site_id, start: (
        DisinfectionTask.objects.filter(site_id=site_id, done_at__gte=start)
        .select_related("room", "schedule", "done_by")
        .order_by("-done_at")[:DONE_LIST_LENGTH]
    ),
    lambda site_id, start: [connection.ops.adapt_datetimefield_value(start), site_id],
)


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
    tasks = _open_tasks(site.pk)
    ventilating = _ventilating(site.pk)
    schedules = site_schedules(site.pk)
    floors = site.floors()
    routine = routine_today(site, now=now, schedules=schedules, floors=floors)
    done = _done_today(site.pk, day_start(now))
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
