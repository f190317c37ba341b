from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.medical.models import (
    Alert,
    MedicineNeed,
)
from groups.medical.services.common import MEDICAL_ROLES, TOPICS
from rooms.models import Person
from rooms.roles import require_role
from rooms.services import (
    ServiceError,
    audit,
    claim_form,
)
from site_ops import live


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


def medicine_need_add(
    *, person: Person, by, name: str, dose: str = "", note: str = "", token: str | None = None
) -> MedicineNeed:
    """Record a medicine a person takes regularly (once for a form sent twice)."""
    require_role(by, *MEDICAL_ROLES)
    name = name.strip()
    if not name:
        raise ServiceError(_("Name the medicine."))
    with transaction.atomic():
        claim_form(token, by)
        need = MedicineNeed.objects.create(person=person, name=name, dose=dose, note=note, created_by=by)
        audit(site=person.site, by=by, action="medicine.need", obj=need, person=person, after={"medicine": name})
        live.publish(site=person.site, persons=[person.pk], topics=TOPICS)
    return need


# The topic a change names when it raised a medical alert, so that the
# medical board can opt in to it (Board.affected_by).
MEDICAL_TOPIC = "medical"


def medical_alert_raise(*, site, kind: str, room, by, note: str = "", meal_delivery=None, incident=None) -> Alert:
    """Another group's report for the medical group: an alert like the medical
    group's own, with the same sound and acknowledgement (an emergency is urgent).

    Runs inside the caller's transaction: the caller has checked the user's
    group, audits its own change and publishes it with ``MEDICAL_TOPIC``.
    """
    return Alert.objects.create(
        site=site,
        kind=kind,
        urgent=kind == Alert.Kind.MEDICAL_EMERGENCY,
        room=room,
        note=note[:300],
        raised_by=by,
        meal_delivery=meal_delivery,
        incident=incident,
    )
