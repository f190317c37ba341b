"""Shift handover (交接班): shift changes, what each group leaves open, and what the boards read.

Every group hands over, so the handover lives here; what a group leaves open
is the group's to say. rooms imports no group: each group adds its lists to
``OPEN_LISTS`` from its ``AppConfig.ready`` (``register``), the way the
groups add their part of a stay to ``rooms.services.STAY_HOOKS``.

A shift change is the moment a shift starts. The one a handover is for, and
the one a board and the control screen show, is the coming change, except
for a while after a change (``LATE_HANDOVER``), when the shift that just
ended may still hand over: at 19:40 and at 20:30 alike the 20:00 change of a
day shift ending at 20:00; at 01:55, a night nurse hands over the night shift,
the 08:00 change.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from rooms.models import GROUP_CHOICES, Handover, Shift, Site
from site_ops.live import shared_by_renders
from site_ops.speedups.fixed_reads import FixedRead

GROUPS = [value for value, _label in GROUP_CHOICES]


def handover_topic(group: str) -> str:
    """The topic of a change to one group's handover (live.publish): that group's board shows it."""
    return f"handover.{group}"


# Any group's handover: the control screen shows them all.
HANDOVER = "handover"


# --- what each group leaves open -----------------------------------------------


@dataclass(frozen=True)
class OpenList:
    """One kind of thing a group leaves open at a shift change.

    ``read(site, now)`` returns its items as data, ``[{"text": ..., "tag": ...}]``:
    the text is room numbers, names, times and what staff wrote, the tag a
    choice's value (``tags`` gives its label). Labels stay lazy, so a
    handover kept as it was reads in each user's language.
    """

    key: str
    title: str
    read: Callable[[Site, datetime], list[dict]]
    tags: dict = field(default_factory=dict)


OPEN_LISTS: dict[str, list[OpenList]] = {}


def register(group: str, *lists: OpenList) -> None:
    OPEN_LISTS.setdefault(group, []).extend(lists)


def snapshot(site: Site, group: str, now: datetime) -> list[dict]:
    """What the group leaves open now, as kept on a handover."""
    return [{"key": entry.key, "items": entry.read(site, now)} for entry in OPEN_LISTS.get(group, [])]


@dataclass
class Section:
    """A list of a handover as a screen shows it."""

    title: str
    items: list[tuple[str, str]]


def sections(group: str, open_items: list[dict]) -> list[Section]:
    """A kept (or just read) list with its titles and tags' labels, in the order the group registered them."""
    known = {entry.key: entry for entry in OPEN_LISTS.get(group, [])}
    shown = []
    for section in open_items:
        entry = known.get(section["key"])
        tags = entry.tags if entry else {}
        shown.append(
            Section(
                title=entry.title if entry else section["key"],
                items=[(item["text"], tags.get(item.get("tag"), item.get("tag") or "")) for item in section["items"]],
            )
        )
    return shown


# --- shift changes ---------------------------------------------------------------


# How long after a shift change the shift that ended may still hand it over.
LATE_HANDOVER = timedelta(hours=2)
# How long before its shift change a handover may be acknowledged: the incoming
# shift arriving early takes over, not a colleague of the outgoing shift hours before.
ACKNOWLEDGE_EARLY = timedelta(hours=1)


def acknowledge_from(handover: Handover) -> datetime:
    """When a handover may be acknowledged from: an hour before its shift change."""
    return handover.change_at - ACKNOWLEDGE_EARLY


@dataclass
class ShiftChange:
    group: str
    at: datetime
    outgoing: Shift | None
    incoming: Shift
    # When the shift on duty now came in: ``at`` itself in the late hours after a change.
    since: datetime

    @property
    def acknowledge_from(self) -> datetime:
        """When a handover of this change may be acknowledged from."""
        return self.at - ACKNOWLEDGE_EARLY


def group_shifts(site: Site, shifts: list[Shift], group: str) -> list[Shift]:
    """The group's shifts, or the default two when the site set none."""
    return [shift for shift in shifts if shift.group == group] or Shift.defaults_for(site, [group])


