"""Boards: what each audience sees, read once per screen and rendered once.

Each board has one read function that runs a fixed number of queries however
many rooms the site has (the tests pin the counts), a snapshot (the whole live
area, sent on connect and when a client fell behind) and a change render (the
fragments a committed change touched, sent to every client of the board).
Fragments depend only on their context, never on a request or a user, because
a broadcast has neither.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.db.models import Exists, OuterRef, Q, Subquery, prefetch_related_objects
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.medical.care_board import mark_care_rooms, person_care
from groups.medical.models import Sample
from groups.medical.reads import attach_eligibility
from groups.medical.services import MEDICAL_TOPIC
from groups.transfers.models import Transfer
from rooms import requests
from rooms.handover import group_handover, handover_clock_part, handover_topic
from rooms.models import AuditEvent, Person, Room, Site, Stay
from rooms.reads import (
    by_floor,
    changed_rooms,
    floor_rooms,
    load_site,
    people_by_id,
    rooms_by_id,
    site_counters,
    site_rooms,
)
from rooms.roles import Role
from rooms.services import ROOM_MOVES
from site_ops.boards import Board, WholeBoard
from site_ops.live import shared_by_renders, shared_render
from site_ops.speedups.fixed_reads import FixedRead


@shared_by_renders
def releases_due(site: Site) -> list[Stay]:
    """Stays ending by tomorrow, each with whether the test protocol allows release
    and who they are released with (five queries)."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    stays = _ending_by(site.pk, tomorrow)
    # A carer and the person they look after are released together.
    prefetch_related_objects(stays, "person__carers")
    return attach_eligibility(stays)


_ending_by = FixedRead(
    lambda site_id, day: (
        Stay.objects.open()
        .filter(site_id=site_id, ends_on__lte=day)
        .select_related("person__cares_for", "room")
        # Away on a hospital visit: released once back, not from the list meanwhile.
        .annotate(away=Transfer.away_now("person_id"))
        .order_by("ends_on", "room__floor", "room__number")
    ),
    lambda site_id, day: [
        1,
        Transfer.Destination.HOSPITAL_VISIT,
        Transfer.State.DEPARTED,
        connection.ops.adapt_datefield_value(day),
        site_id,
    ],
)


@shared_by_renders
def sealed_rooms(site: Site) -> list[Stay]:
    """The people in sealed rooms, the positive ones marked, with their rooms.

    A room-mate of a positive is waiting for the site head's decision: the
    board offers the move to a room of their own, never a dead end.

    Every change to rooms or people on the general board reads this, and on
    most days no room is sealed: one statement built once (compiling the
    queryset took six times as long as running it), then the rooms and
    people of the stays it found, if any (bench/README.md).
    """
    stays = _sealed_stays(site.pk)
    if not stays:
        return []
    rooms = {room.pk: room for room in rooms_by_id(site.pk, sorted({stay.room_id for stay in stays}))}
    people = {person.pk: person for person in people_by_id(sorted({stay.person_id for stay in stays}))}
    for stay in stays:
        stay.room, stay.person = rooms[stay.room_id], people[stay.person_id]
    return sorted(stays, key=lambda stay: (stay.room.floor, stay.room.number, not stay.positive, stay.person.name))


def _positive():
    """A stay's PCR positive (a room is sealed for one; an antigen positive is only suspected), to annotate it with."""
    return Exists(Sample.objects.filter(stay=OuterRef("pk"), kind=Sample.Kind.PCR, result=Sample.Result.POSITIVE))


def _sealed_stays_query(site_id: int):
    sealed = Room.objects.filter(site_id=site_id, status=Room.Status.SEALED).values("pk")
    # A room-mate going with the positive (a child's guardian, a carer) has a transfer of their own: the board
    # says so rather than asking for a move to a room of their own.
    transfer = Transfer.objects.filter(person=OuterRef("person_id"), state__in=Transfer.OPEN_STATES)
    return (
        Stay.objects.open()
        .filter(room__in=sealed)
        .annotate(positive=_positive(), transfer_state=Subquery(transfer.values("state")[:1]))
    )


_sealed_stays = FixedRead(
    _sealed_stays_query,
    lambda site_id: [
        1,
        Sample.Kind.PCR,
        Sample.Result.POSITIVE,
        *Transfer.OPEN_STATES,
        site_id,
        Room.Status.SEALED,
    ],
)


