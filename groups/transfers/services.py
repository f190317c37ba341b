"""Every write of a closed-loop transfer, from the request to the handover.

The moves a transfer may make, and who may make each, are one table
(``TRANSFER_MOVES``); every move goes through ``_move``, which checks the
version, the table and the caller's group, writes the step, applies its effect
on the stay and the room, appends the audit event (the step of the transfer
log) and publishes, in one transaction. Anything else is refused with a
message and changes nothing.

A round trip (hospital visit and return) does not end isolation: while the
person is away the stay stays open and their bed stays theirs, so the room
stays occupied and nobody else can be checked in to it; ``returned`` brings
them back to the same room without a new check-in. If the hospital keeps
them, the round trip is completed instead and the stay ends then.
"""

from datetime import timedelta

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from groups.transfers.models import Transfer
from rooms.models import District, Person, Room, Stay
from rooms.roles import SITE_ROLES, Role, display_name, district_sites, require_role
from rooms.services import (
    DISINFECTION,
    OCCUPANTS,
    STAY_HOOKS,
    AlreadySubmitted,
    ServiceError,
    across_sites,
    audit,
    carried_plan_of,
    check_version,
    claim_form,
    end_stay,
    lock_row,
    person_transfer_in,
    person_transfer_withdrawn,
    require_reveal,
    require_takes_people,
    touch,
    who_and_when,
)
from rooms.words import written
from site_ops import live

# The topics of a transfer's changes: every open transfer, and those the
# security group escorts.
TRANSFERS = "transfers"
ESCORTS = "escorts"

T = Transfer.State
# Who may move a transfer from one state to the next. The empty state is a
# transfer that does not exist yet: any group member may request one.
TRANSFER_MOVES: dict[tuple[str, str], tuple[str, ...]] = {
    ("", T.REQUESTED): SITE_ROLES,
    (T.REQUESTED, T.APPROVED): (Role.SITE_HEAD,),
    (T.REQUESTED, T.REJECTED): (Role.SITE_HEAD,),
    (T.APPROVED, T.ARRANGED): (Role.GENERAL, Role.SECURITY),
    (T.ARRANGED, T.DEPARTED): (Role.SECURITY,),
    (T.DEPARTED, T.COMPLETED): (Role.GENERAL, Role.SECURITY),
    # Only a round trip returns (see transfer_moves_for).
    (T.DEPARTED, T.RETURNED): (Role.GENERAL, Role.SECURITY),
    (T.REQUESTED, T.CANCELLED): (Role.SITE_HEAD, Role.GENERAL),
    (T.APPROVED, T.CANCELLED): (Role.SITE_HEAD, Role.GENERAL),
    (T.ARRANGED, T.CANCELLED): (Role.SITE_HEAD, Role.GENERAL),
}
TRANSFER_REQUEST_ROLES = TRANSFER_MOVES[("", T.REQUESTED)]
del T

# A departure a few minutes in the future is a tablet's clock, not a plan.
CLOCK_SLACK = timedelta(minutes=5)


class TransferOpen(ServiceError):
    """The person already has an open transfer; it is shown instead of a second one."""

    def __init__(self, transfer: Transfer):
        super().__init__(
            _("%(name)s already has an open transfer (%(state)s).")
            % {"name": transfer.person.name, "state": transfer.get_state_display()}
        )
        self.transfer = transfer


def transfer_moves_for(transfer: Transfer) -> list[tuple[str, tuple[str, ...]]]:
    """The states this transfer may go to now, with the roles that may move it there."""
    return [
        (to, roles)
        for (frm, to), roles in TRANSFER_MOVES.items()
        if frm == transfer.state and (to != Transfer.State.RETURNED or transfer.is_round_trip)
    ]


def _topics(*states: str) -> list[str]:
    # The security group's board shows only what it escorts; a request or a
    # rejection leaves it alone.
    escorts = any(state in Transfer.ESCORT_STATES for state in states)
    return [TRANSFERS, ESCORTS] if escorts else [TRANSFERS]


