"""The benchmark's data: three sites (10, 100 and 1,000 rooms), people, staff and sessions.

Like the demo, everything is synthetic and bypasses the services; the
invariants the services keep are kept here too (occupancy equals open stays,
the status matches, one open stay per person). Tablets log in as real staff:
each socket gets its own session, made the way ``django.contrib.auth.login``
makes one, because logging in 500 times through the password hasher would
take minutes of the benchmark's budget. One real login through the login view
is done by the client for the user who posts the updates.
"""

import functools
import itertools
import random
from datetime import date, timedelta

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction
from django.utils import timezone

from rooms.backends import StaffBackend
from rooms.masking import national_id_check_digit
from rooms.models import AuditEvent, Person, Room, Site, Staff, Stay
from rooms.roles import Role
from site_ops.models import BoardSequence

PASSWORD = "bench-pass-2026"
# Sessions per group for the boards of every role (the idle step, the site's day).
ROLE_SESSIONS = 40
SIZES = (10, 100, 1000)
# The site head's sessions: wall displays, and the polling tablets of step 5.
HEAD_SESSIONS = 240
ROOMS_PER_FLOOR = 40
SURNAMES = "王李张刘陈杨黄赵吴周徐孙朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = ["伟", "强", "磊", "军", "勇", "涛", "丽", "静", "敏", "芳", "娟", "婷", "秀英", "桂兰", "子轩", "梓涵", "建国"]


def _person(rng: random.Random, site: Site, serial: int, **fields) -> Person:
    """A synthetic person with a well-formed ID in a region code no county has."""
    birth = date(1950, 1, 1) + timedelta(days=rng.randrange(25_000))
    first17 = f"500990{birth:%Y%m%d}{serial % 1000:03d}"
    return Person(
        site=site,
        name=rng.choice(SURNAMES) + rng.choice(GIVEN),
        national_id=first17 + national_id_check_digit(first17),
        sex=rng.choice("MF"),
        birth_date=birth,
        **fields,
    )


