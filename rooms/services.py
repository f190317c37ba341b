"""Every write the screens trigger for rooms, people and stays.

Each function owns its transaction: it checks the caller's group and the move,
writes, appends the audit event and publishes the affected boards (sent only
after commit). A refused move raises ``ServiceError`` with a message for the
user and changes nothing.
"""

import contextvars
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import FieldDoesNotExist
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rooms import handover as handovers
from rooms.masking import mask_national_id, masked_fields
from rooms.models import AuditEvent, Handover, Person, Request, Room, Site, Stay, SubmittedForm
from rooms.roles import Role, display_name, district_sites, has_role, require_role, role_label
from rooms.words import site_language
from site_ops import live
from site_ops.speedups.fixed_reads import get_row

PEOPLE_ROLES = (Role.GENERAL, Role.SITE_HEAD)

# Topics a change names (live.publish), so that a board showing none of it is
# left alone. Who is in a room, or what the room boards show of them, changed:
OCCUPANTS = "occupants"
# Disinfection tasks, or the rooms waiting for them, changed:
DISINFECTION = "disinfection"
# A room was sealed or unsealed (the security group guards sealed doors):
SEALED = "sealed"


class ServiceError(Exception):
    """A refused move: the message says why; nothing was changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Conflict(ServiceError):
    """The record changed since the user loaded it."""


class AlreadySubmitted(ServiceError):
    """The same form was submitted twice; the first one counted."""


# --- shared steps ---------------------------------------------------------


def _json(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def audit(**fields):
    """Append one audit event (``audit_event``'s fields); personal data in
    before/after is masked."""
    event = audit_event(**fields)
    event.save(force_insert=True)
    return event


def audit_event(*, site, by, action, obj, room=None, person=None, before=None, after=None, note="", label=None):
    """One audit event, not yet saved; personal data in before/after is masked.

    ``label`` names the object in the history when its own name says too
    little (a batch: "F3 lunch, 18 rooms"); it and ``note``, when given
    lazily, and the object's own name are worded in the site's language. ``by`` is None for what the
    clock does (a sample missed at midnight). ``audit`` saves one; a batch
    that moves many records (a floor's samples, a health round) saves its
    events in one statement (``audit_all``).

    Every change is audited, so every change passes here: an actor who
    does not work at the record's site is refused (``check_actor_site``).
    """
    check_actor_site(by, site)
    with site_language():
        # A label or note given lazily is worded here; so is the record's own name.
        label, note = str(label or obj), str(note)
        actor_name = display_name(by) if by else _("system")
    return AuditEvent(
        site=site,
        at=timezone.now(),
        actor=by,
        actor_name=actor_name,
        role=role_label(by) if by else "",
        action=action,
        label=label[:300],
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        room=room,
        person=person,
        before={key: _json(value) for key, value in masked_fields(before or {}).items()},
        after={key: _json(value) for key, value in masked_fields(after or {}).items()},
        note=note[:300],
    )


# Set while a change at one site records its consequence at another (``across_sites``).
_across_sites: contextvars.ContextVar = contextvars.ContextVar("site_ops_across_sites", default=False)


@contextmanager
def across_sites():
    """A change at one site that records its consequence at another, by design:
    a transfer cancelled at the sending site takes the person off the receiving
    site's arrivals; the receiving site's check-in is noted on the sending
    site's transfer. Inside it, ``check_actor_site`` lets the other site's
    audit event through."""
    token = _across_sites.set(True)
    try:
        yield
    finally:
        _across_sites.reset(token)


def check_actor_site(by, site) -> None:
    """Refuse a change by someone who does not work at its site.

    The views scope every record to the user's own site, so no screen can
    reach another site's; this is the services' own refusal, for any caller
    (a script, a job, a view that forgot). A district officer works at no
    site and acts on their districts' sites; the administrator (a superuser,
    in the admin) and a login with neither a site nor the district role are
    not refused here. Raised inside the change's transaction, it leaves
    nothing changed.
    """
    if by is None or by.is_superuser or _across_sites.get():
        return
    site_id = getattr(site, "pk", site)
    staff = getattr(by, "staff", None)
    if staff is not None:
        allowed = staff.site_id == site_id
    elif has_role(by, Role.DISTRICT):
        allowed = district_sites(by).filter(pk=site_id).exists()
    else:
        allowed = True
    if not allowed:
        raise ServiceError(_("%(name)s does not work at this site; nothing was changed.") % {"name": display_name(by)})


def audit_all(events: list) -> None:
    """Append a batch's audit events (``audit_event``) in one statement."""
    AuditEvent.objects.bulk_create(events)


def claim_form(token: str | None, by) -> None:
    """Record a form's one-time token; a second submission raises AlreadySubmitted."""
    if not token:
        return
    try:
        with transaction.atomic():
            SubmittedForm.objects.create(token=token[:64], user=by)
    except IntegrityError:
        raise AlreadySubmitted(_("This form was already submitted; it was recorded once.")) from None


def failed_constraint(error: IntegrityError) -> tuple[str, str]:
    """What an IntegrityError broke, as ("unique" | "not_null" | "", the constraint or column).

    PostgreSQL names the constraint or column in its diagnostics; SQLite only
    in its message ("NOT NULL constraint failed: rooms_person.birth_date").
    """
    diag = getattr(error.__cause__, "diag", None)
    if diag is not None:
        state = getattr(error.__cause__, "sqlstate", "") or ""
        if state == "23502":
            return "not_null", diag.column_name or ""
        if state == "23505":
            return "unique", diag.constraint_name or ""
        return "", diag.constraint_name or ""
    text = str(error)
    for kind, prefix in (("not_null", "NOT NULL constraint failed: "), ("unique", "UNIQUE constraint failed: ")):
        if text.startswith(prefix):
            return kind, text[len(prefix) :].split(",")[-1].strip().rsplit(".", 1)[-1]
    return "", ""


def who_and_when(user, moment) -> dict[str, str]:
    """Who did something and at what time, for a message: {"who": 周宁, "time": 14:05}."""
    return {
        "who": display_name(user) if user else _("someone"),
        "time": date_format(timezone.localtime(moment), "H:i"),
    }


def check_version(obj, version: int | None) -> None:
    if version is not None and int(version) != obj.version:
        done = who_and_when(obj.updated_by, obj.updated_at)
        raise Conflict(
            _("%(what)s was changed by %(who)s at %(when)s since you opened it. Check it and try again.")
            % {"what": obj, "who": done["who"], "when": done["time"]}
        )


def touch(obj, by) -> None:
    """Mark a versioned record as changed by this user now (the caller saves it)."""
    obj.version += 1
    obj.updated_at = timezone.now()
    obj.updated_by = by


def lock_row(model, pk):
    # On PostgreSQL this takes the row lock; on SQLite the IMMEDIATE
    # transaction already holds the database's write lock. The site comes
    # along: every service audits and publishes with it. Who changed the row
    # last is read only for a conflict's message (check_version).
    related = ("site",) if any(f.name == "site" for f in model._meta.concrete_fields) else ()
    return get_row(model, pk, related=related, for_update=True)


@dataclass
class StayHooks:
    """The groups' part in a stay's life, done in the stay's own transaction.

    rooms owns stays and imports no group: each group adds its part here
    from its ``AppConfig.ready`` (``connect_stay_hooks`` in its services).
    The medical group sets the quarantine length, plans the samples at
    check-in, checks the protocol at release and cancels the samples at
    departure; the disinfection group opens the terminal task when the last
    one leaves a room (or moves out of it), holds a positive's room back
    until its environmental sample is negative and opens the floor's spot
    tasks when a room is sealed; the transfers group refuses a release while
    a transfer is open and moves an open transfer with a room change. Every
    hook takes keyword arguments and may raise ``ServiceError``, which rolls
    the whole move back.
    """

    # quarantine_end(site, arrival) -> date
    quarantine_end: Callable[[Site, date], date] | None = None
    # checked_in(stay=, by=)
    checked_in: list[Callable] = field(default_factory=list)
    # release_checks(stay=): raises ServiceError to refuse the release
    release_checks: list[Callable] = field(default_factory=list)
    # left(stay=, room=, by=): a stay ended (release or departure)
    left: list[Callable] = field(default_factory=list)
    # moved(stay=, left=, by=): the person changed room; ``left`` is the room they left
    moved: list[Callable] = field(default_factory=list)
    # room_move_checks(room=, to=): raises ServiceError to refuse a room's move by hand
    room_move_checks: list[Callable] = field(default_factory=list)
    # sealed(room=, by=, note=): a room was sealed for a positive (room_seal)
    sealed: list[Callable] = field(default_factory=list)
    # carry(stay=) -> dict: what a stay hands on to a transfer to another site
    # of the district (the medical group: the samples still to come)
    carry: list[Callable] = field(default_factory=list)


STAY_HOOKS = StayHooks()


def quarantine_end(site: Site, arrival: date) -> date:
    if STAY_HOOKS.quarantine_end is None:
        raise ServiceError(_("This site has no test protocol: set one up in the admin."))
    return STAY_HOOKS.quarantine_end(site, arrival)


def _same_site(*objects) -> None:
    if len({obj.site_id for obj in objects}) != 1:
        raise ServiceError(_("These records belong to different sites."))


# --- people ---------------------------------------------------------------

PERSON_FIELDS = (
    "name",
    "national_id",
    "phone",
    "address",
    "sex",
    "birth_date",
    "category",
    "special_needs",
    "diet",
    "allergy_note",
    "emergency_contact",
    "emergency_phone",
    "household",
    "expected_on",
    "source",
)


def person_register(*, site: Site, by, data: dict, token: str | None = None) -> Person:
    """Put one person on the arrival list (status expected)."""
    return household_register(site=site, by=by, members=[data], household="", token=token)[0]


def household_register(
    *, site: Site, by, members: list[dict], household: str, token: str | None = None
) -> list[Person]:
    """Put a family (or one person) on the arrival list, in one transaction."""
    require_role(by, *PEOPLE_ROLES)
    if not members:
        raise ServiceError(_("Add at least one person."))
    ids = [member["national_id"] for member in members]
    if len(set(ids)) != len(ids):
        raise ServiceError(_("The same national ID appears twice in this list."))
    with transaction.atomic():
        claim_form(token, by)
        active = list(
            Person.objects.filter(
                site=site,
                national_id__in=ids,
                status__in=[Person.Status.EXPECTED, Person.Status.IN_ISOLATION],
            ).order_by("name")
        )
        if active:
            # Who, and as what: the clerk finds the record by the name (the board's search), not the masked ID.
            raise ServiceError(
                _("Already on this site: %(people)s. Search the board for the name to open the record.")
                % {
                    "people": "; ".join(
                        _("%(name)s (%(status)s, %(id)s)")
                        % {
                            "name": person.name,
                            "status": person.get_status_display(),
                            "id": mask_national_id(person.national_id),
                        }
                        for person in active
                    )
                }
            )
        people = []
        for member in members:
            values = {key: member[key] for key in PERSON_FIELDS if key in member}
            if household and not values.get("household"):
                values["household"] = household
            person = Person.objects.create(site=site, updated_by=by, **values)
            audit(site=site, by=by, action="person.register", obj=person, person=person, after=values)
            people.append(person)
        live.publish(site=site, persons=[person.pk for person in people])
    return people


def person_update(*, person: Person, by, data: dict, version: int | None, token: str | None = None) -> Person:
    """Correct or complete a person's details; refused on a stale version."""
    require_role(by, *PEOPLE_ROLES)
    with transaction.atomic():
        claim_form(token, by)
        person = lock_row(Person, person.pk)
        check_version(person, version)
        changed = {key: value for key, value in data.items() if key in PERSON_FIELDS and getattr(person, key) != value}
        if not changed:
            return person
        before = {key: getattr(person, key) for key in changed}
        for key, value in changed.items():
            setattr(person, key, value)
        touch(person, by)
        try:
            with transaction.atomic():
                person.save()
        except IntegrityError as error:
            raise ServiceError(_person_save_refused(error)) from None
        audit(site=person.site, by=by, action="person.update", obj=person, person=person, before=before, after=changed)
        stay = Stay.objects.open().filter(person=person).first()
        rooms = [stay.room_id] if stay else []
        live.publish(site=person.site, rooms=rooms, persons=[person.pk], topics=[OCCUPANTS] if stay else [])
    return person


def _person_save_refused(error: IntegrityError) -> str:
    """The message for the rule a person's save broke, not a guess."""
    kind, name = failed_constraint(error)
    if kind == "unique" and name in ("person_one_active_record_per_id", "national_id"):
        return _("Another person on this site already has this national ID.")
    if kind == "not_null":
        try:
            label = Person._meta.get_field(name).verbose_name
        except FieldDoesNotExist:
            label = name
        return _("%(field)s is required.") % {"field": str(label).capitalize()}
    return _("These details could not be saved: they clash with another record. Check them and try again.")


def require_reveal(by) -> None:
    """Only users allowed to see full national IDs and phone numbers may ask for them."""
    if not by.has_perm("rooms.reveal_personal_data"):
        raise ServiceError(_("You are not allowed to reveal personal data."))


def person_reveal(*, person: Person, field: str, reason: str, by) -> str:
    """Show one person's full national ID or phone number, and log who asked and why."""
    if field not in ("national_id", "phone", "emergency_phone"):
        raise ServiceError(_("Only a national ID or a phone number can be revealed."))
    require_reveal(by)
    reason = reason.strip()
    if len(reason) < 2:
        raise ServiceError(_("Say why you need to see it."))
    with transaction.atomic():
        audit(
            site=person.site,
            by=by,
            action="person.reveal",
            obj=person,
            person=person,
            after={"field": field},
            note=reason,
        )
        # The reveal is in the person's history, so that page changes too.
        live.publish(site=person.site, persons=[person.pk])
    return getattr(person, field)


def person_no_show(*, person: Person, reason: str, by, version: int | None = None, token: str | None = None) -> Person:
    """An expected person who will not come (went elsewhere, tested positive
    before the bus, wrong list): off the expected count, with the reason."""
    require_role(by, *PEOPLE_ROLES)
    reason = reason.strip()
    if len(reason) < 2:
        raise ServiceError(_("Say why they did not arrive."))
    with transaction.atomic():
        claim_form(token, by)
        person = lock_row(Person, person.pk)
        check_version(person, version)
        if person.status != Person.Status.EXPECTED:
            raise ServiceError(
                _("%(name)s is not expected (status: %(status)s).")
                % {"name": person.name, "status": person.get_status_display()}
            )
        person.status = Person.Status.NO_SHOW
        touch(person, by)
        person.save(update_fields=["status", "version", "updated_at", "updated_by"])
        audit(
            site=person.site,
            by=by,
            action="person.no_show",
            obj=person,
            person=person,
            before={"person_status": Person.Status.EXPECTED},
            after={"person_status": person.status},
            note=reason[:200],
        )
        live.publish(site=person.site, persons=[person.pk], topics=[OCCUPANTS])
    return person


def person_set_carer(*, carer: Person, cares_for: Person | None, by, version: int | None = None, token=None) -> Person:
    """Link a carer (陪护) to the person they look after, or unlink them (``None``)."""
    require_role(by, *PEOPLE_ROLES)
    if cares_for is not None:
        _same_site(carer, cares_for)
        if cares_for.pk == carer.pk:
            raise ServiceError(_("A person cannot be their own carer."))
    with transaction.atomic():
        claim_form(token, by)
        carer = lock_row(Person, carer.pk)
        check_version(carer, version)
        if cares_for is not None and Person.objects.filter(pk=cares_for.pk, cares_for_id=carer.pk).exists():
            raise ServiceError(
                _("%(other)s already cares for %(name)s.") % {"other": cares_for.name, "name": carer.name}
            )
        before = carer.cares_for.name if carer.cares_for_id else ""
        carer.cares_for = cares_for
        touch(carer, by)
        carer.save(update_fields=["cares_for", "version", "updated_at", "updated_by"])
        audit(
            site=carer.site,
            by=by,
            action="person.carer",
            obj=carer,
            person=carer,
            before={"cares_for": before},
            after={"cares_for": cares_for.name if cares_for else ""},
        )
        linked = [carer.pk] + ([cares_for.pk] if cares_for else [])
        live.publish(site=carer.site, persons=linked, topics=[OCCUPANTS])
    return carer


# --- stays ----------------------------------------------------------------


def stay_check_in(
    *,
    person: Person,
    room: Room,
    by,
    version: int | None = None,
    token: str | None = None,
    override: str = "",
    together: bool = False,
) -> Stay:
    """Check an expected person in to a room: the stay starts, the room fills.

    Only people of one household and one category share a room; the site
    head may put others together with a reason (``override``), audited.
    ``together``: their family still on the arrival list (``family_expected``)
    is checked in with them, to the same room, each as if alone; the room
    must hold them all. The returned stay is the person's.
    """
    require_role(by, *PEOPLE_ROLES)
    _same_site(person, room)
    with transaction.atomic(), live.one_broadcast():
        claim_form(token, by)
        family = family_expected(person) if together else []
        # Everyone arriving locked in the order of their ids.
        locked = {pk: lock_row(Person, pk) for pk in sorted([person.pk, *(other.pk for other in family)])}
        person = locked[person.pk]
        check_version(person, version)
        if together and not family:
            raise ServiceError(
                _("Nobody of %(name)s's family is on the arrival list: check %(name)s in alone.")
                % {"name": person.name}
            )
        arriving = [person, *(locked[other.pk] for other in family)]
        for who in arriving:
            if who.status != Person.Status.EXPECTED:
                raise ServiceError(
                    _("%(name)s cannot be checked in: their status is %(status)s.")
                    % {"name": who.name, "status": who.get_status_display()}
                )
            require_left_sending_site(who)
        room = lock_row(Room, room.pk)
        require_takes_people(room)
        require_beds(room, arriving)
        now = timezone.now()
        stays = []
        for who in arriving:
            # Checked against those already in, the family checked in before them included:
            # a carer of another household needs the site head's reason, as when alone.
            note = require_may_share(who, room, by, override)
            stays.append(_check_in_one(who, room, by, now, note))
        live.publish(site=person.site, rooms=[room.pk], persons=[who.pk for who in arriving], topics=[OCCUPANTS])
    stay = stays[0]
    stay.checked_in_with = arriving[1:]
    return stay


def _check_in_one(person: Person, room: Room, by, now, note: str) -> Stay:
    """One person's stay starts in a locked room they may take (``stay_check_in`` checked it)."""
    site = person.site
    before = {"room_status": room.status, "occupants": room.occupant_count}
    # A person transferred from another site keeps the end date their
    # quarantine had there: it goes on, it does not start again.
    carried_end = person.carried_plan.get("ends_on")
    try:
        with transaction.atomic():
            # The row is locked; the database's check constraint refuses
            # an overfull room as a last line.
            enter_room(room, by, now)
            stay = Stay.objects.create(
                site=site,
                person=person,
                room=room,
                started_at=now,
                ends_on=(
                    date.fromisoformat(carried_end) if carried_end else quarantine_end(site, timezone.localdate(now))
                ),
                updated_by=by,
            )
    except IntegrityError:
        raise ServiceError(
            _("Room %(room)s is full or %(name)s is already in a room.") % {"room": room.number, "name": person.name}
        ) from None
    person.status = Person.Status.IN_ISOLATION
    touch(person, by)
    person.save(update_fields=["status", "version", "updated_at", "updated_by"])
    for hook in STAY_HOOKS.checked_in:
        hook(stay=stay, by=by)
    audit(
        site=site,
        by=by,
        action="stay.check_in",
        obj=stay,
        room=room,
        person=person,
        before=before,
        after={"room_status": room.status, "occupants": room.occupant_count, "ends_on": stay.ends_on},
        note=note,
    )
    return stay


def family_expected(person: Person) -> list[Person]:
    """Who is checked in with ``person`` when their family arrives together:
    the people of their household still on the site's arrival list for today
    (or overdue; not those expected on a later day), and their carer link
    either way. One query."""
    others = Person.objects.filter(
        _family_link(person),
        site_id=person.site_id,
        status=Person.Status.EXPECTED,
        expected_on__lte=timezone.localdate(),
    )
    return list(others.exclude(pk=person.pk).order_by("pk"))


def _family_link(person: Person) -> Q:
    """Who belongs with ``person``: their household, and their carer link either way."""
    link = Q(cares_for_id=person.pk)
    if person.cares_for_id:
        link |= Q(pk=person.cares_for_id)
    if person.household:
        link |= Q(household=person.household)
    return link


def require_beds(room: Room, people: list[Person]) -> None:
    """Refuse a (locked) room without a free bed for each of ``people``."""
    if len(people) > room.free_beds:
        raise ServiceError(
            ngettext(
                "Room %(room)s has %(free)s free bed; %(names)s are %(count)s.",
                "Room %(room)s has %(free)s free beds; %(names)s are %(count)s.",
                room.free_beds,
            )
            % {
                "room": room.number,
                "free": room.free_beds,
                "names": "、".join(who.name for who in people),
                "count": len(people),
            }
        )


def require_left_sending_site(person: Person) -> None:
    """A person transferred from another site is checked in here once they have left there."""
    origin = person.arrived_from
    if origin is not None and origin.status == Person.Status.IN_ISOLATION:
        raise ServiceError(
            _("%(name)s is still at %(site)s: check them in once the transfer has left there.")
            % {"name": person.name, "site": origin.site.name}
        )


# --- a transfer to another site of the district -----------------------------

# What a person's record at the receiving site copies from the sending site's:
# everything typed at registration but the arrival date and where from.
TRANSFER_COPY_FIELDS = tuple(name for name in PERSON_FIELDS if name not in ("expected_on", "source"))


def carried_plan_of(stay: Stay) -> dict:
    """What a stay hands on to another site: its end date and what the groups carry (STAY_HOOKS.carry)."""
    plan = {"ends_on": stay.ends_on.isoformat(), "from_site": stay.site.name}
    for hook in STAY_HOOKS.carry:
        plan.update(hook(stay=stay))
    return plan


def person_transfer_in(
    *, person: Person, site: Site, by, source: str, room: Room | None = None, note: str = ""
) -> Person:
    """Put a person of another site on this site's arrival list, with their
    record and what their isolation carries over (the caller, the district
    office's confirmation, holds the transaction and checked the right).

    Nothing is retyped here: the name, ID, phone, category, needs, diet and
    household are copied, the quarantine keeps its end date and the samples
    still to come are scheduled at check-in (STAY_HOOKS.checked_in). ``room``:
    the room the office chose there, which check-in suggests."""
    stay = Stay.objects.open().filter(person=person).select_related("site").first()
    if stay is None:
        raise ServiceError(_("%(name)s is not in a room; the transfer cannot go on.") % {"name": person.name})
    values = {name: getattr(person, name) for name in TRANSFER_COPY_FIELDS}
    if Person.objects.filter(
        site=site, national_id=person.national_id, status__in=[Person.Status.EXPECTED, Person.Status.IN_ISOLATION]
    ).exists():
        raise ServiceError(_("Already on this site: %(ids)s.") % {"ids": mask_national_id(person.national_id)})
    arrival = Person.objects.create(
        site=site,
        updated_by=by,
        arrived_from=person,
        carried_plan={**carried_plan_of(stay), **({"room": room.pk} if room is not None else {})},
        expected_on=timezone.localdate(),
        source=source[:100],
        **values,
    )
    audit(
        site=site,
        by=by,
        action="person.transfer_in",
        obj=arrival,
        person=arrival,
        after={**values, "ends_on": stay.ends_on, "from_site": person.site.name},
        note=note,
    )
    live.publish(site=site, persons=[arrival.pk], topics=[OCCUPANTS])
    return arrival


def person_transfer_withdrawn(*, arrival: Person, by, reason: str) -> None:
    """The transfer that announced this arrival was cancelled or rejected: off the list, as a no-show."""
    arrival = lock_row(Person, arrival.pk)
    if arrival.status != Person.Status.EXPECTED:
        return
    arrival.status = Person.Status.NO_SHOW
    touch(arrival, by)
    arrival.save(update_fields=["status", "version", "updated_at", "updated_by"])
    audit(
        site=arrival.site,
        by=by,
        action="person.no_show",
        obj=arrival,
        person=arrival,
        before={"person_status": Person.Status.EXPECTED},
        after={"person_status": arrival.status},
        note=reason[:200],
    )
    live.publish(site=arrival.site, persons=[arrival.pk], topics=[OCCUPANTS])


def require_takes_people(room: Room) -> None:
    """Refuse a locked room that cannot take one more person now."""
    if room.status not in (Room.Status.AVAILABLE, Room.Status.OCCUPIED):
        raise ServiceError(
            _("Room %(room)s is %(status)s and takes no one now.")
            % {"room": room.number, "status": room.get_status_display()}
        )
    if room.is_full:
        raise ServiceError(_("Room %(room)s is full.") % {"room": room.number})


def may_share(person: Person, occupants) -> bool:
    """Whether this person may join these people in a room.

    Only a household shares a room, and only within one category (close
    contact, secondary contact, inbound traveller): strangers never do. The
    room forms ask this of every free room of the site (``sharing_refusal``
    says why not, in words, for the one chosen).
    """
    household, category = person.household, person.category
    return all(
        other.pk == person.pk or (household and other.household == household and other.category == category)
        for other in occupants
    )


def sharing_refusal(person: Person, occupants) -> str | None:
    """Why this person may not join these people in a room (``may_share``), or None."""
    if may_share(person, occupants):
        return None
    for other in occupants:
        if other.pk == person.pk:
            continue
        if not person.household or other.household != person.household:
            return _("%(other)s of another household is in this room.") % {"other": other.name}
        if other.category != person.category:
            return _("%(other)s in this room is a %(category)s, %(name)s is not.") % {
                "other": other.name,
                "category": other.get_category_display(),
                "name": person.name,
            }
    return None


def require_may_share(person: Person, room: Room, by, override: str) -> str:
    """Refuse a room where people this person may not share with are; the
    site head may override with a reason. Returns the audit note."""
    occupants = Person.objects.filter(stays__room=room, stays__ended_at__isnull=True)
    refusal = sharing_refusal(person, occupants)
    if refusal is None:
        return ""
    refusal = _("Room %(room)s: %(why)s") % {"room": room.number, "why": refusal}
    return site_head_decides(
        refusal,
        by,
        override,
        only=_("Only the site head can put them together, with a reason."),
        anyway=_("To put them together anyway, give the reason."),
        decided=_("Shared by the site head's decision: %(reason)s"),
    )


def site_head_decides(refusal: str, by, override: str, *, only: str, anyway: str, decided: str) -> str:
    """A refusal the site head may overrule with a reason: raises it (saying
    ``only`` to anyone else, ``anyway`` to the site head without a reason),
    or returns the audit note ``decided`` with the reason."""
    if not has_role(by, Role.SITE_HEAD):
        raise ServiceError(refusal + " " + only)
    override = override.strip()
    if len(override) < 2:
        raise ServiceError(refusal + " " + anyway)
    return decided % {"reason": override[:200]}


def require_stays_with_carer(person: Person, left: Room, by, override: str, moving=()) -> str:
    """Refuse to move a child away from the adults of their family in the room
    they leave, or anyone away from their carer (a 0-year-old moved alone);
    the site head may decide otherwise, with a reason. Returns the audit note.

    The family moves together (``stay_move(together=True)``), or adult
    first: the child then joins them (the room's suggestion offers "with
    their family"). ``moving``: the people moving with them."""
    moving = {person.pk, *(other.pk for other in moving)}
    staying = Person.objects.filter(stays__room=left, stays__ended_at__isnull=True).exclude(pk__in=moving)
    child = person.age < Person.CHILD_UNDER

    def looks_after(other: Person) -> bool:
        if other.cares_for_id == person.pk:
            return True
        family = bool(person.household) and other.household == person.household
        return child and family and other.age >= Person.CHILD_UNDER

    with_them = [other for other in staying if looks_after(other)]
    if not with_them:
        return ""
    who = "、".join(other.name for other in with_them)
    refusal = _(
        "%(name)s (%(age)s y) stays with %(who)s, who remain in room %(room)s: move the family together, "
        "or %(who)s first, then %(name)s joins them."
    ) % {"name": person.name, "age": person.age, "who": who, "room": left.number}
    return site_head_decides(
        refusal,
        by,
        override,
        only=_("Only the site head can move them apart, with a reason."),
        anyway=_("To move them apart anyway, give the reason."),
        decided=_("Moved apart by the site head's decision: %(reason)s"),
    )


def family_in_room(person: Person, room_id: int) -> list[Person]:
    """Who moves with ``person`` when their family changes room together: the
    people in room ``room_id`` of their household, and their carer link
    either way (a carer need not be of the household). One query."""
    others = Person.objects.filter(_family_link(person), stays__room_id=room_id, stays__ended_at__isnull=True)
    return list(others.exclude(pk=person.pk).order_by("pk"))


def stay_move(
    *,
    person: Person,
    room: Room,
    reason: str,
    by,
    note: str = "",
    override: str = "",
    version: int | None = None,
    token: str | None = None,
    together: bool = False,
) -> Stay:
    """Move a person in isolation to another room (换房).

    The stay moves, and with it everything that hangs on the stay (the
    samples, health rounds and meals follow the person; the groups' parts
    are in ``STAY_HOOKS.moved``). A room left empty goes to terminal
    disinfection. One audited, live move.

    ``together``: the person's family in the room (``family_in_room``)
    moves with them, in the same step: a mother and her baby, a carer and
    the person they look after. Each of them is checked as if moved alone,
    and the room must hold them all. Not out of a sealed room: after a
    positive, each room-mate is placed on their own.
    """
    require_role(by, *PEOPLE_ROLES)
    _same_site(person, room)
    if reason not in Stay.MoveReason.values:
        raise ServiceError(_("Choose why the person changes room."))
    if reason == Stay.MoveReason.OTHER and len(note.strip()) < 2:
        raise ServiceError(_("Say why the person changes room."))
    with transaction.atomic(), live.one_broadcast():
        claim_form(token, by)
        family = []
        if together:
            # Read before the locks, to take them in order; checked again under them.
            found = Stay.objects.open().filter(person_id=person.pk).first()
            family = family_in_room(person, found.room_id) if found else []
        # Everyone moving locked in the order of their ids, as any other move locks them.
        locked = {pk: lock_row(Person, pk) for pk in sorted([person.pk, *(other.pk for other in family)])}
        person = locked[person.pk]
        check_version(person, version)
        stay = Stay.objects.open().filter(person=person).first()
        if stay is None:
            raise ServiceError(_("%(name)s is not in a room.") % {"name": person.name})
        if stay.room_id == room.pk:
            raise ServiceError(_("%(name)s is in room %(room)s already.") % {"name": person.name, "room": room.number})
        # Both rows locked, always in the same order.
        rooms = {pk: lock_row(Room, pk) for pk in sorted((stay.room_id, room.pk))}
        left, room = rooms[stay.room_id], rooms[room.pk]
        require_takes_people(room)
        movers = [(person, stay)]
        if together:
            movers += _family_moving(person, left, [locked[other.pk] for other in family])
        moving = [who for who, _stay in movers]
        require_beds(room, moving)
        notes = {}
        for who, _stay in movers:
            notes[who.pk] = [
                require_may_share(who, room, by, override),
                require_stays_with_carer(who, left, by, override, moving=moving),
            ]
        now = timezone.now()
        for _who in movers:
            try:
                with transaction.atomic():
                    enter_room(room, by, now)
            except IntegrityError:
                raise ServiceError(_("Room %(room)s is full.") % {"room": room.number}) from None
            leave_room(left, by, now)
        for who, their_stay in movers:
            their_stay.moved_from, their_stay.moved_at = left, now
            their_stay.room = room
            touch(their_stay, by)
            their_stay.save(update_fields=["room", "moved_from", "moved_at", "version", "updated_at", "updated_by"])
            touch(who, by)
            who.save(update_fields=["version", "updated_at", "updated_by"])
        for who, their_stay in movers:
            for hook in STAY_HOOKS.moved:
                hook(stay=their_stay, left=left, by=by)
            with_them = [other.name for other in moving if other.pk != who.pk]
            together_note = _("with %(names)s") % {"names": "、".join(with_them)} if with_them else ""
            audit(
                site=who.site,
                by=by,
                action="stay.move",
                obj=their_stay,
                room=room,
                person=who,
                before={"room": left.number, "left_room_status": left.status},
                after={"room": room.number, "reason": str(Stay.MoveReason(reason).label)},
                note=" ".join(part for part in (note.strip()[:150], together_note, *notes[who.pk]) if part)[:300],
            )
        stay.moved_with = [who for who in moving if who.pk != person.pk]
        persons = [who.pk for who in moving]
        if reason == Stay.MoveReason.REPAIR:
            # The repair is a request of its own, on the general group's board and in the ledger until
            # done: the room left goes to terminal disinfection and would be offered again otherwise.
            from rooms.requests import request_log

            with site_language():
                what = note.strip() or _("Room %(room)s left for repair.") % {"room": left.number}
            request_log(site=person.site, room=left, by=by, kind="repair", what=what, via=Request.Via.STAFF)
        live.publish(site=person.site, rooms=[left.pk, room.pk], persons=persons, topics=[OCCUPANTS, DISINFECTION])
    return stay


def _family_moving(person: Person, left: Room, family: list[Person]) -> list[tuple[Person, Stay]]:
    """The family moving with ``person`` out of ``left`` (locked), with their open stays, or why not."""
    if not family:
        raise ServiceError(
            _("Nobody of %(name)s's family is in room %(room)s with them: move %(name)s alone.")
            % {"name": person.name, "room": left.number}
        )
    if left.status == Room.Status.SEALED:
        raise ServiceError(
            _(
                "Room %(room)s is sealed after a positive: its people are moved one at a time, "
                "each to a room of their own."
            )
            % {"room": left.number}
        )
    stays = {stay.person_id: stay for stay in Stay.objects.open().filter(person__in=family, room=left)}
    missing = [other.name for other in family if other.pk not in stays]
    if missing:
        # Moved or released since the form was opened.
        raise ServiceError(
            _("%(names)s left room %(room)s meanwhile: open the form again.")
            % {"names": "、".join(missing), "room": left.number}
        )
    return [(other, stays[other.pk]) for other in family]


def stay_release(
    *, person: Person, by, version: int | None = None, token: str | None = None, together: bool = False
) -> Stay:
    """Check a person out at the end of isolation: the stay ends, the room empties.

    A carer and the person they look after are released together: one of
    them alone is refused while the other is still in isolation, and
    ``together`` releases both, each checked as if released alone.
    """
    require_role(by, *PEOPLE_ROLES)
    with transaction.atomic():
        claim_form(token, by)
        person = lock_row(Person, person.pk)
        check_version(person, version)
        stay = _releasable_stay(person)
        staying = [other for other in person.linked() if Stay.objects.open().filter(person=other).exists()]
        if staying and not together:
            raise ServiceError(
                _("%(name)s and %(other)s are released together (carer): release both at once.")
                % {"name": person.name, "other": "、".join(other.name for other in staying)}
            )
        released = [(person, stay)] + [(other, _releasable_stay(lock_row(Person, other.pk))) for other in staying]
        rooms = set()
        for who, their_stay in released:
            room = end_stay(stay=their_stay, person=who, reason=Stay.EndReason.RELEASED, by=by)
            rooms.add(room.pk)
            audit(
                site=who.site,
                by=by,
                action="stay.release",
                obj=their_stay,
                room=room,
                person=who,
                before={"person_status": Person.Status.IN_ISOLATION},
                after={"person_status": who.status, "room_status": room.status, "occupants": room.occupant_count},
            )
        # The last one out opens a terminal disinfection task.
        live.publish(
            site=person.site,
            rooms=sorted(rooms),
            persons=[who.pk for who, _stay in released],
            topics=[OCCUPANTS, DISINFECTION],
        )
    return stay


def _releasable_stay(person: Person) -> Stay:
    """The open stay of a person who may be released today, or why not."""
    stay = Stay.objects.open().filter(person=person).first()
    if person.status != Person.Status.IN_ISOLATION or stay is None:
        raise ServiceError(
            _("%(name)s is not in isolation (status: %(status)s).")
            % {"name": person.name, "status": person.get_status_display()}
        )
    if stay.ends_on > timezone.localdate():
        raise ServiceError(
            _("%(name)s's quarantine ends on %(date)s; they cannot be released before.")
            % {"name": person.name, "date": date_format(stay.ends_on, "SHORT_DATE_FORMAT")}
        )
    for check in STAY_HOOKS.release_checks:
        check(stay=stay)
    return stay


def enter_room(room: Room, by, now) -> None:
    """One more person in a room (the caller holds its row lock and checked it takes people)."""
    room.occupant_count += 1
    if room.status != Room.Status.OCCUPIED:
        _set_status(room, Room.Status.OCCUPIED, now)
    touch(room, by)
    room.save(
        update_fields=[
            "occupant_count",
            "status",
            "status_changed_at",
            "ventilation_until",
            "version",
            "updated_at",
            "updated_by",
        ]
    )


def leave_room(room: Room, by, now) -> None:
    """One person fewer in a locked room. The last one out sends it to
    disinfection; a sealed room stays sealed until terminal disinfection."""
    room.occupant_count -= 1
    if room.occupant_count == 0 and room.status == Room.Status.OCCUPIED:
        _set_status(room, Room.Status.AWAITING_DISINFECTION, now)
    touch(room, by)
    room.save(update_fields=["occupant_count", "status", "status_changed_at", "version", "updated_at", "updated_by"])


def end_stay(*, stay: Stay, person: Person, reason: str, by) -> Room:
    """End a stay (release or transfer out): the person leaves, the room empties.

    The last one out sends the room to disinfection; a sealed room stays
    sealed until terminal disinfection is done. The caller holds the
    transaction, audits and publishes.
    """
    now = timezone.now()
    stay.ended_at = now
    stay.end_reason = reason
    touch(stay, by)
    stay.save(update_fields=["ended_at", "end_reason", "version", "updated_at", "updated_by"])
    person.status = Person.Status.RELEASED if reason == Stay.EndReason.RELEASED else Person.Status.TRANSFERRED
    touch(person, by)
    person.save(update_fields=["status", "version", "updated_at", "updated_by"])
    room = lock_row(Room, stay.room_id)
    leave_room(room, by, now)
    for hook in STAY_HOOKS.left:
        hook(stay=stay, room=room, by=by)
    return room


# --- rooms ----------------------------------------------------------------

S = Room.Status
# The moves a person makes by hand, and who may make them. Check-in and
# check-out move a room between available, occupied and awaiting
# disinfection through the stay services above.
ROOM_MOVES: dict[tuple[str, str], tuple[str, ...]] = {
    (S.OCCUPIED, S.SEALED): (Role.SITE_HEAD, Role.MEDICAL),
    # A positive taken back (corrected to negative): the site head decides, with the reason.
    (S.SEALED, S.OCCUPIED): (Role.SITE_HEAD,),
    (S.AWAITING_DISINFECTION, S.VENTILATING): (Role.DISINFECTION, Role.SITE_HEAD),
    (S.SEALED, S.VENTILATING): (Role.DISINFECTION, Role.SITE_HEAD),
    (S.VENTILATING, S.AVAILABLE): (Role.DISINFECTION, Role.GENERAL, Role.SITE_HEAD),
    # Inspected but not to be offered: a repair waits (the room was left for it, or one was asked for).
    (S.VENTILATING, S.OUT_OF_SERVICE): (Role.DISINFECTION, Role.GENERAL, Role.SITE_HEAD),
    (S.AVAILABLE, S.OUT_OF_SERVICE): (Role.GENERAL, Role.SITE_HEAD),
    (S.OUT_OF_SERVICE, S.AVAILABLE): (Role.GENERAL, Role.SITE_HEAD),
}
# The statuses the disinfection board shows rooms in (tasks, sealed, ventilating).
DISINFECTION_STATUSES = frozenset({S.AWAITING_DISINFECTION, S.SEALED, S.VENTILATING})
del S


def _set_status(room: Room, to: str, now) -> None:
    """Every change of a room's status goes through here (the caller holds
    the row lock, saves and audits)."""
    room.status = to
    room.status_changed_at = now
    room.ventilation_until = (
        now + timedelta(minutes=room.site.ventilation_minutes) if to == Room.Status.VENTILATING else None
    )


def room_seal(*, room: Room, by, person: Person, note: str) -> bool:
    """Seal a room a positive case is in (the caller holds the row lock and the
    transaction); False when it was sealed already."""
    if room.status == Room.Status.SEALED:
        return False
    before = room.status
    _set_status(room, Room.Status.SEALED, timezone.now())
    touch(room, by)
    room.save(update_fields=["status", "status_changed_at", "ventilation_until", "version", "updated_at", "updated_by"])
    audit(
        site=room.site,
        by=by,
        action="room.move",
        obj=room,
        room=room,
        person=person,
        before={"status": before},
        after={"status": room.status},
        note=note,
    )
    for hook in STAY_HOOKS.sealed:
        hook(room=room, by=by, note=note)
    return True


def open_repairs():
    """The repairs asked for and not done yet, oldest first: a room among them is not offered to an arrival."""
    return Request.objects.filter(kind=Request.Kind.REPAIR, status__in=Request.OPEN_STATUSES).order_by("requested_at")


def open_repair(room: Room) -> Request | None:
    """The oldest repair asked for the room that is not done yet."""
    return open_repairs().filter(room=room).first()


def repaired_out_of_service(room: Room) -> bool:
    """A room out of service with no repair left to do: someone puts it back in service."""
    return Room.objects.filter(pk=room.pk, status=Room.Status.OUT_OF_SERVICE).exists() and open_repair(room) is None


def room_move(*, room: Room, to: str, by, version: int | None = None, note: str = "") -> Room:
    """Move a room by hand along its lifecycle (disinfected, inspected, out of service...)."""
    with transaction.atomic():
        room = lock_row(Room, room.pk)
        check_version(room, version)
        allowed = ROOM_MOVES.get((room.status, to))
        if allowed is None:
            raise ServiceError(
                _("Room %(room)s cannot go from %(from)s to %(to)s.")
                % {
                    "room": room.number,
                    "from": room.get_status_display(),
                    "to": Room.Status(to).label if to in Room.Status.values else to,
                }
            )
        require_role(by, *allowed)
        now = timezone.now()
        if (room.status, to) == (Room.Status.SEALED, Room.Status.OCCUPIED):
            if not room.occupant_count:
                raise ServiceError(
                    _("Room %(room)s is empty; a sealed room is opened by terminal disinfection.")
                    % {"room": room.number}
                )
            if len(note.strip()) < 2:
                raise ServiceError(_("Say why room %(room)s is unsealed.") % {"room": room.number})
        if to == Room.Status.VENTILATING and room.occupant_count:
            raise ServiceError(
                _("Room %(room)s still has people in it; terminal disinfection comes after they leave.")
                % {"room": room.number}
            )
        ventilating = room.status == Room.Status.VENTILATING and room.ventilation_until
        if to == Room.Status.AVAILABLE and ventilating and room.ventilation_until > now:
            raise ServiceError(
                _("Room %(room)s is ventilating until %(time)s.")
                % {"room": room.number, "time": date_format(timezone.localtime(room.ventilation_until), "H:i")}
            )
        # A group may hold a move back and say why (the disinfection group: a
        # positive case's room waits for a negative environmental sample).
        for check in STAY_HOOKS.room_move_checks:
            check(room=room, to=to)
        # A room just disinfected is not offered to a new arrival while a repair asked for it is not done (put
        # back in service from out of service, it is the general group's decision, the request in view).
        repair = open_repair(room) if room.status == Room.Status.VENTILATING else None
        if repair is not None and to == Room.Status.AVAILABLE:
            raise ServiceError(
                _(
                    "Room %(room)s waits for a repair (%(what)s): take it out of service; it is made available "
                    "once the repair request is resolved."
                )
                % {"room": room.number, "what": repair.what}
            )
        before = {"status": room.status}
        _set_status(room, to, now)
        if note:
            room.note = note[:200]
        elif repair is not None:
            room.note = repair.what[:200]
        elif before["status"] == Room.Status.OUT_OF_SERVICE and room.note:
            # Why it was out of service (a repair, a broken lock) is over; the history keeps it.
            before["note"] = room.note
            room.note = ""
        touch(room, by)
        room.save()
        audit(
            site=room.site,
            by=by,
            action="room.move",
            obj=room,
            room=room,
            before=before,
            # Until when it airs out, when it does (an empty "ventilation until" on every move said nothing).
            after={"status": to}
            | ({"ventilation_until": room.ventilation_until} if room.ventilation_until else {})
            | ({"note": room.note} if "note" in before else {}),
            note=note,
        )
        moved = {before["status"], to}
        topics = [DISINFECTION] if moved & DISINFECTION_STATUSES else []
        sealed = [room.pk] if Room.Status.SEALED in moved else []
        if sealed:
            topics.append(SEALED)
        live.publish(site=room.site, rooms=[room.pk], topics=topics, sealed=sealed)
    return room


# --- shift handover ---------------------------------------------------------


def handover_give(*, site: Site, group: str, by, notes: str = "", change_at=None, token: str | None = None) -> Handover:
    """The outgoing member hands over the group's current shift change: what
    the group leaves open is kept as it is now, with their notes.

    ``change_at`` is the shift change the member's form was opened for: if
    the current change (rooms.handover.shift_change) moved on since, the form is refused as out of date.
    """
    require_role(by, group)
    now = timezone.now()
    with transaction.atomic():
        claim_form(token, by)
        # Under the site's row lock, two members handing over at once are
        # told who was first rather than hitting the constraint.
        site = lock_row(Site, site.pk)
        change = handovers.current_change(site, group, now)
        if change_at is not None and change_at != change.at:
            raise Conflict(_("The shift change moved on since you opened the form. Open it again."))
        done = (
            Handover.objects.filter(site=site, group=group, change_at=change.at)
            .select_related("handed_over_by")
            .first()
        )
        if done is not None:
            when = who_and_when(done.handed_over_by, done.handed_over_at)
            raise ServiceError(_("This shift was already handed over by %(who)s at %(time)s.") % when)
        handover = Handover.objects.create(
            site=site,
            group=group,
            change_at=change.at,
            outgoing=str(change.outgoing or ""),
            incoming=str(change.incoming),
            open_items=handovers.snapshot(site, group, now),
            notes=notes.strip(),
            handed_over_at=now,
            handed_over_by=by,
            updated_at=now,
            updated_by=by,
        )
        audit(
            site=site,
            by=by,
            action="handover.give",
            obj=handover,
            after={"change_at": change.at, "open": handover.open_count},
            note=handover.notes,
        )
        live.publish(site=site, topics=[handovers.HANDOVER, handovers.handover_topic(group)])
    return handover


def handover_acknowledge(
    *, handover: Handover, by, note: str = "", version: int | None = None, token: str | None = None
) -> Handover:
    """An incoming member of the same group acknowledges a handover: once, and not their own."""
    require_role(by, handover.group)
    with transaction.atomic():
        claim_form(token, by)
        handover = lock_row(Handover, handover.pk)
        if handover.acknowledged_at is not None:
            when = who_and_when(handover.acknowledged_by, handover.acknowledged_at)
            raise ServiceError(_("This handover was already acknowledged by %(who)s at %(time)s.") % when)
        check_version(handover, version)
        if handover.handed_over_by_id == by.pk:
            raise ServiceError(_("You handed this shift over: another member of the group acknowledges it."))
        now = timezone.now()
        opens = handovers.acknowledge_from(handover)
        if now < opens:
            raise ServiceError(
                _("The incoming shift acknowledges this handover from %(time)s, an hour before the shift change.")
                % {"time": date_format(timezone.localtime(opens), "H:i")}
            )
        handover.acknowledged_at = now
        handover.acknowledged_by = by
        handover.acknowledge_note = note.strip()[:300]
        touch(handover, by)
        handover.save()
        audit(
            site=handover.site,
            by=by,
            action="handover.acknowledge",
            obj=handover,
            after={"handed_over_by": display_name(handover.handed_over_by)},
            note=handover.acknowledge_note,
        )
        live.publish(site=handover.site, topics=[handovers.HANDOVER, handovers.handover_topic(handover.group)])
    return handover
