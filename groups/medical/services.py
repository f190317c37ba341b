"""Every write of the medical group: sampling rounds, results, health rounds,
medicines, alerts and the lab's result sheets.

Each public function owns its transaction, checks the caller's group and the
sample's move (``SAMPLE_MOVES``), audits and publishes with the topic
"medical". A positive result escalates in the same transaction as the result
itself: the room is sealed, an urgent alert reaches the site head and the
medical board, and the room-mates get an extra sample; if any step fails,
none of it happened.

Three functions are called by the stay services in ``core`` inside their
transactions: ``samples_schedule_for_stay`` (check-in),
``samples_cancel_for_departure`` (a stay ends) and
``require_release_eligible`` (release).
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from groups.medical.lab_sheets import SheetRow, read_sheet
from groups.medical.models import (
    Alert,
    Eligibility,
    HealthCheck,
    LabImport,
    MedicalAlert,
    MedicineNeed,
    MedicineRequest,
    Sample,
    SampleResult,
    SamplingPlan,
    TestProtocol,
    assess_release,
    stay_date,
    stay_day,
)
from groups.transfers import services as transfers
from rooms.masking import mask_national_id
from rooms.models import Person, Room, Site, Stay
from rooms.roles import Role, display_name, require_role
from rooms.services import (
    DISINFECTION,
    STAY_HOOKS,
    ServiceError,
    audit,
    check_version,
    claim_form,
    lock_row,
    require_reveal,
    room_seal,
    touch,
)
from site_ops import live

MEDICAL_ROLES = (Role.MEDICAL, Role.SITE_HEAD)
# Who may print a release certificate: those who release people, and the medical group.
CERTIFICATE_ROLES = (Role.GENERAL, Role.SITE_HEAD, Role.MEDICAL)
TOPICS = ("medical",)

S = Sample.Status
# The moves a sample makes. Results are entered from collected; a resulted
# sample only "moves" to resulted again through a correction.
SAMPLE_MOVES = frozenset(
    {
        (S.SCHEDULED, S.COLLECTED),
        (S.MISSED, S.COLLECTED),  # collected late: the missed sample is handled
        (S.SCHEDULED, S.MISSED),
        (S.SCHEDULED, S.CANCELLED),
        (S.MISSED, S.CANCELLED),
        (S.COLLECTED, S.RESULTED),
        (S.RESULTED, S.RESULTED),
    }
)
del S

SAMPLE_FIELDS = [
    "status",
    "collected_at",
    "collected_by",
    "tube_barcode",
    "note",
    "version",
    "updated_at",
    "updated_by",
]


@dataclass
class Touched:
    """The rooms and people a change shows on."""

    rooms: set[int] = field(default_factory=set)
    persons: set[int] = field(default_factory=set)
    # Topics beyond the medical group's own (a sealed room is the disinfection group's).
    topics: set[str] = field(default_factory=set)

    def add(self, other: "Touched") -> None:
        self.rooms |= other.rooms
        self.persons |= other.persons
        self.topics |= other.topics


def _reason(reason: str, missing: str) -> str:
    """The reason a user gave, or a refusal saying what it is needed for."""
    reason = reason.strip()
    if len(reason) < 2:
        raise ServiceError(missing)
    return reason


def _publish(site: Site, touched: Touched) -> None:
    live.publish(
        site=site, rooms=sorted(touched.rooms), persons=sorted(touched.persons), topics=[*TOPICS, *touched.topics]
    )


def _move(sample: Sample, to: str) -> None:
    if (sample.status, to) not in SAMPLE_MOVES:
        raise ServiceError(
            _("The sample of %(name)s due %(day)s is %(from)s; it cannot become %(to)s.")
            % {
                "name": sample.person.name,
                "day": date_format(sample.scheduled_on, "m-d"),
                "from": sample.get_status_display(),
                "to": Sample.Status(to).label,
            }
        )


def _lock_sample(sample: Sample, version: int | None) -> Sample:
    sample = lock_row(Sample, sample.pk)
    check_version(sample, version)
    return sample


def _stay_of(sample: Sample) -> Stay:
    return Stay.objects.select_related("room", "person", "site").get(pk=sample.stay_id)


def _new_sample(stay: Stay, *, day: int, kind: str, reason: str, by) -> Sample:
    return Sample(
        site_id=stay.site_id,
        person_id=stay.person_id,
        stay=stay,
        kind=kind,
        reason=reason,
        day=day,
        scheduled_on=stay_date(stay, day),
        updated_by=by,
    )


def _schedule_extra(stay: Stay, *, kind: str, reason: str, on: date, by) -> Sample | None:
    """One more sample for a stay on a day, unless one is already waiting that day.

    A room-mate of a positive case is tested on top of any sample due that
    day; only a second positive in the room the same day adds nothing more.
    """
    waiting = Sample.objects.filter(stay=stay, scheduled_on=on, status=Sample.Status.SCHEDULED)
    if reason == Sample.Reason.CONTACT:
        waiting = waiting.filter(reason=reason)
    if waiting.exists():
        return None
    sample = _new_sample(stay, day=stay_day(stay, on), kind=kind, reason=reason, by=by)
    sample.save()
    audit(
        site=stay.site,
        by=by,
        action="sample.extra",
        obj=sample,
        room=stay.room,
        person=stay.person,
        after={"due": on, "kind": kind, "reason": reason},
    )
    return sample


# --- called by the stay services -----------------------------------------


def samples_schedule_for_stay(*, stay: Stay, by) -> SamplingPlan:
    """Plan a person's samples from the site's protocol at check-in.

    The plan keeps the protocol as it was, so a later change of the protocol
    does not change this person's schedule. The caller (the check-in) holds
    the transaction and publishes.
    """
    protocol = TestProtocol.for_site(stay.site)
    days = protocol.schedule()
    plan = SamplingPlan.objects.create(
        stay=stay,
        days=[[day, kind] for day, kind in days],
        required_negatives=protocol.required_negatives,
        planned_by=by,
    )
    Sample.objects.bulk_create(
        [_new_sample(stay, day=day, kind=kind, reason=Sample.Reason.PROTOCOL, by=by) for day, kind in days]
    )
    audit(
        site=stay.site,
        by=by,
        action="sample.plan",
        obj=stay,
        room=stay.room,
        person=stay.person,
        after={"days": " ".join(str(day) for day, _kind in days), "required_negatives": protocol.required_negatives},
    )
    return plan


def samples_cancel_for_departure(*, stay: Stay, by) -> int:
    """Cancel the samples a person who leaves will not give (the caller holds the transaction).

    Samples already collected keep waiting for their result: a positive found
    after a transfer still has to reach the site head.
    """
    count = Sample.objects.filter(stay=stay, status__in=[Sample.Status.SCHEDULED, Sample.Status.MISSED]).update(
        status=Sample.Status.CANCELLED,
        note=_("The person left the site."),
        version=F("version") + 1,
        updated_at=timezone.now(),
        updated_by=by,
    )
    if count:
        audit(
            site=stay.site,
            by=by,
            action="sample.cancel",
            obj=stay,
            room=stay.room,
            person=stay.person,
            after={"cancelled": count},
            note=_("The person left the site."),
        )
    return count


def release_eligibility(stay: Stay) -> Eligibility:
    plan = SamplingPlan.objects.filter(stay=stay).first()
    required = plan.required_negatives if plan else TestProtocol.for_site(stay.site).required_negatives
    return assess_release(
        stay=stay,
        room=stay.room,
        samples=list(Sample.objects.filter(stay=stay)),
        required=required,
        today=timezone.localdate(),
    )


def require_release_eligible(stay: Stay) -> None:
    """Refuse a release the protocol does not allow, saying why."""
    found = release_eligibility(stay)
    if not found.ok:
        raise ServiceError(
            _("%(name)s cannot be released yet: %(reasons)s")
            % {"name": stay.person.name, "reasons": " ".join(found.reasons)}
        )


# --- sampling -------------------------------------------------------------


def _collect(sample: Sample, *, by, at: datetime, barcode: str = "") -> None:
    _move(sample, Sample.Status.COLLECTED)
    if sample.scheduled_on > timezone.localdate(at):
        raise ServiceError(
            _("The sample of %(name)s is due on %(day)s; collect it on that day.")
            % {"name": sample.person.name, "day": date_format(sample.scheduled_on, "m-d")}
        )
    sample.status = Sample.Status.COLLECTED
    sample.collected_at = at
    sample.collected_by = by
    if barcode:
        sample.tube_barcode = barcode.strip()[:40]
    touch(sample, by)


def sample_collect(*, sample: Sample, by, barcode: str = "", version: int | None = None, token=None) -> Sample:
    """One person's sample taken (on its day, or late if it was missed)."""
    require_role(by, *MEDICAL_ROLES)
    with transaction.atomic():
        claim_form(token, by)
        sample = _lock_sample(sample, version)
        stay = _stay_of(sample)
        was = sample.status
        _collect(sample, by=by, at=timezone.now(), barcode=barcode)
        try:
            with transaction.atomic():
                sample.save(update_fields=SAMPLE_FIELDS)
        except IntegrityError:
            raise ServiceError(
                _("Tube %(barcode)s is already used for another sample.") % {"barcode": barcode}
            ) from None
        audit(
            site=stay.site,
            by=by,
            action="sample.collect",
            obj=sample,
            room=stay.room,
            person=stay.person,
            before={"status": was},
            after={"status": sample.status, "tube_barcode": sample.tube_barcode},
        )
        _publish(stay.site, Touched({stay.room_id}, {stay.person_id}))
    return sample


