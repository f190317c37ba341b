"""What the medical group knows, read in batches for the boards that show it.

The control screen shows each room's test and health badges, the medical
counters and the alerts; the general board shows whether each release is
allowed by the protocol. Each function runs a fixed number of queries however
many rooms there are. Only the site head's, the medical group's and (for
release eligibility) the general group's boards call these: the other groups'
fragments never carry test results or health data.
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, DecimalField, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from groups.medical.care_models import CareFollowUp, care_due_count
from groups.medical.models import (
    HEALTH_ALERT_KINDS,
    Alert,
    HealthCheck,
    Sample,
    SamplingPlan,
    TestProtocol,
    assess_release,
    concerns_of,
)
from rooms.models import Room, Stay
from site_ops.live import shared_by_renders
from site_ops.speedups.fixed_reads import FixedRead

ALERT_FEED_LENGTH = 15
# The worst first: a room shows the first of these that applies.
TEST_BADGES = ("positive", "suspected", "overdue", "due", "negative")
PCR_POSITIVE = Q(result=Sample.Result.POSITIVE, kind=Sample.Kind.PCR)
# An antigen positive is suspected (待复核) until a PCR confirms it.
ANTIGEN_POSITIVE = Q(result=Sample.Result.POSITIVE, kind=Sample.Kind.ANTIGEN)


def cleared_by_pcr() -> Exists:
    """For a sample row: a PCR of the same stay, taken after it, came back negative.

    An antigen positive with this is no longer suspected (as in models.assess_release).
    """
    later_negative = Sample.objects.filter(
        stay=OuterRef("stay"),
        kind=Sample.Kind.PCR,
        result=Sample.Result.NEGATIVE,
        collected_at__gt=OuterRef("collected_at"),
    )
    return Exists(later_negative)


def day_bounds(day) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def _overdue(today) -> Q:
    return Q(status=Sample.Status.MISSED) | Q(status=Sample.Status.SCHEDULED, scheduled_on__lt=today)


@shared_by_renders
def medical_counters(site) -> dict:
    """Samples due, collected, overdue and awaiting results; positives, suspected and fevers today;
    care follow-ups due today (the care ledger): three queries, built once.

    A fever is the site's protocol's (its threshold read in the same query).
    """
    today = timezone.localdate()
    start, end = day_bounds(today)
    rows = _sample_counters(site.pk, today, start, end)
    counters = {name: rows[0][name] if rows else 0 for name in SAMPLE_COUNTERS}
    counters["fevers_today"] = len(_feverish_today(site.pk, today))
    counters["care_due"] = care_due_count(site, today)
    return counters


SAMPLE_COUNTERS = ("due_today", "collected_today", "overdue", "awaiting", "positives_today", "suspected_today")


def _sample_counters_query(site_id: int, today: date, start: datetime, end: datetime):
    return (
        Sample.objects.filter(site_id=site_id)
        .values("site_id")
        .annotate(
            due_today=Count("pk", filter=Q(scheduled_on=today) & ~Q(status=Sample.Status.CANCELLED)),
            collected_today=Count("pk", filter=Q(collected_at__gte=start, collected_at__lt=end)),
            overdue=Count("pk", filter=_overdue(today)),
            awaiting=Count("pk", filter=Q(status=Sample.Status.COLLECTED)),
            positives_today=Count("pk", filter=PCR_POSITIVE & Q(resulted_at__gte=start, resulted_at__lt=end)),
            suspected_today=Count("pk", filter=ANTIGEN_POSITIVE & Q(resulted_at__gte=start, resulted_at__lt=end)),
        )
        .order_by()
    )


def _feverish_today_query(site_id: int, today: date):
    """Who had a fever today, by the site's protocol, at a health round or a care follow-up: a person a row."""
    rounds = HealthCheck.objects.filter(site_id=site_id, day=today, temperature__gte=fever_from(site_id))
    follow_ups = CareFollowUp.objects.filter(site_id=site_id, day=today, temperature__gte=fever_from(site_id))
    return (
        rounds.values_list("person_id", flat=True)
        .order_by()
        .union(follow_ups.values_list("person_id", flat=True).order_by())
    )


def _sample_counters_values(site_id, today, start, end) -> list:
    day, moment, S = connection.ops.adapt_datefield_value, connection.ops.adapt_datetimefield_value, Sample.Status
    start, end = moment(start), moment(end)
    pcr, antigen, positive = Sample.Kind.PCR, Sample.Kind.ANTIGEN, Sample.Result.POSITIVE
    return [
        *(day(today), S.CANCELLED, start, end, S.MISSED, day(today), S.SCHEDULED, S.COLLECTED),
        *(pcr, positive, start, end, antigen, positive, start, end, site_id),
    ]


