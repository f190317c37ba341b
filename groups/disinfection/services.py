"""Disinfection: terminal, spot and routine tasks, and the medical-waste chain.

Completing a terminal task moves its room along the lifecycle the room
services own (``room_move``): from awaiting disinfection, or sealed once
empty, to ventilating; an inspection then makes it available. A record names
an agent from the site's list and is held to the site's standard for its
kind of task. A positive case's room then waits for a negative environmental
sample (``room_move`` asks ``environmental_sample_check``).
"""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from groups.disinfection.models import (
    SPOT_DUE,
    TERMINAL_DUE,
    Disinfectant,
    DisinfectionSettings,
    DisinfectionStandard,
    DisinfectionTask,
    EnvironmentalSample,
    RoutineSchedule,
    WasteCollection,
    WasteHandover,
)
from groups.disinfection.routines import routine_today
from rooms.models import Room, Site
from rooms.roles import Role, display_name, require_role
from rooms.services import (
    DISINFECTION,
    STAY_HOOKS,
    AlreadySubmitted,
    ServiceError,
    audit,
    check_version,
    claim_form,
    lock_row,
    room_move,
    touch,
    who_and_when,
)
from rooms.words import written
from site_ops import live

DISINFECTION_ROLES = (Role.DISINFECTION, Role.SITE_HEAD)
SPOT_ROLES = (Role.SITE_HEAD,)
# Who enters a positive, which asks for the floor's spot disinfection.
FLOOR_SPOT_ROLES = (Role.MEDICAL, Role.SITE_HEAD, Role.DISINFECTION)
TOPIC = DISINFECTION

# The statuses a room waits for terminal disinfection in, once it is empty.
NEEDS_TERMINAL = (Room.Status.AWAITING_DISINFECTION, Room.Status.SEALED)


# --- the site's standards ---------------------------------------------------


def disinfection_set_up(site: Site, by=None) -> None:
    """Give a site the national defaults the first time it needs them (a site
    added after this group's migration): its settings, and its agents with
    their standards when it has no agent at all. What the admin changed since
    stands (an agent is never deleted, only set not in use)."""
    try:
        with transaction.atomic():
            if not Disinfectant.objects.filter(site=site).exists():
                agents = Disinfectant.objects.bulk_create(Disinfectant.defaults_for(site))
                DisinfectionStandard.objects.bulk_create(DisinfectionStandard.defaults_for(site, agents))
                audit(site=site, by=by, action="disinfection.set_up", obj=agents[0], label=str(site))
            if not DisinfectionSettings.objects.filter(site=site).exists():
                DisinfectionSettings.objects.create(site=site)
    except IntegrityError:
        # Another request set the site up at the same moment: its defaults stand.
        pass


def agents_for(site: Site):
    """The agents a record may name: the site's list, in use."""
    return Disinfectant.objects.filter(site=site, active=True)


def find_agent(site: Site, agent: Disinfectant | str) -> Disinfectant:
    """The site's agent a record names: one of its list, or a name for one.

    A name (from a caller that has no form, like the demo seed) is matched
    against the list's names, in every language for the national defaults,
    and may be the start of one ("含氯" for "含氯消毒剂") if only one fits.
    """
    if isinstance(agent, Disinfectant):
        if agent.site_id != site.pk or not agent.active:
            raise ServiceError(_("Choose a disinfectant from the site's list."))
        return agent
    text = (agent or "").strip().casefold()
    if not text:
        raise ServiceError(_("Name the disinfectant used."))
    agents = list(agents_for(site))
    exact = [a for a in agents if text in a.names()]
    fits = exact or [a for a in agents if any(name.startswith(text) for name in a.names())]
    if len(fits) != 1:
        raise ServiceError(
            _("Choose a disinfectant from the site's list: %(agents)s.")
            % {"agents": ", ".join(a.name for a in agents) or _("none yet, the site head adds them in the admin")}
        )
    return fits[0]


def standard_text(standard: DisinfectionStandard) -> str:
    return _("%(agent)s at least %(mg)s mg/L for %(minutes)s minutes") % {
        "agent": standard.disinfectant.name,
        "mg": number_format(standard.min_concentration_mg_l, force_grouping=True),
        "minutes": standard.min_contact_minutes,
    }


