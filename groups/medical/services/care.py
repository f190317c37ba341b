"""The care ledger's writes: a person's care plan, their follow-ups, and
planned hospital visits with the round trips the clock asks for.

Each function owns its transaction, checks the caller's group, audits and
publishes with the topic "care" (the ledger, the counters of follow-ups due,
the catering board's door notes) and the person, so their pages follow.
"""

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from groups.medical.care_models import CareFollowUp, CarePlan, HospitalVisitPlan, HospitalVisitTrip, on_care_ledger
from groups.medical.models import Alert, TestProtocol
from groups.medical.services.medicines import MEDICAL_TOPIC
from groups.transfers import services as transfers
from rooms.models import Person, Site, Stay
from rooms.roles import Role, display_name, require_role
from rooms.services import ServiceError, audit, check_version, claim_form, lock_row, touch
from rooms.words import written
from site_ops import live

# The ledger is the medical group's; the general group (residents' needs) and
# the site head keep it with them.
CARE_ROLES = (Role.MEDICAL, Role.GENERAL, Role.SITE_HEAD)
CARE_TOPIC = "care"

PLAN_FIELDS = ("watch", "bring", "how_to_talk", "door_note", "due_date", "responsible", "every_days")


def _open_stay(person: Person) -> Stay | None:
    return Stay.objects.open().filter(person=person).first()


def _publish(person: Person, stay: Stay | None, *topics: str) -> None:
    live.publish(
        site=person.site,
        rooms=[stay.room_id] if stay else [],
        persons=[person.pk],
        topics=[CARE_TOPIC, *topics],
    )


def _require_on_ledger(person: Person) -> None:
    if person.status not in (Person.Status.EXPECTED, Person.Status.IN_ISOLATION):
        raise ServiceError(
            _("%(name)s is no longer on the site (%(status)s).")
            % {"name": person.name, "status": person.get_status_display()}
        )
    if not on_care_ledger(person):
        raise ServiceError(
            _("%(name)s has no special need and is neither elderly nor a child: add the need to their details first.")
            % {"name": person.name}
        )


def _value(value):
    if value is None or isinstance(value, str | int | date):
        return value
    # A staff member: their name as colleagues write it, in the history.
    return display_name(value)


def care_plan_save(*, person: Person, by, data: dict, version: int | None = None, token=None) -> CarePlan:
    """Write a person's care plan (create it on the first save); refused on a stale version."""
    require_role(by, *CARE_ROLES)
    responsible = data.get("responsible")
    if responsible is not None:
        staff = getattr(responsible, "staff", None)
        if staff is None or staff.site_id != person.site_id or not responsible.is_active:
            raise ServiceError(_("The staff member responsible must work at this site."))
    every_days = data.get("every_days") or 1
    if not 1 <= int(every_days) <= 7:
        raise ServiceError(_("Follow up at least once a week (every 1 to 7 days)."))
    with transaction.atomic():
        claim_form(token, by)
        person = lock_row(Person, person.pk)
        _require_on_ledger(person)
        plan = (
            CarePlan.objects.select_for_update(of=("self",)).filter(person=person).select_related("updated_by").first()
        )
        if plan is None:
            if version not in (None, 0):
                raise ServiceError(_("This care plan no longer exists; reload the ledger."))
            plan = CarePlan(site_id=person.site_id, person=person, version=0)
        else:
            check_version(plan, version)
        values = {key: data[key] for key in PLAN_FIELDS if key in data}
        values["every_days"] = int(every_days)
        for key in ("watch", "bring", "how_to_talk", "door_note"):
            if key in values:
                values[key] = (values[key] or "").strip()
        changed = {key: value for key, value in values.items() if getattr(plan, key) != value}
        if not changed and plan.pk:
            return plan
        before = {key: _value(getattr(plan, key)) for key in changed} if plan.pk else {}
        for key, value in changed.items():
            setattr(plan, key, value)
        touch(plan, by)
        plan.save()
        stay = _open_stay(person)
        audit(
            site=person.site,
            by=by,
            action="care.plan",
            obj=plan,
            room=stay.room if stay else None,
            person=person,
            before=before,
            after={key: _value(value) for key, value in changed.items()},
            label=person.name,
        )
        _publish(person, stay)
    return plan


