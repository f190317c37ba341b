"""The medical group's screens: the board (a floor at a time), the health
round of a floor, and a person's medical page.

The board is live: a change re-renders the rooms it touched (each room has a
stable id, so a tablet showing another floor ignores them), the counters,
the alerts and the medicine requests. So are the round (a page per floor and
round: a change to the floor re-sends its rows) and the person's page.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.db.models import Count, Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.medical.care_board import mark_care_rooms, person_care
from groups.medical.forms import ExtendForm, HealthEntryForm, MedicineNeedForm
from groups.medical.models import HealthCheck, MedicineNeed, Sample, SampleResult
from groups.medical.reads import alert_feed, attach_eligibility, cleared_by_pcr, day_bounds, medical_counters
from groups.medical.services import CARE_TOPIC
from groups.medical.services import MEDICAL_TOPIC as MEDICAL
from groups.transfers.models import Transfer
from rooms import reads, requests
from rooms.handover import group_handover, handover_clock_part, handover_topic
from rooms.models import Person, Request, Room, Site
from rooms.reads import changed_rooms, load_site
from rooms.roles import Role
from rooms.services import OCCUPANTS
from site_ops.boards import Board, Change, WholeBoard
from site_ops.speedups.fixed_reads import FixedRead, get_row

S = Sample.Status


def floor_rounds(site: Site) -> list[dict]:
    """Each floor with its people and today's samples still waiting or overdue: one query, built once."""
    return _floor_rounds(site.pk, timezone.localdate())


def _floor_rounds_query(site_id: int, today):
    open_stay = Q(stays__ended_at__isnull=True)
    return (
        Room.objects.filter(site_id=site_id)
        .values("floor")
        .annotate(
            people=Count("stays", filter=open_stay, distinct=True),
            due=Count(
                "stays__samples",
                filter=open_stay & Q(stays__samples__status=S.SCHEDULED, stays__samples__scheduled_on=today),
            ),
            overdue=Count(
                "stays__samples",
                filter=open_stay
                & (
                    Q(stays__samples__status=S.MISSED)
                    | Q(stays__samples__status=S.SCHEDULED, stays__samples__scheduled_on__lt=today)
                ),
            ),
        )
        .order_by("floor")
    )


def _floor_rounds_values(site_id: int, today) -> list:
    day = connection.ops.adapt_datefield_value(today)
    return [day, S.SCHEDULED, S.MISSED, day, S.SCHEDULED, site_id]


_floor_rounds = FixedRead(_floor_rounds_query, _floor_rounds_values)


def attach_round(rooms: list[Room], elderly_age: int | None = None) -> list[Room]:
    """Give each occupant's stay what the round needs today: two queries.

    ``stay.care_needs`` and ``stay.care_labels``: their care needs, tags and
    age (``elderly_age``, the site's; read from ``room.site`` when not given);

    ``stay.round_samples``: due or overdue, collected and awaiting a result,
    or resulted today; ``stay.positive``: a current positive PCR;
    ``stay.suspected``: an antigen positive no negative PCR has cleared yet;
    ``stay.checks``: today's health checks by round.
    """
    stays = [stay for room in rooms for stay in room.open_stays]
    if not stays:
        return rooms
    today = timezone.localdate()
    mark_care_rooms(rooms, rooms[0].site.elderly_age if elderly_age is None else elderly_age, today)
    start, _end = day_bounds(today)
    samples = defaultdict(list)
    stay_ids = [stay.pk for stay in stays]
    for sample in _round_samples(stay_ids, today, start):
        samples[sample.stay_id].append(sample)
    checks = defaultdict(dict)
    for check in _checks_on(stay_ids, today):
        checks[check.stay_id][check.round] = check
    for stay in stays:
        stay.round_samples = samples[stay.pk]
        positives = [sample for sample in samples[stay.pk] if sample.result == Sample.Result.POSITIVE]
        stay.positive = any(sample.kind == Sample.Kind.PCR for sample in positives)
        stay.suspected = not stay.positive and any(
            sample.kind == Sample.Kind.ANTIGEN and not sample.cleared for sample in positives
        )
        stay.checks = checks[stay.pk]
    return rooms


def _round_samples_query(stay_ids: list[int], today, start):
    """The samples of these stays that matter today (``attach_round``), in the order they are due."""
    relevant = (
        Q(status__in=[S.SCHEDULED, S.MISSED], scheduled_on__lte=today)
        | Q(status=S.COLLECTED)
        | Q(status=S.RESULTED, resulted_at__gte=start)
        | Q(result=Sample.Result.POSITIVE)
    )
    return (
        Sample.objects.filter(stay_id__in=stay_ids)
        .filter(relevant)
        # Someone away on a hospital visit gives their sample when back.
        .annotate(cleared=cleared_by_pcr(), away=Transfer.away_now())
        .order_by("scheduled_on", "pk")
    )