def standards_for(site: Site, kind: str) -> list[DisinfectionStandard]:
    """The site's standards for one kind of task, with their agents in use."""
    return list(
        DisinfectionStandard.objects.filter(site=site, kind=kind, disinfectant__active=True).select_related(
            "disinfectant"
        )
    )


def check_standard(
    *, site: Site, kind: str, agent: Disinfectant, concentration_mg_l: int, contact_minutes: int
) -> DisinfectionStandard:
    """Refuse a record below the site's standard for its kind of task, saying the minimum."""
    standards = standards_for(site, kind)
    standard = next((s for s in standards if s.disinfectant_id == agent.pk), None)
    label = dict(DisinfectionStandard._meta.get_field("kind").choices)[kind]
    if standard is None:
        raise ServiceError(
            _("The site has no standard for %(agent)s in %(kind)s disinfection; use %(allowed)s.")
            % {
                "agent": agent.name,
                "kind": label,
                "allowed": "; ".join(standard_text(s) for s in standards)
                or _("an agent the site head sets a standard for in the admin"),
            }
        )
    if concentration_mg_l < standard.min_concentration_mg_l or contact_minutes < standard.min_contact_minutes:
        raise ServiceError(
            _("Below the standard for %(kind)s disinfection: %(standard)s.")
            % {"kind": label, "standard": standard_text(standard)}
        )
    return standard


# --- tasks -------------------------------------------------------------------


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
    return _open_terminal(room=room, by=by, positive=room.status == Room.Status.SEALED)


def _open_terminal(*, room: Room, by, positive: bool, reason: str = "") -> DisinfectionTask:
    now = timezone.now()
    task = DisinfectionTask.objects.create(
        site_id=room.site_id,
        kind=DisinfectionTask.Kind.TERMINAL,
        room=room,
        floor=room.floor,
        # A sealed room had a positive case in it: the stronger standard, then an environmental sample.
        positive_room=positive,
        reason=reason[:200],
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
        after={"room_status": room.status, "due_at": task.due_at, "positive_room": positive},
        note=reason,
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


def open_floor_spot_tasks(*, room: Room, by, reason: str, publish: bool = True) -> list[DisinfectionTask]:
    """Open spot disinfection of the corridor and the lift of a room's floor
    (after a positive in the room), one task each; one already open stands.

    Returns the tasks opened now (none when both were open already). Called
    by the medical group inside its own transaction when a positive is entered;
    ``publish=False`` when the caller publishes the disinfection topic itself.
    """
    require_role(by, *FLOOR_SPOT_ROLES)
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("Say why it needs disinfecting."))
    site = room.site
    opened = []
    with transaction.atomic():
        open_areas = set(
            DisinfectionTask.objects.filter(
                site=site,
                kind=DisinfectionTask.Kind.SPOT,
                status=DisinfectionTask.Status.OPEN,
                floor=room.floor,
                area__in=DisinfectionTask.Area.values,
            ).values_list("area", flat=True)
        )
        now = timezone.now()
        for area in DisinfectionTask.Area:
            if area in open_areas:
                continue
            task = DisinfectionTask(
                site=site,
                kind=DisinfectionTask.Kind.SPOT,
                floor=room.floor,
                area=area,
                reason=reason[:200],
                created_at=now,
                created_by=by,
                due_at=now + SPOT_DUE,
                updated_by=by,
            )
            try:
                with transaction.atomic():
                    task.save()
            except IntegrityError:
                # Opened on another request at the same moment: that one stands.
                continue
            audit(
                site=site,
                by=by,
                action="disinfection.spot_open",
                obj=task,
                room=room,
                after={"floor": room.floor, "area": area.value, "due_at": task.due_at},
                note=reason,
            )
            opened.append(task)
        if opened and publish:
            live.publish(site=site, topics=[TOPIC])
    return opened