def _open_stay(person: Person) -> Stay | None:
    return Stay.objects.open().filter(person=person).select_related("room").first()


def _required(**values) -> None:
    """Refuse a step whose required fields are empty, naming them as the forms do."""
    missing = [name for name, value in values.items() if not (value.strip() if isinstance(value, str) else value)]
    if missing:
        labels = ", ".join(str(Transfer._meta.get_field(name).verbose_name) for name in missing)
        raise ServiceError(_("Fill in: %(fields)s.") % {"fields": labels})


# --- the request ------------------------------------------------------------


def transfer_request(
    *,
    person: Person,
    by,
    reason: str,
    destination_type: str,
    destination_name: str = "",
    destination_contact: str = "",
    urgency: str = Transfer.Urgency.ROUTINE,
    note: str = "",
    token: str | None = None,
) -> Transfer:
    """Ask for a person in isolation to be transferred; raises TransferOpen if one is open."""
    require_role(by, *TRANSFER_REQUEST_ROLES)
    return _request(
        person=person,
        by=by,
        reason=reason,
        destination_type=destination_type,
        destination_name=destination_name,
        destination_contact=destination_contact,
        urgency=urgency,
        note=note,
        token=token,
    )


def transfer_request_planned(
    *, person: Person, reason: str, destination_name: str, planned_departure_at, note: str = ""
) -> Transfer:
    """A planned hospital visit's round trip, asked for by the clock (the
    medical group's scheduled job): a request like any other, by "system",
    with its planned departure. Raises TransferOpen if one is open."""
    return _request(
        person=person,
        by=None,
        reason=reason,
        destination_type=Transfer.Destination.HOSPITAL_VISIT,
        destination_name=destination_name,
        note=note,
        planned_departure_at=planned_departure_at,
    )


def _request(
    *,
    person: Person,
    by,
    reason: str,
    destination_type: str,
    destination_name: str = "",
    destination_contact: str = "",
    urgency: str = Transfer.Urgency.ROUTINE,
    note: str = "",
    token: str | None = None,
    planned_departure_at=None,
) -> Transfer:
    if destination_type not in Transfer.Destination.values or urgency not in Transfer.Urgency.values:
        raise ServiceError(_("Choose where the person is going and how urgently."))
    _required(reason=reason)
    with transaction.atomic():
        if by is not None:
            claim_form(token, by)
        person = lock_row(Person, person.pk)
        current = Transfer.objects.filter(person=person, state__in=Transfer.OPEN_STATES).first()
        if current is not None:
            raise TransferOpen(current)
        stay = _open_stay(person)
        if person.status != Person.Status.IN_ISOLATION or stay is None:
            raise ServiceError(
                _("Only a person in isolation can be transferred; %(name)s is %(status)s.")
                % {"name": person.name, "status": person.get_status_display()}
            )
        now = timezone.now()
        try:
            with transaction.atomic():
                transfer = Transfer.objects.create(
                    site=person.site,
                    person=person,
                    room=stay.room,
                    urgency=urgency,
                    reason=reason.strip(),
                    destination_type=destination_type,
                    destination_name=destination_name.strip(),
                    destination_contact=destination_contact.strip(),
                    planned_departure_at=planned_departure_at,
                    created_at=now,
                    requested_by=by,
                    updated_at=now,
                    updated_by=by,
                )
        except IntegrityError:
            # Another request for the same person committed first.
            raise TransferOpen(Transfer.objects.get(person=person, state__in=Transfer.OPEN_STATES)) from None
        audit(
            site=person.site,
            by=by,
            action=f"transfer.{Transfer.State.REQUESTED}",
            obj=transfer,
            room=stay.room,
            person=person,
            after={
                "state": transfer.state,
                "urgency": urgency,
                "destination_type": destination_type,
                "destination_name": transfer.destination_name,
                "destination_contact": transfer.destination_contact,
                "reason": transfer.reason,
            },
            note=note,
        )
        live.publish(site=person.site, persons=[person.pk], transfers=[transfer.pk], topics=_topics(transfer.state))
    return transfer