def samples_collect_floor(*, site: Site, floor: int, by, token=None) -> int:
    """A floor's round done: every sample due today on the floor is collected now, by this user."""
    require_role(by, *MEDICAL_ROLES)
    with transaction.atomic():
        claim_form(token, by)
        due = list(
            Sample.objects.select_for_update(of=("self",))
            .filter(
                site=site,
                status=Sample.Status.SCHEDULED,
                scheduled_on=timezone.localdate(),
                stay__ended_at__isnull=True,
                stay__room__floor=floor,
            )
            .select_related("stay__room", "person")
        )
        if not due:
            raise ServiceError(_("No sample is waiting on floor %(floor)s today.") % {"floor": floor})
        now = timezone.now()
        for sample in due:
            _collect(sample, by=by, at=now)
        Sample.objects.bulk_update(due, SAMPLE_FIELDS)
        note = _("floor %(floor)s round") % {"floor": floor}
        _publish(site, _audit_moves(site, due, by=by, action="sample.collect", was=Sample.Status.SCHEDULED, note=note))
    return len(due)


def _audit_moves(site: Site, samples: list[Sample], *, by, action: str, was: str, note: str = "") -> Touched:
    """One audit event per sample a batch moved (with its stay, room and person loaded)."""
    touched = Touched()
    for sample in samples:
        audit(
            site=site,
            by=by,
            action=action,
            obj=sample,
            room=sample.stay.room,
            person=sample.person,
            before={"status": was},
            after={"status": sample.status},
            note=note,
        )
        touched.rooms.add(sample.stay.room_id)
        touched.persons.add(sample.person_id)
    return touched


