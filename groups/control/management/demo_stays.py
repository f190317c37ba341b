"""The site plan written down: the people, every room in its final state, the
stays, and the audit trail of how they got there (registrations, check-ins,
releases, room moves).

Written directly, not through the stay and room services: those check the
acting user's group, publish to the live boards and stamp every change
"now", while this history is back-dated over the past week. Every invariant
they keep is kept here: a room's occupant count equals its open stays and
never exceeds its capacity, its status matches, and a person in isolation
has exactly one open stay.
"""

from datetime import timedelta

from django.core.management.base import CommandError
from django.utils import timezone

from groups.control.management import demo_medical
from groups.control.management.demo import Demo
from groups.control.management.demo_site import AWAITING_DISINFECTION, OUT_OF_SERVICE, VENTILATING, SitePlan
from rooms.masking import mask_national_id, mask_phone
from rooms.models import AuditEvent, Person, Room, Stay


def write_stays(demo: Demo, plan: SitePlan) -> tuple[list[Stay], int]:
    """Write the plan; returns the stays and how many audit events were written."""
    _write_people(demo, plan)
    moves = _settle_rooms(demo, plan)
    Room.objects.bulk_create(plan.rooms.values())
    stays = _write_stays(demo, plan)
    events = _history(demo, plan, stays, moves)
    AuditEvent.objects.bulk_create(events)
    return stays, len(events)


def _write_people(demo: Demo, plan: SitePlan) -> None:
    """People: registered a little before they arrived."""
    for entry in plan.in_isolation + plan.released + plan.expected:
        person = entry.person
        if entry.room is None:  # expected: started_at holds the registration time
            person.created_at = entry.started_at
            person.status = Person.Status.EXPECTED
            person.updated_at = entry.started_at
        else:
            person.created_at = entry.started_at - timedelta(minutes=demo.rng.randint(30, 300))
            if entry.ended_at:
                person.status = Person.Status.RELEASED
                person.version = 3
                person.updated_at = entry.ended_at
            else:
                person.status = Person.Status.IN_ISOLATION
                person.version = 2
                person.updated_at = entry.started_at
        person.updated_by = entry.actor
    Person.objects.bulk_create([entry.person for entry in plan.in_isolation + plan.released + plan.expected])


def _settle_rooms(demo: Demo, plan: SitePlan) -> list[tuple]:
    """Rooms: the final state follows from the stays. Returns the rooms' moves
    after a release, as (room number, at, actor, from, to)."""
    rng, site, rooms = demo.rng, demo.site, plan.rooms
    for number, note in OUT_OF_SERVICE.items():
        room = rooms[number]
        room.status = Room.Status.OUT_OF_SERVICE
        room.status_changed_at = room.updated_at = demo.at(demo.today - timedelta(days=2), 15, 20)
        room.note = note
        room.version = 2
        room.updated_by = demo.users["wangfang"]
    moves = []
    for entry in plan.released:
        room = rooms[entry.room]
        if entry.room in AWAITING_DISINFECTION:
            room.status = Room.Status.AWAITING_DISINFECTION
            room.status_changed_at = entry.ended_at
            room.version = 3
            room.updated_by = entry.actor
        else:
            if entry.room in VENTILATING:
                began = demo.now - timedelta(minutes=rng.randint(40, 55))
                room.status = Room.Status.VENTILATING
                room.ventilation_until = began + timedelta(minutes=site.ventilation_minutes)
                room.status_changed_at = began
                room.version = 4
            else:  # disinfected, ventilated and inspected
                began = entry.ended_at + timedelta(hours=2)
                done = began + timedelta(minutes=site.ventilation_minutes + rng.randint(5, 30))
                moves.append((entry.room, done, demo.general(), Room.Status.VENTILATING, Room.Status.AVAILABLE))
                room.status_changed_at = done
                room.version = 5
            cleaner = demo.users[rng.choice(["zhaolei", "sunqiang"])]
            moves.append((entry.room, began, cleaner, Room.Status.AWAITING_DISINFECTION, Room.Status.VENTILATING))
            room.updated_by = cleaner
        room.updated_at = room.status_changed_at

    for entry in sorted(plan.in_isolation, key=lambda p: p.started_at):
        room = rooms[entry.room]
        if room.status != Room.Status.OCCUPIED:
            room.status = Room.Status.OCCUPIED
            room.status_changed_at = entry.started_at
        room.occupant_count += 1
        room.version += 1
        room.updated_at = entry.started_at
        room.updated_by = entry.actor
    for room in rooms.values():
        if room.occupant_count > room.capacity:
            raise CommandError(f"Demo plan overfills room {room.number}.")
    return moves