@transaction.atomic
def build(tablets: int) -> dict:
    """Create the sites and return what the client needs (ids, sessions)."""
    rng = random.Random(2022)
    today = timezone.localdate()
    head_group, _ = Group.objects.get_or_create(name=Role.SITE_HEAD)
    general_group, _ = Group.objects.get_or_create(name=Role.GENERAL)
    serials = itertools.count(1)
    sites = {}
    for size in SIZES:
        site = Site.objects.create(name=f"压测隔离点{size}")
        rooms = Room.objects.bulk_create(
            [
                Room(site=site, floor=floor, number=f"{floor}{i % ROOMS_PER_FLOOR + 1:02d}")
                for i in range(size)
                for floor in [1 + i // ROOMS_PER_FLOOR]
            ]
        )
        people, stays, occupied = [], [], []
        for room in rooms:
            roll = rng.random()
            if roll < 0.6:
                people.append(
                    _person(
                        rng,
                        site,
                        next(serials),
                        phone=f"170{rng.randrange(10**8):08d}",
                        status=Person.Status.IN_ISOLATION,
                        expected_on=today - timedelta(days=rng.randrange(14)),
                    )
                )
                occupied.append(room)
            elif roll < 0.62:
                room.status = Room.Status.AWAITING_DISINFECTION
        people = Person.objects.bulk_create(people)
        for person, room in zip(people, occupied, strict=True):
            room.status, room.occupant_count = Room.Status.OCCUPIED, 1
            started = timezone.now() - timedelta(days=(today - person.expected_on).days)
            ends_on = person.expected_on + timedelta(days=14)
            stays.append(Stay(site=site, person=person, room=room, started_at=started, ends_on=ends_on))
        Room.objects.bulk_update(rooms, ["status", "occupant_count"])
        Stay.objects.bulk_create(stays)
        expected = [_person(rng, site, next(serials), source="九龙坡区杨家坪街道") for _i in range(max(2, size // 30))]
        Person.objects.bulk_create(expected)
        head = _staff(f"head{size}", site, head_group)
        clerks = [_staff(f"clerk{size}-{n}", site, general_group) for n in range(4)]
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    site=site,
                    actor=head,
                    actor_name="周宁",
                    role="点长",
                    action="room.move",
                    label=str(room),
                    object_type="room",
                    object_id=room.pk,
                    room=room,
                )
                for room in rng.sample(rooms, min(30, size))
            ]
        )
        sites[size] = {"site": site, "rooms": rooms, "head": head, "clerks": clerks}
    big = sites[max(SIZES)]
    # The write floor's one UPDATE (bench/asgi.py) bumps this row: the
    # statement every update makes, on a board nobody has open.
    BoardSequence.objects.create(site=big["site"], board="bench-write-floor", seq=0)
    role_staff = {}
    for role in (Role.MEDICAL, Role.CATERING, Role.DISINFECTION, Role.SECURITY):
        group, _ = Group.objects.get_or_create(name=role)
        role_staff[role] = [_staff(f"{role}{max(SIZES)}-{n}", big["site"], group) for n in range(2)]
    return {
        "floors": (max(SIZES) + ROOMS_PER_FLOOR - 1) // ROOMS_PER_FLOOR,
        "site_ids": {str(size): info["site"].pk for size, info in sites.items()},
        # Rooms the updates move (available <-> out of service), with their versions.
        "rooms": [
            {"pk": room.pk, "version": room.version} for room in big["rooms"] if room.status == Room.Status.AVAILABLE
        ],
        "head": {"username": big["head"].username, "password": PASSWORD},
        # One session per general-board tablet, spread over the clerks.
        "head_sessions": [_session(big["head"]) for _ in range(HEAD_SESSIONS)],
        "clerk_sessions": [_session(big["clerks"][n % 4]) for n in range(tablets)],
        "role_sessions": {
            str(role): [_session(staff[n % 2]) for n in range(ROLE_SESSIONS)] for role, staff in role_staff.items()
        },
    }


@functools.cache
def _password_hash() -> str:
    # Hashed once: the production hasher takes about a second per password.
    return make_password(PASSWORD)


def _staff(username: str, site: Site, group: Group) -> User:
    user = User.objects.create(username=username, password=_password_hash(), first_name="宁", last_name="周")
    user.groups.add(group)
    Staff.objects.create(user=user, site=site)
    return user


def _session(user: User) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = f"{StaffBackend.__module__}.{StaffBackend.__qualname__}"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


# --- the site's day (bench/day.py) ------------------------------------------

DAY_ROOMS = 500
DAY_IN_ISOLATION = 240  # checked in before the day starts
DAY_ARRIVALS = 60  # expected, checked in during the day: 300 people in all
DAY_ROUND_FLOORS = 5  # the morning health round, floor by floor
DAY_SAMPLED_FLOORS = 5  # the sampling round, floor by floor; the lab sheet has their results


def build_day(day_sockets: int = 150) -> dict:
    """A 500-room site set up as the admin sets one up, its people checked in through the services.

    Through the services (not bulk rows) so that every stay has its sampling
    plan and meal deliveries as on a real site. What the day's actions need
    from the night before, also through the services: one person's sample
    collected already (the lab sheet's positive); two people moved to
    another room, whose rooms wait for terminal disinfection; an urgent
    transfer requested, waiting for the site head's approval. Returned: the
    ids and versions the pages would show, the health rounds' rows (who is
    on each floor) and the lab sheet's lines (the day's samples, by national
    ID, one positive).
    """
    from django.conf import settings

    from groups.catering.models import MealSlot
    from groups.disinfection.models import Disinfectant, DisinfectionStandard, DisinfectionTask, RoutineSchedule
    from groups.medical.models import Sample
    from groups.transfers import services as transfers
    from groups.transfers.models import Transfer
    from rooms import services
    from rooms.models import Shift

    rng = random.Random(2023)
    site = Site.objects.create(name=f"压测隔离点{DAY_ROOMS}日")
    # The day's three rounds all open whenever the benchmark runs (a round opens
    # an hour before its delivery time): two and one hours ago and now, kept in today.
    now = timezone.localtime()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    slots = MealSlot.defaults_for(site)
    for slot, hours in zip(slots, (2, 1, 0), strict=True):
        slot.delivery_time = max(now - timedelta(hours=hours), midnight + timedelta(minutes=2 - hours)).time()
    MealSlot.objects.bulk_create(slots)
    # Likewise the routine round: each area due now (an occurrence opens two hours before its time).
    routines = RoutineSchedule.defaults_for(site)
    for routine in routines:
        routine.times = f"{now:%H:%M}"
    RoutineSchedule.objects.bulk_create(routines)
    agents = Disinfectant.objects.bulk_create(Disinfectant.defaults_for(site))
    DisinfectionStandard.objects.bulk_create(DisinfectionStandard.defaults_for(site, agents))
    Shift.objects.bulk_create(Shift.defaults_for(site))
    rooms = Room.objects.bulk_create(
        [
            Room(
                site=site,
                floor=1 + i // ROOMS_PER_FLOOR,
                number=f"{1 + i // ROOMS_PER_FLOOR}{i % ROOMS_PER_FLOOR + 1:02d}",
            )
            for i in range(DAY_ROOMS)
        ]
    )
    staff = {}
    for role in Role.values:
        group, _ = Group.objects.get_or_create(name=role)
        staff[role] = [_staff(f"day-{role}-{n}", site, group) for n in range(2)]
    serials = itertools.count(600_000)
    people = Person.objects.bulk_create(
        [
            _person(rng, site, next(serials), phone=f"171{rng.randrange(10**8):08d}", source="九龙坡区杨家坪街道")
            for _ in range(DAY_IN_ISOLATION + DAY_ARRIVALS)
        ]
    )
    clerk = staff[Role.GENERAL][0]
    # Every other room, so that every floor has people and free rooms.
    for person, room in zip(people[:DAY_IN_ISOLATION], rooms[::2], strict=False):
        services.stay_check_in(person=person, room=room, by=clerk)
    # They arrived yesterday: today's meal rounds are theirs (not late-arrival meals).
    Stay.objects.filter(site=site).update(started_at=timezone.now() - timedelta(days=1))
    positive = Sample.objects.filter(person=people[0], status=Sample.Status.SCHEDULED).order_by("pk").first()
    Sample.objects.filter(pk=positive.pk).update(
        status=Sample.Status.COLLECTED, collected_at=timezone.now(), collected_by=staff[Role.MEDICAL][0]
    )
    positive.refresh_from_db()
    # Moved last night (a wrong assignment), from floor 11 to the empty
    # floor 13: their rooms wait for terminal disinfection.
    for person, room in zip((people[200], people[210]), (rooms[481], rooms[483]), strict=True):
        services.stay_move(person=person, room=room, reason=Stay.MoveReason.WRONG_ROOM, by=clerk)
    terminal = DisinfectionTask.objects.filter(
        site=site, kind=DisinfectionTask.Kind.TERMINAL, status=DisinfectionTask.Status.OPEN
    ).order_by("pk")
    # Chest pain in the night (floor 12): the doctor asked for a transfer.
    transfer = transfers.transfer_request(
        person=people[230],
        by=staff[Role.MEDICAL][0],
        reason="夜间胸闷、胸痛，需转诊排查",
        destination_type=Transfer.Destination.DESIGNATED_HOSPITAL,
        destination_name="重庆市公共卫生医疗救治中心",
        destination_contact="急诊科 023-65432100",
        urgency=Transfer.Urgency.URGENT,
    )
    arrivals = people[DAY_IN_ISOLATION:]
    floors = (DAY_ROOMS + ROOMS_PER_FLOOR - 1) // ROOMS_PER_FLOOR
    sampled = range(1, 1 + min(floors, DAY_SAMPLED_FLOORS))
    today = timezone.localdate()
    due = Sample.objects.filter(site=site, status=Sample.Status.SCHEDULED, scheduled_on=today)
    # The lab's sheet: the results of the samples the morning's round collects
    # floor by floor (by national ID: the round takes no barcodes), and the
    # one collected already, positive.
    lab = [
        [national_id, "negative"]
        for national_id in due.filter(stay__room__floor__in=sampled)
        .order_by("stay__room__number")
        .values_list("person__national_id", flat=True)
    ]
    lab.insert(len(lab) // 2, [people[0].national_id, "positive"])
    return {
        "site_id": site.pk,
        "floors": floors,
        "arrivals": [{"pk": p.pk, "version": Person.objects.get(pk=p.pk).version} for p in arrivals],
        # Free rooms spread over the floors, one per arrival.
        "free_rooms": [r.pk for r in rooms[1::4]][: len(arrivals)],
        "room_numbers": [r.number for r in rooms],
        # Rooms someone is in all day (not the positive's, which the transfer empties): a resident's
        # request comes from one of them.
        "occupied_numbers": list(
            Stay.objects.open()
            .filter(site=site)
            .exclude(room_id=people[0].stays.first().room_id)
            .order_by("room__number")
            .values_list("room__number", flat=True)
            .distinct()
        ),
        "slots": list(MealSlot.objects.filter(site=site).order_by("pk").values_list("pk", flat=True)),
        "routines": list(RoutineSchedule.objects.filter(site=site).values_list("pk", "per_floor")),
        "agent": agents[0].pk,
        "positive": {
            "pk": positive.pk,
            "version": getattr(positive, "version", 1),
            "room": people[0].stays.first().room_id,
        },
        # The server's time zone: the day, the round's date and the times the forms send are its.
        "time_zone": settings.TIME_ZONE,
        # Who each floor's health round lists (the page's rows), room by room.
        "health_rounds": {
            str(floor): list(
                Stay.objects.open()
                .filter(site=site, room__floor=floor)
                .order_by("room__number", "person__name")
                .values_list("person_id", flat=True)
            )
            for floor in range(1, 1 + min(floors, DAY_ROUND_FLOORS))
        },
        "sampled_floors": list(sampled),
        "lab_sheet": lab,
        "terminal": [{"pk": task.pk, "version": task.version} for task in terminal],
        "transfer": {"pk": transfer.pk, "version": Transfer.objects.get(pk=transfer.pk).version},
        # Sessions per role: the acting tablets and the boards that watch.
        "sessions": {role: [_session(staff[role][n % 2]) for n in range(day_sockets // 4)] for role in Role.values},
    }