def sample_cancel(*, sample: Sample, reason: str, by, version: int | None = None, token=None) -> Sample:
    """Handle a sample that will not be taken (for example a missed one the doctor waives)."""
    require_role(by, *MEDICAL_ROLES)
    reason = _reason(reason, _("Say why the sample is cancelled."))
    with transaction.atomic():
        claim_form(token, by)
        sample = _lock_sample(sample, version)
        stay = _stay_of(sample)
        _move(sample, Sample.Status.CANCELLED)
        was = sample.status
        sample.status = Sample.Status.CANCELLED
        sample.note = reason[:200]
        touch(sample, by)
        sample.save(update_fields=SAMPLE_FIELDS)
        audit(
            site=stay.site,
            by=by,
            action="sample.cancel",
            obj=sample,
            room=stay.room,
            person=stay.person,
            before={"status": was},
            after={"status": sample.status},
            note=reason,
        )
        _publish(stay.site, Touched({stay.room_id}, {stay.person_id}))
    return sample


def samples_mark_missed(*, site: Site, today: date | None = None) -> int:
    """Samples not collected by the end of their day become missed (run by the clock).

    They stay on the medical board as overdue until someone collects them
    late or cancels them with a reason.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        overdue = list(
            Sample.objects.select_for_update(of=("self",))
            .filter(site=site, status=Sample.Status.SCHEDULED, scheduled_on__lt=today)
            .select_related("stay__room", "person")
        )
        now = timezone.now()
        for sample in overdue:
            _move(sample, Sample.Status.MISSED)
            sample.status = Sample.Status.MISSED
            sample.version += 1
            sample.updated_at = now
        Sample.objects.bulk_update(overdue, ["status", "version", "updated_at"])
        touched = _audit_moves(site, overdue, by=None, action="sample.missed", was=Sample.Status.SCHEDULED)
        if overdue:
            _publish(site, touched)
    return len(overdue)


# --- results --------------------------------------------------------------


def _ct(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(value)


def _apply_result(
    sample: Sample,
    stay: Stay,
    *,
    result: str,
    by,
    ct_orf1ab=None,
    ct_n=None,
    reported_at: datetime | None = None,
    source: str = SampleResult.Source.MANUAL,
    lab_import: LabImport | None = None,
    corrects: SampleResult | None = None,
    reason: str = "",
) -> Touched:
    """Record a result (or its correction) on a locked sample and follow it up."""
    if result not in Sample.Result.values:
        raise ServiceError(_("Choose negative, positive or invalid."))
    _move(sample, Sample.Status.RESULTED)
    previous = sample.result
    now = timezone.now()
    SampleResult.objects.create(
        sample=sample,
        result=result,
        ct_orf1ab=_ct(ct_orf1ab),
        ct_n=_ct(ct_n),
        reported_at=reported_at,
        entered_at=now,
        entered_by=by,
        source=source,
        lab_import=lab_import,
        corrects=corrects,
        reason=reason[:200],
    )
    sample.status = Sample.Status.RESULTED
    sample.result = result
    sample.resulted_at = now
    touch(sample, by)
    sample.save(update_fields=["status", "result", "resulted_at", "version", "updated_at", "updated_by"])
    after = {"result": result}
    if ct_orf1ab not in (None, ""):
        after["ct_orf1ab"] = str(ct_orf1ab)
    if ct_n not in (None, ""):
        after["ct_n"] = str(ct_n)
    audit(
        site=stay.site,
        by=by,
        action="sample.correct" if corrects else "sample.result",
        obj=sample,
        room=stay.room,
        person=stay.person,
        before={"result": previous} if previous else {},
        after=after,
        note=reason,
    )
    touched = Touched({stay.room_id}, {stay.person_id})
    if result == Sample.Result.INVALID and stay.is_open:
        _schedule_extra(
            stay, kind=sample.kind, reason=Sample.Reason.RETEST, on=timezone.localdate() + timedelta(days=1), by=by
        )
    if result == Sample.Result.POSITIVE and previous != Sample.Result.POSITIVE:
        touched.add(_escalate_positive(sample, stay, by=by))
    elif previous == Sample.Result.POSITIVE:
        # Taking back a positive is for the site head to know: the room
        # stays sealed until they decide what happens to it.
        Alert.objects.create(
            site_id=stay.site_id,
            kind=Alert.Kind.CORRECTED,
            urgent=False,
            for_site_head=True,
            person=stay.person,
            room=stay.room,
            sample=sample,
        )
    return touched


def _escalate_positive(sample: Sample, stay: Stay, *, by) -> Touched:
    """Seal the room, alert the site head and the medical group, test the room-mates.

    Runs inside the result's transaction: all of it happens, or none.
    """
    person = stay.person
    touched = Touched({stay.room_id}, {person.pk})
    room = stay.room
    if stay.is_open:
        room = lock_row(Room, stay.room_id)
        note = _("Positive result of %(name)s.") % {"name": person.name}
        if room_seal(room=room, by=by, person=person, note=note):
            touched.topics.add(DISINFECTION)
        room_mates = Stay.objects.open().filter(room=room).exclude(person=person)
        for other in room_mates.select_related("person", "room", "site"):
            if _schedule_extra(
                other, kind=Sample.Kind.PCR, reason=Sample.Reason.CONTACT, on=timezone.localdate(), by=by
            ):
                touched.persons.add(other.person_id)
    Alert.objects.create(
        site_id=stay.site_id,
        kind=Alert.Kind.POSITIVE,
        urgent=True,
        for_site_head=True,
        person=person,
        room=room,
        sample=sample,
    )
    if stay.is_open:
        # The closed-loop transfer to a designated hospital is drafted in the
        # same transaction: the site head sees it waiting for approval at once.
        transfers.transfer_draft_for_positive(person=person, by=by)
    return touched


def sample_record_result(
    *,
    sample: Sample,
    result: str,
    by,
    ct_orf1ab=None,
    ct_n=None,
    reported_at: datetime | None = None,
    version: int | None = None,
    token=None,
) -> Sample:
    """Enter a collected sample's result; a positive escalates in the same transaction."""
    require_role(by, *MEDICAL_ROLES)
    with transaction.atomic():
        claim_form(token, by)
        sample = _lock_sample(sample, version)
        if sample.status == Sample.Status.RESULTED:
            raise ServiceError(
                _("This sample already has a result (%(result)s); correct it if it is wrong.")
                % {"result": sample.get_result_display()}
            )
        stay = _stay_of(sample)
        touched = _apply_result(
            sample, stay, result=result, by=by, ct_orf1ab=ct_orf1ab, ct_n=ct_n, reported_at=reported_at
        )
        _publish(stay.site, touched)
    return sample


