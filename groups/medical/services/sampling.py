from datetime import date, datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from groups.medical.lab_sheets import tube_code
from groups.medical.models import (
    Sample,
)
from groups.medical.services.common import (
    MEDICAL_ROLES,
    SAMPLE_FIELDS,
    Touched,
    _audit_moves,
    _lock_sample,
    _move,
    _publish,
    _reason,
    _stay_of,
)
from groups.transfers.models import Transfer
from rooms.models import Site
from rooms.roles import require_role
from rooms.services import (
    ServiceError,
    audit,
    claim_form,
    touch,
)
from rooms.words import written
from site_ops.speedups.fixed_reads import FixedRead


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
        sample.tube_barcode = tube_code(barcode)
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
            holder = (
                Sample.objects.filter(site=stay.site, tube_barcode=sample.tube_barcode).select_related("person").first()
            )
            raise ServiceError(
                _("Tube %(barcode)s is already used for the sample of %(name)s (%(day)s).")
                % {
                    "barcode": sample.tube_barcode,
                    "name": holder.person.name if holder else "?",
                    "day": date_format(holder.scheduled_on, "m-d") if holder else "",
                }
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


# The samples a floor's round collects, locked: built once (``FixedRead``),
# where Django compiled the join, the exclusion and the lock on every round.
_due_on_floor = FixedRead(
    lambda site_id, day, floor: (
        Sample.objects.select_for_update(of=("self",))
        .filter(
            site_id=site_id,
            status=Sample.Status.SCHEDULED,
            scheduled_on=day,
            stay__ended_at__isnull=True,
            stay__room__floor=floor,
        )
        # Someone away on a hospital visit is sampled when back.
        .exclude(Transfer.away_now())
        .select_related("stay__room", "person")
    ),
    # In the statement's order (the exclusion's EXISTS takes a 1 of its own).
    lambda site_id, day, floor: [
        connection.ops.adapt_datefield_value(day),
        site_id,
        Sample.Status.SCHEDULED,
        floor,
        1,
        Transfer.Destination.HOSPITAL_VISIT,
        Transfer.State.DEPARTED,
    ],
)


def samples_collect_floor(*, site: Site, floor: int, by, token=None) -> int:
    """A floor's round done: every sample due today on the floor is collected now, by this user."""
    require_role(by, *MEDICAL_ROLES)
    with transaction.atomic():
        claim_form(token, by)
        due = _due_on_floor(site.pk, timezone.localdate(), floor)
        if not due:
            raise ServiceError(_("No sample is waiting on floor %(floor)s today.") % {"floor": floor})
        now = timezone.now()
        for sample in due:
            _collect(sample, by=by, at=now)
            sample.updated_at = now
        # Every row moves the same way (their versions each one up, under
        # lock): one UPDATE, where bulk_update wrote a CASE per field and
        # row (two thirds of the request on a floor of twenty).
        Sample.objects.filter(pk__in=[sample.pk for sample in due]).update(
            status=Sample.Status.COLLECTED,
            collected_at=now,
            collected_by=by,
            version=F("version") + 1,
            updated_at=now,
            updated_by=by,
        )
        note = written(gettext_noop("floor %(floor)s round"), floor=floor)
        _publish(site, _audit_moves(site, due, by=by, action="sample.collect", was=Sample.Status.SCHEDULED, note=note))
    return len(due)


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


def sample_uncollect(*, sample: Sample, reason: str, by, version: int | None = None, token=None) -> Sample:
    """Take back a collection recorded by mistake: the sample waits again (missed if its day is over)."""
    require_role(by, *MEDICAL_ROLES)
    reason = _reason(reason, _("Say why the collection is taken back."))
    with transaction.atomic():
        claim_form(token, by)
        sample = _lock_sample(sample, version)
        stay = _stay_of(sample)
        to = Sample.Status.SCHEDULED if sample.scheduled_on >= timezone.localdate() else Sample.Status.MISSED
        _move(sample, to)
        before = {"status": sample.status, "tube_barcode": sample.tube_barcode}
        sample.status, sample.collected_at, sample.collected_by, sample.tube_barcode = to, None, None, ""
        touch(sample, by)
        sample.save(update_fields=SAMPLE_FIELDS)
        audit(
            site=stay.site,
            by=by,
            action="sample.uncollect",
            obj=sample,
            room=stay.room,
            person=stay.person,
            before=before,
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
        Sample.objects.filter(pk__in=[sample.pk for sample in overdue]).update(
            status=Sample.Status.MISSED, version=F("version") + 1, updated_at=now
        )
        touched = _audit_moves(site, overdue, by=None, action="sample.missed", was=Sample.Status.SCHEDULED)
        if overdue:
            _publish(site, touched)
    return len(overdue)
