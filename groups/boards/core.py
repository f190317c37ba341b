"""Boards: what each audience sees, read once per screen and rendered once.

Each board has one read function that runs a fixed number of queries however
many rooms the site has (the tests pin the counts), a snapshot (the whole live
area, sent on connect and when a client fell behind) and a change render (the
fragments a committed change touched, sent to every client of the board).
Fragments depend only on their context, never on a request or a user, because
a broadcast has neither.
"""

import functools
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import connection
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.boards.base import Board, WholeBoard, load_site
from groups.boards.medical_data import alert_feed, attach_badges, attach_eligibility, medical_counters
from groups.boards.overview import attach_group_badges, group_overview
from groups.boards.transfers import control_transfers
from rooms.models import AuditEvent, Person, Room, Site, Stay, Transfer
from rooms.services import ROOM_MOVES
from rooms.services.alerts import MEDICAL_TOPIC as MEDICAL
from rooms.services.core import DISINFECTION, OCCUPANTS
from rooms.services.meals import TOPIC as MEALS
from rooms.services.security import TOPIC as SECURITY
from rooms.services.transfers import TRANSFERS
from site_ops.fixed_reads import FixedRead, fixed_read
from site_ops.live import shared_by_renders

FEED_LENGTH = 20


def _open_stays():
    return Prefetch(
        "stays",
        queryset=Stay.objects.filter(ended_at__isnull=True).select_related("person").order_by("started_at"),
        to_attr="open_stays",
    )


@functools.cache
def _counter_statements() -> tuple[str, str]:
    """The headline figures' two statements, written out once.

    Every change re-reads them, and Django's compiler took ten times as long
    to build the aggregate queries (fifteen filtered counts, a join and
    DISTINCT) as the database took to run them (bench/README.md). Only quoted
    names from the models go into the text; every value is a parameter.
    """
    q = connection.ops.quote_name
    rooms = (
        "SELECT COUNT(*), "  # noqa: S608 (names only; values are parameters)
        + ", ".join(f"COUNT(*) FILTER (WHERE {q('status')} = %s)" for _status in Room.Status.values)
        + f" FROM {q(Room._meta.db_table)} WHERE {q('site_id')} = %s"
    )
    person, stay = q(Person._meta.db_table), q(Stay._meta.db_table)
    site, status, ended_at, ends_on = q("site_id"), q("status"), q("ended_at"), q("ends_on")
    people = (
        "SELECT "  # noqa: S608 (names only; values are parameters)
        f"(SELECT COUNT(*) FROM {person} WHERE {site} = %s AND {status} = %s), "
        f"(SELECT COUNT(*) FROM {person} WHERE {site} = %s AND {status} = %s), "
        f"(SELECT COUNT(*) FROM {person} WHERE {site} = %s AND {status} = %s AND {q('expected_on')} <= %s), "
        f"(SELECT COUNT(*) FROM {stay} WHERE {site} = %s AND {q('started_at')} >= %s AND {q('started_at')} < %s), "
        f"(SELECT COUNT(*) FROM {stay} WHERE {site} = %s AND {ended_at} IS NULL AND {ends_on} <= %s), "
        f"(SELECT COUNT(*) FROM {stay} WHERE {site} = %s AND {ended_at} IS NULL AND {ends_on} = %s), "
        f"(SELECT COUNT(*) FROM {stay} WHERE {site} = %s AND {q('end_reason')} = %s"
        f" AND {ended_at} >= %s AND {ended_at} < %s)"
    )
    return rooms, people


