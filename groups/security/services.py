"""Security: the checkpoint log, floor patrols and incidents."""

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from groups.medical.models import Alert
from groups.medical.services import MEDICAL_TOPIC, exposure_in_site, medical_alert_raise
from groups.security.models import CheckpointEntry, Incident, Patrol
from rooms.models import Person, Request, Room, Site, Stay
from rooms.requests import request_delivery_arrived
from rooms.roles import Role, require_role
from rooms.services import ServiceError, audit, check_version, claim_form, lock_row, touch, who_and_when
from rooms.words import written
from site_ops import live

SECURITY_ROLES = (Role.SECURITY, Role.SITE_HEAD)
TOPIC = "security"

# An incident is open until it is resolved, with a note; it is never reopened
# (a new one is reported instead).
INCIDENT_MOVES = {(Incident.Status.OPEN, Incident.Status.RESOLVED)}


def checkpoint_log_in(
    *, site: Site, kind: str, name: str, purpose: str, by, token: str | None = None, request: int | None = None
) -> CheckpointEntry:
    """Log a person, vehicle or delivery in through the checkpoint.

    A family's delivery for a resident's request names it: the request's
    group sees that it arrived (rooms.requests.request_delivery_arrived).
    """
    require_role(by, *SECURITY_ROLES)
    name, purpose = name.strip(), purpose.strip()
    if kind not in CheckpointEntry.Kind.values:
        raise ServiceError(_("Choose person, vehicle or delivery."))
    if not name or not purpose:
        raise ServiceError(_("Say who or which vehicle, and why they come in."))
    with transaction.atomic(), live.one_broadcast():
        claim_form(token, by)
        waiting = None
        if request is not None:
            if kind != CheckpointEntry.Kind.DELIVERY:
                raise ServiceError(_("Only a delivery is for a request."))
            waiting = Request.objects.filter(pk=request, site=site).first()
            if waiting is None:
                raise ServiceError(_("That request is not on this site."))
        entry = CheckpointEntry.objects.create(
            site=site,
            kind=kind,
            name=name[:60],
            purpose=purpose[:100],
            entered_at=timezone.now(),
            entered_by=by,
            updated_by=by,
            request=waiting,
        )
        audit(site=site, by=by, action="checkpoint.in", obj=entry, after={"kind": kind, "purpose": entry.purpose})
        if waiting is not None:
            request_delivery_arrived(request=waiting, by=by, entry=entry)
        live.publish(site=site, topics=[TOPIC])
    return entry


def checkpoint_log_out(
    *, entry: CheckpointEntry, by, version: int | None = None, token: str | None = None
) -> CheckpointEntry:
    """Log someone or something out: they are no longer inside."""
    require_role(by, *SECURITY_ROLES)
    with transaction.atomic():
        claim_form(token, by)
        entry = lock_row(CheckpointEntry, entry.pk)
        if not entry.is_inside:
            raise ServiceError(
                _("%(name)s was already logged out at %(time)s by %(who)s.")
                % {"name": entry.name, **who_and_when(entry.left_by, entry.left_at)}
            )
        check_version(entry, version)
        entry.left_at = timezone.now()
        entry.left_by = by
        touch(entry, by)
        entry.save()
        audit(site=entry.site, by=by, action="checkpoint.out", obj=entry, after={"kind": entry.kind})
        live.publish(site=entry.site, topics=[TOPIC])
    return entry


def patrol_record(*, site: Site, floor: int, by, remarks: str = "", token: str | None = None) -> Patrol:
    """Record a floor walked, with what was seen."""
    require_role(by, *SECURITY_ROLES)
    if not Room.objects.filter(site=site, floor=floor).exists():
        raise ServiceError(_("This site has no floor %(floor)s.") % {"floor": floor})
    with transaction.atomic():
        claim_form(token, by)
        patrol = Patrol.objects.create(site=site, floor=floor, at=timezone.now(), by=by, remarks=remarks.strip()[:200])
        audit(site=site, by=by, action="patrol.record", obj=patrol, after={"floor": floor}, note=patrol.remarks)
        live.publish(site=site, topics=[TOPIC])
    return patrol