def _round_samples_values(stay_ids, today, start) -> list:
    ops, T = connection.ops, Transfer
    later_negative = (1, Sample.Kind.PCR, Sample.Result.NEGATIVE)
    away = (1, T.Destination.HOSPITAL_VISIT, T.State.DEPARTED)
    # Django orders a filter's keywords: the date before the statuses, the moment before its status.
    wanted = (ops.adapt_datefield_value(today), S.SCHEDULED, S.MISSED, S.COLLECTED)
    resulted = (ops.adapt_datetimefield_value(start), S.RESULTED, Sample.Result.POSITIVE)
    return [*later_negative, *away, *stay_ids, *wanted, *resulted]


# Every board render and every change to rooms reads these: built once.
_round_samples = FixedRead(_round_samples_query, _round_samples_values)
_checks_on = FixedRead(
    lambda stay_ids, day: HealthCheck.objects.filter(stay_id__in=stay_ids, day=day),
    lambda stay_ids, day: [connection.ops.adapt_datefield_value(day), *stay_ids],
)


def floor_rooms(site: Site, floor: int) -> list[Room]:
    return attach_round(reads.floor_rooms(site.pk, floor), site.elderly_age)


def room_round(room_id: int) -> Room:
    """One room of the board, as a one-tap action answers with it: four queries, each statement built once
    (the room with its site, its occupants as ``open_stays_prefetch`` gives them, then ``attach_round``'s)."""
    room = get_row(Room, room_id, related=("site",))
    room.open_stays = reads.room_stays(room_id)
    return attach_round([room])[0]


def patient_transfers(site: Site) -> list[Transfer]:
    """The open transfers of the site's people, urgent first: the medical group follows its patients (one query)."""
    return _patient_transfers(site.pk)


_patient_transfers = FixedRead(
    lambda site_id: (
        Transfer.objects.filter(site_id=site_id, state__in=Transfer.OPEN_STATES)
        .select_related("person", "room")
        # "urgent" sorts after "routine": urgent first.
        .order_by("-urgency", "created_at")
    ),
    lambda site_id: [site_id, *Transfer.OPEN_STATES],
)


def medical_board(site: Site, floor: int | None = None, care: bool = False) -> dict:
    """The medical group's board, one floor at a time: thirteen queries.

    1.    the floors, with people and samples waiting per floor
    2-3.  counters (samples; fevers), 13. care follow-ups due
    4-5.  the floor's rooms with their open stays and people
    6.    the samples of those stays that matter today
    7.    today's health checks of those stays
    8.    alerts
    9.    the medical group's open requests (medicine, emotional support)
    10.   the patients' open transfers
    11-12. the shift handover (rooms.handover.group_handover)
    """
    floors = floor_rounds(site)
    numbers = [row["floor"] for row in floors]
    if floor not in numbers:
        floor = next((row["floor"] for row in floors if row["people"]), numbers[0] if numbers else None)
    return {
        "site": site,
        "floors": floors,
        "floor": floor,
        "round": next((row for row in floors if row["floor"] == floor), None),
        "counters": medical_counters(site),
        "rooms": floor_rooms(site, floor) if floor is not None else [],
        "alerts": alert_feed(site, site_head=False),
        **requests.group_list(site, Role.MEDICAL),
        "transfers": patient_transfers(site),
        "handover": group_handover(site, Role.MEDICAL),
        "today": timezone.localdate(),
        # The board's filter: only the people on the care ledger.
        "care": care,
        # One-time tokens of this render's forms: a double tap counts once.
        "token": uuid.uuid4().hex,
    }


def health_round(site: Site, floor: int, day, round: str) -> dict:
    """A floor's occupants with this round's check and the one before: four queries.

    1.   the site's floors
    2-4. the floor's rows (``round_rows``)
    """
    return {"site": site, "floors": site.floors(), **round_rows(site, floor, day, round)}


_round_checks = FixedRead(
    lambda stay_ids, since, day: HealthCheck.objects.filter(
        stay_id__in=stay_ids, day__gte=since, day__lte=day
    ).select_related("recorded_by"),
    lambda stay_ids, since, day: [
        *map(connection.ops.adapt_datefield_value, (since, day)),
        *stay_ids,
    ],
)