def transfer_draft_for_positive(*, person: Person, by) -> Transfer:
    """An urgent transfer to the designated hospital for a positive case, or the person's open transfer.

    The medical group's result service calls this inside its own transaction,
    so the draft commits (and is published) with the result or not at all. Like
    any request it raises ServiceError for a person who is not in isolation.
    """
    current = Transfer.objects.filter(person=person, state__in=Transfer.OPEN_STATES).first()
    if current is not None:
        return current
    try:
        return transfer_request(
            person=person,
            by=by,
            reason=written(gettext_noop("Positive result: transfer to the designated hospital.")),
            destination_type=Transfer.Destination.DESIGNATED_HOSPITAL,
            destination_name=person.site.designated_hospital,
            urgency=Transfer.Urgency.URGENT,
            note=written(gettext_noop("Drafted on a positive result.")),
        )
    except TransferOpen as error:
        return error.transfer


# --- the moves --------------------------------------------------------------


def _move(*, transfer: Transfer, to: str, by, version, token, note="", changes=None, effect=None) -> Transfer:
    """Move a transfer one step: check, write, apply the effect, audit and publish."""
    with transaction.atomic(), live.one_broadcast():
        claim_form(token, by)
        transfer = lock_row(Transfer, transfer.pk)
        if transfer.state == to and version is not None and int(version) != transfer.version:
            # A colleague made this very step since the form was opened: it is done, not to be tried again.
            done = who_and_when(transfer.updated_by, transfer.updated_at)
            raise AlreadySubmitted(
                _("%(transfer)s is already %(state)s: %(who)s recorded it at %(time)s.")
                % {"transfer": transfer, "state": transfer.get_state_display(), **done}
            )
        check_version(transfer, version)
        allowed = dict(transfer_moves_for(transfer)).get(to)
        if allowed is None:
            to_label = Transfer.State(to).label if to in Transfer.State.values else to
            if not transfer.is_open:
                message = _("This transfer is %(state)s: it is closed and cannot become %(to)s.")
            else:
                message = _("This transfer is %(state)s; it cannot become %(to)s.")
            raise ServiceError(message % {"state": transfer.get_state_display(), "to": to_label})
        require_role(by, *allowed)
        before = {"state": transfer.state}
        changes = dict(changes or {})
        for name, value in changes.items():
            setattr(transfer, name, value)
        transfer.state = to
        if not transfer.is_open:
            transfer.closed_at = timezone.now()
        touch(transfer, by)
        transfer.save()
        rooms = effect(transfer, by) if effect else []
        audit(
            site=transfer.site,
            by=by,
            action=f"transfer.{to}",
            obj=transfer,
            room=transfer.room,
            person=transfer.person,
            before=before,
            after={"state": to, **changes},
            note=note,
        )
        live.publish(
            site=transfer.site,
            rooms=rooms,
            persons=[transfer.person_id],
            transfers=[transfer.pk],
            # Leaving or coming back changes who is in the room; the last one
            # out opens a terminal disinfection task.
            topics=_topics(before["state"], to) + ([OCCUPANTS, DISINFECTION] if rooms else []),
        )
    return transfer


def _leave(transfer: Transfer, by) -> list[int]:
    """The person leaves for good: the stay ends and the room empties (or stays sealed)."""
    person = lock_row(Person, transfer.person_id)
    stay = _open_stay(person)
    if stay is None:
        raise ServiceError(_("%(name)s is not in a room; the transfer cannot go on.") % {"name": person.name})
    # Ending the stay cancels the person's samples to come and opens the
    # room's terminal disinfection (rooms.services.STAY_HOOKS); the meal
    # rounds are derived from open stays, so their meals stop with it.
    if transfer.arrival_id:
        # The receiving site's record takes what the stay is as it leaves
        # (an extension since the office confirmed, the samples still due).
        arrival = lock_row(Person, transfer.arrival_id)
        arrival.carried_plan = {**arrival.carried_plan, **carried_plan_of(stay)}
        arrival.save(update_fields=["carried_plan"])
    room = end_stay(stay=stay, person=person, reason=Stay.EndReason.TRANSFERRED, by=by)
    return [room.pk]


