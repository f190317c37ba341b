"""Exposure inside the site: a room-mate of a positive is a close contact again.

Their quarantine restarts from the day of exposure, as the protocol says for
an arrival that day: a new end date (never earlier than the one they had)
and the protocol's samples counted from that day; the old plan's samples
not taken (from tomorrow on, or missed) are cancelled. The caller holds the transaction and
publishes; moving them out to a room of their own is the site head's
decision, made through room change (``rooms.services.stay_move``).
"""

from datetime import date, timedelta

from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_noop

from groups.medical.models import Sample, TestProtocol
from groups.medical.services.common import _schedule_extra
from rooms.models import Person, Stay
from rooms.services import audit, touch
from rooms.words import written


def stay_restart_for_exposure(*, stay: Stay, exposed_on: date, by, note: str) -> bool:
    """Restart a stay's quarantine from ``exposed_on``; False when it changed nothing."""
    protocol = TestProtocol.for_site(stay.site)
    today = timezone.localdate()
    person = stay.person
    end = max(stay.ends_on, exposed_on + timedelta(days=protocol.length_days))
    schedule = [(exposed_on + timedelta(days=day - 1), kind) for day, kind in protocol.schedule()]
    schedule = [(on, kind) for on, kind in schedule if on >= today]
    before = {"ends_on": stay.ends_on, "category": person.category}
    cancelled = (
        Sample.objects.filter(stay=stay, status__in=[Sample.Status.SCHEDULED, Sample.Status.MISSED])
        .filter(reason=Sample.Reason.PROTOCOL)
        # Today's sample is taken all the same.
        .exclude(status=Sample.Status.SCHEDULED, scheduled_on=today)
        .update(
            status=Sample.Status.CANCELLED,
            note=written(
                gettext_noop("Re-planned from the exposure on %(date)s."), date=date_format(exposed_on, "Y-m-d")
            ),
            version=F("version") + 1,
            updated_at=timezone.now(),
            updated_by=by,
        )
    )
    added = [
        on for on, kind in schedule if _schedule_extra(stay, kind=kind, reason=Sample.Reason.CONTACT, on=on, by=by)
    ]
    changed = end != stay.ends_on or person.category != Person.Category.CLOSE_CONTACT or cancelled or added
    if not changed:
        return False
    stay.ends_on = end
    touch(stay, by)
    stay.save(update_fields=["ends_on", "version", "updated_at", "updated_by"])
    if person.category != Person.Category.CLOSE_CONTACT:
        person.category = Person.Category.CLOSE_CONTACT
        touch(person, by)
        person.save(update_fields=["category", "version", "updated_at", "updated_by"])
    audit(
        site=stay.site,
        by=by,
        action="stay.exposure",
        obj=stay,
        room=stay.room,
        person=person,
        before=before,
        after={
            "ends_on": stay.ends_on,
            "category": person.category,
            "exposed_on": exposed_on,
            "samples": " ".join(date_format(on, "m-d") for on in added),
        },
        note=note,
    )
    return True


def exposure_in_site(*, stays, exposed_on: date, by, note: str) -> set[int]:
    """People exposed inside the site (a positive's room-mates, a person in
    another room): a PCR today and the quarantine restarted from the day of
    exposure. Returns the people changed; the caller holds the transaction
    and publishes (topic "medical")."""
    changed = set()
    today = timezone.localdate()
    for stay in stays:
        if _schedule_extra(stay, kind=Sample.Kind.PCR, reason=Sample.Reason.CONTACT, on=today, by=by):
            changed.add(stay.person_id)
        if stay_restart_for_exposure(stay=stay, exposed_on=exposed_on, by=by, note=note):
            changed.add(stay.person_id)
    return changed
