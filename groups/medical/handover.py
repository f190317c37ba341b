"""What the medical group leaves open at a shift change (rooms.handover)."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.medical.board import patient_transfers
from groups.medical.care_board import care_ledger
from groups.medical.models import Alert, Sample
from groups.transfers.models import Transfer
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
            # An alert of no room or person (a lab sheet's positive that matched nobody) says what it is.
            "text": f"{_where(alert.room, alert.person) or alert.note[:80]} · "
            f"{timezone.localtime(alert.created_at):%m-%d %H:%M}",
            "tag": alert.kind,
        }
        for alert in alerts
    ]


def results_awaited(site, now) -> list[dict]:
    """Samples collected and still without a result: the next shift chases the lab."""
    samples = (
        Sample.objects.filter(site=site, status=Sample.Status.COLLECTED, stay__ended_at__isnull=True)
        .select_related("person", "stay__room")
        .order_by("collected_at", "pk")
    )
    return [
        {
            "text": f"{_where(sample.stay.room, sample.person)} · "
            f"{timezone.localtime(sample.collected_at):%m-%d %H:%M}",
            "tag": sample.kind,
        }
        for sample in samples
    ]


def transfers_in_flight(site, now) -> list[dict]:
    """The patients' open transfers: a positive waiting for the hospital, a trip out and back."""
    return [
        {
            "text": f"{transfer.room.number} {transfer.person.name} → "
            f"{transfer.destination_name or transfer.get_destination_type_display()}",
            "tag": transfer.state,
        }
        for transfer in patient_transfers(site)
    ]


def care_follow_ups_due(site, now) -> list[dict]:
    """The people on the care ledger whose follow-up is due and not done yet (关爱随访)."""
    rows = care_ledger(site, timezone.localdate(now))["rows"]
    return [{"text": _where(row.stay.room, row.person), "tag": ""} for row in rows if row.due]


OPEN_LISTS = (
    OpenList("overdue_samples", _("Overdue samples"), overdue_samples, dict(Sample.Kind.choices)),
    OpenList("open_alerts", _("Alerts not acknowledged"), open_alerts, dict(Alert.Kind.choices)),
    OpenList("results_awaited", _("Results awaited"), results_awaited, dict(Sample.Kind.choices)),
    OpenList("transfers", _("Transfers in flight"), transfers_in_flight, dict(Transfer.State.choices)),
    OpenList("care_due", _("Care follow-ups due"), care_follow_ups_due),
)
