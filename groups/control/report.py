"""The day's report to the district isolation office (日报).

Every figure is read from timestamps the records keep (a stay's start and
end, a sample's collection, a result's entry, an alert's creation...) and
from the audit log where a record changes in place (a person's category, a
room's status), always up to the end of the day asked for: a past day's
report comes out the same whenever it is produced. What the site head
submitted is also kept as it was sent (``DailyReport.figures``).

The report is a list of sections, each a table of rows of numbers: the
screen, the A4 print and the Excel workbook (one sheet per section) all read
the same list.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from groups.catering.models import MealDelivery
from groups.control.models import DailyReport
from groups.disinfection.models import DisinfectionTask, WasteCollection, WasteHandover
from groups.medical.models import Alert, Sample, SampleResult
from groups.security.models import Incident
from groups.transfers.models import Transfer
from rooms.models import AuditEvent, Person, Request, Room, Site, Stay
from rooms.reads import day_start
from rooms.roles import Role, display_name, require_role
from rooms.services import ServiceError, audit, claim_form, who_and_when
from rooms.sheets import append_row, fit_columns
from rooms.templatetags.audit import role_labels
from rooms.words import site_language


@dataclass
class Section:
    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)

    def add(self, label, *values) -> None:
        self.rows.append([str(label), *values])

    def as_data(self) -> dict:
        return {"key": self.key, "title": str(self.title), "columns": [str(c) for c in self.columns], "rows": self.rows}


def daily_report(site: Site, day: date) -> list[Section]:
    """The report of one day of a site (about twenty queries, whatever the site's size)."""
    start = day_start(day)
    # Today's report is the day so far.
    end = min(day_start(day + timedelta(days=1)), timezone.now())
    sections = [
        _people(site, start, end),
        _movement(site, start, end),
        _transfers(site, start, end),
        _samples(site, day, start, end),
        _alerts(site, start, end),
        _meals(site, day),
        _disinfection(site, start, end),
        _waste(site, start, end),
        _incidents(site, start, end),
        _requests(site, start, end),
        _rooms(site, end),
        _staff(site, start, end),
    ]
    if end < day_start(day + timedelta(days=1)):
        # The day is not over: what "the end of the day" said is as of now, and a sample not taken yet is not missed.
        so_far = {str(label): str(words) for label, words in SO_FAR}
        for section in sections:
            section.title = so_far.get(str(section.title), section.title)
            for row in section.rows:
                row[0] = so_far.get(row[0], row[0])
    return sections


SO_FAR = (
    (pgettext_lazy("daily report", "open at the end of the day"), pgettext_lazy("daily report", "open now")),
    (pgettext_lazy("daily report", "not taken"), pgettext_lazy("daily report", "not taken yet")),
    (
        pgettext_lazy("daily report", "awaiting a result at the end of the day"),
        pgettext_lazy("daily report", "awaiting a result now"),
    ),
    (pgettext_lazy("daily report", "overdue at the end of the day"), pgettext_lazy("daily report", "overdue now")),
    (pgettext_lazy("daily report", "Rooms at the end of the day"), pgettext_lazy("daily report", "Rooms now")),
)


def _people(site, start, end) -> Section:
    section = Section(
        "people",
        pgettext_lazy("daily report", "People in isolation"),
        [
            pgettext_lazy("daily report", "category"),
            pgettext_lazy("daily report", "at the start of the day"),
            pgettext_lazy("daily report", "at the end"),
        ],
    )
    counts = {}
    for moment in (start, end):
        stays = Stay.objects.filter(site=site, started_at__lt=moment).filter(
            Q(ended_at__isnull=True) | Q(ended_at__gte=moment)
        )
        people = list(stays.values_list("person_id", "person__category"))
        categories = _categories_at(site, moment, {person for person, _category in people})
        counts[moment] = Counter(categories.get(person, category) for person, category in people)
    for category, label in Person.Category.choices:
        section.add(label, counts[start][category], counts[end][category])
    section.add(pgettext_lazy("daily report", "total"), sum(counts[start].values()), sum(counts[end].values()))
    return section


def _categories_at(site, moment, persons: set[int]) -> dict[int, str]:
    """A person's category at a moment: the one a later change replaced, if any (the audit keeps it)."""
    found = {}
    later = (
        AuditEvent.objects.filter(site=site, person_id__in=persons, at__gte=moment)
        .filter(before__has_key="category")
        .order_by("at", "pk")
        .values_list("person_id", "before")
    )
    for person, before in later:
        found.setdefault(person, before["category"])
    return found


def _movement(site, start, end) -> Section:
    section = Section(
        "movement",
        pgettext_lazy("daily report", "Arrivals and departures"),
        [pgettext_lazy("daily report", "what"), pgettext_lazy("daily report", "people")],
    )
    stays = Stay.objects.filter(site=site)
    section.add(
        pgettext_lazy("daily report", "arrivals"), stays.filter(started_at__gte=start, started_at__lt=end).count()
    )
    left = stays.filter(ended_at__gte=start, ended_at__lt=end)
    section.add(pgettext_lazy("daily report", "released"), left.filter(end_reason=Stay.EndReason.RELEASED).count())
    section.add(
        pgettext_lazy("daily report", "left by transfer"), left.filter(end_reason=Stay.EndReason.TRANSFERRED).count()
    )
    no_show = AuditEvent.objects.filter(site=site, action="person.no_show", at__gte=start, at__lt=end)
    section.add(pgettext_lazy("daily report", "did not arrive"), no_show.count())
    return section


def _transfers(site, start, end) -> Section:
    section = Section(
        "transfers",
        pgettext_lazy("daily report", "Transfers"),
        [
            pgettext_lazy("daily report", "destination"),
            pgettext_lazy("daily report", "requested"),
            pgettext_lazy("daily report", "completed"),
            pgettext_lazy("daily report", "returned"),
            pgettext_lazy("daily report", "open at the end of the day"),
        ],
    )
    transfers = Transfer.objects.filter(site=site)
    requested = Counter(
        transfers.filter(created_at__gte=start, created_at__lt=end).values_list("destination_type", flat=True)
    )
    closed = transfers.filter(closed_at__gte=start, closed_at__lt=end)
    completed = Counter(closed.filter(state=Transfer.State.COMPLETED).values_list("destination_type", flat=True))
    returned = Counter(closed.filter(state=Transfer.State.RETURNED).values_list("destination_type", flat=True))
    still_open = Counter(
        transfers.filter(created_at__lt=end)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=end))
        .values_list("destination_type", flat=True)
    )
    for kind, label in Transfer.Destination.choices:
        section.add(label, requested[kind], completed[kind], returned[kind], still_open[kind])
    return section