def care_follow_up_record(
    *,
    person: Person,
    by,
    temperature=None,
    asked: str = "",
    warm: bool = True,
    covered: bool = True,
    fed: bool = True,
    note: str = "",
    token=None,
) -> CareFollowUp:
    """Record a follow-up (一测二问三看) of a person on the ledger who is in isolation."""
    require_role(by, *CARE_ROLES)
    if temperature is not None and not 34 <= float(temperature) <= 43:
        raise ServiceError(_("A temperature is between 34 and 43 °C."))
    with transaction.atomic():
        claim_form(token, by)
        person = lock_row(Person, person.pk)
        _require_on_ledger(person)
        stay = _open_stay(person)
        if stay is None:
            raise ServiceError(_("%(name)s is not in a room yet: follow up after check-in.") % {"name": person.name})
        now = timezone.now()
        follow_up = CareFollowUp.objects.create(
            site_id=person.site_id,
            person=person,
            day=timezone.localdate(now),
            temperature=temperature,
            asked=asked.strip(),
            warm=warm,
            covered=covered,
            fed=fed,
            note=note.strip(),
            by=by,
            at=now,
        )
        # A fever found on a follow-up (by the general group as well) reaches
        # the medical group as the health round's would, and holds the release.
        fever = temperature is not None and Decimal(temperature) >= TestProtocol.numbers_for(person.site_id).fever_from
        if fever:
            Alert.objects.create(
                site_id=person.site_id,
                kind=Alert.Kind.FEVER,
                person=person,
                room=stay.room,
                note=written(gettext_noop("fever on a care follow-up: %(temperature)s °C"), temperature=temperature),
                raised_by=by,
            )
        audit(
            site=person.site,
            by=by,
            action="care.follow_up",
            obj=follow_up,
            room=stay.room,
            person=person,
            after={
                "temperature": str(temperature) if temperature is not None else "",
                "warm": warm,
                "covered": covered,
                "fed": fed,
            },
            note=" ".join(part for part in (asked.strip(), note.strip()) if part),
            label=person.name,
        )
        _publish(person, stay, *([MEDICAL_TOPIC] if fever else []))
    return follow_up


# --- planned hospital visits --------------------------------------------------


def hospital_visit_plan_add(
    *, person: Person, by, weekdays: list[int], leave_at, hospital: str, reason: str, token=None
) -> HospitalVisitPlan:
    """Plan a recurring hospital visit once; today's trip is asked for at once if it is still ahead."""
    require_role(by, *CARE_ROLES)
    weekdays = sorted({int(day) for day in weekdays})
    if not weekdays or any(day not in range(7) for day in weekdays):
        raise ServiceError(_("Choose the weekdays of the visit."))
    hospital, reason = hospital.strip(), reason.strip()
    if not hospital or not reason:
        raise ServiceError(_("Name the hospital and the reason for the visits."))
    with transaction.atomic(), live.one_broadcast():
        claim_form(token, by)
        person = lock_row(Person, person.pk)
        if person.status not in (Person.Status.EXPECTED, Person.Status.IN_ISOLATION):
            raise ServiceError(
                _("%(name)s is no longer on the site (%(status)s).")
                % {"name": person.name, "status": person.get_status_display()}
            )
        plan = HospitalVisitPlan.objects.create(
            site_id=person.site_id,
            person=person,
            weekdays=weekdays,
            leave_at=leave_at,
            hospital=hospital,
            reason=reason,
            created_by=by,
            updated_by=by,
        )
        stay = _open_stay(person)
        audit(
            site=person.site,
            by=by,
            action="care.visit_plan",
            obj=plan,
            room=stay.room if stay else None,
            person=person,
            after={
                "weekdays": " ".join(str(label) for label in plan.weekday_labels()),
                "leave_at": leave_at.strftime("%H:%M"),
                "hospital": hospital,
            },
            note=reason,
            label=person.name,
        )
        _publish(person, stay)
    # Planned in the morning for this afternoon: today's trip is asked for now,
    # as the night's job would have done.
    now = timezone.now()
    if plan.is_due_on(timezone.localdate(now)) and plan.leaves_on(timezone.localdate(now)) > now:
        hospital_visits_request(site=person.site, day=timezone.localdate(now), plans=[plan])
    return plan


