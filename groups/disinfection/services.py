"""Disinfection: terminal, spot and routine tasks, and the medical-waste chain.

Completing a terminal task moves its room along the lifecycle the room
services own (``room_move``): from awaiting disinfection, or sealed once
empty, to ventilating; an inspection then makes it available.
"""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from groups.disinfection.models import (
    SPOT_DUE,
    TERMINAL_DUE,
    DisinfectionTask,
    RoutineSchedule,
    WasteCollection,
    WasteHandover,
)
from groups.disinfection.routines import routine_today
from rooms.models import Room, Site
from rooms.roles import Role, require_role
from rooms.services import (
    DISINFECTION,
    STAY_HOOKS,
    ServiceError,
    audit,
    check_version,
    claim_form,
    lock_row,
    room_move,
    touch,
    who_and_when,
)
from site_ops import live

DISINFECTION_ROLES = (Role.DISINFECTION, Role.SITE_HEAD)
SPOT_ROLES = (Role.SITE_HEAD,)
TOPIC = DISINFECTION

# The statuses a room waits for terminal disinfection in, once it is empty.
NEEDS_TERMINAL = (Room.Status.AWAITING_DISINFECTION, Room.Status.SEALED)


def terminal_disinfection_open(*, room: Room, by) -> DisinfectionTask | None:
    """Open the terminal task of a room its last occupant just left.

    Called by ``end_stay`` inside its transaction; the caller audits the
    departure and publishes the room (the disinfection board shows room
    changes). Nothing happens while people remain or a task is already open.
    """
    if room.occupant_count or room.status not in NEEDS_TERMINAL:
        return None
    if DisinfectionTask.objects.filter(
        room=room, kind=DisinfectionTask.Kind.TERMINAL, status=DisinfectionTask.Status.OPEN
    ).exists():
        return None
    now = timezone.now()
    task = DisinfectionTask.objects.create(
        site_id=room.site_id,
        kind=DisinfectionTask.Kind.TERMINAL,
        room=room,
        floor=room.floor,
        created_at=now,
        created_by=by,
        due_at=now + TERMINAL_DUE,
        updated_by=by,
    )
    audit(
        site=room.site,
        by=by,
        action="disinfection.terminal_open",
        obj=task,
        room=room,
        after={"room_status": room.status, "due_at": task.due_at},
    )
    return task


def disinfection_spot_open(
    *,
    site: Site,
    by,
    reason: str,
    room: Room | None = None,
    floor: int | None = None,
    where: str = "",
    token: str | None = None,
) -> DisinfectionTask:
    """Ask for a spot disinfection: of a room, or of a place (after an incident, a positive)."""
    require_role(by, *SPOT_ROLES)
    reason, where = reason.strip(), where.strip()
    if room is None and not where:
        raise ServiceError(_("Say which room or place to disinfect."))
    if room is not None and room.site_id != site.pk:
        raise ServiceError(_("This room belongs to another site."))
    if not reason:
        raise ServiceError(_("Say why it needs disinfecting."))
    with transaction.atomic():
        claim_form(token, by)
        now = timezone.now()
        task = DisinfectionTask.objects.create(
            site=site,
            kind=DisinfectionTask.Kind.SPOT,
            room=room,
            floor=room.floor if room else floor,
            where=where[:100],
            reason=reason[:200],
            created_at=now,
            created_by=by,
            due_at=now + SPOT_DUE,
            updated_by=by,
        )
        audit(site=site, by=by, action="disinfection.spot_open", obj=task, room=room, note=reason)
        live.publish(site=site, rooms=[room.pk] if room else [], topics=[TOPIC])
    return task


def _record_done(task: DisinfectionTask, *, by, agent: str, concentration_mg_l: int, contact_minutes: int, note: str):
    agent = agent.strip()
    if not agent:
        raise ServiceError(_("Name the disinfectant used."))
    if not concentration_mg_l or concentration_mg_l <= 0:
        raise ServiceError(_("Give the concentration in mg/L."))
    if not contact_minutes or contact_minutes <= 0:
        raise ServiceError(_("Give the contact time in minutes."))
    task.status = DisinfectionTask.Status.DONE
    task.done_at = timezone.now()
    task.done_by = by
    task.agent = agent[:60]
    task.concentration_mg_l = concentration_mg_l
    task.contact_minutes = contact_minutes
    task.note = note.strip()[:200]
    return {"agent": task.agent, "concentration_mg_l": concentration_mg_l, "contact_minutes": contact_minutes}


def disinfection_task_complete(
    *,
    task: DisinfectionTask,
    by,
    agent: str,
    concentration_mg_l: int,
    contact_minutes: int,
    note: str = "",
    version: int | None = None,
    token: str | None = None,
) -> DisinfectionTask:
    """Record a terminal or spot task as done: agent, concentration, contact time.

    A terminal task sends its room to ventilating, which a sealed room reaches
    only this way and only once its occupants have left.
    """
    require_role(by, *DISINFECTION_ROLES)
    with transaction.atomic():
        claim_form(token, by)
        task = lock_row(DisinfectionTask, task.pk)
        check_version(task, version)
        if task.status != DisinfectionTask.Status.OPEN:
            raise ServiceError(
                _("%(task)s was already done by %(who)s at %(time)s.")
                % {"task": task, **who_and_when(task.done_by, task.done_at)}
            )
        room = lock_row(Room, task.room_id) if task.room_id else None
        terminal = task.kind == DisinfectionTask.Kind.TERMINAL
        if terminal and room.occupant_count:
            raise ServiceError(
                _("Room %(room)s still has people in it; terminal disinfection comes after they leave.")
                % {"room": room.number}
            )
        after = _record_done(
            task,
            by=by,
            agent=agent,
            concentration_mg_l=concentration_mg_l,
            contact_minutes=contact_minutes,
            note=note,
        )
        touch(task, by)
        task.save()
        audit(site=task.site, by=by, action="disinfection.done", obj=task, room=room, after=after, note=task.note)
        if terminal and room.status in NEEDS_TERMINAL:
            # The room's own move: it checks the move, records the ventilation
            # end time, audits and publishes the room. The disinfection and
            # control boards show room changes, so one publish covers both.
            room_move(room=room, to=Room.Status.VENTILATING, by=by)
        else:
            # A room moved on by hand from its page has only the record to add.
            live.publish(site=task.site, rooms=[room.pk] if room else [], topics=[TOPIC])
    return task


