"""The district isolation office (隔离办): its sites live, the transfers it confirms, the free beds.

An officer (role ``district``, rows in ``rooms.District``) works at no site:
they see every site of their districts. Their boards are boards across
sites (``site_ops.boards.register_across_sites``): ``district-<pk>``, the
overview, and ``district-transfers-<pk>``, the transfers that need the office.
A change on any site reaches the boards of the districts that include it;
the overview re-sends that site's row (and the district's totals).

Every read here is a fixed number of queries however many sites and rooms the
district has (tests/test_district.py pins them): each figure is one grouped
query over all the district's sites.
"""

from dataclasses import dataclass, field

from django.db.models import BooleanField, Case, Count, F, Q, Sum, Value, When
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.disinfection.models import DisinfectionTask
from groups.medical.models import Sample
from groups.medical.reads import ANTIGEN_POSITIVE, PCR_POSITIVE
from groups.transfers.board import may_be_guardian, needs_guardian
from groups.transfers.models import Transfer
from groups.transfers.services import TRANSFERS
from rooms.models import District, Person, Request, Room, Site, Stay
from rooms.reads import day_start
from rooms.roles import Role, display_name
from site_ops.boards import Board, Change
from site_ops.speedups.fixed_reads import FixedRead

TEMPLATE = "control/district.html"
TRANSFERS_TEMPLATE = "control/district_transfers.html"

# Room types as the office speaks of them: by how many beds.
ROOM_TYPES = [
    ("single", _("single rooms"), Q(capacity=1)),
    ("double", _("double rooms"), Q(capacity=2)),
    ("family", _("family rooms (3+)"), Q(capacity__gte=3)),
]


@dataclass
class SiteRow:
    """One site's line on the overview."""

    site: Site
    rooms: int = 0
    in_isolation: int = 0
    expected: int = 0
    arrived_today: int = 0
    released_today: int = 0
    free: dict = field(default_factory=dict)  # room type -> free rooms
    free_beds: int = 0
    sealed: int = 0
    positives_today: int = 0
    suspected_today: int = 0
    open_transfers: int = 0
    office_transfers: int = 0
    overdue_samples: int = 0
    overdue_disinfection: int = 0
    overdue_requests: int = 0

    @property
    def overdue(self) -> int:
        return self.overdue_samples + self.overdue_disinfection + self.overdue_requests

    @property
    def free_rooms(self) -> int:
        return sum(self.free.values())


def _grouped(queryset, **figures) -> dict[int, dict]:
    """One grouped query: each site's figures, by site id."""
    return {row.pop("site_id"): row for row in queryset.values("site_id").annotate(**figures).order_by()}