@shared_by_renders
def arrivals(site: Site) -> list[Person]:
    return list(
        Person.objects.filter(site=site, status=Person.Status.EXPECTED).order_by("expected_on", "household", "name")
    )


def arrivals_parts(site: Site, persons) -> list:
    """The expected arrivals after a change to ``persons``.

    When none of them is expected any more (checked in, did not arrive),
    their rows go and the count follows: two small fragments, where the
    whole list was 74 KB a language with 60 people expected, most of what a
    check-in pushed to the general tablets (bench/README.md, round four).
    When one of them is expected, a row is new or changed and the whole list
    goes, in its order; so does an empty list, which says nobody is expected.
    """
    expected = Person.objects.filter(site=site, status=Person.Status.EXPECTED)
    count = expected.count()
    if not count or expected.filter(pk__in=persons).exists():
        return [("general/board.html#arrivals", {"arrivals": arrivals(site)})]
    return [
        ("general/board.html#arrivals-count", {"count": count}),
        ("live_socket.html#live-remove", {"remove": [f"arrival-{pk}" for pk in sorted(persons)]}),
    ]


@shared_by_renders
def site_floors(site: Site) -> list[int]:
    """The site's floors, for the board's filter (the same on every floor's page)."""
    return sorted(set(Room.objects.filter(site=site).values_list("floor", flat=True)))