def _record_done(
    task: DisinfectionTask,
    *,
    by,
    agent: Disinfectant | str,
    concentration_mg_l: int,
    contact_minutes: int,
    method: str,
    note: str,
):
    """Check a record against the site's list and standard, and fill it in (the caller saves)."""
    if not concentration_mg_l or concentration_mg_l <= 0:
        raise ServiceError(_("Give the concentration in mg/L."))
    if not contact_minutes or contact_minutes <= 0:
        raise ServiceError(_("Give the contact time in minutes."))
    if method and method not in DisinfectionTask.Method.values:
        raise ServiceError(_("Choose how it was applied: wipe, spray or aerosol fogging."))
    site = task.site
    disinfection_set_up(site, by)
    chosen = find_agent(site, agent)
    check_standard(
        site=site,
        kind=task.standard_kind,
        agent=chosen,
        concentration_mg_l=concentration_mg_l,
        contact_minutes=contact_minutes,
    )
    task.status = DisinfectionTask.Status.DONE
    task.done_at = timezone.now()
    task.done_by = by
    task.disinfectant = chosen
    task.agent = chosen.name[:60]
    task.method = method
    task.concentration_mg_l = concentration_mg_l
    task.contact_minutes = contact_minutes
    task.note = note.strip()[:200]
    return {
        "agent": task.agent,
        "method": method,
        "concentration_mg_l": concentration_mg_l,
        "contact_minutes": contact_minutes,
        "standard": task.standard_kind,
    }


def disinfection_task_complete(
    *,
    task: DisinfectionTask,
    by,
    agent: Disinfectant | str,
    concentration_mg_l: int,
    contact_minutes: int,
    method: str = "",
    note: str = "",
    version: int | None = None,
    token: str | None = None,
) -> DisinfectionTask:
    """Record a terminal or spot task as done: agent, method, concentration, contact time.

    A terminal task sends its room to ventilating, which a sealed room reaches
    only this way and only once its occupants have left. A positive case's
    room then has an environmental sample due, when the site asks for one.
    """
    require_role(by, *DISINFECTION_ROLES)
    with transaction.atomic():
        claim_form(token, by)
        task = lock_row(DisinfectionTask, task.pk)
        if task.status != DisinfectionTask.Status.OPEN:
            # Recorded by a colleague since the form was opened: done, and nothing to try again.
            raise AlreadySubmitted(
                _("The %(kind)s disinfection of %(place)s was already done by %(who)s at %(time)s.")
                % {
                    "kind": task.get_kind_display(),
                    "place": _("room %(number)s") % {"number": task.room.number} if task.room_id else task.place,
                    **who_and_when(task.done_by, task.done_at),
                }
            )
        check_version(task, version)
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
            method=method,
            note=note,
        )
        touch(task, by)
        task.save()
        audit(site=task.site, by=by, action="disinfection.done", obj=task, room=room, after=after, note=task.note)
        if terminal and task.positive_room and DisinfectionSettings.for_site(task.site).environmental_sample_required:
            _sample_due(task=task, room=room, by=by)
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
    agent: Disinfectant | str,
    concentration_mg_l: int,
    contact_minutes: int,
    method: str = "",
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
                _("Nothing is due for %(area)s now; next due at %(time)s, recorded from %(opens)s.")
                % {
                    "area": area.label,
                    "time": date_format(timezone.localtime(following.due_at), "H:i"),
                    "opens": date_format(timezone.localtime(following.opens_at), "H:i"),
                }
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
            method=method,
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


# --- environmental samples -----------------------------------------------------


def _sample_due(*, task: DisinfectionTask, room: Room, by) -> EnvironmentalSample:
    sample = EnvironmentalSample.objects.filter(room=room, status__in=EnvironmentalSample.OPEN).first()
    if sample is not None:
        return sample
    sample = EnvironmentalSample.objects.create(site=task.site, room=room, task=task, updated_by=by)
    audit(site=task.site, by=by, action="environmental_sample.due", obj=sample, room=room)
    return sample


def environmental_sample_take(
    *, sample: EnvironmentalSample, by, note: str = "", version: int | None = None, token: str | None = None
) -> EnvironmentalSample:
    """Record that a positive case's room was sampled; its result follows."""
    require_role(by, *DISINFECTION_ROLES)
    with transaction.atomic():
        claim_form(token, by)
        sample = lock_row(EnvironmentalSample, sample.pk)
        check_version(sample, version)
        if sample.status != EnvironmentalSample.Status.DUE:
            raise ServiceError(
                _("%(sample)s was already taken by %(who)s at %(time)s.")
                % {"sample": sample, **who_and_when(sample.taken_by, sample.taken_at)}
            )
        sample.status = EnvironmentalSample.Status.TAKEN
        sample.taken_at = timezone.now()
        sample.taken_by = by
        sample.note = note.strip()[:200]
        touch(sample, by)
        sample.save()
        audit(
            site=sample.site,
            by=by,
            action="environmental_sample.take",
            obj=sample,
            room=sample.room,
            after={"status": sample.status},
            note=sample.note,
        )
        live.publish(site=sample.site, rooms=[sample.room_id], topics=[TOPIC])
    return sample