def site_rows(sites: list[Site]) -> list[SiteRow]:
    """The overview's line for each site: seven queries, however many sites and rooms.

    1. rooms by status and type
    2. people in isolation and expected
    3. stays begun and released today
    4. samples: positives and suspected today, overdue
    5. open transfers, and those waiting for the office
    6. open disinfection tasks past due
    7. open requests past due
    """
    ids = [site.pk for site in sites]
    rows = {site.pk: SiteRow(site=site, free={key: 0 for key, _label, _q in ROOM_TYPES}) for site in sites}
    if not ids:
        return []
    now = timezone.now()
    today = timezone.localdate()
    start = day_start(today)
    available = Q(status=Room.Status.AVAILABLE)
    rooms = _grouped(
        Room.objects.filter(site__in=ids),
        total=Count("pk"),
        sealed=Count("pk", filter=Q(status=Room.Status.SEALED)),
        free_beds=Sum("capacity", filter=available, default=0),
        **{key: Count("pk", filter=available & q) for key, _label, q in ROOM_TYPES},
    )
    people = _grouped(
        Person.objects.filter(site__in=ids, status__in=[Person.Status.IN_ISOLATION, Person.Status.EXPECTED]),
        in_isolation=Count("pk", filter=Q(status=Person.Status.IN_ISOLATION)),
        expected=Count("pk", filter=Q(status=Person.Status.EXPECTED)),
    )
    stays = _grouped(
        Stay.objects.filter(site__in=ids).filter(Q(started_at__gte=start) | Q(ended_at__gte=start)),
        arrived=Count("pk", filter=Q(started_at__gte=start)),
        released=Count("pk", filter=Q(ended_at__gte=start, end_reason=Stay.EndReason.RELEASED)),
    )
    resulted_today = Q(resulted_at__gte=start)
    overdue_sample = Q(status=Sample.Status.MISSED) | Q(status=Sample.Status.SCHEDULED, scheduled_on__lt=today)
    samples = _grouped(
        Sample.objects.filter(site__in=ids).filter(resulted_today | overdue_sample),
        positives=Count("pk", filter=PCR_POSITIVE & resulted_today),
        suspected=Count("pk", filter=ANTIGEN_POSITIVE & resulted_today),
        overdue=Count("pk", filter=overdue_sample),
    )
    transfers = _grouped(
        Transfer.objects.filter(site__in=ids, state__in=Transfer.OPEN_STATES),
        open=Count("pk"),
        office=Count(
            "pk",
            filter=Q(
                destination_type__in=Transfer.OFFICE_DESTINATIONS,
                state__in=Transfer.OFFICE_CONFIRM_STATES,
                office_confirmed_at__isnull=True,
            ),
        ),
    )
    tasks = _grouped(
        DisinfectionTask.objects.filter(site__in=ids, status=DisinfectionTask.Status.OPEN, due_at__lt=now),
        n=Count("pk"),
    )
    requests = _grouped(
        Request.objects.filter(site__in=ids, status__in=Request.OPEN_STATUSES, due_at__lt=now), n=Count("pk")
    )
    for site_id, row in rows.items():
        found = rooms.get(site_id, {})
        row.rooms = found.get("total", 0)
        row.sealed = found.get("sealed", 0)
        row.free_beds = found.get("free_beds", 0) or 0
        row.free = {key: found.get(key, 0) for key, _label, _q in ROOM_TYPES}
        found = people.get(site_id, {})
        row.in_isolation, row.expected = found.get("in_isolation", 0), found.get("expected", 0)
        found = stays.get(site_id, {})
        row.arrived_today, row.released_today = found.get("arrived", 0), found.get("released", 0)
        found = samples.get(site_id, {})
        row.positives_today = found.get("positives", 0)
        row.suspected_today = found.get("suspected", 0)
        row.overdue_samples = found.get("overdue", 0)
        found = transfers.get(site_id, {})
        row.open_transfers, row.office_transfers = found.get("open", 0), found.get("office", 0)
        row.overdue_disinfection = tasks.get(site_id, {}).get("n", 0)
        row.overdue_requests = requests.get(site_id, {}).get("n", 0)
    return [rows[site.pk] for site in sites]


def totals(rows: list[SiteRow]) -> SiteRow:
    """The district's line: the sum of its sites'."""
    total = SiteRow(site=None, free={key: 0 for key, _label, _q in ROOM_TYPES})
    for row in rows:
        for name in (
            "rooms",
            "in_isolation",
            "expected",
            "arrived_today",
            "released_today",
            "free_beds",
            "sealed",
            "positives_today",
            "suspected_today",
            "open_transfers",
            "office_transfers",
            "overdue_samples",
            "overdue_disinfection",
            "overdue_requests",
        ):
            setattr(total, name, getattr(total, name) + getattr(row, name))
        for key, value in row.free.items():
            total.free[key] += value
    return total


def district_sites_list(district: District) -> list[Site]:
    return list(district.sites.order_by("name", "pk"))


def overview_context(district: District, sites: list[Site] | None = None) -> dict:
    """Everything on the overview: eight queries (the sites, then site_rows)."""
    sites = district_sites_list(district) if sites is None else sites
    rows = site_rows(sites)
    return {"district": district, "rows": rows, "total": totals(rows), "room_types": ROOM_TYPES}


def bench_overview(site_count: int) -> str:
    """The benchmark's hook: the overview of the first ``site_count`` sites, rendered (as a board snapshot)."""
    sites = list(Site.objects.order_by("pk")[:site_count])
    district = District(pk=0, name="bench")
    return render_to_string(f"{TEMPLATE}#overview-body", overview_context(district, sites))


# --- the transfers that need the office --------------------------------------


def office_transfers(sites: list[Site]) -> dict:
    """Open transfers to a destination the office finds, in the district's sites: one query.

    Waiting: not confirmed yet (requested or approved). Confirmed: confirmed
    and still open, until the person is handed over.
    """
    transfers = list(
        Transfer.objects.filter(
            site__in=[site.pk for site in sites],
            state__in=Transfer.OPEN_STATES,
            destination_type__in=Transfer.OFFICE_DESTINATIONS,
        )
        .select_related("site", "person", "room", "receiving_site", "receiving_room", "requested_by", "updated_by")
        .order_by("created_at", "pk")
    )
    transfers.sort(key=lambda transfer: not transfer.is_urgent)
    now = timezone.now()
    for transfer in transfers:
        transfer.requested_by_name = display_name(transfer.requested_by) if transfer.requested_by else ""
        transfer.stale = transfer.is_stale(now=now, minutes=transfer.site.transfer_stale_minutes)
        transfer.may_confirm = not transfer.is_office_confirmed and transfer.state in Transfer.OFFICE_CONFIRM_STATES
    _children_and_guardians(transfers)
    return {
        "waiting": [t for t in transfers if t.may_confirm],
        "confirmed": [t for t in transfers if t.is_office_confirmed],
    }


