"""What the general group leaves open at a shift change (rooms.handover)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.transfers.models import Transfer
from rooms.handover import OpenList
from rooms.models import Person, Room


def expected_arrivals(site, now) -> list[dict]:
    people = Person.objects.filter(
        site=site, status=Person.Status.EXPECTED, expected_on__lte=timezone.localdate(now)
    ).order_by("expected_on", "household", "name")
    return [
        {
            "text": " · ".join(part for part in (person.name, f"{person.expected_on:%m-%d}", person.source) if part),
            "tag": person.category,
        }
        for person in people
    ]


def transfers_in_flight(site, now) -> list[dict]:
    transfers = (
        Transfer.objects.filter(site=site, state__in=Transfer.OPEN_STATES)
        .select_related("person", "room")
        .order_by("-urgency", "created_at")
    )
    return [
        {
            "text": f"{transfer.room.number} {transfer.person.name} → {transfer.destination_name}".rstrip(" →"),
            "tag": transfer.state,
        }
        for transfer in transfers
    ]


def rooms_to_inspect(site, now) -> list[dict]:
    rooms = Room.objects.filter(site=site, status=Room.Status.VENTILATING).order_by("ventilation_until", "number")
    return [
        {
            "text": room.number
            + (f" · {timezone.localtime(room.ventilation_until):%H:%M}" if room.ventilation_until else "")
        }
        for room in rooms
    ]


OPEN_LISTS = (
    OpenList(
        "expected_arrivals", _("Expected arrivals not checked in"), expected_arrivals, dict(Person.Category.choices)
    ),
    OpenList("transfers", _("Transfers in flight"), transfers_in_flight, dict(Transfer.State.choices)),
    OpenList("rooms_to_inspect", _("Rooms ventilating, to inspect"), rooms_to_inspect),
)