def _samples(site, day, start, end) -> Section:
    section = Section(
        "samples",
        pgettext_lazy("daily report", "Samples and results"),
        [pgettext_lazy("daily report", "what"), pgettext_lazy("daily report", "number")],
    )
    samples = Sample.objects.filter(site=site)
    # A sample cancelled before the day ended was not due; one cancelled later was.
    cancelled_before = Q(status=Sample.Status.CANCELLED, updated_at__lt=end)
    due = samples.filter(scheduled_on=day).exclude(cancelled_before)
    section.add(pgettext_lazy("daily report", "due"), due.count())
    section.add(
        pgettext_lazy("daily report", "taken"), samples.filter(collected_at__gte=start, collected_at__lt=end).count()
    )
    section.add(
        pgettext_lazy("daily report", "not taken"),
        due.filter(Q(collected_at__isnull=True) | Q(collected_at__gte=end)).count(),
    )
    entered = SampleResult.objects.filter(sample__site=site, entered_at__gte=start, entered_at__lt=end)
    first = Counter(entered.filter(corrects__isnull=True).values_list("result", flat=True))
    for result, label in Sample.Result.choices:
        section.add(label, first[result])
    section.add(pgettext_lazy("daily report", "corrections"), entered.filter(corrects__isnull=False).count())
    resulted = SampleResult.objects.filter(sample=OuterRef("pk"), entered_at__lt=end)
    pending = samples.filter(collected_at__lt=end).exclude(Exists(resulted)).exclude(cancelled_before)
    section.add(pgettext_lazy("daily report", "awaiting a result at the end of the day"), pending.count())
    positives = entered.filter(corrects__isnull=True, result=Sample.Result.POSITIVE)
    section.add(
        pgettext_lazy("daily report", "positive people (PCR)"),
        positives.filter(sample__kind=Sample.Kind.PCR).values("sample__person").distinct().count(),
    )
    section.add(
        pgettext_lazy("daily report", "suspected people (antigen)"),
        positives.filter(sample__kind=Sample.Kind.ANTIGEN).values("sample__person").distinct().count(),
    )
    return section