def environmental_sample_result(
    *,
    sample: EnvironmentalSample,
    result: str,
    by,
    note: str = "",
    version: int | None = None,
    token: str | None = None,
) -> EnvironmentalSample:
    """Record a sample's result: negative lets the room be made available;
    positive opens its terminal disinfection again (a new sample follows it)."""
    require_role(by, *DISINFECTION_ROLES)
    results = (EnvironmentalSample.Status.NEGATIVE, EnvironmentalSample.Status.POSITIVE)
    if result not in results:
        raise ServiceError(_("Choose the result: negative or positive."))
    with transaction.atomic():
        claim_form(token, by)
        sample = lock_row(EnvironmentalSample, sample.pk)
        check_version(sample, version)
        if sample.status == EnvironmentalSample.Status.DUE:
            raise ServiceError(_("%(sample)s has not been taken yet.") % {"sample": sample})
        if sample.status != EnvironmentalSample.Status.TAKEN:
            raise ServiceError(
                _("%(sample)s already has its result (%(result)s), recorded by %(who)s at %(time)s.")
                % {
                    "sample": sample,
                    "result": sample.get_status_display(),
                    **who_and_when(sample.resulted_by, sample.resulted_at),
                }
            )
        room = lock_row(Room, sample.room_id)
        sample.status = result
        sample.resulted_at = timezone.now()
        sample.resulted_by = by
        if note.strip():
            sample.note = note.strip()[:200]
        touch(sample, by)
        sample.save()
        audit(
            site=sample.site,
            by=by,
            action="environmental_sample.result",
            obj=sample,
            room=room,
            before={"status": EnvironmentalSample.Status.TAKEN},
            after={"status": result},
            note=note.strip(),
        )
        if result == EnvironmentalSample.Status.POSITIVE:
            # The room stays out of use and is disinfected again, to the positive room's standard.
            _open_terminal(
                room=room,
                by=by,
                positive=True,
                reason=written(gettext_noop("Environmental sample positive: disinfect again.")),
            )
        live.publish(site=sample.site, rooms=[room.pk], topics=[TOPIC])
    return sample


def environmental_sample_check(*, room: Room, to: str) -> None:
    """Refuse to make a ventilated room available while its terminal
    disinfection is open again or its environmental sample is not negative
    (``room_move`` asks; the caller holds the room's row lock)."""
    if room.status != Room.Status.VENTILATING or to != Room.Status.AVAILABLE:
        return
    if DisinfectionTask.objects.filter(
        room=room, kind=DisinfectionTask.Kind.TERMINAL, status=DisinfectionTask.Status.OPEN
    ).exists():
        raise ServiceError(
            _("Room %(room)s is to be disinfected again; record its terminal disinfection first.")
            % {"room": room.number}
        )
    sample = EnvironmentalSample.objects.filter(room=room, status__in=EnvironmentalSample.OPEN).first()
    if sample is None:
        return
    if sample.status == EnvironmentalSample.Status.DUE:
        message = _(
            "Room %(room)s had a positive case: take an environmental sample; it can be made available "
            "once the sample is negative."
        )
    else:
        message = _("Room %(room)s had a positive case: it waits for a negative environmental sample result.")
    raise ServiceError(message % {"room": room.number})


# --- medical waste -------------------------------------------------------------