def _away(transfer: Transfer, by) -> list[int]:
    """A round trip leaves: the stay stays open and the bed stays held, so nothing in the room changes."""
    if _open_stay(transfer.person) is None:
        raise ServiceError(_("%(name)s is not in a room; the transfer cannot go on.") % {"name": transfer.person.name})
    # The stay stays open, so the meal rounds and the sampling round still
    # count the person while they are away: not yet paused here.
    return [transfer.room_id]


def _back(transfer: Transfer, by) -> list[int]:
    """A round trip comes back to the room it never gave up."""
    stay = _open_stay(transfer.person)
    if stay is None:
        raise ServiceError(
            _("%(name)s has no room to come back to; complete the transfer instead.") % {"name": transfer.person.name}
        )
    # Nothing was paused at departure (see _away), so nothing resumes here.
    return [stay.room_id]


def _departs(transfer: Transfer, by) -> list[int]:
    return _away(transfer, by) if transfer.is_round_trip else _leave(transfer, by)


def _handed_over(transfer: Transfer, by) -> list[int]:
    """A round trip handed over instead of returning: the hospital kept the person, so the stay ends now."""
    return _leave(transfer, by) if transfer.is_round_trip else []


def transfer_approve(*, transfer: Transfer, by, version: int | None = None, note: str = "", token=None) -> Transfer:
    return _move(transfer=transfer, to=Transfer.State.APPROVED, by=by, version=version, token=token, note=note)


def _withdraw_arrival(transfer: Transfer, by) -> list[int]:
    """A transfer to another site that will not happen: the receiving site stops expecting the person."""
    if transfer.arrival_id:
        with across_sites():
            person_transfer_withdrawn(arrival=transfer.arrival, by=by, reason=transfer.closing_reason)
    return []


def _close_with_reason(*, transfer: Transfer, to: str, by, reason: str, version, token) -> Transfer:
    """A rejection or a cancellation: the reason is kept on the transfer and is the step's note."""
    _required(closing_reason=reason)
    return _move(
        transfer=transfer,
        to=to,
        by=by,
        version=version,
        token=token,
        note=reason.strip(),
        changes={"closing_reason": reason.strip()},
        effect=_withdraw_arrival,
    )


def transfer_reject(*, transfer: Transfer, by, reason: str, version: int | None = None, token=None) -> Transfer:
    return _close_with_reason(
        transfer=transfer, to=Transfer.State.REJECTED, by=by, reason=reason, version=version, token=token
    )


def waits_for_office(transfer: Transfer) -> str | None:
    """Why the site may not arrange this transfer yet: its bed is the district
    office's to confirm, the site's office works in the product (it has an
    officer) and has not confirmed it. For another site of the district, the
    confirmation is what puts the person on that site's arrival list."""
    if not transfer.needs_office or transfer.is_office_confirmed:
        return None
    if not District.objects.filter(sites=transfer.site_id, officers__isnull=False).exists():
        return None  # no office on line: the site confirms by phone and names who confirmed
    return _(
        "The isolation office confirms the bed of this transfer; it is on the office's list. "
        "Arrange the vehicle once the office has confirmed it."
    )


