"""What several boards read: the site, its headline counters, rooms by floor,
the occupants of the rooms a change touched. Each group's board adds its own."""

import functools
from datetime import datetime, time, timedelta

from django.db import connection
from django.db.models import Prefetch
from django.utils import timezone

from rooms.models import Person, Room, Site, Stay
from site_ops import live
from site_ops.live import shared_by_renders
from site_ops.speedups.fixed_reads import FixedRead


def occupants():
    """The open stays with their people, oldest first: a room's ``open_stays`` (the prefetch below and
    the fixed reads that give rooms the same list)."""
    return Stay.objects.open().select_related("person").order_by("started_at")


def open_stays_prefetch():
    return Prefetch("stays", queryset=occupants(), to_attr="open_stays")


@functools.cache
def _counter_statements() -> tuple[str, str]:
    """The headline figures' two statements, written out once.

    Every change re-reads them, and Django's compiler took ten times as long
    to build the aggregate queries (fifteen filtered counts, a join and
    DISTINCT) as the database took to run them (bench/README.md). Only quoted
    names from the models go into the text; every value is a parameter.
    """
    q = connection.ops.quote_name
    # Grouped by status: the index on (site, status) is walked once in its
    # order, where a filtered count per status tested every row six times
    # (0.16 against 0.35 ms at 1,000 rooms, bench/README.md).
    rooms = (
        f"SELECT {q('status')}, COUNT(*) FROM {q(Room._meta.db_table)}"  # noqa: S608 (names only)
        f" WHERE {q('site_id')} = %s GROUP BY {q('status')}"
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
        cursor.execute(rooms_sql, [site.pk])
        by_status = dict(cursor.fetchall())
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
    rooms = {"total": sum(by_status.values()), **{status: by_status.get(status, 0) for status in Room.Status.values}}
    rooms["beds"] = rooms[Room.Status.AVAILABLE] + rooms[Room.Status.OCCUPIED]
    return {"rooms": rooms, "people": people, "today": today}


def day_start(day) -> datetime:
    """Midnight at the start of a local day: a date, or any instant in it."""
    if isinstance(day, datetime):
        day = timezone.localdate(day)
    return timezone.make_aware(datetime.combine(day, time.min))


def by_floor(rooms) -> list[tuple[int, list[Room]]]:
    floors: dict[int, list[Room]] = {}
    for room in rooms:
        floors.setdefault(room.floor, []).append(room)
    return sorted(floors.items())


@shared_by_renders
def changed_rooms(site_id: int, room_ids: frozenset[int]) -> list[Room]:
    """The rooms a change touched, with their occupants (``open_stays``, each
    with its person, as ``open_stays_prefetch`` gives them): three statements built
    once, read once for every board that shows them (each adds its own
    badges). Every change reads them: as two querysets, compiling them took
    three times as long as the three statements take to run (bench/README.md)."""
    ids = sorted(room_ids)
    if not ids:
        return []
    rooms = rooms_by_id(site_id, ids)
    stays = _open_stays_in(ids)
    people = {person.pk: person for person in people_by_id(sorted({stay.person_id for stay in stays}))} if stays else {}
    for stay in stays:
        stay.person = people[stay.person_id]
    return _with_stays(rooms, stays)


def floor_rooms(site_id: int, floor: int) -> list[Room]:
    """A floor's rooms by number, with their occupants as ``open_stays_prefetch`` gives them (a floor's
    round, its health round's rows): two statements built once, as the prefetch's two queries."""
    return _with_stays(_floor_rooms(site_id, floor), _floor_stays(site_id, floor))


def site_rooms(site_id: int) -> list[Room]:
    """Every room of the site by floor and number, with their occupants as ``open_stays_prefetch`` gives them
    (the general board's whole site): two statements built once, as the prefetch's two queries."""
    return _with_stays(_site_rooms(site_id), _site_stays(site_id))


def _with_stays(rooms: list[Room], stays: list[Stay]) -> list[Room]:
    by_room: dict[int, list[Stay]] = {}
    for stay in stays:
        by_room.setdefault(stay.room_id, []).append(stay)
    for room in rooms:
        room.open_stays = by_room.get(room.pk, [])
    return rooms


rooms_by_id = FixedRead(
    lambda site_id, ids: Room.objects.filter(site_id=site_id).filter(pk__in=ids).order_by("floor", "number"),
    lambda site_id, ids: [site_id, *ids],
)


_floor_rooms = FixedRead(
    lambda site_id, floor: Room.objects.filter(site_id=site_id, floor=floor).order_by("number"),
    lambda site_id, floor: [floor, site_id],
)


_floor_stays = FixedRead(
    lambda site_id, floor: occupants().filter(room__site_id=site_id, room__floor=floor),
    lambda site_id, floor: [floor, site_id],
)


_site_rooms = FixedRead(
    lambda site_id: Room.objects.filter(site_id=site_id).order_by("floor", "number"),
    lambda site_id: [site_id],
)


_site_stays = FixedRead(lambda site_id: occupants().filter(room__site_id=site_id), lambda site_id: [site_id])


# One room's occupants (the room a medical one-tap action answers with).
room_stays = FixedRead(lambda room_id: occupants().filter(room_id=room_id), lambda room_id: [room_id])


_open_stays_in = FixedRead(
    lambda room_ids: Stay.objects.open().filter(room_id__in=room_ids).order_by("started_at"),
    lambda room_ids: list(room_ids),
)


people_by_id = FixedRead(lambda ids: Person.objects.filter(pk__in=ids), lambda ids: list(ids))


@shared_by_renders
def load_site(site_id: int) -> Site:
    """The site, read once for every board a broadcast renders (not at all
    when the writer handed it to the broadcast)."""
    return live.broadcast_site(site_id) or Site.objects.get(pk=site_id)
