"""The care ledger (关爱台账): its screen, and what other screens read of it.

The ledger lists everyone in isolation with a special need or of an age that
needs care, with their plan, the staff member responsible, their last
follow-up and whether one is due today. It is live like the boards: a
follow-up recorded on one tablet shows on the others.

What the serving groups read of a plan is cut here, not in their templates:
``door_notes`` gives catering how to knock and talk and what to bring to the
table, never what to watch for or why.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date

from django.db.models import OuterRef, Subquery
from django.template.loader import render_to_string
from django.utils import timezone

from groups.medical.care_models import (
    CareFollowUp,
    CarePlan,
    HospitalVisitPlan,
    care_filter,
    care_needs,
    follow_up_due,
    need_labels,
)
from groups.medical.services.care import CARE_TOPIC
from rooms.models import Person, Room, Site, Stay
from rooms.reads import load_site
from rooms.roles import Role
from rooms.services import OCCUPANTS
from site_ops.boards import Board
from site_ops.speedups.fixed_reads import FixedRead


def mark_care(stays, elderly_age: int, today: date | None = None) -> None:
    """Give each stay ``care_needs`` (tags and age) and ``care_labels``: no query."""
    today = today or timezone.localdate()
    for stay in stays:
        stay.care_needs = care_needs(stay.person, today, elderly_age)
        stay.care_labels = need_labels(stay.care_needs)


def mark_care_rooms(rooms, elderly_age: int, today: date | None = None) -> list[Room]:
    """Mark each room (with its ``open_stays``) that holds someone on the ledger: no query."""
    for room in rooms:
        mark_care(room.open_stays, elderly_age, today)
        room.care = any(stay.care_needs for stay in room.open_stays)
    return rooms


@dataclass
class LedgerRow:
    stay: Stay
    plan: CarePlan | None
    last: CareFollowUp | None
    due: bool
    needs: list[str] = field(default_factory=list)
    visits: list[HospitalVisitPlan] = field(default_factory=list)

    @property
    def person(self) -> Person:
        return self.stay.person


def care_ledger(site: Site, today: date | None = None) -> dict:
    """The ledger: three queries however many people are on it.

    1. the open stays of the people on the ledger, with person, room, plan and
       the plan's responsible staff, and the id of their last follow-up
    2. those last follow-ups, with who recorded them
    3. their active hospital visit plans
    """
    today = today or timezone.localdate()
    last = CareFollowUp.objects.filter(person=OuterRef("person")).order_by("-at", "-pk").values("pk")[:1]
    stays = list(
        Stay.objects.open()
        .filter(site=site)
        .filter(care_filter(site, today, "person__"))
        .select_related("person", "room", "person__care_plan", "person__care_plan__responsible")
        .annotate(last_follow_up=Subquery(last))
        .order_by("room__floor", "room__number", "person__name")
    )
    follow_ups = {
        row.pk: row
        for row in CareFollowUp.objects.filter(
            pk__in=[s.last_follow_up for s in stays if s.last_follow_up]
        ).select_related("by")
    }
    visits: dict[int, list[HospitalVisitPlan]] = {}
    for plan in HospitalVisitPlan.objects.filter(person_id__in=[s.person_id for s in stays], active=True):
        visits.setdefault(plan.person_id, []).append(plan)
    rows = []
    for stay in stays:
        plan = getattr(stay.person, "care_plan", None)
        previous = follow_ups.get(stay.last_follow_up)
        needs = care_needs(stay.person, today, site.elderly_age)
        rows.append(
            LedgerRow(
                stay=stay,
                plan=plan,
                last=previous,
                due=follow_up_due(previous.day if previous else None, plan.every_days if plan else 1, today),
                needs=need_labels(needs),
                visits=visits.get(stay.person_id, []),
            )
        )
    # Who is due comes first; the rest in room order.
    rows.sort(key=lambda row: not row.due)
    return {
        "site": site,
        "rows": rows,
        "due_count": sum(row.due for row in rows),
        "today": today,
        # One-time tokens of this render's forms: a double tap counts once.
        "token": uuid.uuid4().hex,
        "ws_path": "/ws/boards/care/",
    }


def person_care(person: Person) -> dict:
    """A person's plan, recent follow-ups and visit plans, for their pages: three queries."""
    plan = CarePlan.objects.filter(person=person).select_related("responsible", "updated_by").first()
    return {
        "care_plan": plan,
        "care_needs": need_labels(care_needs(person)),
        "care_follow_ups": list(CareFollowUp.objects.filter(person=person).select_related("by")[:5]),
        "care_visits": list(HospitalVisitPlan.objects.filter(person=person, active=True)),
    }


_door_notes = FixedRead(
    lambda person_ids: (
        CarePlan.objects.filter(person_id__in=person_ids)
        .exclude(how_to_talk="", door_note="")
        .values("person_id", "how_to_talk", "door_note")
    ),
    lambda person_ids: [*person_ids, "", ""],
)


def door_notes(person_ids) -> dict[int, dict]:
    """What the groups at the door (catering) may read of people's plans: how
    to talk to them and the meals-and-knocking note, nothing else. One query."""
    rows = _door_notes(list(person_ids))
    return {row["person_id"]: {"how_to_talk": row["how_to_talk"], "door_note": row["door_note"]} for row in rows}


def transfer_talk(transfer) -> str:
    """How to talk to the person moved, for the transfer's pages, the escort's
    included (transfers.board.ESCORT_NOTES): one query."""
    return CarePlan.objects.filter(person_id=transfer.person_id).values_list("how_to_talk", flat=True).first() or ""


CARE_BOARD_ROLES = frozenset({Role.MEDICAL, Role.GENERAL, Role.SITE_HEAD})


@dataclass(frozen=True)
class CareBoard(Board):
    """The ledger is a whole board: each change re-sends its list (it is short)."""

    topics: frozenset[str] | None = frozenset({CARE_TOPIC, OCCUPANTS})

    def render_snapshot(self, site_id, params):
        return render_to_string("medical/care_ledger.html#ledger-body", care_ledger(load_site(site_id)))

    def change_parts(self, change):
        return [("medical/care_ledger.html#ledger-body", care_ledger(load_site(change.site_id)))]