def sample_correct_result(
    *,
    sample: Sample,
    result: str,
    reason: str,
    by,
    ct_orf1ab=None,
    ct_n=None,
    version: int | None = None,
    token=None,
) -> Sample:
    """Correct a result: a new entry that names the one it replaces, who and why."""
    require_role(by, *MEDICAL_ROLES)
    reason = _reason(reason, _("Say why the result is corrected."))
    with transaction.atomic():
        claim_form(token, by)
        sample = _lock_sample(sample, version)
        if sample.status != Sample.Status.RESULTED:
            raise ServiceError(_("Only a result can be corrected; this sample has none yet."))
        current = sample.results.order_by("-entered_at", "-pk").first()
        same_ct = current and (current.ct_orf1ab, current.ct_n) == (_ct(ct_orf1ab), _ct(ct_n))
        if result == sample.result and same_ct:
            raise ServiceError(_("The correction changes nothing."))
        stay = _stay_of(sample)
        touched = _apply_result(
            sample,
            stay,
            result=result,
            by=by,
            ct_orf1ab=ct_orf1ab,
            ct_n=ct_n,
            reported_at=current.reported_at if current else None,
            corrects=current,
            reason=reason,
        )
        _publish(stay.site, touched)
    return sample


# --- quarantine length ----------------------------------------------------


def _lock_open_stay(stay: Stay, version: int | None) -> Stay:
    stay = lock_row(Stay, stay.pk)
    check_version(stay, version)
    if not stay.is_open:
        raise ServiceError(_("%(name)s has left; the stay is over.") % {"name": stay.person.name})
    return stay