def transfer_arrange(
    *,
    transfer: Transfer,
    by,
    confirmed_with: str,
    vehicle_plate: str,
    driver_name: str,
    driver_phone: str,
    escort: str,
    planned_departure_at,
    destination_name: str | None = None,
    destination_contact: str | None = None,
    version: int | None = None,
    note: str = "",
    token=None,
) -> Transfer:
    """The destination is confirmed with the isolation office or the receiver; the vehicle is booked."""
    waiting = waits_for_office(Transfer.objects.get(pk=transfer.pk))
    if waiting:
        raise ServiceError(waiting)
    _required(
        confirmed_with=confirmed_with,
        vehicle_plate=vehicle_plate,
        driver_name=driver_name,
        driver_phone=driver_phone,
        escort=escort,
        planned_departure_at=planned_departure_at,
    )
    changes = {
        "confirmed_with": confirmed_with.strip(),
        "vehicle_plate": vehicle_plate.strip().upper(),
        "driver_name": driver_name.strip(),
        "driver_phone": driver_phone.strip(),
        "escort": escort.strip(),
        "planned_departure_at": planned_departure_at,
    }
    # The destination as confirmed replaces the one the request guessed.
    if destination_name is not None and destination_name.strip():
        changes["destination_name"] = destination_name.strip()
    if destination_contact is not None and destination_contact.strip():
        changes["destination_contact"] = destination_contact.strip()
    return _move(
        transfer=transfer,
        to=Transfer.State.ARRANGED,
        by=by,
        version=version,
        token=token,
        note=note,
        changes=changes,
    )


def transfer_depart(
    *, transfer: Transfer, by, departed_at=None, version: int | None = None, note: str = "", token=None
) -> Transfer:
    """The person left with the escort: a one-way transfer ends the stay, a round trip keeps it."""
    departed_at = departed_at or timezone.now()
    if departed_at > timezone.now() + CLOCK_SLACK:
        raise ServiceError(_("The departure time is in the future."))
    if departed_at < transfer.created_at - CLOCK_SLACK:
        # The stay would end before the transfer that ended it was asked for.
        raise ServiceError(
            _("The departure time is before the transfer was requested (%(time)s).")
            % {"time": timezone.localtime(transfer.created_at).strftime("%Y-%m-%d %H:%M")}
        )
    return _move(
        transfer=transfer,
        to=Transfer.State.DEPARTED,
        by=by,
        version=version,
        token=token,
        note=note,
        changes={"departed_at": departed_at},
        effect=_departs,
    )


def transfer_complete(
    *,
    transfer: Transfer,
    by,
    handed_over_to: str,
    vehicle_disinfected: bool,
    version: int | None = None,
    note: str = "",
    token=None,
) -> Transfer:
    """The receiver confirmed the handover and the vehicle was disinfected: the loop is closed."""
    _required(handed_over_to=handed_over_to)
    if not vehicle_disinfected:
        raise ServiceError(_("The loop closes only once the vehicle is disinfected."))
    return _move(
        transfer=transfer,
        to=Transfer.State.COMPLETED,
        by=by,
        version=version,
        token=token,
        note=note,
        changes={"handed_over_to": handed_over_to.strip(), "vehicle_disinfected": True},
        effect=_handed_over,
    )


def transfer_return(*, transfer: Transfer, by, version: int | None = None, note: str = "", token=None) -> Transfer:
    """A round trip is back: the person is in their room again."""
    return _move(
        transfer=transfer, to=Transfer.State.RETURNED, by=by, version=version, token=token, note=note, effect=_back
    )


def transfer_cancel(*, transfer: Transfer, by, reason: str, version: int | None = None, token=None) -> Transfer:
    return _close_with_reason(
        transfer=transfer, to=Transfer.State.CANCELLED, by=by, reason=reason, version=version, token=token
    )


# --- the district isolation office ----------------------------------------


