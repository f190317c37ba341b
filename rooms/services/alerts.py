"""Alerts for the medical group, raised by other groups' services."""

from django.utils import timezone

from rooms.models import MedicalAlert

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