@shared_by_renders
def site_counters(site: Site) -> dict:
    """The headline figures: two queries."""
    today = timezone.localdate()
    tomorrow = today + timedelta(days=1)
    ops = connection.ops
    # Today as a range of instants: a __date lookup makes SQLite call back
    # into Python for every row (bench/README.md).
    day = [ops.adapt_datetimefield_value(day_start(today)), ops.adapt_datetimefield_value(day_start(tomorrow))]
    rooms_sql, people_sql = _counter_statements()
    with connection.cursor() as cursor:
        cursor.execute(rooms_sql, [*Room.Status.values, site.pk])
        total, *by_status = cursor.fetchone()
        P = Person.Status
        cursor.execute(
            people_sql,
            [
                *(site.pk, P.IN_ISOLATION),
                *(site.pk, P.EXPECTED),
                *(site.pk, P.EXPECTED, ops.adapt_datefield_value(today)),
                *(site.pk, *day),
                *(site.pk, ops.adapt_datefield_value(today)),
                *(site.pk, ops.adapt_datefield_value(tomorrow)),
                *(site.pk, Stay.EndReason.RELEASED, *day),
            ],
        )
        people = dict(
            zip(
                (
                    "in_isolation",
                    "expected",
                    "expected_today",
                    "arrived_today",
                    "due_today",
                    "due_tomorrow",
                    "released_today",
                ),
                cursor.fetchone(),
                strict=True,
            )
        )
    rooms = {"total": total, **dict(zip(Room.Status.values, by_status, strict=True))}
    rooms["beds"] = rooms[Room.Status.AVAILABLE] + rooms[Room.Status.OCCUPIED]
    return {"rooms": rooms, "people": people, "today": today}


def day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _floors(rooms) -> list[tuple[int, list[Room]]]:
    floors: dict[int, list[Room]] = {}
    for room in rooms:
        floors.setdefault(room.floor, []).append(room)
    return sorted(floors.items())


@shared_by_renders
def feed(site: Site) -> list[AuditEvent]:
    return _feed(site.pk)


@fixed_read(values=lambda site_id: [site_id])
def _feed(site_id: int):
    """The activity feed: the last events, with what a row shows (groups/control.html#feed-row)."""
    events = AuditEvent.objects.filter(site_id=site_id).only("at", "actor_name", "action", "label", "room_id")
    return events.order_by("-at", "-pk")[:FEED_LENGTH]


def control_screen(site: Site) -> dict:
    """Everything on the site head's control screen: twenty-one queries.

    1-2. counters (rooms by status; people and stays)
    3.   every room of the site, in floor order
    4.   the activity feed
    5-6. open transfers (requests awaiting approval, counts by state) and today's transfer log
    7-16. the catering, disinfection and security badges, counters and open
          incidents (see overview.group_overview)
    17-18. medical counters (samples; fevers)
    19-20. each room's test and health badges
    21.   the site head's alerts
    """
    rooms = attach_badges(site, list(Room.objects.filter(site=site).order_by("floor", "number")))
    return {
        "site": site,
        "room_statuses": Room.Status.choices,
        "counters": site_counters(site),
        "floors": _floors(rooms),
        "feed": feed(site),
        **control_transfers(site),
        "groups": group_overview(site, rooms),
        "medical": medical_counters(site),
        "alerts": alert_feed(site, site_head=True),
    }