def waste_collect(
    *,
    site: Site,
    floor: int,
    bags: int,
    weight_kg: Decimal,
    by,
    positive: bool = False,
    room: Room | None = None,
    token: str | None = None,
) -> WasteCollection:
    """Record medical waste collected on a floor; waste from a positive case's room is flagged."""
    require_role(by, *DISINFECTION_ROLES)
    if floor not in site.floors():
        raise ServiceError(_("This site has no floor %(floor)s.") % {"floor": floor})
    if bags < 1 or weight_kg <= 0:
        raise ServiceError(_("Give the number of bags and their weight."))
    if room is not None:
        room = Room.objects.get(pk=room.pk)  # its status now, not when the form was read
    if room is not None and (room.site_id != site.pk or room.floor != floor):
        raise ServiceError(_("Room %(room)s is not on floor %(floor)s.") % {"room": room.number, "floor": floor})
    if positive and room is None:
        # Positive waste is traced to its room (the hand-over's chain and the room's own record).
        raise ServiceError(_("Give the room of the positive case the waste comes from."))
    # A sealed room's waste is a positive case's, whatever the box said.
    positive = bool(positive) or (room is not None and room.status == Room.Status.SEALED)
    with transaction.atomic():
        claim_form(token, by)
        collection = WasteCollection.objects.create(
            site=site,
            floor=floor,
            bags=bags,
            weight_kg=weight_kg,
            collected_at=timezone.now(),
            collected_by=by,
            positive=positive,
            room=room,
        )
        audit(
            site=site,
            by=by,
            action="waste.collect",
            obj=collection,
            room=room,
            after={"floor": floor, "bags": bags, "weight_kg": str(weight_kg), "positive": positive},
        )
        live.publish(site=site, topics=[TOPIC])
    return collection


def waste_hand_over(
    *,
    site: Site,
    contractor: str,
    receiver: str,
    manifest_number: str,
    by,
    handed_over_name: str = "",
    token: str | None = None,
) -> WasteHandover:
    """Hand every collection still on site to the licensed contractor, with the
    totals, the transfer manifest number (转移联单号) and the two signatures:
    who handed it over (the user, unless another name is given) and who received it."""
    require_role(by, *DISINFECTION_ROLES)
    contractor, receiver, manifest_number = contractor.strip(), receiver.strip(), manifest_number.strip()
    handed_over_name = handed_over_name.strip() or display_name(by)
    if not contractor or not receiver:
        raise ServiceError(_("Name the contractor and who received the waste."))
    if not manifest_number:
        raise ServiceError(_("Give the transfer manifest number of this hand-over."))
    if "".join(receiver.split()) == "".join(handed_over_name.split()):
        # Two signatures: the site's and the contractor's receiver.
        raise ServiceError(
            _("%(name)s cannot both hand the waste over and receive it: the receiver signs for the contractor.")
            % {"name": handed_over_name}
        )
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
            manifest_number=manifest_number[:40],
            handed_over_name=handed_over_name[:50],
            bags=sum(collection.bags for collection in waiting),
            weight_kg=sum(collection.weight_kg for collection in waiting),
        )
        WasteCollection.objects.filter(pk__in=[collection.pk for collection in waiting]).update(handover=handover)
        audit(
            site=site,
            by=by,
            action="waste.hand_over",
            obj=handover,
            after={
                "collections": len(waiting),
                "bags": handover.bags,
                "weight_kg": str(handover.weight_kg),
                "positive_bags": sum(collection.bags for collection in waiting if collection.positive),
                "manifest_number": handover.manifest_number,
                "handed_over_by": handover.handed_over_name,
                "received_by": handover.receiver,
            },
        )
        live.publish(site=site, topics=[TOPIC])
    return handover


def connect_stay_hooks() -> None:
    """The last one out of a room, released, transferred or moved to another
    room, leaves it for terminal disinfection (rooms.services.STAY_HOOKS)."""
    STAY_HOOKS.left.append(lambda *, stay, room, by: terminal_disinfection_open(room=room, by=by))
    STAY_HOOKS.moved.append(lambda *, stay, left, by: terminal_disinfection_open(room=left, by=by))
    # A positive case's room is made available only after a negative
    # environmental sample.
    STAY_HOOKS.room_move_checks.append(environmental_sample_check)
    # A room sealed for a positive: its floor's corridor and lift at once (the
    # sealing service publishes the disinfection board).
    # The tasks say which room, never whose result: the disinfection group
    # sees rooms, not people's tests.
    STAY_HOOKS.sealed.append(
        lambda *, room, by, note: open_floor_spot_tasks(
            room=room, by=by, reason=written(gettext_noop("Room %(room)s was sealed."), room=room.number), publish=False
        )
    )