def _write_stays(demo: Demo, plan: SitePlan) -> list[Stay]:
    protocol = timedelta(days=demo_medical.LENGTH)
    stays = []
    for entry in plan.in_isolation + plan.released:
        arrived = timezone.localdate(entry.started_at)
        stays.append(
            Stay(
                site=demo.site,
                person=entry.person,
                room=plan.rooms[entry.room],
                started_at=entry.started_at,
                ends_on=arrived + protocol,
                ended_at=entry.ended_at,
                end_reason=Stay.EndReason.RELEASED if entry.ended_at else "",
                version=2 if entry.ended_at else 1,
                updated_at=entry.ended_at or entry.started_at,
                updated_by=entry.actor,
            )
        )
    return Stay.objects.bulk_create(stays)


def _history(demo: Demo, plan: SitePlan, stays: list[Stay], moves: list[tuple]) -> list[AuditEvent]:
    """Audit events, as the services would have written them."""
    rooms = plan.rooms
    events = []

    def event(*args, **kwargs):
        events.append(demo.audit_event(*args, **kwargs))

    for entry in plan.in_isolation + plan.released + plan.expected:
        p = entry.person
        after = {
            "name": p.name,
            "national_id": mask_national_id(p.national_id),
            "phone": mask_phone(p.phone),
            "sex": p.sex,
            "birth_date": p.birth_date.isoformat(),
            "category": p.category,
            "special_needs": p.special_needs,
            "diet": p.diet,
            "household": p.household,
            "expected_on": p.expected_on.isoformat(),
            "source": p.source,
        }
        event(p.created_at, entry.actor, "person.register", p.name, "person", p.pk, person=p, after=after)

    # Walk the stays in time order so each event's before/after counts are right.
    timeline = []
    for entry, stay in zip(plan.in_isolation + plan.released, stays, strict=True):
        timeline.append((entry.started_at, 1, entry, stay))
        if entry.ended_at:
            timeline.append((entry.ended_at, 0, entry, stay))
    count = dict.fromkeys(rooms, 0)
    for at, is_check_in, entry, stay in sorted(timeline, key=lambda t: (t[0], t[1])):
        room = rooms[entry.room]
        if is_check_in:
            before = {"room_status": Room.Status.OCCUPIED if count[room.number] else Room.Status.AVAILABLE}
            before["occupants"] = count[room.number]
            count[room.number] += 1
            after = {"room_status": Room.Status.OCCUPIED, "occupants": count[room.number]}
            after["ends_on"] = stay.ends_on.isoformat()
            event(at, entry.actor, "stay.check_in", str(stay), "stay", stay.pk, room, entry.person, before, after)
        else:
            count[room.number] -= 1
            after = {
                "person_status": Person.Status.RELEASED,
                "room_status": Room.Status.OCCUPIED if count[room.number] else Room.Status.AWAITING_DISINFECTION,
                "occupants": count[room.number],
            }
            before = {"person_status": Person.Status.IN_ISOLATION}
            event(at, entry.actor, "stay.release", str(stay), "stay", stay.pk, room, entry.person, before, after)
    for number, at, actor, frm, to in moves:
        room = rooms[number]
        until = at + timedelta(minutes=demo.site.ventilation_minutes) if to == Room.Status.VENTILATING else None
        after = {"status": to, **({"ventilation_until": until.isoformat()} if until else {})}
        event(at, actor, "room.move", number, "room", room.pk, room, before={"status": frm}, after=after)
    for number in OUT_OF_SERVICE:
        room = rooms[number]
        after = {"status": room.status}
        event(
            room.status_changed_at,
            room.updated_by,
            "room.move",
            number,
            "room",
            room.pk,
            room,
            before={"status": Room.Status.AVAILABLE},
            after=after,
            note=room.note,
        )
    return events