def incident_report(
    *,
    site: Site,
    kind: str,
    severity: str,
    description: str,
    by,
    room: Room | None = None,
    visited_room: Room | None = None,
    floor: int | None = None,
    token: str | None = None,
) -> Incident:
    """Report an incident: it reaches the site head live and stays open until
    resolved. A medical emergency also alerts the medical group. A person in
    another room (``left_room`` with ``visited_room``) names everyone in the
    two rooms, for the site head to decide whether it was an exposure."""
    require_role(by, *SECURITY_ROLES)
    description = description.strip()
    if kind not in Incident.Kind.values or severity not in Incident.Severity.values:
        raise ServiceError(_("Choose what happened and how severe it is."))
    if not description:
        raise ServiceError(_("Describe what happened."))
    for where in (room, visited_room):
        if where is not None and where.site_id != site.pk:
            raise ServiceError(_("This room belongs to another site."))
    if visited_room is not None and (kind != Incident.Kind.LEFT_ROOM or room is None or room == visited_room):
        raise ServiceError(_("A room gone into goes with a person who left their own room, and is another room."))
    with transaction.atomic():
        claim_form(token, by)
        incident = Incident.objects.create(
            site=site,
            kind=kind,
            severity=severity,
            room=room,
            visited_room=visited_room,
            floor=room.floor if room else floor,
            description=description[:300],
            reported_at=timezone.now(),
            reported_by=by,
            updated_by=by,
        )
        if visited_room is not None:
            incident.people.set(
                Person.objects.filter(stays__room__in=[room, visited_room], stays__ended_at__isnull=True).values_list(
                    "pk", flat=True
                )
            )
        audit(
            site=site,
            by=by,
            action="incident.report",
            obj=incident,
            room=room,
            after={"kind": kind, "severity": severity},
            note=incident.description,
        )
        topics = [TOPIC]
        if kind == Incident.Kind.MEDICAL_EMERGENCY:
            medical_alert_raise(
                site=site,
                kind=Alert.Kind.MEDICAL_EMERGENCY,
                room=room,
                by=by,
                note=incident.description,
                incident=incident,
            )
            topics.append(MEDICAL_TOPIC)
        live.publish(site=site, rooms=[room.pk] if room else [], topics=topics)
    return incident


def incident_mark_exposure(*, incident: Incident, by, version: int | None = None, token: str | None = None) -> Incident:
    """The site head decides a person in another room was an exposure: the
    people of both rooms get a PCR today and their quarantine restarts from
    the day it happened."""
    require_role(by, Role.SITE_HEAD)
    with transaction.atomic():
        claim_form(token, by)
        incident = lock_row(Incident, incident.pk)
        check_version(incident, version)
        if incident.visited_room_id is None:
            raise ServiceError(_("Only a person found in another room can be marked as an exposure."))
        if incident.exposure_at is not None:
            raise ServiceError(
                _("This incident was already marked as an exposure by %(who)s at %(time)s.")
                % who_and_when(incident.exposure_by, incident.exposure_at)
            )
        rooms = [incident.room_id, incident.visited_room_id]
        stays = Stay.objects.open().filter(room_id__in=rooms).select_related("person", "room", "site")
        note = written(
            gettext_noop("Exposure: %(incident)s (%(time)s)."),
            incident=incident,
            time=date_format(timezone.localtime(incident.reported_at), "m-d H:i"),
        )
        persons = exposure_in_site(stays=stays, exposed_on=timezone.localdate(incident.reported_at), by=by, note=note)
        incident.exposure_at = timezone.now()
        incident.exposure_by = by
        touch(incident, by)
        incident.save(update_fields=["exposure_at", "exposure_by", "version", "updated_at", "updated_by"])
        audit(
            site=incident.site,
            by=by,
            action="incident.exposure",
            obj=incident,
            room=incident.room,
            after={"people": len(persons)},
            note=note,
        )
        live.publish(site=incident.site, rooms=rooms, persons=persons, topics=[TOPIC, MEDICAL_TOPIC])
    return incident


def incident_resolve(
    *, incident: Incident, resolution: str, by, version: int | None = None, token: str | None = None
) -> Incident:
    """Close an incident with a note saying how it was resolved."""
    require_role(by, *SECURITY_ROLES)
    resolution = resolution.strip()
    if not resolution:
        raise ServiceError(_("Say how the incident was resolved."))
    with transaction.atomic():
        claim_form(token, by)
        incident = lock_row(Incident, incident.pk)
        if (incident.status, Incident.Status.RESOLVED) not in INCIDENT_MOVES:
            raise ServiceError(
                _("This incident was already resolved by %(who)s at %(time)s.")
                % who_and_when(incident.resolved_by, incident.resolved_at)
            )
        check_version(incident, version)
        incident.status = Incident.Status.RESOLVED
        incident.resolved_at = timezone.now()
        incident.resolved_by = by
        incident.resolution = resolution[:300]
        touch(incident, by)
        incident.save()
        audit(
            site=incident.site,
            by=by,
            action="incident.resolve",
            obj=incident,
            room=incident.room,
            before={"status": Incident.Status.OPEN},
            after={"status": incident.status},
            note=incident.resolution,
        )
        live.publish(site=incident.site, rooms=[incident.room_id] if incident.room_id else [], topics=[TOPIC])
    return incident