def round_rows(site: Site, floor: int, day, round: str) -> dict:
    """The rows of a floor's round, a person each: three queries.

    1-2. the floor's rooms with their open stays and people
    3.   the checks of that day and the day before, with who recorded them
    """
    rooms = reads.floor_rooms(site.pk, floor)
    stays = [stay.pk for room in rooms for stay in room.open_stays]
    checks = {}
    for check in _round_checks(stays, day - timedelta(days=1), day):
        checks[(check.person_id, check.day, check.round)] = check
    previous = (
        (day, HealthCheck.Round.MORNING) if round == HealthCheck.Round.AFTERNOON else (day - timedelta(days=1), "pm")
    )
    rows = []
    for room in rooms:
        for stay in room.open_stays:
            rows.append(
                {
                    "room": room,
                    "stay": stay,
                    "person": stay.person,
                    "check": checks.get((stay.person_id, day, round)),
                    "previous": checks.get((stay.person_id, *previous)),
                }
            )
    return {"floor": floor, "day": day, "round": round, "rows": rows}


def round_forms(rows: list[dict], data=None) -> list[dict]:
    """Give each row its form, filled from the check already recorded, or
    bound to ``data`` if the posted form has the row.

    Each form's prefix is its person's (``hc-<person pk>``), not its place
    in the list: a row keeps its field names and ids when someone checks
    in above it while the page is open, so a live update can keep the rows
    a nurse is filling in (static/site_ops/live.js) and the form posts
    what she typed for whom she typed it.
    """
    for row in rows:
        check = row["check"]
        initial = {
            "person": row["person"].pk,
            # 0 for no check yet: a check someone else records meanwhile
            # makes this row's save a conflict, not an overwrite.
            "version": check.version if check else 0,
            "outcome": check.outcome if check else HealthCheck.Outcome.CHECKED,
            "temperature": check.temperature if check else None,
            "symptoms": check.symptoms if check else [],
            "mood": (check.mood if check else "") or HealthCheck.Mood.STABLE,
        }
        prefix = round_prefix(row["person"].pk)
        sent = data is not None and f"{prefix}-person" in data
        row["form"] = HealthEntryForm(data if sent else None, prefix=prefix, initial=initial)
    return rows


def round_prefix(person_id: int) -> str:
    return f"hc-{int(person_id)}"


def round_ws_path(floor: int, round: str) -> str | None:
    """The socket of a floor's round; None for a floor below ground, whose
    number cannot be a page key (such floors hold no one in isolation)."""
    return f"/ws/pages/health-round-{round}/{floor}/" if floor >= 0 else None


def round_floors(change: Change) -> set[int]:
    """The floors whose health rounds a change shows on: who is in the rooms
    and their checks (one query, for changes to rooms that are about health
    or occupants; none for the rest)."""
    if not change.rooms or not change.topics & MEDICAL_TOPICS:
        return set()
    floors = Room.objects.filter(pk__in=change.rooms).order_by().values_list("floor", flat=True)
    return {floor for floor in floors if floor >= 0}


@dataclass(frozen=True)
class HealthRoundPage(WholeBoard):
    """Today's morning or afternoon round of one floor: live like the boards.

    A change to the floor (a check recorded, someone checking in, moving or
    leaving) re-sends its rows; the page keeps the rows a nurse is filling in.
    """

    floor: int = 0
    round: str = HealthCheck.Round.MORNING

    def exists(self, site_id):
        return Room.objects.filter(site_id=site_id, floor=self.floor).exists()

    def part(self, site_id, params):
        context = round_rows(load_site(site_id), self.floor, timezone.localdate(), self.round)
        round_forms(context["rows"])
        return ("medical/health_round.html#hr-rows", context)


def person_medical(person) -> dict:
    """One person's tests with every result and correction, health rounds, medicines, transfers and
    care plan: eleven queries, and five for release eligibility while the stay is open."""
    stays = list(person.stays.select_related("room", "sampling_plan").order_by("-started_at"))
    stay = next((stay for stay in stays if stay.is_open), stays[0] if stays else None)
    results = Prefetch(
        "results", queryset=SampleResult.objects.select_related("entered_by").order_by("entered_at", "pk")
    )
    samples = list(
        Sample.objects.filter(person=person)
        .select_related("collected_by")
        .prefetch_related(results)
        .order_by("scheduled_on", "pk")
    )
    if stay is not None and stay.is_open:
        attach_eligibility([stay])
    return {
        "person": person,
        "stay": stay,
        "samples": samples,
        "checks": list(
            HealthCheck.objects.filter(person=person).select_related("recorded_by").order_by("-day", "-round")[:14]
        ),
        "needs": list(MedicineNeed.objects.filter(person=person)),
        "requests": list(
            Request.objects.filter(person=person, kind=Request.Kind.MEDICINE)
            .select_related("closed_by")
            .order_by("-requested_at", "-pk")
        ),
        "transfers": list(person.transfers.order_by("-created_at")),
        "today": timezone.localdate(),
        **person_care(person),
    }


