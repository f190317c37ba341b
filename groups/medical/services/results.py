from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from groups.medical.models import (
    Alert,
    LabImport,
    Sample,
    SampleResult,
    TestProtocol,
)
from groups.medical.services.common import (
    MEDICAL_ROLES,
    Touched,
    _lock_sample,
    _move,
    _publish,
    _reason,
    _schedule_extra,
    _stay_of,
)
from groups.medical.services.exposure import exposure_in_site
from groups.medical.services.readings import check_ct_reading, follow_up_antigen
from groups.transfers import services as transfers
from rooms.models import AuditEvent, Room, Stay
from rooms.roles import require_role
from rooms.services import (
    DISINFECTION,
    SEALED,
    ServiceError,
    audit,
    audit_all,
    audit_event,
    claim_form,
    lock_row,
    room_seal,
    touch,
)
from rooms.words import written
from site_ops import live


def _ct(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(value)


def _result_after(result: str, ct_orf1ab, ct_n) -> dict:
    """What a result's audit event records: the result and the Ct values given."""
    after = {"result": result}
    if ct_orf1ab not in (None, ""):
        after["ct_orf1ab"] = str(ct_orf1ab)
    if ct_n not in (None, ""):
        after["ct_n"] = str(ct_n)
    return after


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
    check_ct_reading(sample, stay, result=result, ct_orf1ab=ct_orf1ab, ct_n=ct_n)
    _move(sample, Sample.Status.RESULTED)
    previous, previous_at = sample.result, sample.resulted_at
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
    after = _result_after(result, ct_orf1ab, ct_n)
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
    if sample.kind == Sample.Kind.ANTIGEN:
        # Suspected, not confirmed: no seal, no transfer (see readings).
        touched.add(follow_up_antigen(sample, stay, result=result, previous=previous, by=by))
    elif result == Sample.Result.POSITIVE and previous != Sample.Result.POSITIVE:
        touched.add(_escalate_positive(sample, stay, by=by))
    elif previous == Sample.Result.POSITIVE:
        # The protocol's samples the positive cancelled wait on the board again.
        if stay.is_open and previous_at is not None:
            _restore_rounds_of_a_case(stay, positive_on=timezone.localdate(previous_at), by=by)
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


def plain_negative(sample: Sample, result: str) -> bool:
    """A negative that follows nothing up: no retest, no alert, no seal (``_record_negatives``)."""
    return result == Sample.Result.NEGATIVE and sample.result != Sample.Result.POSITIVE


def _record_negatives(entries: list[tuple], *, by, lab_import: LabImport | None = None) -> Touched:
    """Record plain negatives on locked samples, as ``_apply_result`` would, in three statements.

    ``entries`` are (sample, stay, ct_orf1ab, ct_n, reported_at). A morning's
    lab sheet is mostly negatives: their results, their samples and their
    audit events are each written at once rather than three statements a line.
    """
    touched = Touched()
    if not entries:
        return touched
    protocol = TestProtocol.numbers_for(entries[0][1].site_id)
    now = timezone.now()
    results, events = [], []
    for sample, stay, ct_orf1ab, ct_n, reported_at in entries:
        _move(sample, Sample.Status.RESULTED)
        check_ct_reading(sample, stay, result=Sample.Result.NEGATIVE, ct_orf1ab=ct_orf1ab, ct_n=ct_n, protocol=protocol)
        previous = sample.result
        results.append(
            SampleResult(
                sample=sample,
                result=Sample.Result.NEGATIVE,
                ct_orf1ab=_ct(ct_orf1ab),
                ct_n=_ct(ct_n),
                reported_at=reported_at,
                entered_at=now,
                entered_by=by,
                source=SampleResult.Source.IMPORT if lab_import else SampleResult.Source.MANUAL,
                lab_import=lab_import,
            )
        )
        sample.status, sample.result, sample.resulted_at = Sample.Status.RESULTED, Sample.Result.NEGATIVE, now
        touch(sample, by)
        after = _result_after(Sample.Result.NEGATIVE, ct_orf1ab, ct_n)
        events.append(
            audit_event(
                site=stay.site,
                by=by,
                action="sample.result",
                obj=sample,
                room=stay.room,
                person=stay.person,
                before={"result": previous} if previous else {},
                after=after,
            )
        )
        touched.rooms.add(stay.room_id)
        touched.persons.add(stay.person_id)
    SampleResult.objects.bulk_create(results)
    # Every row moves the same way, each version one up under lock.
    Sample.objects.filter(pk__in=[sample.pk for sample, *_ in entries]).update(
        status=Sample.Status.RESULTED,
        result=Sample.Result.NEGATIVE,
        resulted_at=now,
        version=F("version") + 1,
        updated_at=now,
        updated_by=by,
    )
    audit_all(events)
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
        note = written(gettext_noop("Positive result of %(name)s."), name=person.name)
        # Sealing also opens the spot disinfection of the floor's corridor and lift.
        if room_seal(room=room, by=by, person=person, note=note):
            touched.topics |= {DISINFECTION, SEALED}
            touched.sealed.add(room.pk)
        room_mates = Stay.objects.open().filter(room=room).exclude(person=person)
        # Close contacts again: a PCR today, the quarantine restarted from today.
        touched.persons |= exposure_in_site(
            stays=room_mates.select_related("person", "room", "site"),
            exposed_on=timezone.localdate(),
            by=by,
            note=written(gettext_noop("Room-mate of %(name)s, positive."), name=person.name),
        )
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
        # A confirmed case is tested by the hospital, not by the round: the protocol's samples still
        # to take no longer wait on the board, the handover or the overdue count.
        _cancel_rounds_of_a_case(stay, sample, by=by)
    return touched


def _cancelled_by_a_case(day) -> str:
    return written(gettext_noop("Positive on %(day)s: tested by the hospital."), day=str(day))


def _cancel_rounds_of_a_case(stay: Stay, positive: Sample, *, by) -> None:
    if positive.kind != Sample.Kind.PCR:
        return
    waiting = list(
        Sample.objects.filter(
            stay=stay, status__in=[Sample.Status.SCHEDULED, Sample.Status.MISSED], reason=Sample.Reason.PROTOCOL
        )
    )
    if not waiting:
        return
    for sample in waiting:
        sample.person = stay.person  # the stay's person: each audit event's label names them, without a read each
    note = _cancelled_by_a_case(timezone.localdate())
    Sample.objects.filter(pk__in=[sample.pk for sample in waiting]).update(
        status=Sample.Status.CANCELLED,
        note=note[:200],
        version=F("version") + 1,
        updated_by=by,
        updated_at=timezone.now(),
    )
    audit_all(
        [
            audit_event(
                site=stay.site,
                by=by,
                action="sample.cancel",
                obj=sample,
                room=stay.room,
                person=stay.person,
                before={"status": sample.status},
                after={"status": Sample.Status.CANCELLED},
                note=note,
            )
            for sample in waiting
        ]
    )


def _restore_rounds_of_a_case(stay: Stay, *, positive_on, by) -> None:
    """A positive taken back: the protocol's samples it cancelled are back as they were (scheduled, or recorded
    as not taken), each audited; a day that has another sample since (a re-plan) is left as it is."""
    cancelled = list(
        Sample.objects.filter(
            stay=stay,
            status=Sample.Status.CANCELLED,
            reason=Sample.Reason.PROTOCOL,
            note=_cancelled_by_a_case(positive_on)[:200],
        )
    )
    if not cancelled:
        return
    planned = set(
        Sample.objects.filter(stay=stay).exclude(status=Sample.Status.CANCELLED).values_list("scheduled_on", "kind")
    )
    cancelled = [sample for sample in cancelled if (sample.scheduled_on, sample.kind) not in planned]
    # Each one's status before the positive cancelled it.
    was = dict(
        AuditEvent.objects.filter(
            action="sample.cancel", object_type="sample", object_id__in=[sample.pk for sample in cancelled]
        )
        .order_by("at")
        .values_list("object_id", "before__status")
    )
    note = written(gettext_noop("The positive of %(day)s was taken back."), day=str(positive_on))
    events = []
    for sample in cancelled:
        status = Sample.Status.MISSED if was.get(sample.pk) == Sample.Status.MISSED else Sample.Status.SCHEDULED
        sample.status, sample.note = status, note[:200]
        touch(sample, by)
        events.append(
            audit_event(
                site=stay.site,
                by=by,
                action="sample.restore",
                obj=sample,
                room=stay.room,
                person=stay.person,
                before={"status": Sample.Status.CANCELLED},
                after={"status": status},
                note=note,
            )
        )
    Sample.objects.bulk_update(cancelled, ["status", "note", "version", "updated_at", "updated_by"])
    audit_all(events)


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
    with transaction.atomic(), live.one_broadcast():
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
    with transaction.atomic(), live.one_broadcast():
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