def _alerts(site, start, end) -> Section:
    section = Section(
        "alerts",
        pgettext_lazy("daily report", "Health and welfare alerts"),
        [
            pgettext_lazy("daily report", "alert"),
            pgettext_lazy("daily report", "raised"),
            pgettext_lazy("daily report", "acknowledged that day"),
        ],
    )
    alerts = Alert.objects.filter(site=site, created_at__gte=start, created_at__lt=end)
    raised = Counter(alerts.values_list("kind", flat=True))
    seen = Counter(alerts.filter(acknowledged_at__lt=end).values_list("kind", flat=True))
    for kind, label in Alert.Kind.choices:
        section.add(label, raised[kind], seen[kind])
    return section


def _meals(site, day) -> Section:
    section = Section(
        "meals",
        pgettext_lazy("daily report", "Meals"),
        [
            pgettext_lazy("daily report", "status"),
            pgettext_lazy("daily report", "rooms"),
            pgettext_lazy("daily report", "meals"),
        ],
    )
    rows = (
        MealDelivery.objects.filter(site=site, day=day).values("status").annotate(rooms=Count("pk"), meals=Sum("meals"))
    )
    found = {row["status"]: row for row in rows}
    for status, label in MealDelivery.Status.choices:
        row = found.get(status, {})
        section.add(label, row.get("rooms", 0), row.get("meals") or 0)
    return section


def _disinfection(site, start, end) -> Section:
    section = Section(
        "disinfection",
        pgettext_lazy("daily report", "Disinfection"),
        [
            pgettext_lazy("daily report", "task"),
            pgettext_lazy("daily report", "done"),
            pgettext_lazy("daily report", "overdue at the end of the day"),
        ],
    )
    tasks = DisinfectionTask.objects.filter(site=site)
    done = Counter(tasks.filter(done_at__gte=start, done_at__lt=end).values_list("kind", flat=True))
    overdue = Counter(
        tasks.filter(created_at__lt=end, due_at__lt=end)
        .filter(Q(done_at__isnull=True) | Q(done_at__gte=end))
        .values_list("kind", flat=True)
    )
    for kind, label in DisinfectionTask.Kind.choices:
        section.add(label, done[kind], overdue[kind])
    return section


def _kg(total) -> Decimal:
    """A sum of weights to the tenth of a kilogram they are recorded in
    (SQLite sums decimals as floats: 63.7000000000000)."""
    return (total or Decimal("0")).quantize(Decimal("0.1"))


def _waste(site, start, end) -> Section:
    section = Section(
        "waste",
        pgettext_lazy("daily report", "Medical waste"),
        [
            pgettext_lazy("daily report", "what"),
            pgettext_lazy("daily report", "bags"),
            pgettext_lazy("daily report", "kg"),
        ],
    )
    collected = WasteCollection.objects.filter(site=site, collected_at__gte=start, collected_at__lt=end).aggregate(
        bags=Sum("bags"), kg=Sum("weight_kg")
    )
    handed = WasteHandover.objects.filter(site=site, handed_at__gte=start, handed_at__lt=end).aggregate(
        bags=Sum("bags"), kg=Sum("weight_kg")
    )
    section.add(pgettext_lazy("daily report", "collected"), collected["bags"] or 0, _kg(collected["kg"]))
    section.add(pgettext_lazy("daily report", "handed over"), handed["bags"] or 0, _kg(handed["kg"]))
    return section


