from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.medical.models import (
    Alert,
    MedicineNeed,
    MedicineRequest,
)
from groups.medical.services.common import MEDICAL_ROLES, TOPICS, Touched, _publish
from rooms.models import Person, Stay
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


def medicine_request_add(
    *,
    person: Person,
    by,
    item: str,
    note: str = "",
    urgency: str = MedicineRequest.Urgency.TODAY,
    token=None,
) -> MedicineRequest:
    """A person asks for a medicine; the request is open until delivered.

    An urgent one comes first on the medical board and shows on the control screen.
    """
    require_role(by, *MEDICAL_ROLES)
    item = item.strip()
    if not item:
        raise ServiceError(_("Name the medicine."))
    if urgency not in MedicineRequest.Urgency.values:
        raise ServiceError(_("Choose how urgent the medicine is: urgent, today or when possible."))
    with transaction.atomic():
        claim_form(token, by)
        stay = _open_stay_of(person)
        request = MedicineRequest.objects.create(
            site=stay.site, person=person, stay=stay, item=item, note=note, urgency=urgency, requested_by=by
        )
        audit(
            site=stay.site,
            by=by,
            action="medicine.request",
            obj=request,
            room=stay.room,
            person=person,
            after={"item": item, "urgency": urgency},
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
