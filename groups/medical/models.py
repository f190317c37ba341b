"""What the medical group records: the test protocol, samples and their
results, health rounds, medicines and the alerts that reach the site head.

A result is never edited in place: each one is a ``SampleResult`` row, and a
correction is a new row that names the one it replaces, who corrected it and
why. The sample keeps its current result for the boards to read.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from rooms.models import ACTION_LABELS, Person, Room, Site, Stay, Versioned
from rooms.words import Translated as Reason

User = settings.AUTH_USER_MODEL


class Sample(Versioned):
    """One PCR or antigen test of one person, from schedule to result."""

    class Kind(models.TextChoices):
        PCR = "pcr", _("PCR")
        ANTIGEN = "antigen", _("antigen")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        COLLECTED = "collected", _("collected")
        RESULTED = "resulted", _("resulted")
        MISSED = "missed", _("missed")
        CANCELLED = "cancelled", _("cancelled")

    class Result(models.TextChoices):
        NEGATIVE = "negative", _("negative")
        POSITIVE = "positive", _("positive")
        INVALID = "invalid", _("invalid")

    class Reason(models.TextChoices):
        PROTOCOL = "protocol", _("protocol")
        RETEST = "retest", _("re-test")
        CONTACT = "contact", _("room-mate of a positive case")
        CONFIRM = "confirm", _("PCR re-test of an antigen positive")
        EXTENSION = "extension", _("quarantine extended")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="samples")
    stay = models.ForeignKey(Stay, on_delete=models.PROTECT, related_name="samples")
    kind = models.CharField(_("test"), max_length=8, choices=Kind.choices, default=Kind.PCR)
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices, default=Reason.PROTOCOL)
    day = models.PositiveSmallIntegerField(_("day of stay"))
    scheduled_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    collected_at = models.DateTimeField(_("collected"), null=True, blank=True)
    collected_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    tube_barcode = models.CharField(_("tube barcode"), max_length=40, blank=True)
    # The current result, kept by the services from the latest SampleResult.
    result = models.CharField(_("result"), max_length=8, choices=Result.choices, blank=True)
    resulted_at = models.DateTimeField(_("result entered"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # The table keeps the name it had before the group apps (no data moved).
        db_table = "rooms_sample"
        verbose_name = _("sample")
        verbose_name_plural = _("samples")
        ordering = ["scheduled_on", "pk"]
        indexes = [
            models.Index(fields=["site", "scheduled_on"]),
            models.Index(fields=["site", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "tube_barcode"], condition=~Q(tube_barcode=""), name="sample_barcode_unique_per_site"
            ),
            models.CheckConstraint(
                condition=Q(status="resulted", result__in=["negative", "positive", "invalid"])
                | (~Q(status="resulted") & Q(result="")),
                name="sample_result_iff_resulted",
                violation_error_message=_("A result goes with a resulted sample, and only with one."),
            ),
        ]

    def __str__(self):
        return f"{self.person} · {self.get_kind_display()} · {self.scheduled_on:%m-%d}"

    def overdue_on(self, day: date) -> bool:
        """Not collected by the end of its day, on this day (swept to missed, or not yet)."""
        return self.status == self.Status.MISSED or (self.status == self.Status.SCHEDULED and self.scheduled_on < day)

    @property
    def is_overdue(self) -> bool:
        """Not collected by the end of its day (swept to missed, or not yet)."""
        return self.overdue_on(timezone.localdate())

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.SCHEDULED, self.Status.MISSED)


class TestProtocol(models.Model):
    """A site's test protocol: data the site head edits in the admin.

    A change applies to people who check in after it; the schedules of people
    already in isolation stay as they were unless a user re-plans them.
    """

    __test__ = False  # a model, not a pytest test class

    # Used until a site's protocol is set up: the usual one.
    DEFAULT_DAYS = (
        (1, Sample.Kind.PCR),
        (2, Sample.Kind.PCR),
        (3, Sample.Kind.PCR),
        (5, Sample.Kind.PCR),
        (7, Sample.Kind.PCR),
    )

    site = models.OneToOneField(Site, on_delete=models.PROTECT, related_name="test_protocol", verbose_name=_("site"))
    length_days = models.PositiveSmallIntegerField(
        _("quarantine length (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("Quarantine end date = arrival date + this many days."),
    )
    required_negatives = models.PositiveSmallIntegerField(
        _("consecutive negative results for release"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("Release needs the latest results to be this many negatives in a row."),
    )
    # The national norms (第九版) are the defaults; a site may set its own.
    fever_from = models.DecimalField(
        _("fever from (°C)"),
        max_digits=3,
        decimal_places=1,
        default=Decimal("37.3"),
        validators=[MinValueValidator(Decimal("37.0")), MaxValueValidator(Decimal("39.0"))],
        help_text=_("A temperature at or above this is a fever: it alerts the medical group and holds a release."),
    )
    no_fever_hours = models.PositiveSmallIntegerField(
        _("no fever before release (hours)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
        help_text=_("Release needs no fever in this many hours before it."),
    )
    ct_negative_from = models.DecimalField(
        _("PCR negative from Ct"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("35.0"),
        validators=[MinValueValidator(Decimal("20.0")), MaxValueValidator(Decimal("45.0"))],
        help_text=_(
            "A PCR with Ct values at or above this on both genes (N and ORF1ab) is negative; "
            "below it on either gene, positive."
        ),
    )
    welfare_after_missed = models.PositiveSmallIntegerField(
        _("health checks not done in a row before a welfare alert"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
        help_text=_(
            "Missed or refused health checks in a row (nobody answering the door) that alert the medical group."
        ),
    )
    # 第九版: after release, three days of home health monitoring, the
    # temperature taken morning and evening. The release notice states it.
    home_monitoring_days = models.PositiveSmallIntegerField(
        _("home health monitoring after release (days)"),
        default=3,
        validators=[MaxValueValidator(14)],
        help_text=_(
            "Stated on the release notice: days of home health monitoring after release, "
            "the temperature taken morning and evening. 0: none."
        ),
    )
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))

    class Meta:
        # The table keeps the name it had before the group apps (no data moved).
        db_table = "rooms_testprotocol"
        verbose_name = _("test protocol")
        verbose_name_plural = _("test protocols")
        constraints = [
            models.CheckConstraint(
                condition=Q(length_days__gte=1),
                name="protocol_length_at_least_one_day",
                violation_error_message=_("Quarantine lasts at least one day."),
            ),
            models.CheckConstraint(
                condition=Q(required_negatives__gte=1),
                name="protocol_needs_a_negative",
                violation_error_message=_("A release needs at least one negative result."),
            ),
            models.CheckConstraint(
                condition=Q(fever_from__gte=Decimal("37.0"), fever_from__lte=Decimal("39.0")),
                name="protocol_fever_in_range",
                violation_error_message=_("A fever starts between 37.0 and 39.0 °C."),
            ),
            models.CheckConstraint(
                condition=Q(no_fever_hours__gte=1),
                name="protocol_fever_window_an_hour",
                violation_error_message=_("At least one hour without fever."),
            ),
            models.CheckConstraint(
                condition=Q(ct_negative_from__gte=Decimal("20.0"), ct_negative_from__lte=Decimal("45.0")),
                name="protocol_ct_in_range",
                violation_error_message=_("The Ct is between 20 and 45."),
            ),
            models.CheckConstraint(
                condition=Q(welfare_after_missed__gte=1),
                name="protocol_welfare_after_one",
                violation_error_message=_("At least one health check."),
            ),
            models.CheckConstraint(
                condition=Q(home_monitoring_days__lte=14),
                name="protocol_home_monitoring_two_weeks_at_most",
                violation_error_message=_("Home health monitoring lasts at most 14 days."),
            ),
        ]

    def __str__(self):
        return gettext("Test protocol of %(site)s") % {"site": self.site}

    @classmethod
    def for_site(cls, site: Site) -> "TestProtocol":
        """The site's protocol, or the usual one (unsaved) if none is set up."""
        return cls.objects.filter(site=site).prefetch_related("days").first() or cls(site=site)

    @classmethod
    def numbers_for(cls, site_id: int) -> "TestProtocol":
        """The site's protocol without its sampling days, or the national defaults: one query."""
        return cls.objects.filter(site_id=site_id).first() or cls(site_id=site_id)

    def read_ct(self, ct_orf1ab, ct_n) -> str:
        """What a PCR's Ct values say by this protocol: "" when none was given.

        Below the threshold on either gene is positive; at or above it on
        every gene given (a gene left blank was not detected) is negative.
        """
        values = [Decimal(value) for value in (ct_orf1ab, ct_n) if value not in (None, "")]
        if not values:
            return ""
        if any(value < self.ct_negative_from for value in values):
            return Sample.Result.POSITIVE
        return Sample.Result.NEGATIVE

    def home_monitoring_until(self, left_on: date) -> date | None:
        """The last day of home health monitoring for a person who left on ``left_on``; None when there is none."""
        if not self.home_monitoring_days:
            return None
        return left_on + timedelta(days=self.home_monitoring_days)

    def schedule(self) -> list[tuple[int, str]]:
        """(day of stay, kind) for every sampling day, in order."""
        if self.pk is None:
            return [(day, str(kind)) for day, kind in self.DEFAULT_DAYS]
        return [(entry.day, entry.kind) for entry in self.days.all()]