def _receiver(destination: str) -> str:
    """Whom the handover's medical part is for, by where the person goes."""
    D = Transfer.Destination
    if destination == D.OTHER_SITE:
        return _("For the receiving site")
    if destination == D.HOME:
        return _("For the community's health monitoring")
    return _("For the receiving hospital")


def transfer_handover(transfer: Transfer) -> tuple[str, dict] | None:
    """What the receiver needs from the medical group's records, for the
    transfer's handover sheet (transfers.board.HANDOVER_SHEET): four queries."""
    person = transfer.person
    return (
        "medical/parts.html#handover",
        {
            "receiver": _receiver(transfer.destination_type),
            "person": person,
            "results": list(
                SampleResult.objects.filter(sample__person=person)
                .select_related("sample")
                .order_by("-entered_at", "-pk")[:3]
            ),
            "checks": list(
                HealthCheck.objects.filter(person=person, outcome=HealthCheck.Outcome.CHECKED).order_by("-recorded_at")[
                    :4
                ]
            ),
            "needs": list(MedicineNeed.objects.filter(person=person)),
            "requests": list(
                Request.objects.filter(
                    person=person, kind=Request.Kind.MEDICINE, status__in=Request.OPEN_STATUSES
                ).order_by("requested_at")
            ),
        },
    )


def person_medical_page(person) -> dict:
    """A person's medical page, as the view and its live updates render it."""
    context = person_medical(person)
    context.update(
        {
            "extend_form": ExtendForm(initial={"version": context["stay"].version}) if context["stay"] else None,
            "need_form": MedicineNeedForm(),
            # One-time tokens of this render's forms: a double tap counts once.
            "token": uuid.uuid4().hex,
            "results": Sample.Result.choices,
            "ws_path": f"/ws/pages/medperson/{person.pk}/",
        }
    )
    return context


@dataclass(frozen=True)
class MedicalPersonPage(WholeBoard):
    """A person's medical page: live like the boards (every change to the person re-sends it)."""

    person_id: int = 0

    def exists(self, site_id):
        return Person.objects.filter(pk=self.person_id, site_id=site_id).exists()

    def part(self, site_id, params):
        person = Person.objects.select_related("site").get(pk=self.person_id, site_id=site_id)
        return ("medical/person_medical.html#person-medical-body", person_medical_page(person))


class MedicalBoard(Board):
    def affected_by(self, change: Change) -> bool:
        # Every room's section shows its status too; the patients' transfers are followed.
        return bool(
            change.topics & MEDICAL_TOPICS
            or change.rooms
            or change.transfers
            or HANDOVER in change.topics
            or REQUESTS in change.topics
        )

    def render_snapshot(self, site_id, params):
        context = medical_board(load_site(site_id), floor=params.get("floor"), care=bool(params.get("care")))
        return render_to_string("medical/board.html#board-body", context)

    def clock_parts(self, site_id):
        """Requests become overdue with time (the medical group's list), and the shift handover moves on to
        the next change."""
        site = load_site(site_id)
        return [*requests.clock_parts(site, group=Role.MEDICAL), handover_clock_part(site, Role.MEDICAL)]

    def change_parts(self, change):
        """The rooms' sections; the counters, lists and floor rounds when the
        change is about tests, health or who is in the rooms."""
        site = load_site(change.site_id)
        token = uuid.uuid4().hex
        rooms = attach_round(changed_rooms(site.pk, change.rooms), site.elderly_age)
        parts = []
        if change.topics & MEDICAL_TOPICS:
            parts += [
                ("medical/parts.html#medical-counters", {"medical": medical_counters(site)}),
                ("medical/parts.html#alerts", {"alerts": alert_feed(site, site_head=False)}),
            ]
            changed_floors = {room.floor for room in rooms}
            for row in floor_rounds(site):
                parts.append(("medical/board.html#floor-count", {"row": row}))
                if row["floor"] in changed_floors:
                    parts.append(("medical/board.html#round-head", {"round": row, "token": token}))
        if change.transfers:
            parts.append(("medical/board.html#patient-transfers", {"transfers": patient_transfers(site)}))
        if HANDOVER in change.topics:
            parts.append(("rooms/handover.html#handover", {"handover": group_handover(site, Role.MEDICAL)}))
        parts += requests.board_parts(site, change, Role.MEDICAL)
        if rooms:  # one part for them all, as the control screen's cells
            parts.append(("medical/board.html#med-rooms", {"rooms": rooms, "token": token}))
        return parts


# Results, rounds and alerts say "medical"; check-ins and departures change
# who is in the rooms: both move the medical counters and lists; a care
# follow-up moves the count of follow-ups due.
MEDICAL_TOPICS = frozenset({MEDICAL, OCCUPANTS, CARE_TOPIC})
HANDOVER = handover_topic(Role.MEDICAL)
REQUESTS = requests.requests_topic(Role.MEDICAL)
