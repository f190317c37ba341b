"""What the security group leaves open at a shift change (rooms.handover)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.security.board import open_incidents
from groups.security.models import CheckpointEntry, Incident
from groups.transfers.models import Transfer
from rooms.handover import OpenList


def incidents(site, now) -> list[dict]:
    return [
        {
            "text": " · ".join(
                part
                for part in (
                    incident.room.number if incident.room_id else "",
                    f"{timezone.localtime(incident.reported_at):%m-%d %H:%M}",
                    incident.description,
                )
                if part
            ),
            "tag": incident.kind,
        }
        for incident in open_incidents(site)
    ]


def still_inside(site, now) -> list[dict]:
    entries = CheckpointEntry.objects.filter(site=site, left_at__isnull=True).order_by("kind", "entered_at")
    return [
        {"text": f"{entry.name} · {entry.purpose} · {timezone.localtime(entry.entered_at):%H:%M}", "tag": entry.kind}
        for entry in entries
    ]


def escorts(site, now) -> list[dict]:
    # Rooms, destinations and vehicles only, as on the security board: the names are on the escorts board.
    transfers = (
        Transfer.objects.filter(site=site, state__in=Transfer.ESCORT_STATES)
        .select_related("room")
        .order_by("-urgency", "created_at")
    )
    return [
        {
            "text": " · ".join(
                part for part in (transfer.room.number, transfer.destination_name, transfer.vehicle_plate) if part
            ),
            "tag": transfer.state,
        }
        for transfer in transfers
    ]


OPEN_LISTS = (
    OpenList("incidents", _("Open incidents"), incidents, dict(Incident.Kind.choices)),
    OpenList("inside", _("Still inside at the checkpoint"), still_inside, dict(CheckpointEntry.Kind.choices)),
    OpenList("escorts", _("Transfers to escort"), escorts, dict(Transfer.State.choices)),
)
