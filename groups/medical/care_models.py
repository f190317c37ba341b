"""The care ledger (关爱台账) and planned hospital visits.

People with special needs (a tag on the person, or their age: the site's
elderly age and over, or a child under 14) are on the ledger. Each may have a
short plan (what to watch, what to bring, how to talk to them), a staff
member responsible, and follow-ups: the seed's "一测二问三看", a temperature,
what they were asked, and a look whether they are warm, covered and fed.

A recurring hospital visit (dialysis three times a week) is planned once; a
scheduled job asks for each day's round trip (``HospitalVisitTrip`` keeps
that it was asked, so running the job twice asks once).
"""

import functools
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rooms.models import ACTION_LABELS, Person, Site, Stay, Versioned
from site_ops.speedups.fixed_reads import FixedRead

User = settings.AUTH_USER_MODEL


def years_before(day: date, years: int) -> date:
    """The same day ``years`` years earlier (29 February becomes the 28th),
    never before the calendar's first year."""
    year = max(day.year - years, date.min.year)
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def care_filter(site: Site, day: date, prefix: str = "") -> Q:
    """Who is on the care ledger, as a filter on people (``prefix``: the path to
    the person, e.g. ``"person__"`` from a stay): a special need, or an age.

    Age counts by itself: nobody has to tag a 70-year-old or a baby.
    """
    return care_filter_born(years_before(day, site.elderly_age), years_before(day, Person.CHILD_UNDER), prefix)


def care_filter_born(elderly_on_or_before: date, child_after: date, prefix: str = "") -> Q:
    """``care_filter`` with its two birth dates given (for a statement built once)."""
    return (
        ~Q(**{f"{prefix}special_needs": []})
        | Q(**{f"{prefix}birth_date__lte": elderly_on_or_before})
        | Q(**{f"{prefix}birth_date__gt": child_after})
    )


def care_needs(person: Person, day: date | None = None, elderly_age: int | None = None) -> list[str]:
    """The person's care needs: their tags, with "elderly" and "child" added from their age."""
    day = day or timezone.localdate()
    elderly_age = person.site.elderly_age if elderly_age is None else elderly_age
    needs = list(dict.fromkeys(person.special_needs))
    age = person.age_on(day)
    if age >= elderly_age and Person.Need.ELDERLY not in needs:
        needs.insert(0, Person.Need.ELDERLY)
    if age < Person.CHILD_UNDER and Person.Need.CHILD not in needs:
        needs.insert(0, Person.Need.CHILD)
    return needs


def on_care_ledger(person: Person, day: date | None = None, elderly_age: int | None = None) -> bool:
    return bool(care_needs(person, day, elderly_age))


def follow_up_due(last_day: date | None, every_days: int, today: date) -> bool:
    """A follow-up is due when there was none, or the last is ``every_days`` old or older."""
    return last_day is None or (today - last_day).days >= every_days


def care_due_count(site: Site, today: date | None = None) -> int:
    """How many people on the ledger have a follow-up due today: one query."""
    today = today or timezone.localdate()
    rows = _care_due_rows(site.pk, years_before(today, site.elderly_age), years_before(today, Person.CHILD_UNDER))
    return sum(follow_up_due(day, every or 1, today) for day, every in rows)


def _care_due_query(site_id: int, elderly_on_or_before: date, child_after: date):
    last_day = CareFollowUp.objects.filter(person=OuterRef("person")).values("person").annotate(day=Max("day"))
    return (
        Stay.objects.open()
        .filter(site_id=site_id)
        .filter(care_filter_born(elderly_on_or_before, child_after, "person__"))
        .annotate(last_day=Subquery(last_day.values("day")))
        .order_by()
        .values_list("last_day", "person__care_plan__every_days")
    )


_care_due_rows = FixedRead(
    _care_due_query,
    lambda site_id, elderly_on_or_before, child_after: [
        site_id,
        Person._meta.get_field("special_needs").get_db_prep_value([], connection),
        connection.ops.adapt_datefield_value(elderly_on_or_before),
        connection.ops.adapt_datefield_value(child_after),
    ],
)


def need_labels(needs: list[str]) -> list[str]:
    labels = _need_labels()
    return [labels.get(need, need) for need in needs]


@functools.cache
def _need_labels() -> dict:
    # Lazy labels, translated where they are shown; built once (every room of a board asks).
    return dict(Person.Need.choices)