@shared_by_renders
def releases_due(site: Site) -> list[Stay]:
    """Stays ending by tomorrow, each with whether the test protocol allows release (four queries)."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    stays = list(
        Stay.objects.filter(site=site, ended_at__isnull=True, ends_on__lte=tomorrow)
        .select_related("person", "room")
        .order_by("ends_on", "room__floor", "room__number")
    )
    return attach_eligibility(stays)


@shared_by_renders
def arrivals(site: Site) -> list[Person]:
    return list(
        Person.objects.filter(site=site, status=Person.Status.EXPECTED).order_by("expected_on", "household", "name")
    )


def general_board(site: Site, floor: int | None = None) -> dict:
    """The general group's board: seven queries.

    1-2. counters
    3.   expected arrivals
    4.   releases due today and tomorrow, with person and room
         (and, when there are any, their samples, plans and protocol)
    5.   the site's floors (for the filter)
    6-7. rooms of the chosen floor (or all) with their open stays and people
    """
    floors = sorted(set(Room.objects.filter(site=site).values_list("floor", flat=True)))
    rooms = Room.objects.filter(site=site).prefetch_related(_open_stays()).order_by("floor", "number")
    if floor is not None:
        rooms = rooms.filter(floor=floor)
    return {
        "site": site,
        "counters": site_counters(site),
        "arrivals": arrivals(site),
        "releases": releases_due(site),
        "floor_choices": floors,
        "floor": floor,
        "floors": _floors(rooms),
    }


MOVE_LABELS = {
    Room.Status.SEALED: _("Seal the room"),
    Room.Status.VENTILATING: _("Terminal disinfection done"),
    Room.Status.AVAILABLE: _("Inspected: available"),
    Room.Status.OUT_OF_SERVICE: _("Out of service"),
}


def room_moves(room: Room) -> list[dict]:
    """The hand moves from the room's status, with the roles that may make each."""
    moves = []
    for (frm, to), roles in ROOM_MOVES.items():
        # Terminal disinfection is recorded as a task (agent, concentration,
        # contact time) on the disinfection board, which then moves the room.
        if frm == room.status and to != Room.Status.VENTILATING:
            label = _("Back in service") if frm == Room.Status.OUT_OF_SERVICE else MOVE_LABELS[to]
            moves.append({"to": to, "label": label, "roles": " ".join(roles)})
    return moves


def room_page(room: Room) -> dict:
    """One room: the room, its stays with people, who is away on a hospital visit, its history: three queries."""
    stays = list(room.stays.select_related("person").order_by("-started_at"))
    # A person on a hospital visit keeps their stay and their bed.
    away = set(
        Transfer.objects.filter(
            room=room, state=Transfer.State.DEPARTED, destination_type=Transfer.Destination.HOSPITAL_VISIT
        ).values_list("person_id", flat=True)
    )
    for stay in stays:
        stay.away = stay.person_id in away
    return {
        "room": room,
        "moves": room_moves(room),
        "occupants": [stay for stay in stays if stay.is_open],
        "past_stays": [stay for stay in stays if not stay.is_open],
        "history": list(AuditEvent.objects.filter(room=room).order_by("-at", "-pk")[:100]),
    }


def person_page(person: Person) -> dict:
    """One person: stays, transfers, history: three queries."""
    stays = list(person.stays.select_related("room").order_by("-started_at"))
    transfers = list(person.transfers.select_related("updated_by").order_by("-created_at"))
    return {
        "person": person,
        "stay": next((stay for stay in stays if stay.is_open), None),
        "stays": stays,
        "transfers": transfers,
        "open_transfer": next((transfer for transfer in transfers if transfer.is_open), None),
        "history": list(AuditEvent.objects.filter(person=person).order_by("-at", "-pk")[:100]),
    }


@shared_by_renders
def changed_rooms(site_id: int, room_ids: frozenset[int]) -> list[Room]:
    """The rooms a change touched, with their occupants (``open_stays``, each
    with its person, as ``_open_stays`` gives them): three statements built
    once, read once for every board that shows them (each adds its own
    badges). Every change reads them: as two querysets, compiling them took
    three times as long as the three statements take to run (bench/README.md)."""
    ids = sorted(room_ids)
    if not ids:
        return []
    rooms = _rooms_by_id(site_id, ids)
    stays = _open_stays_in(ids)
    people = (
        {person.pk: person for person in _people_by_id(sorted({stay.person_id for stay in stays}))} if stays else {}
    )
    by_room: dict[int, list[Stay]] = {}
    for stay in stays:
        stay.person = people[stay.person_id]
        by_room.setdefault(stay.room_id, []).append(stay)
    for room in rooms:
        room.open_stays = by_room.get(room.pk, [])
    return rooms