def routine_disinfection_complete(
    *,
    schedule: RoutineSchedule,
    floor: int | None,
    by,
    agent: str,
    concentration_mg_l: int,
    contact_minutes: int,
    note: str = "",
    token: str | None = None,
) -> DisinfectionTask:
    """Record a routine disinfection of a public area (see rooms/routines.py for which occurrence it counts as)."""
    require_role(by, *DISINFECTION_ROLES)
    site = schedule.site
    if schedule.per_floor != (floor is not None) or (floor is not None and floor not in site.floors()):
        raise ServiceError(_("Choose the floor of %(area)s.") % {"area": schedule.area})
    with transaction.atomic():
        claim_form(token, by)
        area = routine_today(site, schedules=[schedule], floors=[floor] if floor is not None else [])[0]
        target = area.target
        if target is None:
            following = area.next_due
            raise ServiceError(
                _("Nothing is due for %(area)s now; next due at %(time)s.")
                % {"area": area.label, "time": date_format(timezone.localtime(following.due_at), "H:i")}
                if following
                else _("%(area)s is done for today.") % {"area": area.label}
            )
        task = DisinfectionTask(
            site=site,
            kind=DisinfectionTask.Kind.ROUTINE,
            schedule=schedule,
            floor=floor,
            created_at=timezone.now(),
            created_by=by,
            due_at=target.due_at,
            updated_by=by,
        )
        after = _record_done(
            task,
            by=by,
            agent=agent,
            concentration_mg_l=concentration_mg_l,
            contact_minutes=contact_minutes,
            note=note,
        )
        try:
            with transaction.atomic():
                task.save()
        except IntegrityError:
            raise ServiceError(
                _("%(area)s was recorded on another tablet at the same moment.") % {"area": area.label}
            ) from None
        after["due_at"] = target.due_at
        audit(site=site, by=by, action="disinfection.done", obj=task, label=area.label, after=after, note=task.note)
        live.publish(site=site, topics=[TOPIC])
    return task


def waste_collect(
    *, site: Site, floor: int, bags: int, weight_kg: Decimal, by, token: str | None = None
) -> WasteCollection:
    """Record medical waste collected on a floor."""
    require_role(by, *DISINFECTION_ROLES)
    if floor not in site.floors():
        raise ServiceError(_("This site has no floor %(floor)s.") % {"floor": floor})
    if bags < 1 or weight_kg <= 0:
        raise ServiceError(_("Give the number of bags and their weight."))
    with transaction.atomic():
        claim_form(token, by)
        collection = WasteCollection.objects.create(
            site=site, floor=floor, bags=bags, weight_kg=weight_kg, collected_at=timezone.now(), collected_by=by
        )
        audit(
            site=site,
            by=by,
            action="waste.collect",
            obj=collection,
            after={"floor": floor, "bags": bags, "weight_kg": str(weight_kg)},
        )
        live.publish(site=site, topics=[TOPIC])
    return collection


def waste_hand_over(*, site: Site, contractor: str, receiver: str, by, token: str | None = None) -> WasteHandover:
    """Hand every collection still on site to the licensed contractor, with the totals."""
    require_role(by, *DISINFECTION_ROLES)
    contractor, receiver = contractor.strip(), receiver.strip()
    if not contractor or not receiver:
        raise ServiceError(_("Name the contractor and who received the waste."))
    with transaction.atomic():
        claim_form(token, by)
        waiting = list(WasteCollection.objects.select_for_update().filter(site=site, handover__isnull=True))
        if not waiting:
            raise ServiceError(_("No collected waste is waiting for hand-over."))
        handover = WasteHandover.objects.create(
            site=site,
            contractor=contractor[:100],
            receiver=receiver[:50],
            handed_at=timezone.now(),
            handed_by=by,
            bags=sum(collection.bags for collection in waiting),
            weight_kg=sum(collection.weight_kg for collection in waiting),
        )
        WasteCollection.objects.filter(pk__in=[collection.pk for collection in waiting]).update(handover=handover)
        audit(
            site=site,
            by=by,
            action="waste.hand_over",
            obj=handover,
            after={"collections": len(waiting), "bags": handover.bags, "weight_kg": str(handover.weight_kg)},
        )
        live.publish(site=site, topics=[TOPIC])
    return handover


def connect_stay_hooks() -> None:
    """The last one out of a room leaves it for terminal disinfection (rooms.services.STAY_HOOKS)."""
    STAY_HOOKS.left.append(lambda *, stay, room, by: terminal_disinfection_open(room=room, by=by))
