"""What the medical group leaves open at a shift change (rooms.handover)."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.medical.care_board import care_ledger
from groups.medical.models import Alert, Sample
from rooms.handover import OpenList


def _where(room, person) -> str:
    return " ".join(part for part in (room.number if room else "", person.name if person else "") if part)


def overdue_samples(site, now) -> list[dict]:
    today = timezone.localdate(now)
    samples = (
        Sample.objects.filter(site=site, stay__ended_at__isnull=True)
        .filter(Q(status=Sample.Status.MISSED) | Q(status=Sample.Status.SCHEDULED, scheduled_on__lt=today))
        .select_related("person", "stay__room")
        .order_by("stay__room__floor", "stay__room__number", "scheduled_on")
    )
    return [
        {"text": f"{_where(sample.stay.room, sample.person)} · {sample.scheduled_on:%m-%d}", "tag": sample.kind}
        for sample in samples
    ]


def open_alerts(site, now) -> list[dict]:
    alerts = (
        Alert.objects.filter(site=site, acknowledged_at__isnull=True)
        .select_related("person", "room")
        .order_by("created_at", "pk")
    )
    return [
        {
            "text": f"{_where(alert.room, alert.person)} · {timezone.localtime(alert.created_at):%m-%d %H:%M}",
            "tag": alert.kind,
        }
        for alert in alerts
    ]


def care_follow_ups_due(site, now) -> list[dict]:
    """The people on the care ledger whose follow-up is due and not done yet (关爱随访)."""
    rows = care_ledger(site, timezone.localdate(now))["rows"]
    return [{"text": _where(row.stay.room, row.person), "tag": ""} for row in rows if row.due]


OPEN_LISTS = (
    OpenList("overdue_samples", _("Overdue samples"), overdue_samples, dict(Sample.Kind.choices)),
    OpenList("open_alerts", _("Alerts not acknowledged"), open_alerts, dict(Alert.Kind.choices)),
    OpenList("care_due", _("Care follow-ups due"), care_follow_ups_due),
)
