"""Boards: what each audience sees, read once per screen and rendered once.

Each board has one read function that runs a fixed number of queries however
many rooms the site has (the tests pin the counts), a snapshot (the whole live
area, sent on connect and when a client fell behind) and a change render (the
fragments a committed change touched, sent to every client of the board).
Fragments depend only on their context, never on a request or a user, because
a broadcast has neither.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Count, Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.boards.base import Board
from groups.boards.medical_data import alert_feed, attach_badges, attach_eligibility, medical_counters
from groups.boards.overview import group_overview
from groups.boards.transfers import control_transfers
from rooms.models import AuditEvent, Person, Room, Site, Stay, Transfer
from rooms.services import ROOM_MOVES
from site_ops.live import shared_by_renders

FEED_LENGTH = 20


def _open_stays():
    return Prefetch(
        "stays",
        queryset=Stay.objects.filter(ended_at__isnull=True).select_related("person").order_by("started_at"),
        to_attr="open_stays",
    )


@shared_by_renders
def site_counters(site: Site) -> dict:
    """The headline figures: two queries."""
    today = timezone.localdate()
    # Today as a range of instants: a __date lookup makes SQLite call back
    # into Python for every row (bench/README.md).
    today_range = (day_start(today), day_start(today + timedelta(days=1)))
    rooms = Room.objects.filter(site=site).aggregate(
        total=Count("pk"),
        **{status: Count("pk", filter=Q(status=status)) for status in Room.Status.values},
        beds=Count("pk", filter=Q(status__in=[Room.Status.AVAILABLE, Room.Status.OCCUPIED])),
    )
    people = Person.objects.filter(site=site).aggregate(
        # distinct: the stays join repeats a person once per stay.
        in_isolation=Count("pk", filter=Q(status=Person.Status.IN_ISOLATION), distinct=True),
        expected=Count("pk", filter=Q(status=Person.Status.EXPECTED), distinct=True),
        expected_today=Count("pk", filter=Q(status=Person.Status.EXPECTED, expected_on__lte=today), distinct=True),
        arrived_today=Count(
            "stays",
            filter=Q(stays__started_at__gte=today_range[0], stays__started_at__lt=today_range[1]),
            distinct=True,
        ),
        due_today=Count(
            "stays",
            filter=Q(stays__ended_at__isnull=True, stays__ends_on__lte=today),
            distinct=True,
        ),
        due_tomorrow=Count(
            "stays",
            filter=Q(stays__ended_at__isnull=True, stays__ends_on=today + timedelta(days=1)),
            distinct=True,
        ),
        released_today=Count(
            "stays",
            filter=Q(
                stays__end_reason=Stay.EndReason.RELEASED,
                stays__ended_at__gte=today_range[0],
                stays__ended_at__lt=today_range[1],
            ),
            distinct=True,
        ),
    )
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
    return list(AuditEvent.objects.filter(site=site).order_by("-at", "-pk")[:FEED_LENGTH])


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


class ControlBoard(Board):
    def render_snapshot(self, site_id, params):
        context = control_screen(Site.objects.get(pk=site_id))
        return render_to_string("groups/control.html#board-body", context)

    def render_change(self, change):
        site = Site.objects.get(pk=change.site_id)
        rooms = attach_badges(site, list(Room.objects.filter(site=site, pk__in=change.rooms)), only=True)
        groups = group_overview(site, rooms)
        parts = [render_to_string("groups/control.html#counters", {"counters": site_counters(site), "groups": groups})]
        for room in rooms:
            parts.append(render_to_string("groups/control.html#room-cell", {"room": room}))
        parts.append(render_to_string("groups/control.html#incidents", {"groups": groups}))
        parts.append(render_to_string("groups/control.html#feed", {"feed": feed(site)}))
        if "transfers" in change.topics:
            context = control_transfers(site)
            parts.append(render_to_string("groups/control.html#transfer-approvals", context))
            parts.append(render_to_string("groups/control.html#transfer-log", context))
        parts.append(
            render_to_string("groups/medical_parts.html#medical-counters", {"medical": medical_counters(site)})
        )
        parts.append(render_to_string("groups/medical_parts.html#alerts", {"alerts": alert_feed(site, site_head=True)}))
        return "".join(parts)


class GeneralBoard(Board):
    def render_snapshot(self, site_id, params):
        context = general_board(Site.objects.get(pk=site_id), floor=params.get("floor"))
        return render_to_string("groups/general.html#board-body", context)

    def render_change(self, change):
        site = Site.objects.get(pk=change.site_id)
        parts = [render_to_string("groups/general.html#counters", {"counters": site_counters(site)})]
        # The arrivals and releases lists show people: a change to rooms alone
        # leaves them as they were, and they are most of the render's cost.
        if change.persons:
            parts += [
                render_to_string("groups/general.html#arrivals", {"arrivals": arrivals(site)}),
                render_to_string("groups/general.html#releases", {"releases": releases_due(site)}),
            ]
        rooms = Room.objects.filter(site=site, pk__in=change.rooms).prefetch_related(_open_stays())
        for room in rooms:
            parts.append(render_to_string("groups/general.html#room-card", {"room": room}))
        return "".join(parts)


@dataclass(frozen=True)
class RoomBoard(Board):
    room_id: int = 0

    def exists(self, site_id):
        return Room.objects.filter(pk=self.room_id, site_id=site_id).exists()

    def render_snapshot(self, site_id, params):
        room = Room.objects.get(pk=self.room_id, site_id=site_id)
        return render_to_string("rooms/room_detail.html#room-body", room_page(room))

    def render_change(self, change):
        return self.render_snapshot(change.site_id, {})


@dataclass(frozen=True)
class PersonBoard(Board):
    person_id: int = 0

    def exists(self, site_id):
        return Person.objects.filter(pk=self.person_id, site_id=site_id).exists()

    def render_snapshot(self, site_id, params):
        person = Person.objects.get(pk=self.person_id, site_id=site_id)
        return render_to_string("rooms/person_detail.html#person-body", person_page(person))

    def render_change(self, change):
        return self.render_snapshot(change.site_id, {})