def hospital_visit_plan_stop(*, plan: HospitalVisitPlan, by, version: int | None = None, token=None):
    """No more trips from this plan (the trips already asked for stay as they are)."""
    require_role(by, *CARE_ROLES)
    with transaction.atomic():
        claim_form(token, by)
        plan = lock_row(HospitalVisitPlan, plan.pk)
        check_version(plan, version)
        if not plan.active:
            raise ServiceError(_("These visits were already stopped."))
        plan.active = False
        touch(plan, by)
        plan.save(update_fields=["active", "version", "updated_at", "updated_by"])
        person = Person.objects.select_related("site").get(pk=plan.person_id)
        stay = _open_stay(person)
        audit(
            site=plan.site,
            by=by,
            action="care.visit_stop",
            obj=plan,
            room=stay.room if stay else None,
            person=person,
            before={"active": True},
            after={"active": False},
            label=person.name,
        )
        _publish(person, stay)
    return plan


def hospital_visits_request(*, site: Site, day: date, plans=None) -> list[HospitalVisitTrip]:
    """Ask for the round trips of the visits planned on ``day``, each once.

    Run by the scheduled job every night (and by a new plan for its own day).
    Running it again asks for nothing more: each plan's day is one
    ``HospitalVisitTrip`` row, written in the same transaction as the request.
    A person who left stops their plans; a person with another transfer open
    gets no second one, and the reason is kept and audited.
    """
    if plans is None:
        plans = HospitalVisitPlan.objects.filter(site=site, active=True).order_by("leave_at", "pk")
    trips = []
    for plan in plans:
        if not plan.is_due_on(day):
            continue
        with transaction.atomic():
            try:
                with transaction.atomic():
                    trip = HospitalVisitTrip.objects.create(plan=plan, day=day)
            except IntegrityError:
                continue  # asked for already
            trip = _request_trip(site, plan, trip, day)
            trips.append(trip)
    return trips


def _request_trip(site: Site, plan: HospitalVisitPlan, trip: HospitalVisitTrip, day: date) -> HospitalVisitTrip:
    person = Person.objects.select_related("site").get(pk=plan.person_id)
    leaves = plan.leaves_on(day)
    try:
        transfer = transfers.transfer_request_planned(
            person=person,
            reason=written(gettext_noop("Planned hospital visit: %(reason)s"), reason=plan.reason),
            destination_name=plan.hospital,
            planned_departure_at=leaves,
            note=written(
                gettext_noop("Asked for by the visit plan, leaving %(time)s."),
                time=date_format(timezone.localtime(leaves), "m-d H:i"),
            ),
        )
    except transfers.TransferOpen as error:
        trip.note = error.message
    except ServiceError as error:
        trip.note = error.message
        if person.status not in (Person.Status.EXPECTED, Person.Status.IN_ISOLATION):
            # Gone for good: the plan has nobody to take any more.
            HospitalVisitPlan.objects.filter(pk=plan.pk).update(active=False, updated_at=timezone.now())
    else:
        trip.transfer = transfer
    if trip.transfer is None:
        audit(
            site=site,
            by=None,
            action="care.visit_skipped",
            obj=plan,
            person=person,
            after={"day": day},
            note=trip.note,
            label=person.name,
        )
        live.publish(site=site, persons=[person.pk], topics=[CARE_TOPIC])
    trip.save(update_fields=["transfer", "note"])
    return trip