def stay_extend(*, stay: Stay, until: date, reason: str, by, version: int | None = None, token=None) -> Stay:
    """Extend a quarantine (never shorten it); the end of the schedule moves with it.

    The samples release depends on (the protocol's last ones) are scheduled
    again, as many days later as the quarantine was extended.
    """
    require_role(by, *MEDICAL_ROLES)
    reason = _reason(reason, _("Say why the quarantine is extended."))
    with transaction.atomic():
        claim_form(token, by)
        stay = _lock_open_stay(stay, version)
        if until <= stay.ends_on:
            raise ServiceError(
                _("The quarantine of %(name)s ends on %(date)s; an extension must end later (it is never shortened).")
                % {"name": stay.person.name, "date": date_format(stay.ends_on, "Y-m-d")}
            )
        before = stay.ends_on
        shift = timedelta(days=(until - before).days)
        stay.ends_on = until
        touch(stay, by)
        stay.save(update_fields=["ends_on", "version", "updated_at", "updated_by"])
        plan = SamplingPlan.objects.filter(stay=stay).first()
        days = plan.days if plan else TestProtocol.for_site(stay.site).schedule()
        required = plan.required_negatives if plan else len(days)
        today = timezone.localdate()
        for day, kind in days[-required:]:
            on = max(stay_date(stay, day) + shift, today)
            _schedule_extra(stay, kind=kind, reason=Sample.Reason.EXTENSION, on=on, by=by)
        audit(
            site=stay.site,
            by=by,
            action="stay.extend",
            obj=stay,
            room=stay.room,
            person=stay.person,
            before={"ends_on": before},
            after={"ends_on": until},
            note=reason,
        )
        _publish(stay.site, Touched({stay.room_id}, {stay.person_id}))
    return stay


def sampling_replan(*, stay: Stay, by, version: int | None = None, token=None) -> SamplingPlan:
    """Re-plan a stay's remaining samples on the site's current protocol.

    Samples already taken stay; open protocol samples from today on are
    replaced. A longer protocol extends the quarantine; a shorter one leaves
    the end date as it is (it is never shortened silently).
    """
    require_role(by, *MEDICAL_ROLES)
    with transaction.atomic():
        claim_form(token, by)
        stay = _lock_open_stay(stay, version)
        protocol = TestProtocol.for_site(stay.site)
        today = timezone.localdate()
        plan = SamplingPlan.objects.filter(stay=stay).first() or SamplingPlan(stay=stay)
        before = {"days": " ".join(str(d) for d, _k in plan.days), "required_negatives": plan.required_negatives}
        before["ends_on"] = stay.ends_on
        Sample.objects.filter(
            stay=stay, status=Sample.Status.SCHEDULED, scheduled_on__gte=today, reason=Sample.Reason.PROTOCOL
        ).update(
            status=Sample.Status.CANCELLED,
            note=_("Re-planned on the current protocol."),
            version=F("version") + 1,
            updated_at=timezone.now(),
            updated_by=by,
        )
        taken = set(
            Sample.objects.filter(stay=stay)
            .exclude(status=Sample.Status.CANCELLED)
            .values_list("scheduled_on", flat=True)
        )
        days = protocol.schedule()
        Sample.objects.bulk_create(
            [
                _new_sample(stay, day=day, kind=kind, reason=Sample.Reason.PROTOCOL, by=by)
                for day, kind in days
                if stay_date(stay, day) >= today and stay_date(stay, day) not in taken
            ]
        )
        plan.days = [[day, kind] for day, kind in days]
        plan.required_negatives = protocol.required_negatives
        plan.planned_at = timezone.now()
        plan.planned_by = by
        plan.save()
        end = quarantine_end(stay.site, timezone.localdate(stay.started_at))
        if end > stay.ends_on:
            stay.ends_on = end
        touch(stay, by)
        stay.save(update_fields=["ends_on", "version", "updated_at", "updated_by"])
        audit(
            site=stay.site,
            by=by,
            action="stay.replan",
            obj=stay,
            room=stay.room,
            person=stay.person,
            before=before,
            after={
                "days": " ".join(str(d) for d, _k in days),
                "required_negatives": plan.required_negatives,
                "ends_on": stay.ends_on,
            },
        )
        _publish(stay.site, Touched({stay.room_id}, {stay.person_id}))
    return plan


# --- health rounds --------------------------------------------------------

ALERT_FOR_CONCERN = {"fever": Alert.Kind.FEVER, "symptoms": Alert.Kind.SYMPTOMS, "distressed": Alert.Kind.DISTRESSED}
TEMPERATURE_RANGE = (Decimal("34.0"), Decimal("43.0"))


def _health_values(person: Person, entry: dict) -> dict:
    outcome = entry.get("outcome") or HealthCheck.Outcome.CHECKED
    if outcome not in HealthCheck.Outcome.values:
        raise ServiceError(_("Unknown outcome for %(name)s.") % {"name": person.name})
    if outcome != HealthCheck.Outcome.CHECKED:
        return {"outcome": outcome, "temperature": None, "symptoms": [], "mood": "", "note": entry.get("note", "")}
    temperature = entry.get("temperature")
    if temperature is None:
        raise ServiceError(_("The temperature of %(name)s is missing.") % {"name": person.name})
    temperature = Decimal(temperature).quantize(Decimal("0.1"))
    low, high = TEMPERATURE_RANGE
    if not low <= temperature <= high:
        raise ServiceError(
            _("%(value)s °C for %(name)s cannot be right: check the reading.")
            % {"value": temperature, "name": person.name}
        )
    symptoms = sorted(set(entry.get("symptoms") or []))
    unknown = set(symptoms) - set(HealthCheck.Symptom.values)
    mood = entry.get("mood") or HealthCheck.Mood.STABLE
    if unknown or mood not in HealthCheck.Mood.values:
        raise ServiceError(_("Unknown symptom or mood for %(name)s.") % {"name": person.name})
    return {
        "outcome": outcome,
        "temperature": temperature,
        "symptoms": symptoms,
        "mood": mood,
        "note": entry.get("note", ""),
    }