class CarePlan(Versioned):
    """One person's care plan: what the groups serving them must know.

    ``watch`` and ``bring`` are the medical group's (they may name an illness
    or a medicine); ``how_to_talk`` and ``door_note`` are written for every
    group that goes to the door, catering and security included, so they must
    never name a diagnosis.
    """

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="care_plan")
    watch = models.CharField(
        _("what to watch"),
        max_length=300,
        blank=True,
        help_text=_("For the medical group: blood pressure twice a day, signs of low blood sugar…"),
    )
    bring = models.CharField(
        _("what to bring"),
        max_length=300,
        blank=True,
        help_text=_("For the medical group: medicines, a walking frame, nappies…"),
    )
    how_to_talk = models.CharField(
        _("how to talk to them"),
        max_length=200,
        blank=True,
        help_text=_("Seen by every group at the door, catering included: never a diagnosis. E.g. write, do not call."),
    )
    door_note = models.CharField(
        _("meals and knocking"),
        max_length=200,
        blank=True,
        help_text=_("Seen by catering: e.g. knock hard and wait, cut the food small, warm water. Never a diagnosis."),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True, help_text=_("For a pregnancy."))
    responsible = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("staff responsible"),
    )
    every_days = models.PositiveSmallIntegerField(
        _("follow up every (days)"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(7)],
        help_text=_("1: every day."),
    )

    class Meta:
        verbose_name = _("care plan")
        verbose_name_plural = _("care plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(every_days__gte=1, every_days__lte=7),
                name="care_plan_every_one_to_seven_days",
                violation_error_message=_("Follow up every 1 to 7 days."),
            ),
        ]

    def __str__(self):
        return str(_("care plan of %(name)s") % {"name": self.person.name})


class CareFollowUp(models.Model):
    """One follow-up (随访) of a person on the care ledger: 一测二问三看."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="care_follow_ups")
    day = models.DateField(_("date"), default=timezone.localdate)
    # 一测: the temperature, when taken.
    temperature = models.DecimalField(
        _("temperature (°C)"),
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(34), MaxValueValidator(43)],
    )
    # 二问: what they were asked, and what they said.
    asked = models.CharField(_("asked"), max_length=200, blank=True)
    # 三看: warm, covered, fed.
    warm = models.BooleanField(_("warm enough"), default=True)
    covered = models.BooleanField(_("bedding enough"), default=True)
    fed = models.BooleanField(pgettext_lazy("care", "eating"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    FEVER_FROM = 37.3

    class Meta:
        verbose_name = _("care follow-up")
        verbose_name_plural = _("care follow-ups")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["person", "-day"])]

    def __str__(self):
        return f"{self.person} · {self.day:%m-%d}"

    @property
    def concerns(self) -> list[str]:
        """What the follow-up found wrong, as short labels."""
        found = []
        if self.temperature is not None and float(self.temperature) >= self.FEVER_FROM:
            found.append(_("fever"))
        if not self.warm:
            found.append(_("cold"))
        if not self.covered:
            found.append(_("bedding short"))
        if not self.fed:
            found.append(_("not eating"))
        return found


class HospitalVisitPlan(Versioned):
    """A recurring hospital visit (dialysis three times a week): planned once,
    its round trips asked for on each planned weekday by the scheduled job."""

    WEEKDAYS = [
        (0, _("Mon")),
        (1, _("Tue")),
        (2, _("Wed")),
        (3, _("Thu")),
        (4, _("Fri")),
        (5, _("Sat")),
        (6, _("Sun")),
    ]

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="hospital_visit_plans")
    # Monday is 0, as date.weekday() counts.
    weekdays = models.JSONField(_("weekdays"), default=list)
    leave_at = models.TimeField(_("leaves at"))
    hospital = models.CharField(_("hospital"), max_length=100)
    reason = models.CharField(_("reason"), max_length=200)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("planned hospital visit")
        verbose_name_plural = _("planned hospital visits")
        ordering = ["leave_at", "pk"]

    def __str__(self):
        return f"{self.person} → {self.hospital}"

    def is_due_on(self, day: date) -> bool:
        return self.active and day.weekday() in self.weekdays

    def leaves_on(self, day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, self.leave_at))

    def weekday_labels(self) -> list[str]:
        labels = dict(self.WEEKDAYS)
        return [labels[day] for day in sorted(self.weekdays) if day in labels]

    def next_day(self, after: date) -> date | None:
        """The first planned day on or after ``after``."""
        if not self.active or not self.weekdays:
            return None
        for offset in range(7):
            day = after + timedelta(days=offset)
            if day.weekday() in self.weekdays:
                return day
        return None


class HospitalVisitTrip(models.Model):
    """One planned day's round trip, asked for once: the transfer it became,
    or why none could be asked for (the person left, another transfer was open)."""

    plan = models.ForeignKey(HospitalVisitPlan, on_delete=models.PROTECT, related_name="trips")
    day = models.DateField()
    transfer = models.ForeignKey(
        "transfers.Transfer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("hospital visit trip")
        verbose_name_plural = _("hospital visit trips")
        constraints = [models.UniqueConstraint(fields=["plan", "day"], name="hospital_visit_trip_once_a_day")]

    def __str__(self):
        return f"{self.plan} {self.day}"


ACTION_LABELS.update(
    {
        "care.plan": _("care plan updated"),
        "care.follow_up": _("care follow-up recorded"),
        "care.visit_plan": _("hospital visits planned"),
        "care.visit_stop": _("planned hospital visits stopped"),
        "care.visit_skipped": _("planned hospital visit not requested"),
    }
)