_sample_counters = FixedRead(_sample_counters_query, _sample_counters_values)
_feverish_today = FixedRead(
    _feverish_today_query,
    lambda site_id, today: [
        connection.ops.adapt_datefield_value(today),
        site_id,
        site_id,
        connection.ops.adapt_decimalfield_value(HealthCheck.FEVER_FROM),
        connection.ops.adapt_datefield_value(today),
        site_id,
        site_id,
        connection.ops.adapt_decimalfield_value(HealthCheck.FEVER_FROM),
    ],
)


def fever_from(site) -> Coalesce:
    """The site's fever threshold as a subquery (the national default without a
    protocol): no query of its own. ``site``: a site or its id."""
    protocol = TestProtocol.objects.filter(site_id=getattr(site, "pk", site)).values("fever_from")[:1]
    return Coalesce(Subquery(protocol), Value(HealthCheck.FEVER_FROM), output_field=DecimalField())


def attach_badges(site, rooms: list[Room], *, only: bool = False) -> list[Room]:
    """Give each room ``test_badge`` and ``health_badges`` from its occupants: two queries.

    ``only``: read just these rooms (a broadcast touching a few) rather than
    the whole site (the control screen's full grid).

    Test: positive, overdue, due today, or negative so far (worst first).
    Health, from each occupant's latest check since yesterday: fever,
    symptoms, distressed, anxious, or normal. An anxious mood raises no
    alert (``concerns_of``), but the room must not read "health normal".
    """
    if only and all(getattr(room, "open_stays", None) == [] for room in rooms):
        # Rooms read with their occupants, and nobody in them: no tests, no checks.
        for room in rooms:
            room.test_badge, room.health_badges = "", []
        return rooms
    today = timezone.localdate()
    if only:
        room_ids = [room.pk for room in rooms]
        tests = _room_tests(site.pk, today, room_ids)
        checks = _room_checks(site.pk, today - timedelta(days=1), room_ids)
    else:
        tests, checks = _site_tests(site.pk, today), _site_checks(site.pk, today - timedelta(days=1))
    test_badge = {}
    for row in tests:
        test_badge[row["stay__room_id"]] = next((badge for badge in TEST_BADGES if row[badge]), "")
    latest = {}
    for room_id, person_id, temperature, symptoms, mood in checks:
        concerns = concerns_of(temperature, symptoms, mood)
        if mood == HealthCheck.Mood.ANXIOUS:
            concerns.append("anxious")
        latest[person_id] = (room_id, concerns)
    health = defaultdict(set)
    for room_id, concerns in latest.values():
        health[room_id].update(concerns or ["normal"])
    for room in rooms:
        room.test_badge = test_badge.get(room.pk, "")
        found = health.get(room.pk, set())
        concerns = [name for name in ("fever", "symptoms", "distressed", "anxious") if name in found]
        room.health_badges = concerns or (["normal"] if found else [])
    return rooms


def _tests_query(site_id: int, today: date, in_rooms: Q | None = None):
    """Each room's occupants' samples counted by what the test badge shows."""
    return (
        Sample.objects.filter(in_rooms or Q(), site_id=site_id, stay__ended_at__isnull=True)
        .exclude(status=Sample.Status.CANCELLED)
        .values("stay__room_id")
        .annotate(
            positive=Count("pk", filter=PCR_POSITIVE),
            suspected=Count("pk", filter=ANTIGEN_POSITIVE & ~cleared_by_pcr()),
            overdue=Count("pk", filter=_overdue(today)),
            due=Count("pk", filter=Q(status=Sample.Status.SCHEDULED, scheduled_on=today)),
            negative=Count("pk", filter=Q(result=Sample.Result.NEGATIVE)),
        )
        .order_by()
    )


def _checks_query(site_id: int, since: date, in_rooms: Q | None = None):
    """The occupants' checks since ``since``, in the order they were made."""
    return (
        HealthCheck.objects.filter(
            in_rooms or Q(),
            site_id=site_id,
            stay__ended_at__isnull=True,
            day__gte=since,
            outcome=HealthCheck.Outcome.CHECKED,
        )
        .order_by("day", "round")
        .values_list("stay__room_id", "person_id", "temperature", "symptoms", "mood")
    )