def health_round_record(*, site: Site, day: date, round: str, entries: list[dict], by, token=None) -> list[HealthCheck]:
    """Record a health round, a row per person (a floor at a time from the tablet).

    Each entry: person, outcome, temperature, symptoms, mood, note and the
    version of the check it corrects (None for a new one). A fever, a
    symptom or distress raises an alert for the medical group.
    """
    require_role(by, *MEDICAL_ROLES)
    if round not in HealthCheck.Round.values:
        raise ServiceError(_("Choose the morning or the afternoon round."))
    if day > timezone.localdate():
        raise ServiceError(_("A round cannot be recorded for a day still to come."))
    if not entries:
        raise ServiceError(_("Nothing to record: enter at least one person's check."))
    with transaction.atomic():
        claim_form(token, by)
        ids = [entry["person"].pk for entry in entries]
        stays = {
            stay.person_id: stay
            for stay in Stay.objects.open().filter(site=site, person_id__in=ids).select_related("room", "person")
        }
        existing = {
            check.person_id: check
            for check in HealthCheck.objects.select_for_update(of=("self",))
            .filter(person_id__in=ids, day=day, round=round)
            .select_related("updated_by")
        }
        touched = Touched()
        saved = []
        for entry in entries:
            person = entry["person"]
            stay = stays.get(person.pk)
            if stay is None:
                raise ServiceError(_("%(name)s is not in isolation on this site.") % {"name": person.name})
            values = _health_values(person, entry)
            check = existing.get(person.pk)
            before = {}
            if check is None:
                check = HealthCheck(site=site, person=person, stay=stay, day=day, round=round, recorded_by=by)
                old_concerns = []
            else:
                check_version(check, entry.get("version"))
                if all(getattr(check, key) == value for key, value in values.items()):
                    continue
                old_concerns = check.concerns
                before = {key: getattr(check, key) for key in values}
            for key, value in values.items():
                setattr(check, key, value)
            check.recorded_at = timezone.now()
            check.recorded_by = by
            if check.pk:
                touch(check, by)
            else:
                check.updated_by = by
            check.save()
            new = [concern for concern in check.concerns if concern not in old_concerns]
            if new:
                Alert.objects.create(
                    site=site,
                    kind=ALERT_FOR_CONCERN[new[0]],
                    person=person,
                    room=stay.room,
                    health_check=check,
                )
            audit(
                site=site,
                by=by,
                action="health.record",
                obj=check,
                room=stay.room,
                person=person,
                before={key: str(value) if isinstance(value, Decimal) else value for key, value in before.items()},
                after={
                    key: str(value) if isinstance(value, Decimal) else value
                    for key, value in values.items()
                    if value not in ("", None, [])
                },
            )
            touched.rooms.add(stay.room_id)
            touched.persons.add(person.pk)
            saved.append(check)
        if saved:
            _publish(site, touched)
    return saved


# --- alerts and medicines -------------------------------------------------


def alert_acknowledge(*, alert: Alert, by) -> Alert:
    """Someone has seen the alert and is acting on it: the sound stops, who and when is kept."""
    require_role(by, *MEDICAL_ROLES)
    with transaction.atomic():
        alert = Alert.objects.select_for_update(of=("self",)).select_related("site", "person", "room").get(pk=alert.pk)
        if alert.acknowledged_at is not None:
            return alert
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = by
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
        audit(
            site=alert.site,
            by=by,
            action="alert.acknowledge",
            obj=alert,
            room=alert.room,
            person=alert.person,
            after={"kind": alert.kind},
        )
        live.publish(site=alert.site, topics=TOPICS)
    return alert


def _open_stay_of(person: Person) -> Stay:
    stay = Stay.objects.open().filter(person=person).select_related("room", "site").first()
    if stay is None:
        raise ServiceError(_("%(name)s is not in isolation on this site.") % {"name": person.name})
    return stay


def medicine_need_add(*, person: Person, by, name: str, dose: str = "", note: str = "") -> MedicineNeed:
    """Record a medicine a person takes regularly."""
    require_role(by, *MEDICAL_ROLES)
    name = name.strip()
    if not name:
        raise ServiceError(_("Name the medicine."))
    with transaction.atomic():
        need = MedicineNeed.objects.create(person=person, name=name, dose=dose, note=note, created_by=by)
        audit(site=person.site, by=by, action="medicine.need", obj=need, person=person, after={"medicine": name})
        live.publish(site=person.site, persons=[person.pk], topics=TOPICS)
    return need


