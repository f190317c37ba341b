"""The security board: who is inside, the checkpoint log, floor patrols,
incidents, and escorts.

Its audience sees rooms, staff and visitors at the checkpoint; never who is in
isolation in a room, nor anything about health.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.db.models import Case, IntegerField, Max, Q, Value, When
from django.utils import timezone

from groups.security.models import CheckpointEntry, Incident, Patrol
from groups.security.services import TOPIC
from groups.transfers.board import open_transfers
from groups.transfers.models import Transfer
from groups.transfers.services import ESCORTS
from rooms import requests
from rooms.handover import group_handover, handover_topic
from rooms.models import Room, Site
from rooms.reads import day_start, load_site
from rooms.roles import Role
from rooms.services import SEALED
from site_ops.boards import WholeBoard
from site_ops.speedups.fixed_reads import FixedRead

TEMPLATE = "security/board.html"
LOG_LENGTH = 40


def security_board(site: Site, now=None) -> dict:
    """The security board: twelve queries.

    1-6. who and what is inside now, the site's floors, each floor's last patrol, the sealed rooms, today's
         patrols, the open incidents (``_doors_and_floors``: all a sealing changes)
    7. the transfers to escort (approved to departed), with rooms
    8. today's checkpoint log, with who logged it
    9. incidents resolved today
    10-11. the shift handover (rooms.handover.group_handover)
    12. the group's open requests (rooms.requests.group_list)
    """
    now = now or timezone.now()
    start = day_start(now)
    return {
        **_doors_and_floors(site, now),
        **escorts(site),
        "log": _gate_log(site.pk, start),
        "resolved": _resolved_since(site.pk, start),
        "handover": group_handover(site, Role.SECURITY),
        **requests.group_list(site, Role.SECURITY),
    }


# The guards' board's reads, on every render of it (a WholeBoard): statements built once.
_gate_log = FixedRead(
    lambda site_id, start: (
        CheckpointEntry.objects.filter(site_id=site_id)
        .filter(Q(entered_at__gte=start) | Q(left_at__gte=start))
        .select_related("entered_by", "left_by")
        .order_by("-entered_at")[:LOG_LENGTH]
    ),
    lambda site_id, start: [site_id, *[connection.ops.adapt_datetimefield_value(start)] * 2],
)
_resolved_since = FixedRead(
    lambda site_id, start: (
        Incident.objects.filter(site_id=site_id, status=Incident.Status.RESOLVED, resolved_at__gte=start)
        .select_related("room", "resolved_by")
        .order_by("-resolved_at")
    ),
    lambda site_id, start: [connection.ops.adapt_datetimefield_value(start), site_id, Incident.Status.RESOLVED],
)
_inside = FixedRead(
    lambda site_id: (
        CheckpointEntry.objects.filter(site_id=site_id, left_at__isnull=True)
        .select_related("entered_by")
        .order_by("kind", "entered_at")
    ),
    lambda site_id: [site_id],
)
_last_patrols = FixedRead(
    lambda site_id: Patrol.objects.filter(site_id=site_id).values_list("floor").annotate(last=Max("at")),
    lambda site_id: [site_id],
)
_sealed_doors = FixedRead(
    lambda site_id: Room.objects.filter(site_id=site_id, status=Room.Status.SEALED).values_list("floor", "number"),
    lambda site_id: [site_id, Room.Status.SEALED],
)
_patrols_since = FixedRead(
    lambda site_id, start: (
        Patrol.objects.filter(site_id=site_id, at__gte=start).select_related("by").order_by("-at")[:LOG_LENGTH]
    ),
    lambda site_id, start: [connection.ops.adapt_datetimefield_value(start), site_id],
)


def _doors_and_floors(site: Site, now) -> dict:
    """What the counters, the patrols and the open incidents show: six queries (who is inside, the floors,
    each floor's last patrol, the sealed rooms, today's patrols, the open incidents)."""
    inside = _inside(site.pk)
    floors = site.floors()
    last = dict(_last_patrols(site.pk))
    interval = timedelta(minutes=site.patrol_interval_minutes)
    # The sealed rooms' doors are guarded: each floor's patrol card names them (numbers only, never why).
    sealed: dict[int, list[str]] = {}
    for floor, number in _sealed_doors(site.pk):
        sealed.setdefault(floor, []).append(number)
    patrols = [
        {
            "floor": floor,
            "last": last.get(floor),
            "due": last.get(floor) is None or now - last[floor] > interval,
            "sealed": sorted(sealed.get(floor, [])),
        }
        for floor in floors
    ]
    return {
        "site": site,
        "inside": inside,
        "inside_counts": {kind: sum(entry.kind == kind for entry in inside) for kind in CheckpointEntry.Kind.values},
        "patrols": patrols,
        "unpatrolled": sum(patrol["due"] for patrol in patrols),
        "sealed_rooms": sorted(number for numbers in sealed.values() for number in numbers),
        "recent_patrols": _patrols_since(site.pk, day_start(now)),
        "incidents": open_incidents(site),
    }


# The parts a sealing or an unsealing changes (a positive's lab sheet, a terminal disinfection): not the whole board.
SEALED_PARTS = ("counters", "patrols", "incidents")


def escorts(site: Site) -> dict:
    """The transfers to escort (approved to departed), with rooms: one query."""
    # Rooms, destinations and vehicles only: the names are on the escorts board.
    return {"escorts": open_transfers(site, Transfer.ESCORT_STATES)}


@dataclass(frozen=True)
class SecurityBoard(WholeBoard):
    topics: frozenset[str] | None = frozenset(
        {TOPIC, ESCORTS, SEALED, handover_topic(Role.SECURITY), requests.requests_topic(Role.SECURITY)}
    )

    def part(self, site_id, params):
        return (f"{TEMPLATE}#board-body", security_board(load_site(site_id)))

    def change_parts(self, change):
        """A sealing alone sends its three parts, a transfer's step alone (approved, arranged, departed,
        handed over) the escorts; anything else the whole board."""
        ours = change.topics & self.topics
        if ours == {SEALED}:
            context = _doors_and_floors(load_site(change.site_id), timezone.now())
            return [(f"{TEMPLATE}#{name}", context) for name in SEALED_PARTS]
        if ours == {ESCORTS}:
            return [(f"{TEMPLATE}#escorts", escorts(load_site(change.site_id)))]
        return super().change_parts(change)

    def clock_parts(self, site_id):
        """Patrols and incidents age with the clock: the whole board, as a change sends it."""
        return [("board-body", *self.part(site_id, {}))]


# Most severe first.
SEVERITY_ORDER = Case(
    When(severity=Incident.Severity.HIGH, then=Value(0)),
    When(severity=Incident.Severity.MEDIUM, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def open_incidents(site: Site) -> list[Incident]:
    return _open_incidents(site.pk)


# Read by every broadcast of the guards' board and the control screen's figures: built once.
_open_incidents = FixedRead(
    lambda site_id: (
        Incident.objects.filter(site_id=site_id, status=Incident.Status.OPEN)
        .select_related("room", "visited_room", "reported_by")
        .order_by(SEVERITY_ORDER, "reported_at")
    ),
    lambda site_id: [site_id, Incident.Status.OPEN, Incident.Severity.HIGH, 0, Incident.Severity.MEDIUM, 1, 2],
)