def _tests_values(site_id: int, today: date, room_ids=()) -> list:
    S, R, K = Sample.Status, Sample.Result, Sample.Kind
    day = connection.ops.adapt_datefield_value(today)
    counted = (K.PCR, R.POSITIVE, K.ANTIGEN, R.POSITIVE, 1, K.PCR, R.NEGATIVE, S.MISSED, day, S.SCHEDULED, day)
    return [*counted, S.SCHEDULED, R.NEGATIVE, *room_ids, site_id, S.CANCELLED]


def _checks_values(site_id: int, since: date, room_ids=()) -> list:
    return [*room_ids, connection.ops.adapt_datefield_value(since), HealthCheck.Outcome.CHECKED, site_id]


# The control screen's badges: the whole site's (its snapshot), or the rooms a change touched.
_site_tests = FixedRead(_tests_query, _tests_values)
_site_checks = FixedRead(_checks_query, _checks_values)
_room_tests = FixedRead(
    lambda site_id, today, room_ids: _tests_query(site_id, today, Q(stay__room_id__in=room_ids)), _tests_values
)
_room_checks = FixedRead(
    lambda site_id, since, room_ids: _checks_query(site_id, since, Q(stay__room_id__in=room_ids)), _checks_values
)


def alert_feed(site, *, site_head: bool) -> list[Alert]:
    """Open alerts first, then today's acknowledged ones: one query.

    The site head's feed has the alerts meant for them (results); the
    medical board has all of them, the reports of other groups (a refused
    meal, a medical emergency) included.
    """
    start, _end = day_bounds(timezone.localdate())
    return (_head_alerts if site_head else _all_alerts)(site.pk, start)


def _alerts_query(site_id: int, start: datetime, site_head: bool):
    today_or_open = Q(acknowledged_at__isnull=True) | Q(acknowledged_at__gte=start)
    alerts = Alert.objects.filter(site_id=site_id).filter(today_or_open)
    if site_head:
        alerts = alerts.filter(for_site_head=True)
    alerts = alerts.select_related("person", "room", "sample", "health_check", "raised_by", "acknowledged_by").order_by(
        "acknowledged_at", "-created_at", "-pk"
    )
    return alerts[:ALERT_FEED_LENGTH]


_all_alerts = FixedRead(
    lambda site_id, start: _alerts_query(site_id, start, site_head=False),
    lambda site_id, start: [site_id, connection.ops.adapt_datetimefield_value(start)],
)
_head_alerts = FixedRead(
    lambda site_id, start: _alerts_query(site_id, start, site_head=True),
    lambda site_id, start: [site_id, connection.ops.adapt_datetimefield_value(start)],
)


def attach_eligibility(stays: list[Stay]) -> list[Stay]:
    """Give each stay ``eligibility``: may the protocol release it, and if not, why: five queries
    (samples, sampling plans, the site's protocol, fevers in the protocol's window, open health alerts).

    The stays come with their rooms (``select_related("room")``).
    """
    if not stays:
        return stays
    site_id = stays[0].site_id
    samples = defaultdict(list)
    for sample in Sample.objects.filter(stay__in=stays):
        samples[sample.stay_id].append(sample)
    required = dict(SamplingPlan.objects.filter(stay__in=stays).values_list("stay_id", "required_negatives"))
    # The site's protocol, or the national defaults; stays planned before
    # sampling plans existed follow its number of negatives.
    protocol = TestProtocol.numbers_for(site_id)
    fevers = defaultdict(list)
    since = timezone.now() - timedelta(hours=protocol.no_fever_hours)
    checks = HealthCheck.objects.filter(stay__in=stays, recorded_at__gte=since, temperature__gte=protocol.fever_from)
    for check in checks.order_by("-recorded_at"):
        fevers[check.stay_id].append(check)
    alerts = defaultdict(list)
    open_alerts = Alert.objects.filter(
        site_id=site_id,
        person_id__in=[stay.person_id for stay in stays],
        acknowledged_at__isnull=True,
        kind__in=HEALTH_ALERT_KINDS,
    )
    for alert in open_alerts.order_by("created_at", "pk"):
        alerts[alert.person_id].append(alert)
    today = timezone.localdate()
    for stay in stays:
        stay.eligibility = assess_release(
            stay=stay,
            room=stay.room,
            samples=samples[stay.pk],
            required=required.get(stay.pk, protocol.required_negatives),
            today=today,
            fevers=fevers[stay.pk],
            fever_hours=protocol.no_fever_hours,
            open_alerts=alerts[stay.person_id],
        )
    return stays