def shift_change(shifts: list[Shift], now: datetime, group: str) -> ShiftChange:
    """The shift change a handover given now is for, among the group's shifts (which may cross midnight):
    the last one while it is less than ``LATE_HANDOVER`` old (and in the first half of its shift), else
    the coming one."""
    today = timezone.localdate(now)
    candidates = [(shift.start_on(today + timedelta(days=offset)), shift) for shift in shifts for offset in (-1, 0, 1)]
    since, last = max((found for found in candidates if found[0] <= now), key=lambda found: found[0])
    coming = min((found for found in candidates if found[0] > now), key=lambda found: found[0])
    # Short shifts (a site's own, of a few hours) keep the late hours to half of theirs.
    if now - since < min(LATE_HANDOVER, (coming[0] - since) / 2):
        at, incoming = since, last
    else:
        at, incoming = coming
    outgoing = next((shift for shift in shifts if shift.ends == incoming.starts), None)
    return ShiftChange(group=group, at=at, outgoing=outgoing, incoming=incoming, since=since)


def current_change(site: Site, group: str, now: datetime | None = None) -> ShiftChange:
    """The group's shift change a handover given now is for: one query."""
    shifts = _group_shifts(site.pk, group)
    return shift_change(group_shifts(site, shifts, group), now or timezone.now(), group)


# Read by every group board's snapshot and broadcast: statements built once.
_group_shifts = FixedRead(
    lambda site_id, group: Shift.objects.filter(site_id=site_id, group=group), lambda site_id, group: [group, site_id]
)
_handovers = FixedRead(
    lambda site_id, group, since, at: (
        Handover.objects.filter(site_id=site_id, group=group)
        .filter(Q(change_at__gte=since, change_at__lte=at) | Q(acknowledged_at__isnull=True, change_at__lt=at))
        .select_related("handed_over_by", "acknowledged_by")
        .order_by("-change_at")
    ),
    lambda site_id, group, since, at: [
        group,
        site_id,
        *map(connection.ops.adapt_datetimefield_value, (since, at, at)),
    ],
)


# --- what the screens read -------------------------------------------------------


@shared_by_renders
def group_handover(site: Site, group: str, now: datetime | None = None) -> dict:
    """A group board's handover section: two queries.

    1. the group's shifts
    2. the handover of the current shift change, the one the shift on duty
       took over (to read again during the shift) and any earlier one still
       not acknowledged, with who handed over and who acknowledged
    """
    now = now or timezone.now()
    change = current_change(site, group, now)
    handovers = _handovers(site.pk, group, change.since, change.at)
    for handover in handovers:
        handover.sections = sections(group, handover.open_items)
        handover.acknowledge_from = acknowledge_from(handover)
        handover.may_acknowledge = now >= handover.acknowledge_from
    return {
        "group": group,
        "change": change,
        "handovers": handovers,
        "handed_over": any(handover.change_at == change.at for handover in handovers),
    }


def handover_clock_part(site: Site, group: str) -> tuple[str, str, dict]:
    """A group board's handover section for the board clock (``(id, template, context)``): time alone moves
    it on to the next shift change, and opens a handover to be acknowledged."""
    return (f"handover-{group}", "rooms/handover.html#handover", {"handover": group_handover(site, group)})


def control_handovers(site: Site, now: datetime | None = None) -> list[dict]:
    """The control screen's section: each group's current shift change and its handover, and the
    handover the shift on duty took over while it is not acknowledged: two queries."""
    now = now or timezone.now()
    shifts = list(Shift.objects.filter(site=site))
    changes = [shift_change(group_shifts(site, shifts, group), now, group) for group in GROUPS]
    found = {
        (handover.group, handover.change_at): handover
        for handover in Handover.objects.filter(
            site=site, change_at__in={change.at for change in changes} | {change.since for change in changes}
        ).select_related("handed_over_by", "acknowledged_by")
    }
    labels = dict(GROUP_CHOICES)
    rows = []
    for change in changes:
        taken_over = found.get((change.group, change.since)) if change.since != change.at else None
        rows.append(
            {
                "group": change.group,
                "label": labels[change.group],
                "change": change,
                "handover": found.get((change.group, change.at)),
                "unacknowledged": taken_over if taken_over and not taken_over.is_acknowledged else None,
            }
        )
    return rows