class ProtocolDay(models.Model):
    protocol = models.ForeignKey(TestProtocol, on_delete=models.CASCADE, related_name="days")
    day = models.PositiveSmallIntegerField(
        _("day of stay"),
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("The arrival day is day 1."),
    )
    kind = models.CharField(_("test"), max_length=8, choices=Sample.Kind.choices, default=Sample.Kind.PCR)

    class Meta:
        # The table keeps the name it had before the group apps (no data moved).
        db_table = "rooms_protocolday"
        verbose_name = _("sampling day")
        verbose_name_plural = _("sampling days")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["protocol", "day"], name="protocol_day_once"),
            models.CheckConstraint(
                condition=Q(day__gte=1),
                name="protocol_day_from_one",
                violation_error_message=_("The arrival day is day 1: a sampling day is 1 or later."),
            ),
        ]

    def __str__(self):
        return f"{self.day} {self.get_kind_display()}"


class SamplingPlan(models.Model):
    """The protocol a stay was planned with, kept as it was at check-in."""

    stay = models.OneToOneField(Stay, on_delete=models.PROTECT, related_name="sampling_plan")
    days = models.JSONField(default=list)  # [[day, kind], ...]
    required_negatives = models.PositiveSmallIntegerField(default=2)
    planned_at = models.DateTimeField(default=timezone.now)
    planned_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("sampling plan")
        verbose_name_plural = _("sampling plans")
        # The table keeps the name it had before the group apps (no data moved).
        db_table = "rooms_samplingplan"

    def __str__(self):
        return ", ".join(f"{day}" for day, _kind in self.days)