def medicine_request_add(*, person: Person, by, item: str, note: str = "", token=None) -> MedicineRequest:
    """A person asks for a medicine; the request is open until delivered."""
    require_role(by, *MEDICAL_ROLES)
    item = item.strip()
    if not item:
        raise ServiceError(_("Name the medicine."))
    with transaction.atomic():
        claim_form(token, by)
        stay = _open_stay_of(person)
        request = MedicineRequest.objects.create(
            site=stay.site, person=person, stay=stay, item=item, note=note, requested_by=by
        )
        audit(
            site=stay.site,
            by=by,
            action="medicine.request",
            obj=request,
            room=stay.room,
            person=person,
            after={"item": item},
        )
        _publish(stay.site, Touched({stay.room_id}, {person.pk}))
    return request


def medicine_request_deliver(*, request: MedicineRequest, by, token=None) -> MedicineRequest:
    require_role(by, *MEDICAL_ROLES)
    with transaction.atomic():
        claim_form(token, by)
        request = (
            MedicineRequest.objects.select_for_update(of=("self",))
            .select_related("site", "person", "stay__room")
            .get(pk=request.pk)
        )
        if request.status != MedicineRequest.Status.OPEN:
            raise ServiceError(
                _("%(item)s for %(name)s was already delivered.") % {"item": request.item, "name": request.person.name}
            )
        request.status = MedicineRequest.Status.DELIVERED
        request.delivered_at = timezone.now()
        request.delivered_by = by
        request.save(update_fields=["status", "delivered_at", "delivered_by"])
        audit(
            site=request.site,
            by=by,
            action="medicine.deliver",
            obj=request,
            room=request.stay.room,
            person=request.person,
            after={"item": request.item},
        )
        _publish(request.site, Touched({request.stay.room_id}, {request.person_id}))
    return request


# --- the lab's result sheets ---------------------------------------------


def _match_rows(site: Site, rows: list[SheetRow]) -> list[dict]:
    """What each line of a sheet would do: apply, skip (already recorded) or error, and why."""
    barcodes = {row.barcode for row in rows if row.barcode}
    by_barcode = {
        sample.tube_barcode: sample
        for sample in Sample.objects.filter(site=site, tube_barcode__in=barcodes).select_related("person", "stay__room")
    }
    seen: dict[int, int] = {}
    lines = []
    for row in rows:
        line = {
            "line": row.line,
            "barcode": row.barcode,
            "national_id": mask_national_id(row.national_id),
            "result": row.result,
            "result_text": row.result_text,
            "ct_orf1ab": row.ct_orf1ab,
            "ct_n": row.ct_n,
            "reported_at": row.reported_at.isoformat() if row.reported_at else None,
            "sample": None,
            "person": "",
            "room": "",
            "action": "error",
            "code": row.error,
            "params": {"text": row.error_text},
        }
        lines.append(line)
        if row.error:
            continue
        sample, code, params = _find_sample(site, row, by_barcode)
        if sample is None:
            line.update(code=code, params=params)
            continue
        line.update(sample=sample.pk, person=sample.person.name, room=sample.stay.room.number)
        if sample.pk in seen:
            line.update(code="duplicate", params={"line": seen[sample.pk]})
        elif sample.status == Sample.Status.COLLECTED:
            line.update(action="apply", code="apply")
        elif sample.status == Sample.Status.RESULTED and sample.result == row.result:
            line.update(action="skip", code="already")
        elif sample.status == Sample.Status.RESULTED:
            line.update(code="differs", params={"result": sample.result})
        elif sample.status == Sample.Status.CANCELLED:
            line.update(code="cancelled")
        else:
            line.update(code="not_collected")
        seen.setdefault(sample.pk, row.line)
    return lines


def _find_sample(site: Site, row: SheetRow, by_barcode: dict) -> tuple[Sample | None, str, dict]:
    if row.barcode:
        sample = by_barcode.get(row.barcode)
        return (sample, "", {}) if sample else (None, "no_barcode", {"barcode": row.barcode})
    person = Person.objects.filter(site=site, national_id=row.national_id).order_by("-created_at").first()
    if person is None:
        return None, "no_person", {}
    samples = list(
        Sample.objects.filter(person=person, status__in=[Sample.Status.COLLECTED, Sample.Status.RESULTED])
        .select_related("person", "stay__room")
        .order_by("-collected_at")
    )
    waiting = [sample for sample in samples if sample.status == Sample.Status.COLLECTED]
    if len(waiting) == 1:
        return waiting[0], "", {}
    if len(waiting) > 1:
        return None, "ambiguous", {"count": len(waiting)}
    # Nothing waits: a sheet imported again finds its own results here.
    for sample in samples:
        reported = {entry.reported_at for entry in sample.results.all()}
        if sample.result == row.result and row.reported_at in reported:
            return sample, "", {}
    return None, "no_sample", {"name": person.name}