def _incidents(site, start, end) -> Section:
    section = Section(
        "incidents",
        pgettext_lazy("daily report", "Incidents"),
        [
            pgettext_lazy("daily report", "what happened"),
            pgettext_lazy("daily report", "reported"),
            pgettext_lazy("daily report", "open at the end of the day"),
        ],
    )
    incidents = Incident.objects.filter(site=site)
    reported = Counter(incidents.filter(reported_at__gte=start, reported_at__lt=end).values_list("kind", flat=True))
    still_open = Counter(
        incidents.filter(reported_at__lt=end)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=end))
        .values_list("kind", flat=True)
    )
    for kind, label in Incident.Kind.choices:
        section.add(label, reported[kind], still_open[kind])
    return section


def _requests(site, start, end) -> Section:
    """Residents' requests by kind: logged, resolved and declined that day, open at its end, and the money spent.

    Read from the requests' own times, so a past day's figures stay as they were.
    """
    section = Section(
        "requests",
        pgettext_lazy("daily report", "Residents' requests"),
        [
            pgettext_lazy("daily report", "kind"),
            pgettext_lazy("daily report", "logged"),
            pgettext_lazy("daily report", "resolved"),
            pgettext_lazy("daily report", "declined"),
            pgettext_lazy("daily report", "open at the end of the day"),
            pgettext_lazy("daily report", "cost (¥)"),
        ],
    )
    requests = Request.objects.filter(site=site, requested_at__lt=end)
    logged = Counter(requests.filter(requested_at__gte=start).values_list("kind", flat=True))
    closed = requests.filter(closed_at__gte=start, closed_at__lt=end)
    resolved = Counter(closed.filter(status=Request.Status.RESOLVED).values_list("kind", flat=True))
    declined = Counter(closed.filter(status=Request.Status.DECLINED).values_list("kind", flat=True))
    still_open = Counter(
        requests.filter(Q(closed_at__isnull=True) | Q(closed_at__gte=end)).values_list("kind", flat=True)
    )
    money = dict(
        closed.filter(status=Request.Status.RESOLVED, cost__isnull=False)
        .values_list("kind")
        .annotate(total=Sum("cost"))
        .values_list("kind", "total")
    )
    for kind, label in Request.Kind.choices:
        spent = f"{money.get(kind) or 0:.2f}"
        section.add(label, logged[kind], resolved[kind], declined[kind], still_open[kind], spent)
    return section


def _rooms(site, end) -> Section:
    """Rooms by status at the end of the day, replayed from the audit log: a
    room's own moves say its status, a check-in or release and a terminal
    task say the room's status after them, a room change says both rooms'. A
    room with nothing recorded by then is as it was set up: available."""
    section = Section(
        "rooms",
        pgettext_lazy("daily report", "Rooms at the end of the day"),
        [pgettext_lazy("daily report", "status"), pgettext_lazy("daily report", "rooms")],
    )
    rooms = dict(Room.objects.filter(site=site).values_list("number", "pk"))
    status = {pk: Room.Status.AVAILABLE for pk in rooms.values()}
    events = (
        AuditEvent.objects.filter(site=site, room__isnull=False, at__lt=end)
        .filter(
            Q(after__has_key="room_status") | Q(object_type="room", after__has_key="status") | Q(action="stay.move")
        )
        .order_by("at", "pk")
        .values_list("room_id", "action", "before", "after")
    )
    for room, action, before, after in events:
        if action == "stay.move":
            status[room] = Room.Status.OCCUPIED
            if before.get("room") in rooms:
                status[rooms[before["room"]]] = before.get("left_room_status", Room.Status.AWAITING_DISINFECTION)
            continue
        value = after.get("room_status") or after.get("status")
        if value in Room.Status.values:
            status[room] = value
    counts = Counter(status.values())
    for value, label in Room.Status.choices:
        section.add(label, counts[value])
    return section


def _staff(site, start, end) -> Section:
    """Who of the site's staff did something on it that day, by group: the audit log's actors.
    Not the district office, nor another site's clerk who recorded a transfer's arrival there."""
    section = Section(
        "staff",
        pgettext_lazy("daily report", "Staff on duty"),
        [pgettext_lazy("daily report", "group"), pgettext_lazy("daily report", "people")],
    )
    actors = defaultdict(set)
    rows = AuditEvent.objects.filter(site=site, at__gte=start, at__lt=end, actor__staff__site=site).values_list(
        "role", "actor_id"
    )
    for roles, actor in rows.distinct():
        label = role_labels(roles) or str(pgettext_lazy("daily report", "other"))
        actors[label].add(actor)
    for role in sorted(actors):
        section.add(role, len(actors[role]))
    section.add(pgettext_lazy("daily report", "total"), len({actor for people in actors.values() for actor in people}))
    return section