def transfer_office_confirm(
    *,
    transfer: Transfer,
    by,
    destination_name: str = "",
    receiving_bed: str = "",
    receiving_room: Room | None = None,
    version: int | None = None,
    note: str = "",
    token=None,
) -> Transfer:
    """The district isolation office confirms where the person goes and the bed waiting there.

    For a hospital: its name and the bed (ward, bed number). For another
    site of the district: a room there with a free bed, and the person is
    put on that site's arrival list at once, with their record, the rest of
    their quarantine and their samples to come (rooms.services.
    person_transfer_in): the receiving site prepares the room while the
    sending site arranges the vehicle. A cancellation or rejection takes
    them off that list again. Not a state of its own: the transfer stays
    requested or approved, and the site arranges the vehicle next.
    """
    require_role(by, Role.DISTRICT)
    with transaction.atomic(), live.one_broadcast():
        claim_form(token, by)
        transfer = lock_row(Transfer, transfer.pk)
        sites = {site.pk: site for site in district_sites(by)}
        if transfer.site_id not in sites:
            raise ServiceError(_("This transfer is not from a site of your district."))
        check_version(transfer, version)
        if not transfer.needs_office:
            raise ServiceError(
                _("A transfer to %(destination)s is arranged by the site, not by the isolation office.")
                % {"destination": transfer.get_destination_type_display()}
            )
        if transfer.state not in Transfer.OFFICE_CONFIRM_STATES:
            raise ServiceError(
                _("This transfer is %(state)s: the office confirms only requested or approved transfers.")
                % {"state": transfer.get_state_display()}
            )
        if transfer.is_office_confirmed:
            raise ServiceError(_("The isolation office has already confirmed this transfer; cancel it to change it."))
        changes = {"office_confirmed_at": timezone.now(), "office_confirmed_by": by}
        person = transfer.person
        if transfer.destination_type == Transfer.Destination.OTHER_SITE:
            if receiving_room is None:
                raise ServiceError(_("Choose the room at the receiving site."))
            room = lock_row(Room, receiving_room.pk)
            if room.site_id not in sites or room.site_id == transfer.site_id:
                raise ServiceError(_("Choose a room at another site of your district."))
            require_takes_people(room)
            if room.is_full:
                raise ServiceError(_("Room %(room)s is full.") % {"room": room.number})
            destination_name = f"{room.site.name} {room.number}"
            source = _("Transfer from %(site)s; room %(room)s kept") % {
                "site": transfer.site.name,
                "room": room.number,
            }
            arrival = person_transfer_in(person=person, site=room.site, by=by, source=source, room=room, note=note)
            changes.update(receiving_site=room.site, receiving_room=room, arrival=arrival, receiving_bed=room.number)
            # The receiver is now that site, whoever the request named: its site head answers for it.
            heads = "、".join(
                display_name(head)
                for head in User.objects.filter(staff__site=room.site, groups__name=Role.SITE_HEAD, is_active=True)
            )
            contact = written(gettext_noop("%(site)s, site head %(names)s"), site=room.site.name, names=heads)
            changes["destination_contact"] = (contact if heads else room.site.name)[:100]
        else:
            _required(destination_name=destination_name, receiving_bed=receiving_bed)
            changes["receiving_bed"] = receiving_bed.strip()
        changes["destination_name"] = destination_name.strip()
        changes["confirmed_with"] = written(gettext_noop("isolation office: %(name)s"), name=display_name(by))
        for name, value in changes.items():
            setattr(transfer, name, value)
        touch(transfer, by)
        transfer.save()
        audit(
            site=transfer.site,
            by=by,
            action="transfer.office_confirmed",
            obj=transfer,
            room=transfer.room,
            person=person,
            after={
                "destination_name": transfer.destination_name,
                "receiving_bed": transfer.receiving_bed,
                "receiving_site": transfer.receiving_site.name if transfer.receiving_site else "",
            },
            note=note,
        )
        live.publish(site=transfer.site, persons=[person.pk], transfers=[transfer.pk], topics=_topics(transfer.state))
    return transfer