def lab_import_preview(*, site: Site, by, filename: str, content: bytes) -> LabImport:
    """Read a lab's sheet and keep what each line would do; nothing is applied yet."""
    require_role(by, *MEDICAL_ROLES)
    rows = read_sheet(filename, content)
    if not rows:
        raise ServiceError(_("The sheet has no result lines."))
    with transaction.atomic():
        lab_import = LabImport.objects.create(
            site=site,
            filename=filename[:200],
            digest=hashlib.sha256(content).hexdigest(),
            rows=_match_rows(site, rows),
            uploaded_by=by,
        )
    return lab_import


def lab_import_apply(*, lab_import: LabImport, by, token=None) -> int:
    """Apply the lines of a previewed sheet that match a sample awaiting its result.

    Each line is checked again: a result entered since the preview is not
    entered twice, and a sheet applied once cannot be applied again.
    """
    require_role(by, *MEDICAL_ROLES)
    with transaction.atomic():
        claim_form(token, by)
        lab_import = LabImport.objects.select_for_update(of=("self",)).select_related("site").get(pk=lab_import.pk)
        if lab_import.status == LabImport.Status.APPLIED:
            raise ServiceError(
                _("This sheet was already applied by %(who)s at %(when)s.")
                % {
                    "who": display_name(lab_import.applied_by),
                    "when": date_format(timezone.localtime(lab_import.applied_at), "m-d H:i"),
                }
            )
        touched = Touched()
        applied = 0
        for line in lab_import.rows:
            if line["action"] != "apply":
                continue
            sample = lock_row(Sample, line["sample"])
            if sample.status != Sample.Status.COLLECTED:
                line.update(action="skip", code="changed")
                continue
            reported = datetime.fromisoformat(line["reported_at"]) if line["reported_at"] else None
            touched.add(
                _apply_result(
                    sample,
                    _stay_of(sample),
                    result=line["result"],
                    by=by,
                    ct_orf1ab=line["ct_orf1ab"],
                    ct_n=line["ct_n"],
                    reported_at=reported,
                    source=SampleResult.Source.IMPORT,
                    lab_import=lab_import,
                )
            )
            line["applied"] = True
            applied += 1
        lab_import.status = LabImport.Status.APPLIED
        lab_import.applied_at = timezone.now()
        lab_import.applied_by = by
        lab_import.applied_count = applied
        lab_import.save(update_fields=["rows", "status", "applied_at", "applied_by", "applied_count"])
        audit(
            site=lab_import.site,
            by=by,
            action="lab_import.apply",
            obj=lab_import,
            after={"lines": len(lab_import.rows), "applied": applied},
        )
        _publish(lab_import.site, touched)
    return applied


# --- release certificate --------------------------------------------------


def certificate_print(*, stay: Stay, by, full_id: bool) -> None:
    """Log that a release certificate was printed, and whether with the full national ID."""
    require_role(by, *CERTIFICATE_ROLES)
    if full_id:
        require_reveal(by)
    with transaction.atomic():
        audit(
            site=stay.site,
            by=by,
            action="certificate.print",
            obj=stay,
            room=stay.room,
            person=stay.person,
            # Not "national_id": the audit masks values under that key.
            after={"id_printed": "full" if full_id else "masked"},
        )
        live.publish(site=stay.site, persons=[stay.person_id])


# --- from rooms/services/alerts.py ---
"""Alerts for the medical group, raised by other groups' services."""


# The topic a change names when it raised a medical alert, so that the
# medical board can opt in to it (Board.affected_by).
MEDICAL_TOPIC = "medical"


def medical_alert_raise(
    *, site, kind: str, room, by, note: str = "", meal_delivery=None, incident=None
) -> MedicalAlert:
    """Record an alert for the medical group.

    Runs inside the caller's transaction: the caller has checked the user's
    group, audits its own change and publishes it with ``MEDICAL_TOPIC``.
    """
    return MedicalAlert.objects.create(
        site=site,
        kind=kind,
        room=room,
        note=note[:300],
        raised_at=timezone.now(),
        raised_by=by,
        meal_delivery=meal_delivery,
        incident=incident,
    )


# --- a stay's start, release and departure (rooms.services.STAY_HOOKS) ----


def quarantine_end(site: Site, arrival: date) -> date:
    """The last day of quarantine for an arrival on ``arrival``: the protocol holds the length."""
    return arrival + timedelta(days=TestProtocol.for_site(site).length_days)


def connect_stay_hooks() -> None:
    """The medical group's part in every stay: the quarantine length, the
    sampling plan at check-in, the protocol's say at release, the samples
    cancelled at departure."""
    STAY_HOOKS.quarantine_end = quarantine_end
    STAY_HOOKS.checked_in.append(samples_schedule_for_stay)
    STAY_HOOKS.release_checks.append(require_release_eligible)
    STAY_HOOKS.left.append(lambda *, stay, room, by: samples_cancel_for_departure(stay=stay, by=by))
