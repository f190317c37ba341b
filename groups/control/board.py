from django.template.loader import render_to_string

from groups.catering.services import TOPIC as MEALS
from groups.control.overview import (
    attach_group_badges,
    environment_figures,
    food_figures,
    gate_figures,
    group_overview,
)
from groups.medical.board import MEDICAL_TOPICS
from groups.medical.reads import alert_feed, attach_badges, medical_counters
from groups.medical.services import MEDICAL_TOPIC as MEDICAL
from groups.security.services import TOPIC as SECURITY
from groups.transfers.board import control_transfers
from groups.transfers.services import TRANSFERS
from rooms import requests
from rooms.handover import HANDOVER, control_handovers
from rooms.models import AuditEvent, Room, Site
from rooms.reads import by_floor, changed_rooms, load_site, site_counters
from rooms.services import DISINFECTION, OCCUPANTS
from rooms.setup import ADDED_BY_FLOOR
from site_ops import clock
from site_ops.boards import Board
from site_ops.live import shared_by_renders
from site_ops.speedups.fixed_reads import fixed_read

FEED_LENGTH = 20


@shared_by_renders
def feed(site: Site) -> list[AuditEvent]:
    return _feed(site.pk)


@fixed_read(values=lambda site_id: [site_id, ADDED_BY_FLOOR])
def _feed(site_id: int):
    """The activity feed: the last events, with what a row shows (``board_tags.feed_row``)."""
    # A site's rooms added floor by floor are one line ("rooms.added"), not one a room.
    events = (
        AuditEvent.objects.filter(site_id=site_id)
        .exclude(action=ADDED_BY_FLOOR)
        .only("at", "actor_id", "actor_name", "action", "label", "room_id")
    )
    return events.order_by("-at", "-pk")[:FEED_LENGTH]


def control_screen(site: Site) -> dict:
    """Everything on the site head's control screen: twenty-seven queries.

    1-2. counters (rooms by status; people and stays)
    3.   every room of the site, in floor order
    4.   the activity feed
    5-6. open transfers (requests awaiting approval, counts by state) and today's transfer log
    7-16. the catering, disinfection and security badges, counters and open
          incidents (see overview.group_overview)
    17-18. medical counters (samples; fevers), and 27. care follow-ups due today
    19-20. each room's test and health badges
    21.   the site head's alerts
    22-23. the requests ledger's headline (rooms.requests.headline)
    24.   urgent and overdue requests of every group
    25-26. the groups' shift handovers (rooms.handover.control_handovers)
    """
    rooms = attach_badges(site, list(Room.objects.filter(site=site).order_by("floor", "number")))
    return {
        "site": site,
        "room_statuses": Room.Status.choices,
        "counters": site_counters(site),
        "floors": by_floor(rooms),
        "feed": feed(site),
        **control_transfers(site),
        "groups": group_overview(site, rooms),
        "medical": medical_counters(site),
        "alerts": alert_feed(site, site_head=True),
        "request_headline": requests.headline(site),
        "pressing": requests.pressing_requests(site),
        "handovers": control_handovers(site),
    }


# Each group's parts on the control screen, what reads them, and the
# topics whose changes move them (see rooms.services for each topic): a meal
# delivered re-reads the meal round, not the disinfection backlog and the gate.
# Who is in the rooms moves the meal round; a departure that leaves a room
# to disinfect says DISINFECTION as well.
GROUP_FIGURES = (
    (("figures-environment",), environment_figures, frozenset({DISINFECTION})),
    (("figures-food",), food_figures, frozenset({MEALS, OCCUPANTS})),
    (("figures-gate", "incidents"), gate_figures, frozenset({SECURITY})),
)


class ControlBoard(Board):
    # The board clock's baseline is taken from the snapshot's own read (a
    # thousand rooms with their badges), not read again.
    baseline_in_snapshot = True

    def render_snapshot(self, site_id, params):
        context = control_screen(load_site(site_id))
        clock.baseline(site_id, self.key, parts=lambda: self.clock_parts_of(context))
        return render_to_string("control/screen.html#board-body", context)

    def change_parts(self, change):
        """The site's counters, the rooms' cells and the feed on every change;
        the rest when the change names its topic."""
        site = load_site(change.site_id)
        template = "control/screen.html"
        parts = [(f"{template}#counters", {"counters": site_counters(site)})]
        for names, read, topics in GROUP_FIGURES:
            if change.topics & topics:
                context = {"groups": read(site)}
                parts += [(f"{template}#{name}", context) for name in names]
        if change.rooms:
            rooms = changed_rooms(site.pk, change.rooms)
            attach_group_badges(site, attach_badges(site, rooms, only=True))
            # One part for them all: a part is a template render of its own, which cost the cells of a
            # lab sheet's hundred rooms two fifths of their render again (bench/README.md).
            parts.append((f"{template}#room-cells", {"rooms": rooms}))
        parts.append((f"{template}#feed", {"feed": feed(site)}))
        if TRANSFERS in change.topics:
            context = control_transfers(site)
            parts += [(f"{template}#transfer-approvals", context), (f"{template}#transfer-log", context)]
        if change.topics & MEDICAL_TOPICS:
            parts.append(("medical/parts.html#medical-counters", {"medical": medical_counters(site)}))
        if MEDICAL in change.topics:
            parts.append(("medical/parts.html#alerts", {"alerts": alert_feed(site, site_head=True)}))
        if HANDOVER in change.topics:
            parts.append(("control/screen.html#handovers", {"handovers": control_handovers(site)}))
        parts += requests.headline_parts(site, change, pressing=True)
        return parts

    def clock_parts(self, site_id):
        """What time moves on the wall: the counters (overdue samples and
        tasks, the meal round), each room's badges and the shift handovers;
        the side's lists (being read, scrolled, typed into) change only with
        writes."""
        return self.clock_parts_of(control_screen(load_site(site_id)))

    @staticmethod
    def clock_parts_of(context: dict) -> list:
        template = "control/screen.html"
        parts = [
            ("counters", f"{template}#counters", context),
            ("group-counters", f"{template}#group-counters", context),
            ("medical-counters", "medical/parts.html#medical-counters", context),
            ("handovers", f"{template}#handovers", context),
            # A request becomes overdue with time.
            ("request-headline", "rooms/requests.html#headline", context),
            ("pressing-requests", "rooms/requests.html#pressing", context),
        ]
        parts += [
            (f"room-{room.pk}", f"{template}#room-cell", {"room": room})
            for _floor, rooms in context["floors"]
            for room in rooms
        ]
        return parts