class LabImport(models.Model):
    """A lab's result sheet: previewed line by line, applied only when confirmed."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("preview")
        APPLIED = "applied", _("applied")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=200)
    digest = models.CharField(max_length=64)
    # One entry per line: what was read (national IDs masked) and what matched.
    rows = models.JSONField(default=list)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PREVIEW)
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    applied_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("lab import")
        verbose_name_plural = _("lab imports")
        # The table keeps the name it had before the group apps (no data moved).
        db_table = "rooms_labimport"
        ordering = ["-uploaded_at"]

    def __str__(self):
        return self.filename

    def lines(self) -> list[dict]:
        """The lines with what each did or would do, in words."""
        lines = []
        for row in self.rows:
            params = dict(row.get("params") or {})
            for key in ("result", "reading"):
                if key in params:
                    params[key] = Sample.Result(params[key]).label
            message = LINE_MESSAGES.get(row["code"], row["code"])
            lines.append({**row, "message": str(message) % params if params else str(message)})
        return lines

    def count(self, action: str) -> int:
        return sum(row["action"] == action for row in self.rows)


LINE_MESSAGES = {
    "apply": _("matches a sample awaiting its result"),
    "already": _("already recorded: skipped"),
    "changed": _("the sample changed since the preview: skipped"),
    "differs": _("the recorded result is %(result)s: correct it on the person's page if the lab is right"),
    "cancelled": _("the sample was cancelled"),
    "not_collected": _("the sample was not marked collected"),
    "duplicate": _("the same sample as line %(line)s"),
    "ct_for_antigen": _(
        "the line has Ct values, a PCR's, and the tube is an %(kind)s test: check the tube with the lab"
    ),
    "name_differs": _("the sheet names %(name)s, not the person this tube is: check the tube with the lab"),
    "conflicting": _("lines %(lines)s give this sample different results: none is recorded; check them with the lab"),
    "no_barcode": _("no sample has tube barcode %(barcode)s"),
    "no_person": _("nobody on this site has this national ID"),
    "no_sample": _("no sample of %(name)s awaits a result"),
    "ambiguous": _("%(count)s samples of this person await a result: use the tube barcode"),
    "bad_id": _("the national ID is not well-formed"),
    "no_key": _("no tube barcode or national ID"),
    "bad_result": _("result not understood: “%(text)s”"),
    "bad_ct": _("Ct value not understood: “%(text)s”"),
    "ct_disagrees": _(
        "the Ct values read %(reading)s by the protocol (negative from Ct %(threshold)s on both genes): "
        "check the line with the lab"
    ),
    "bad_time": _("report time not understood: “%(text)s”"),
    "future_time": _("the report time %(text)s is still to come: check the line with the lab"),
    "before_collection": _("reported at %(reported)s, before the sample was taken at %(collected)s"),
}


class SampleResult(models.Model):
    """One result as entered or imported. Never changed: a correction is a new row."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("entered")
        IMPORT = "import", _("lab sheet")

    sample = models.ForeignKey(Sample, on_delete=models.PROTECT, related_name="results")
    result = models.CharField(_("result"), max_length=8, choices=Sample.Result.choices)
    ct_orf1ab = models.DecimalField(_("Ct ORF1ab"), max_digits=4, decimal_places=1, null=True, blank=True)
    ct_n = models.DecimalField(_("Ct N"), max_digits=4, decimal_places=1, null=True, blank=True)
    reported_at = models.DateTimeField(_("lab report time"), null=True, blank=True)
    entered_at = models.DateTimeField(default=timezone.now)
    entered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.MANUAL)
    lab_import = models.ForeignKey(LabImport, null=True, blank=True, on_delete=models.PROTECT, related_name="results")
    corrects = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrected_by"
    )
    reason = models.CharField(_("reason for the correction"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("sample result")
        verbose_name_plural = _("sample results")
        # The table keeps the name it had before the group apps (no data moved).
        db_table = "rooms_sampleresult"
        ordering = ["entered_at", "pk"]

    def __str__(self):
        return f"{self.sample} {self.get_result_display()}"


class HealthCheck(Versioned):
    """One person's morning or afternoon health round."""

    class Round(models.TextChoices):
        # "am" < "pm", so ordering by round is the order of the day.
        MORNING = "am", _("morning")
        AFTERNOON = "pm", _("afternoon")

    class Outcome(models.TextChoices):
        CHECKED = "checked", _("checked")
        MISSED = "missed", _("not checked")
        # Not "refused" alone: that is a refused meal's word (拒收); this is 拒测.
        REFUSED = "refused", _("refused check")

    class Mood(models.TextChoices):
        STABLE = "stable", _("stable")
        ANXIOUS = "anxious", _("anxious")
        DISTRESSED = "distressed", _("distressed")

    class Symptom(models.TextChoices):
        COUGH = "cough", _("cough")
        SORE_THROAT = "sore_throat", _("sore throat")
        FEVER = "fever", _("feels feverish")
        FATIGUE = "fatigue", _("fatigue")
        TASTE_SMELL = "taste_smell", _("loss of taste or smell")
        OTHER = "other", _("other")

    FEVER_FROM = Decimal("37.3")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="health_checks")
    stay = models.ForeignKey(Stay, on_delete=models.PROTECT, related_name="health_checks")
    day = models.DateField(_("day"))
    round = models.CharField(_("round"), max_length=2, choices=Round.choices)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices, default=Outcome.CHECKED)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True)
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    mood = models.CharField(_("mood"), max_length=10, choices=Mood.choices, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        # The table keeps the name it had before the group apps (no data moved).
        db_table = "rooms_healthcheck"
        verbose_name = _("health check")
        verbose_name_plural = _("health checks")
        ordering = ["day", "round"]
        indexes = [models.Index(fields=["site", "day"])]
        constraints = [
            models.UniqueConstraint(fields=["person", "day", "round"], name="health_check_once_per_round"),
            models.CheckConstraint(
                condition=Q(outcome="checked", temperature__isnull=False) | ~Q(outcome="checked"),
                name="health_check_has_temperature",
                violation_error_message=_("A check that was done has a temperature."),
            ),
        ]

    def __str__(self):
        return f"{self.person} {self.day:%m-%d} {self.get_round_display()}"

    @property
    def has_fever(self) -> bool:
        return self.temperature is not None and self.temperature >= self.FEVER_FROM

    @property
    def concerns(self) -> list[str]:
        """What in this check needs the medical group: fever, symptoms, distressed."""
        return concerns_of(self.temperature, self.symptoms, self.mood)

    def get_symptoms_display(self) -> list[str]:
        labels = dict(self.Symptom.choices)
        return [str(labels.get(symptom, symptom)) for symptom in self.symptoms]


def concerns_of(temperature, symptoms, mood, fever_from: Decimal = HealthCheck.FEVER_FROM) -> list[str]:
    found = []
    if temperature is not None and Decimal(temperature) >= fever_from:
        found.append("fever")
    if symptoms:
        found.append("symptoms")
    if mood == HealthCheck.Mood.DISTRESSED:
        found.append("distressed")
    return found


class MedicineNeed(models.Model):
    """A medicine a person takes regularly (brought along or to be supplied)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="medicine_needs")
    name = models.CharField(_("medicine"), max_length=100)
    dose = models.CharField(_("dose and times"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("medicine need")
        verbose_name_plural = _("medicine needs")
        # The table keeps the name it had before the group apps (no data moved).
        db_table = "rooms_medicineneed"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Alert(models.Model):
    """Something the medical group (and, when urgent, the site head) must see now."""

    class Kind(models.TextChoices):
        POSITIVE = "positive", _("positive result")
        CORRECTED = "corrected", _("result corrected")
        FEVER = "fever", _("fever")
        SYMPTOMS = "symptoms", _("symptoms")
        DISTRESSED = "distressed", _("distressed")
        # Health checks missed or refused in a row: nobody answers the door.
        WELFARE = "welfare", _("welfare check")
        # An antigen positive waits for its PCR re-test (待复核).
        SUSPECTED = "suspected", _("suspected (antigen positive)")
        # Reported by another group.
        MEAL_REFUSED = "meal_refused", _("meal refused")
        MEDICAL_EMERGENCY = "medical_emergency", _("medical emergency")
        # A lab sheet's positive line that matched no sample awaiting it (a mistyped barcode, a wrong name).
        UNRECORDED_POSITIVE = "unrecorded_positive", _("positive not recorded")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    urgent = models.BooleanField(default=False)
    # Health alerts are for the medical group; results reach the site head too.
    for_site_head = models.BooleanField(default=False)
    # A result or a health check concerns one person; a report from another
    # group (a refused meal, a medical emergency) may concern a room.
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # What raised it: one of these, or none.
    sample = models.ForeignKey(Sample, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    health_check = models.ForeignKey(HealthCheck, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    meal_delivery = models.ForeignKey(
        "catering.MealDelivery", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    incident = models.ForeignKey("security.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)
    # Who reported it; results and health rounds raise their alerts themselves.
    raised_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        # The table keeps the name it had before the group apps (no data moved).
        db_table = "rooms_alert"
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["site", "acknowledged_at"])]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.person or self.room or ''}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


# An open one of these about a person holds their release (a positive holds
# it through the result itself).
HEALTH_ALERT_KINDS = (
    Alert.Kind.FEVER,
    Alert.Kind.SYMPTOMS,
    Alert.Kind.DISTRESSED,
    Alert.Kind.WELFARE,
    Alert.Kind.MEDICAL_EMERGENCY,
)


# --- release eligibility --------------------------------------------------


@dataclass
class Eligibility:
    """Whether a stay's protocol allows release, and if not, why not."""

    # Translated when shown, not when found: a broadcast reads the releases
    # due once and renders them for the boards in every language.
    reasons: list[Reason] = field(default_factory=list)
    negatives: int = 0
    required: int = 0

    @property
    def ok(self) -> bool:
        return not self.reasons


TODAY_NOT_COLLECTED = gettext_noop("Today's sample not collected yet.")


def assess_release(
    *,
    stay: Stay,
    room: Room,
    samples: list[Sample],
    required: int,
    today: date,
    fevers: list[HealthCheck] = (),
    fever_hours: int = 24,
    open_alerts: list[Alert] = (),
) -> Eligibility:
    """The protocol's release rule over a stay's samples and health (already loaded).

    Release needs: the room not sealed, no current positive result, no
    antigen positive without a negative PCR after it, no result pending, no
    sample due and not collected, the latest ``required`` results negative in
    a row (invalid results do not count either way), no fever in the last
    ``fever_hours`` (``fevers``: the checks at or above the protocol's fever,
    newest first) and no open health alert (``open_alerts``).
    """
    found = Eligibility(required=required)
    if room.status == Room.Status.SEALED:
        found.reasons.append(Reason(gettext_noop("Room %(room)s is sealed."), room=room.number))
    S = Sample.Status
    # In the order they were taken; samples not taken yet come last.
    ordered = sorted(
        (sample for sample in samples if sample.status != S.CANCELLED),
        key=lambda s: (s.collected_at is None, s.collected_at or s.scheduled_on, s.pk),
    )
    for sample in ordered:
        day = _short(sample.scheduled_on)
        if sample.result == Sample.Result.POSITIVE and sample.kind == Sample.Kind.ANTIGEN:
            if not _pcr_negative_after(sample, ordered):
                suspected = gettext_noop(
                    "Antigen positive (sample of %(day)s): suspected until a PCR re-test is negative."
                )
                found.reasons.append(Reason(suspected, day=day))
        elif sample.result == Sample.Result.POSITIVE:
            found.reasons.append(Reason(gettext_noop("Positive result (sample of %(day)s)."), day=day))
        elif sample.status == S.COLLECTED:
            found.reasons.append(Reason(gettext_noop("Result pending for the sample of %(day)s."), day=day))
        elif sample.status == S.SCHEDULED and sample.scheduled_on == today:
            # Two samples due today (the protocol's and a room-mate's extra one) are one reason, said once.
            if not any(reason.message == TODAY_NOT_COLLECTED for reason in found.reasons):
                found.reasons.append(Reason(TODAY_NOT_COLLECTED))
        elif sample.status == S.MISSED or (sample.status == S.SCHEDULED and sample.scheduled_on < today):
            found.reasons.append(Reason(gettext_noop("Sample due %(day)s not collected."), day=day))
    for sample in reversed(ordered):
        if sample.status != S.RESULTED or sample.result == Sample.Result.INVALID:
            continue
        if sample.result != Sample.Result.NEGATIVE:
            break
        found.negatives += 1
    if found.negatives < required:
        found.reasons.append(
            Reason(
                gettext_noop("%(required)s negative results in a row needed; %(have)s so far."),
                required=required,
                have=found.negatives,
            )
        )
    if fevers:
        latest = fevers[0]
        found.reasons.append(
            Reason(
                gettext_noop("Fever of %(temperature)s °C at %(when)s: release needs %(hours)s hours without fever."),
                temperature=latest.temperature,
                when=date_format(timezone.localtime(latest.recorded_at), "m-d H:i"),
                hours=fever_hours,
            )
        )
    for alert in open_alerts:
        found.reasons.append(
            Reason(
                gettext_noop("Health alert “%(kind)s” of %(when)s not yet acknowledged by the medical group."),
                # The label, translated when the reason is shown.
                kind=Alert.Kind(alert.kind).label,
                when=date_format(timezone.localtime(alert.created_at), "m-d H:i"),
            )
        )
    return found


def _pcr_negative_after(antigen: Sample, samples: list[Sample]) -> bool:
    """Whether a PCR taken after an antigen positive came back negative: the suspicion is lifted."""
    if antigen.collected_at is None:
        return False
    return any(
        sample.kind == Sample.Kind.PCR
        and sample.result == Sample.Result.NEGATIVE
        and sample.collected_at is not None
        and sample.collected_at > antigen.collected_at
        for sample in samples
    )


def _short(day: date) -> str:
    return date_format(day, "m-d")


def stay_day(stay: Stay, day: date) -> int:
    """The day of the stay a date falls on (the arrival day is day 1)."""
    return (day - timezone.localdate(stay.started_at)).days + 1


def stay_date(stay: Stay, day: int) -> date:
    return timezone.localdate(stay.started_at) + timedelta(days=day - 1)


def validate_protocol(length_days: int, required_negatives: int, days: list[int]) -> None:
    if not days:
        raise ValidationError(gettext("Add at least one sampling day."))
    late = [day for day in days if day > length_days]
    if late:
        raise ValidationError(
            gettext("Sampling days must fall within the quarantine (%(length)s days): %(days)s.")
            % {"length": length_days, "days": ", ".join(map(str, late))}
        )
    if required_negatives > len(days):
        raise ValidationError(gettext("Release cannot need more negative results than there are sampling days."))


ACTION_LABELS.update(
    {
        "sample.plan": _("sampling planned"),
        "sample.collect": _("sample collected"),
        "sample.result": _("result entered"),
        "sample.correct": _("result corrected"),
        "sample.missed": _("sample missed"),
        "sample.cancel": _("sample cancelled"),
        "sample.restore": _("sample back on the plan"),
        "sample.uncollect": _("sample collection taken back"),
        "sample.extra": _("extra sample scheduled"),
        "stay.extend": _("quarantine extended"),
        "stay.replan": _("sampling re-planned"),
        "health.record": _("health round recorded"),
        "alert.acknowledge": _("alert acknowledged"),
        "medicine.need": _("regular medicine recorded"),
        "medicine.request": _("medicine requested"),
        "medicine.deliver": _("medicine delivered"),
        "lab_import.apply": _("lab results imported"),
        "certificate.print": _("release certificate printed"),
        "test_protocol.set_up": _("test protocol set up"),
        "test_protocol.admin_change": _("test protocol changed"),
    }
)


# --- from rooms/models/alerts.py ---
"""Alerts other groups raise for the medical group.

A refused meal or a medical-emergency incident is something a doctor or nurse
must look at. The service that records it writes one of these rows in the
same transaction and publishes the change with the "medical" topic, so that
the medical board can list the open ones live.
"""


# The care ledger and planned hospital visits live in their own module.
from groups.medical.care_models import (  # noqa: E402, F401
    CareFollowUp,
    CarePlan,
    HospitalVisitPlan,
    HospitalVisitTrip,
)