_rooms_by_id = FixedRead(
    lambda site_id, ids: Room.objects.filter(site_id=site_id).filter(pk__in=ids).order_by("floor", "number"),
    lambda site_id, ids: [site_id, *ids],
)
_open_stays_in = FixedRead(
    lambda room_ids: Stay.objects.filter(ended_at__isnull=True).filter(room_id__in=room_ids).order_by("started_at"),
    lambda room_ids: list(room_ids),
)
_people_by_id = FixedRead(lambda ids: Person.objects.filter(pk__in=ids), lambda ids: list(ids))


# The topics whose changes move the control screen's group counters and
# incidents (see rooms.services for each topic).
GROUP_TOPICS = frozenset({MEALS, DISINFECTION, SECURITY, OCCUPANTS})
# Results, rounds and alerts say "medical"; check-ins and departures change
# who is in the rooms: both move the medical counters and lists.
MEDICAL_TOPICS = frozenset({MEDICAL, OCCUPANTS})


class ControlBoard(Board):
    def render_snapshot(self, site_id, params):
        context = control_screen(load_site(site_id))
        return render_to_string("groups/control.html#board-body", context)

    def change_parts(self, change):
        """The site's counters, the rooms' cells and the feed on every change;
        the rest when the change names its topic."""
        site = load_site(change.site_id)
        template = "groups/control.html"
        parts = [(f"{template}#counters", {"counters": site_counters(site)})]
        if change.topics & GROUP_TOPICS:
            groups = group_overview(site, [])
            parts += [(f"{template}#group-counters", {"groups": groups}), (f"{template}#incidents", {"groups": groups})]
        if change.rooms:
            rooms = changed_rooms(site.pk, change.rooms)
            attach_group_badges(site, attach_badges(site, rooms, only=True))
            parts += [(f"{template}#room-cell", {"room": room}) for room in rooms]
        parts.append((f"{template}#feed", {"feed": feed(site)}))
        if TRANSFERS in change.topics:
            context = control_transfers(site)
            parts += [(f"{template}#transfer-approvals", context), (f"{template}#transfer-log", context)]
        if change.topics & MEDICAL_TOPICS:
            parts.append(("groups/medical_parts.html#medical-counters", {"medical": medical_counters(site)}))
        if MEDICAL in change.topics:
            parts.append(("groups/medical_parts.html#alerts", {"alerts": alert_feed(site, site_head=True)}))
        return parts


class GeneralBoard(Board):
    def render_snapshot(self, site_id, params):
        context = general_board(load_site(site_id), floor=params.get("floor"))
        return render_to_string("groups/general.html#board-body", context)

    def change_parts(self, change):
        site = load_site(change.site_id)
        parts = [("groups/general.html#counters", {"counters": site_counters(site)})]
        # The arrivals and releases lists show people: a change to rooms alone
        # leaves them as they were, and they are most of the render's cost.
        if change.persons:
            parts += [
                ("groups/general.html#arrivals", {"arrivals": arrivals(site)}),
                ("groups/general.html#releases", {"releases": releases_due(site)}),
            ]
        parts += [("groups/general.html#room-card", {"room": room}) for room in changed_rooms(site.pk, change.rooms)]
        return parts


@dataclass(frozen=True)
class RoomBoard(WholeBoard):
    room_id: int = 0

    def exists(self, site_id):
        return Room.objects.filter(pk=self.room_id, site_id=site_id).exists()

    def part(self, site_id, params):
        return ("rooms/room_detail.html#room-body", room_page(Room.objects.get(pk=self.room_id, site_id=site_id)))


@dataclass(frozen=True)
class PersonBoard(WholeBoard):
    person_id: int = 0

    def exists(self, site_id):
        return Person.objects.filter(pk=self.person_id, site_id=site_id).exists()

    def part(self, site_id, params):
        person = Person.objects.get(pk=self.person_id, site_id=site_id)
        return ("rooms/person_detail.html#person-body", person_page(person))
