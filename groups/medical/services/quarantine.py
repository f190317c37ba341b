from datetime import date, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from groups.medical.models import (
    Eligibility,
    Sample,
    SamplingPlan,
    TestProtocol,
    stay_date,
)
from groups.medical.notice import Notice, release_notice
from groups.medical.reads import attach_eligibility
from groups.medical.services.common import (
    CERTIFICATE_ROLES,
    MEDICAL_ROLES,
    Touched,
    _new_sample,
    _publish,
    _reason,
    _schedule_extra,
)
from rooms.models import Person, Site, Stay
from rooms.roles import require_role
from rooms.services import (
    STAY_HOOKS,
    ServiceError,
    audit,
    check_version,
    claim_form,
    lock_row,
    require_reveal,
    touch,
)
from rooms.words import written
from site_ops import live


def samples_schedule_for_stay(*, stay: Stay, by) -> SamplingPlan:
    """Plan a person's samples from the site's protocol at check-in.

    The plan keeps the protocol as it was, so a later change of the protocol
    does not change this person's schedule. The caller (the check-in) holds
    the transaction and publishes.
    """
    carried = stay.person.carried_plan
    if "samples" in carried:
        # Transferred from another site of the district: its plan goes on,
        # on the days it had, counted from this stay's first day.
        first = timezone.localdate(stay.started_at)
        days = [((date.fromisoformat(on) - first).days + 1, kind) for on, kind in carried["samples"]]
        days = [(day, kind) for day, kind in days if day >= 1]
        required_negatives = carried.get("required_negatives", 2)
    else:
        protocol = TestProtocol.for_site(stay.site)
        days = protocol.schedule()
        required_negatives = protocol.required_negatives
    plan = SamplingPlan.objects.create(
        stay=stay,
        days=[[day, kind] for day, kind in days],
        required_negatives=required_negatives,
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
        after={"days": " ".join(str(day) for day, _kind in days), "required_negatives": required_negatives},
    )
    return plan


def samples_carried(*, stay: Stay) -> dict:
    """What a transfer to another site carries of the sampling plan: the
    samples still scheduled (on their dates) and the negatives release needs."""
    today = timezone.localdate()
    waiting = Sample.objects.filter(stay=stay, status=Sample.Status.SCHEDULED, scheduled_on__gte=today)
    plan = SamplingPlan.objects.filter(stay=stay).values_list("required_negatives", flat=True).first()
    return {
        "samples": [
            [on.isoformat(), kind] for on, kind in waiting.order_by("scheduled_on").values_list("scheduled_on", "kind")
        ],
        "required_negatives": plan if plan is not None else 2,
    }


def samples_cancel_for_departure(*, stay: Stay, by) -> int:
    """Cancel the samples a person who leaves will not give (the caller holds the transaction).

    Samples already collected keep waiting for their result: a positive found
    after a transfer still has to reach the site head.
    """
    count = Sample.objects.filter(stay=stay, status__in=[Sample.Status.SCHEDULED, Sample.Status.MISSED]).update(
        status=Sample.Status.CANCELLED,
        note=written(gettext_noop("The person left the site.")),
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
            note=written(gettext_noop("The person left the site.")),
        )
    return count


def release_eligibility(stay: Stay) -> Eligibility:
    """The protocol's say on one stay: its tests, no fever in the protocol's window, no open health alert."""
    return attach_eligibility([stay])[0].eligibility


def require_release_eligible(stay: Stay) -> None:
    """Refuse a release the protocol does not allow, saying why."""
    found = release_eligibility(stay)
    if not found.ok:
        raise ServiceError(
            _("%(name)s cannot be released yet: %(reasons)s")
            % {"name": stay.person.name, "reasons": " ".join(map(str, found.reasons))}
        )


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
            note=written(gettext_noop("Re-planned on the current protocol.")),
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


def certificate_print(*, person: Person, by, full_id: bool) -> Notice:
    """Log that a release notice was printed, and whether with the full national ID.

    Refused, with the reason, for a person who may not have one (yet).
    """
    require_role(by, *CERTIFICATE_ROLES)
    if full_id:
        require_reveal(by)
    notice = release_notice(person)
    if notice.refusal:
        raise ServiceError(notice.refusal)
    stay = notice.stay
    # Not "national_id": the audit masks values under that key.
    after = {"id_printed": "full" if full_id else "masked"}
    if notice.transfer:
        after["left_by_transfer"] = notice.transfer.destination_type
    with transaction.atomic():
        audit(
            site=stay.site,
            by=by,
            action="certificate.print",
            obj=stay,
            room=stay.room,
            person=stay.person,
            after=after,
        )
        live.publish(site=stay.site, persons=[stay.person_id])
    return notice


def quarantine_end(site: Site, arrival: date) -> date:
    """The last day of quarantine for an arrival on ``arrival``: the protocol holds the length."""
    return arrival + timedelta(days=TestProtocol.for_site(site).length_days)


def connect_stay_hooks() -> None:
    """The medical group's part in every stay: the quarantine length, the
    sampling plan at check-in, the protocol's say at release, the samples
    cancelled at departure."""
    STAY_HOOKS.quarantine_end = quarantine_end
    STAY_HOOKS.checked_in.append(samples_schedule_for_stay)
    STAY_HOOKS.carry.append(samples_carried)
    STAY_HOOKS.release_checks.append(require_release_eligible)
    STAY_HOOKS.left.append(lambda *, stay, room, by: samples_cancel_for_departure(stay=stay, by=by))
