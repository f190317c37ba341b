"""Transfer boards: the columns of open transfers, the control screen's
approvals and transfer log, and one transfer's page.

Every read here is a fixed number of queries however many transfers are open
(the tests pin the counts). What a card shows that moves with the clock (its
age, whether it is stale) is computed here for the first render and kept
current in the page by live.js.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.transfers.forms import STEPS
from groups.transfers.models import Transfer
from groups.transfers.services import TRANSFERS, transfer_moves_for
from rooms.models import AuditEvent, Site, Stay
from rooms.reads import load_site
from rooms.roles import Role, display_name
from site_ops.boards import WholeBoard
from site_ops.speedups.fixed_reads import FixedRead

# Who sees a transfer's page in full (those who request and decide, and the
# medical group, whose patient it is), and who sees the escort's page of it.
TRANSFER_PAGE_ROLES = frozenset({Role.SITE_HEAD, Role.GENERAL, Role.MEDICAL})
ESCORT_PAGE_ROLES = frozenset({Role.SECURITY})

S = Transfer.State
# Column headings: what the people watching a column have to do.
COLUMN_LABELS = {
    S.REQUESTED: _("Requested: to approve"),
    S.APPROVED: _("Approved: to arrange"),
    S.ARRANGED: _("Arranged: to escort"),
    S.DEPARTED: _("Departed: to hand over"),
}
del S


def transfer_moves(transfer: Transfer) -> list[dict]:
    """The buttons of a transfer: each move it may make now and who may make it.

    Approval is one tap; every other move asks for something (a reason, the
    vehicle, the time, the receiver) in a form.
    """
    return [
        {
            "to": to,
            "label": STEPS[to].label,
            "roles": " ".join(roles),
            "direct": to == Transfer.State.APPROVED,
            "cancel": to in (Transfer.State.CANCELLED, Transfer.State.REJECTED),
        }
        for to, roles in transfer_moves_for(transfer)
    ]


def _annotate(transfers, *, now: datetime, stale_minutes: int) -> None:
    """What a card shows beyond the row: staleness, the buttons, the names of who asked and who moved it last."""
    for transfer in transfers:
        transfer.stale = transfer.is_stale(now=now, minutes=stale_minutes)
        transfer.stale_until = transfer.stale_at(stale_minutes)
        transfer.moves = transfer_moves(transfer)
        # Nobody's: a trip the clock asked for (a planned hospital visit) says so, not a blank between dots.
        transfer.requested_by_name = display_name(transfer.requested_by) if transfer.requested_by else _("automatic")
        transfer.last_by_name = display_name(transfer.updated_by) if transfer.updated_by else _("automatic")


# Read by most broadcasts (the control screen's, the guards', the general desk's): built once.
_open_transfers = FixedRead(
    lambda site_id, states: (
        Transfer.objects.filter(site_id=site_id, state__in=states)
        .select_related("person", "room", "requested_by", "updated_by")
        .order_by("created_at", "pk")
    ),
    lambda site_id, states: [site_id, *states],
)


def open_transfers(site: Site, states=Transfer.OPEN_STATES) -> list[Transfer]:
    """Open transfers in these states, urgent ones first, then the oldest: one query."""
    transfers = _open_transfers(site.pk, list(states))
    transfers.sort(key=lambda transfer: not transfer.is_urgent)
    _annotate(transfers, now=timezone.now(), stale_minutes=site.transfer_stale_minutes)
    return transfers


def transfer_board(site: Site, states=Transfer.OPEN_STATES) -> dict:
    """A transfer board: a column per state, one query."""
    transfers = open_transfers(site, states)
    columns = [
        {"state": state, "label": COLUMN_LABELS[state], "transfers": [t for t in transfers if t.state == state]}
        for state in states
    ]
    return {"site": site, "columns": columns, "stale_minutes": site.transfer_stale_minutes}


def transfer_log(site: Site) -> list[AuditEvent]:
    """Every step of every transfer today, newest first: one query."""
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return list(AuditEvent.objects.filter(site=site, object_type="transfer", at__gte=today).order_by("-at", "-pk"))


def control_transfers(site: Site) -> dict:
    """The control screen's transfer parts: two queries.

    1. open transfers (for the requests awaiting approval and the counts by state)
    2. today's transfer log
    """
    transfers = open_transfers(site)
    return {
        "approvals": [t for t in transfers if t.state == Transfer.State.REQUESTED],
        "transfer_counts": [
            (state, Transfer.State(state).label, sum(t.state == state for t in transfers))
            for state in Transfer.OPEN_STATES
        ],
        "transfer_log": transfer_log(site),
        "stale_minutes": site.transfer_stale_minutes,
    }


def transfer_page(transfer: Transfer, *, escort: bool = False) -> dict:
    """One transfer with its timeline (the steps, oldest first): one query beyond the transfer.

    The escort's page leaves out the request's reason and the notes of the
    steps (a diagnosis, results): the template shows neither when ``escort``.
    """
    minutes = transfer.site.transfer_stale_minutes
    _annotate([transfer], now=timezone.now(), stale_minutes=minutes)
    timeline = list(
        AuditEvent.objects.filter(person=transfer.person_id, object_type="transfer", object_id=transfer.pk).order_by(
            "at", "pk"
        )
    )
    page = {"transfer": transfer, "timeline": timeline, "stale_minutes": minutes, "escort": escort}
    # Whose step is next, in words: a site head who approved saw only "cancel" left and no one named.
    page["next_steps"] = [
        {"label": move["label"], "by": "、".join(str(Role(role).label) for role in move["roles"].split())}
        for move in transfer.moves
        if not move["cancel"]
    ]
    page["office_waiting"] = (
        transfer.needs_office
        and not transfer.office_confirmed_at
        and transfer.state in (Transfer.State.REQUESTED, Transfer.State.APPROVED)
    )
    page["talk"] = [note for hook in ESCORT_NOTES if (note := hook(transfer))]
    if not escort:
        page["companions"] = companions(transfer)
        page["handover"] = [render_to_string(*part) for sheet in HANDOVER_SHEET if (part := sheet(transfer))]
    return page


# What the receiver needs beyond the transfer itself, added by the groups that
# know it from their AppConfig.ready (the medical group: latest results with Ct
# values, temperatures and symptoms, medicines): each a function (transfer)
# -> (template, context) or None. Never on the escort's page.
HANDOVER_SHEET: list[Callable] = []

# How to talk to the person on the way, from the groups that know it (the
# medical group: the care plan's "how to talk to them", written never to name
# a diagnosis): each a function (transfer) -> str, "" for nothing. On every
# page of the transfer, the escort's too.
ESCORT_NOTES: list[Callable] = []


# A child under this age goes to hospital with a guardian (监护人陪同), an
# adult (this age or older) of the same household.
GUARDIAN_UNDER_AGE = 14
GUARDIAN_FROM_AGE = 18


def needs_guardian(person) -> bool:
    """A child who goes to hospital with a guardian."""
    return bool(person.birth_date) and person.age < GUARDIAN_UNDER_AGE


def may_be_guardian(adult, child) -> bool:
    """Whether ``adult`` may go with ``child`` as its guardian: an adult of the same household."""
    same_household = bool(child.household) and adult.household == child.household
    return same_household and bool(adult.birth_date) and adult.age >= GUARDIAN_FROM_AGE


def companions(transfer: Transfer) -> list:
    """The carer link of the person moved (陪护): the other one goes too, so
    the page proposes their transfer, or shows it if it exists."""
    linked = [other for other in transfer.person.linked() if other.status == other.Status.IN_ISOLATION]
    guardians = []
    if not linked and transfer.is_open and needs_guardian(transfer.person):
        # A child with no carer link set up: the adults of their family in the room may go with them.
        guardians = [
            stay.person
            for stay in Stay.objects.open()
            .filter(room_id=transfer.room_id, person__household=transfer.person.household)
            .exclude(person=transfer.person)
            .select_related("person")
            if may_be_guardian(stay.person, transfer.person)
        ]
        for other in guardians:
            other.as_guardian = True
        linked = guardians
    if not linked:
        return []
    open_transfers = {
        t.person_id: t
        for t in Transfer.objects.filter(person__in=linked, state__in=Transfer.OPEN_STATES).exclude(pk=transfer.pk)
    }
    for other in linked:
        other.open_transfer = open_transfers.get(other.pk)
    return linked


def escort_may_open(transfer: Transfer) -> bool:
    """Whether the escort's page of this transfer is open to the security group.

    The group sees a transfer from its approval on (its board's columns), and
    keeps its page when the transfer ends; a request that was never approved
    (waiting, rejected, or cancelled before approval) is not theirs to see.
    """
    S = Transfer.State
    if transfer.state in (S.REQUESTED, S.REJECTED):
        return False
    if transfer.state != S.CANCELLED:
        return True
    return AuditEvent.objects.filter(
        person=transfer.person_id, object_type="transfer", object_id=transfer.pk, action=f"transfer.{S.APPROVED}"
    ).exists()


def load_transfer(pk: int, site_id: int) -> Transfer:
    return Transfer.objects.select_related("site", "person", "room", "requested_by", "updated_by").get(
        pk=pk, site_id=site_id
    )


@dataclass(frozen=True)
class TransferBoard(WholeBoard):
    """The open transfers one audience follows, a column per state.

    The site head and the general group follow every open state; the security
    group follows what it escorts, without the request's reason.
    """

    topics: frozenset[str] | None = frozenset({TRANSFERS})
    states: tuple[str, ...] = Transfer.OPEN_STATES

    def context(self, site: Site) -> dict:
        return {**transfer_board(site, self.states), "board": self.key}

    def part(self, site_id, params):
        return ("transfers/board.html#board-body", self.context(load_site(site_id)))


@dataclass(frozen=True)
class TransferPageBoard(WholeBoard):
    transfer_id: int = 0
    escort: bool = False

    def exists(self, site_id):
        transfer = Transfer.objects.filter(pk=self.transfer_id, site_id=site_id).first()
        return transfer is not None and (not self.escort or escort_may_open(transfer))

    def part(self, site_id, params):
        page = transfer_page(load_transfer(self.transfer_id, site_id), escort=self.escort)
        return ("transfers/detail.html#transfer-body", page)