def as_json(sections: list[Section]) -> list[dict]:
    """The sections as stored when submitted: numbers stay numbers (kg as a string of its decimal)."""
    data = [section.as_data() for section in sections]
    for section in data:
        section["rows"] = [[str(v) if isinstance(v, Decimal) else v for v in row] for row in section["rows"]]
    return data


def latest_report(site, day: date) -> DailyReport | None:
    """The day's report as last submitted, or None."""
    return DailyReport.objects.filter(site=site, day=day).order_by("-version").select_related("submitted_by").first()


def report_submit(*, site: Site, day: date, by, token: str | None = None, replaces: int | None = None) -> DailyReport:
    """The site head sends the day's report to the district office: kept as sent, audited.

    Sent again (``replaces``: the submission the site head had on screen),
    it is a new submission with the figures as they are now; the ones before
    it are kept. One sent meanwhile by someone else is not replaced unseen.
    """
    require_role(by, Role.SITE_HEAD)
    if day > timezone.localdate():
        raise ServiceError(_("A report is for a day that has begun."))
    if day < site.opened_on:
        raise ServiceError(
            _("The site opened on %(day)s: there is no report before it.") % {"day": site.opened_on.isoformat()}
        )
    with transaction.atomic():
        claim_form(token, by)
        sent = latest_report(site, day)
        if sent is not None and replaces != sent.version:
            raise ServiceError(
                _("The report of %(day)s was already submitted by %(who)s at %(time)s.")
                % {"day": day.isoformat(), **who_and_when(sent.submitted_by, sent.submitted_at)}
            )
        version = sent.version + 1 if sent is not None else 1
        # Kept in the site's language, as its other records are: the office reads it as the site wrote it.
        with site_language():
            figures = as_json(daily_report(site, day))
        try:
            with transaction.atomic():
                report = DailyReport.objects.create(
                    site=site, day=day, version=version, figures=figures, submitted_by=by
                )
        except IntegrityError:
            # Sent at the same moment from another screen: that one is the day's.
            raise ServiceError(
                _("The report of %(day)s was submitted from another screen at the same moment; reload the page.")
                % {"day": day.isoformat()}
            ) from None
        action = "report.submit" if version == 1 else "report.resubmit"
        audit(site=site, by=by, action=action, obj=report, after={"day": day, "version": version})
    return report


def workbook(site: Site, day: date, sections: list[Section], report: DailyReport | None) -> bytes:
    """The report as the office's Excel file: a cover sheet, then one sheet per section, numbers as numbers."""

    book = Workbook()
    cover = book.active
    cover.title = str(_("report"))[:31]
    append_row(cover, [str(_("site")), site.name])
    append_row(cover, [str(_("day")), day])
    cover.cell(row=2, column=2).number_format = "yyyy-mm-dd"
    if report is not None:
        append_row(cover, [str(_("submitted by")), display_name(report.submitted_by)])
        append_row(cover, [str(_("submitted at")), timezone.localtime(report.submitted_at).replace(tzinfo=None)])
        cover.cell(row=4, column=2).number_format = "yyyy-mm-dd hh:mm"
    for section in sections:
        sheet = book.create_sheet(_sheet_title(str(section.title)))
        append_row(sheet, [str(column) for column in section.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in section.rows:
            append_row(
                sheet, [Decimal(v) if isinstance(v, str) and _is_decimal(v) and i else v for i, v in enumerate(row)]
            )
    for sheet in book.worksheets:
        fit_columns(sheet)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    for forbidden in "[]:*?/\\":
        title = title.replace(forbidden, " ")
    return title[:31]


def _is_decimal(value: str) -> bool:
    try:
        Decimal(value)
    except ArithmeticError:
        return False
    return True