def general_board(site: Site, floor: int | None = None, care: bool = False) -> dict:
    """The general group's board: thirteen queries.

    1-2. counters
    3.   expected arrivals
    4.   releases due today and tomorrow, with person and room
         (and, when there are any, their samples, plans and protocol)
    5.   the people in sealed rooms
    6.   the site's floors (for the filter)
    7-8. rooms of the chosen floor (or all) with their open stays and people
    9-10. the shift handover (rooms.handover.group_handover)
    11-12. the requests ledger's headline (rooms.requests.headline)
    13.  the general group's open requests
    """
    rooms = site_rooms(site.pk) if floor is None else floor_rooms(site.pk, floor)
    # Each room marked when someone in it is on the care ledger (the filter shows only those).
    # Read for each render, not shared with the floor's other language: shared,
    # the whole site's rooms and people stayed in memory for the snapshots'
    # five seconds, and a reconnect storm took no less CPU (bench/README.md,
    # twenty-first part).
    rooms = mark_care_rooms(list(rooms), site.elderly_age)
    return {
        "site": site,
        "counters": site_counters(site),
        "arrivals": arrivals(site),
        "releases": releases_due(site),
        "sealed": sealed_rooms(site),
        "floor_choices": site_floors(site),
        "floor": floor,
        "floors": by_floor(rooms),
        "handover": group_handover(site, Role.GENERAL),
        "request_headline": requests.headline(site),
        **requests.group_list(site, Role.GENERAL),
        "care": care,
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
            if (frm, to) == (Room.Status.SEALED, Room.Status.OCCUPIED):
                if not room.occupant_count:
                    continue
                # Taking a positive back: the site head says why.
                label = _("Unseal: the positive was taken back")
            else:
                label = _("Back in service") if frm == Room.Status.OUT_OF_SERVICE else MOVE_LABELS[to]
            moves.append(
                {
                    "to": to,
                    "label": label,
                    "roles": " ".join(roles),
                    "reason": frm == Room.Status.SEALED,
                    # Why a room is out of service (a repair, a broken lock) is its note until it is back.
                    "note": to == Room.Status.OUT_OF_SERVICE,
                }
            )
    return moves


def room_page(room: Room) -> dict:
    """One room: the room, its stays with people, who is away on a hospital visit, its requests, its history
    (with who moved out of it): four queries."""
    # The positive of a sealed room waits for the hospital: a room of their own is for the room-mates.
    stays = list(room.stays.select_related("person").annotate(positive=_positive()).order_by("-started_at"))
    # A person on a hospital visit keeps their stay and their bed.
    away = set(
        Transfer.objects.filter(
            room=room, state=Transfer.State.DEPARTED, destination_type=Transfer.Destination.HOSPITAL_VISIT
        ).values_list("person_id", flat=True)
    )
    for stay in stays:
        stay.away = stay.person_id in away
    # A move keeps the stay and changes its room: who lived here and moved on is in the move's record
    # (the room they left, by number). For tracing contacts, the room's history and earlier stays name them.
    history = list(
        AuditEvent.objects.filter(Q(room=room) | _moved_out_of(room))
        .select_related("person")
        .order_by("-at", "-pk")[:100]
    )
    return {
        "room": room,
        "moves": room_moves(room),
        "occupants": [stay for stay in stays if stay.is_open],
        "past_stays": [stay for stay in stays if not stay.is_open],
        "moved_out": [event for event in history if event.action == "stay.move" and event.room_id != room.pk],
        "history": history,
        "requests": requests.record_requests(room=room),
    }


def _moved_out_of(room: Room) -> Q:
    return Q(site_id=room.site_id, action="stay.move", before__room=room.number)


def person_page(person: Person) -> dict:
    """One person: stays, transfers, carers, requests, history, care plan: eight queries (nine with a carer link)."""
    stays = list(person.stays.select_related("room").annotate(positive=_positive()).order_by("-started_at"))
    transfers = list(person.transfers.select_related("updated_by").order_by("-created_at"))
    return {
        "person": person,
        "stay": next((stay for stay in stays if stay.is_open), None),
        "stays": stays,
        "transfers": transfers,
        "open_transfer": next((transfer for transfer in transfers if transfer.is_open), None),
        "carers": list(person.carers.all()),
        "requests": requests.record_requests(person=person),
        "history": list(AuditEvent.objects.filter(person=person).order_by("-at", "-pk")[:100]),
        # The care plan: the general group and the site head see all of it.
        **person_care(person),
    }


# The topics of the changes that touch no room's card (GeneralBoard.change_parts).
TESTS_AND_HEALTH = frozenset({MEDICAL_TOPIC})


class GeneralBoard(Board):
    def render_snapshot(self, site_id, params):
        context = general_board(load_site(site_id), floor=params.get("floor"), care=bool(params.get("care")))
        # The column beside the rooms is the same on every floor's page.
        context["side_column"] = shared_render(
            ("general-side", site_id), lambda: render_to_string("general/board.html#side-column", context)
        )
        return render_to_string("general/board.html#board-body", context)

    def change_parts(self, change):
        site = load_site(change.site_id)
        parts = [("general/board.html#counters", {"counters": site_counters(site)})]
        # The arrivals and releases lists show people: a change to rooms alone
        # leaves them as they were, and they are most of the render's cost.
        if change.persons:
            parts += arrivals_parts(site, change.persons)
            parts.append(("general/board.html#releases", {"releases": releases_due(site)}))
        if change.persons or change.rooms:
            parts.append(("general/board.html#sealed", {"sealed": sealed_rooms(site)}))
        # A change of tests and health alone (a result, a round, a medicine; a lab sheet names a hundred
        # rooms) leaves the rooms' cards as they were: a card shows the room's status, occupancy, names
        # and care mark, and a sealing names its topic.
        tests_and_health_alone = change.topics and change.topics <= TESTS_AND_HEALTH and not change.sealed
        if not tests_and_health_alone:
            rooms = mark_care_rooms(changed_rooms(site.pk, change.rooms), site.elderly_age)
            parts += [("general/board.html#room-card", {"room": room}) for room in rooms]
        if handover_topic(Role.GENERAL) in change.topics:
            parts.append(("rooms/handover.html#handover", {"handover": group_handover(site, Role.GENERAL)}))
        parts += requests.headline_parts(site, change) + requests.board_parts(site, change, Role.GENERAL)
        return parts

    def clock_parts(self, site_id):
        """Requests become overdue with time (the ledger's headline and the group's list), and the shift
        handover moves on to the next change."""
        site = load_site(site_id)
        return [
            *requests.clock_parts(site, group=Role.GENERAL, headline_too=True),
            handover_clock_part(site, Role.GENERAL),
        ]


@dataclass(frozen=True)
class RoomBoard(WholeBoard):
    room_id: int = 0

    def exists(self, site_id):
        return Room.objects.filter(pk=self.room_id, site_id=site_id).exists()

    def part(self, site_id, params):
        return ("general/room_detail.html#room-body", room_page(Room.objects.get(pk=self.room_id, site_id=site_id)))


@dataclass(frozen=True)
class PersonBoard(WholeBoard):
    person_id: int = 0

    def exists(self, site_id):
        return Person.objects.filter(pk=self.person_id, site_id=site_id).exists()

    def part(self, site_id, params):
        person = Person.objects.get(pk=self.person_id, site_id=site_id)
        return ("general/person_detail.html#person-body", person_page(person))


# The room and person pages show masked personal data, so they stay with the
# groups that handle people; the site head oversees every board.
PAGE_ROLES = frozenset({Role.SITE_HEAD, Role.GENERAL})