def _children_and_guardians(transfers: list[Transfer]) -> None:
    """Mark a child's transfer (under 14: a guardian goes with them, and needs a bed) with the transfers in
    the list of the adults of their family on the same site (``guardians``): read from the list, no query."""
    for transfer in transfers:
        person = transfer.person
        transfer.child = needs_guardian(person)
        transfer.guardians = [
            other.person
            for other in transfers
            if transfer.child
            and other is not transfer
            and other.site_id == transfer.site_id
            and may_be_guardian(other.person, person)
        ]


# --- free beds ------------------------------------------------------------------


def free_beds(sites: list[Site], *, beds: int = 1, room_type: str = "", elderly: bool = False) -> list[dict]:
    """Where a family of ``beds`` people can go: empty, ready rooms of the
    district's sites with enough beds, of a type if asked; for the elderly the
    low floors (each site's ``low_floor_max``) first. One query.

    Returns each site with its matching rooms, the sites with most rooms first.
    """
    rooms = Room.objects.filter(
        site__in=[site.pk for site in sites], status=Room.Status.AVAILABLE, capacity__gte=max(beds, 1)
    )
    for key, _label, q in ROOM_TYPES:
        if key == room_type:
            rooms = rooms.filter(q)
    rooms = rooms.annotate(
        low=Case(
            When(floor__lte=F("site__low_floor_max"), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    ).select_related("site")
    order = ["-low"] if elderly else []
    found: dict[int, dict] = {}
    for room in rooms.order_by(*order, "capacity", "floor", "number"):
        entry = found.setdefault(room.site_id, {"site": room.site, "rooms": [], "low": 0})
        entry["rooms"].append(room)
        entry["low"] += room.low
    results = list(found.values())
    results.sort(key=lambda entry: (-(entry["low"] if elderly else 0), -len(entry["rooms"]), entry["site"].name))
    return results


# --- the boards -------------------------------------------------------------------


# Read on every change of every site: its statement built once (FixedRead).
_districts_of_site = FixedRead(
    lambda site_id: District.sites.through.objects.filter(site_id=site_id).values_list("district_id", flat=True),
    lambda site_id: [site_id],
)


def districts_of(change: Change) -> list[int]:
    """The districts a site's change reaches: one query."""
    return _districts_of_site(change.site_id)


def districts_of_transfer_change(change: Change) -> list[int]:
    """The office's transfer board shows transfers only: no query for the other changes."""
    return districts_of(change) if TRANSFERS in change.topics else []


@dataclass(frozen=True)
class DistrictBoard(Board):
    """The overview of one district: its audience is the district's officers."""

    district_id: int = 0

    def district(self) -> District:
        return District.objects.get(pk=self.district_id)

    def render_snapshot(self, site_id, params):
        return render_to_string(f"{TEMPLATE}#overview-body", overview_context(self.district()))

    def change_parts(self, change):
        """The changed site's row and the district's totals (the same eight queries as the page)."""
        context = overview_context(self.district())
        parts = [(f"{TEMPLATE}#site-row", {"row": row}) for row in context["rows"] if row.site.pk == change.site_id]
        parts.append((f"{TEMPLATE}#totals", context))
        return parts


@dataclass(frozen=True)
class OfficeTransfersBoard(Board):
    """The transfers that need the office, across the district's sites."""

    district_id: int = 0

    def render_snapshot(self, site_id, params):
        return render_to_string(f"{TRANSFERS_TEMPLATE}#board-body", office_transfers_context(self.district_id))

    def change_parts(self, change):
        return [(f"{TRANSFERS_TEMPLATE}#board-body", office_transfers_context(self.district_id))]


def office_transfers_context(district_id: int) -> dict:
    """The office's transfer board: two queries (the sites, the transfers)."""
    district = District.objects.get(pk=district_id)
    sites = district_sites_list(district)
    return {"district": district, "sites": sites, **office_transfers(sites)}


def register_boards() -> None:
    from site_ops import boards

    roles = frozenset({Role.DISTRICT})
    boards.register_across_sites(
        "district", lambda key, pk: DistrictBoard(key=key, roles=roles, district_id=pk), districts_of
    )
    boards.register_across_sites(
        "district-transfers",
        lambda key, pk: OfficeTransfersBoard(key=key, roles=roles, district_id=pk),
        districts_of_transfer_change,
    )