def require_no_open_transfer(*, stay: Stay) -> None:
    """Releasing under an open transfer would leave it with nobody to move."""
    transfer = Transfer.objects.filter(person_id=stay.person_id, state__in=Transfer.OPEN_STATES).first()
    if transfer is not None and transfer.destination_type == Transfer.Destination.HOME:
        # Taken home by the site's closed loop: the handover at home ends the stay, and the release notice follows.
        raise ServiceError(
            _(
                "%(name)s is to be taken home by a transfer (%(state)s): its completion at home ends the "
                "isolation, and the release notice is printed then. Cancel the transfer to release here instead."
            )
            % {"name": stay.person.name, "state": transfer.get_state_display()}
        )
    if transfer is not None and transfer.destination_type == Transfer.Destination.HOSPITAL_VISIT:
        raise ServiceError(
            _("%(name)s is away on a hospital visit (%(state)s): release them once they are back.")
            % {"name": stay.person.name, "state": transfer.get_state_display()}
        )
    if transfer is not None:
        raise ServiceError(
            _("%(name)s has an open transfer (%(state)s): complete or cancel it first.")
            % {"name": stay.person.name, "state": transfer.get_state_display()}
        )


def transfer_print(*, transfer: Transfer, by) -> None:
    """The handover sheet printed for the receiver with the full national ID:
    only by those who may reveal it, and audited like the release certificate."""
    require_role(by, Role.SITE_HEAD, Role.GENERAL, Role.MEDICAL)
    require_reveal(by)
    audit(
        site=transfer.site,
        by=by,
        action="transfer.print",
        obj=transfer,
        room=transfer.room,
        person=transfer.person,
        # Not "national_id": the audit masks values under that key.
        after={"id_printed": "full"},
    )
    live.publish(site=transfer.site, transfers=[transfer.pk], persons=[transfer.person_id])


def follow_room_change(*, stay: Stay, left, by) -> None:
    """An open transfer picks the person up where they are now."""
    moved = list(
        Transfer.objects.filter(person_id=stay.person_id, state__in=Transfer.OPEN_STATES).values_list("pk", flat=True)
    )
    if moved:
        Transfer.objects.filter(pk__in=moved).update(room=stay.room)
        live.publish(site=stay.site, transfers=moved)


def record_receipt(*, stay: Stay, by) -> None:
    """A person transferred from another site of the district is checked in
    at the receiving site: their transfer at the sending site records it, in
    the sending site's feed and on its boards at once, so the sending site
    knows they arrived without a phone call, and the escort's handover names
    the receiver. The loop still closes with the escort's handover (the
    vehicle disinfected). Not a change to what anyone edits: the transfer's
    version stays, and a handover form already open is not made stale."""
    person = stay.person
    if person.arrived_from_id is None:
        return
    # The escort may have confirmed the handover before the receiving site typed the check-in.
    states = [*Transfer.OPEN_STATES, Transfer.State.COMPLETED]
    found = Transfer.objects.filter(arrival_id=person.pk, state__in=states).values_list("pk", flat=True).first()
    if found is None:
        return
    transfer = lock_row(Transfer, found)
    if transfer.received_at is not None:
        return
    transfer.received_at = timezone.now()
    # Names only, no words: it reads the same in either language (the room is the destination's).
    transfer.received_by = f"{stay.site.name} {display_name(by)}"[:100]
    transfer.save(update_fields=["received_at", "received_by"])
    with across_sites():  # the receiving site's check-in, noted on the sending site's transfer
        audit(
            site=transfer.site,
            by=by,
            action="transfer.received",
            obj=transfer,
            room=transfer.room,
            person=transfer.person,
            after={"received_by": transfer.received_by},
        )
    live.publish(
        site=transfer.site,
        persons=[transfer.person_id],
        transfers=[transfer.pk],
        topics=_topics(transfer.state),
    )


def connect_stay_hooks() -> None:
    """No release while a transfer is open; an open transfer follows a room change;
    a check-in at the receiving site is recorded on the transfer (rooms.services.STAY_HOOKS)."""
    STAY_HOOKS.release_checks.append(require_no_open_transfer)
    STAY_HOOKS.moved.append(follow_room_change)
    STAY_HOOKS.checked_in.append(record_receipt)
