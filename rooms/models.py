from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from rooms.address import street_and_community
from rooms.masking import mask_national_id, mask_phone
from rooms.roles import role_words
from rooms.words import site_language
from site_ops.inputs import FIRST_DAY, FLOORS, LAST_DAY
from site_ops.speedups.fixed_reads import FixedRead


class Site(models.Model):
    """An isolation site. Every record belongs to one."""

    # A site's name (名称), not a person's (姓名).
    name = models.CharField(pgettext_lazy("site", "name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # The settings below are bounded by what a site could mean (a day's
    # ventilation, a week's stale transfer, an age a person reaches): past
    # that, an admin's slip would put a room out of use for years or make the
    # boards' date arithmetic overflow.
    ventilation_minutes = models.PositiveSmallIntegerField(
        _("ventilation after terminal disinfection (minutes)"),
        default=30,
        validators=[MaxValueValidator(24 * 60)],
    )
    patrol_interval_minutes = models.PositiveSmallIntegerField(
        _("patrol interval (minutes)"),
        default=120,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text=_("A floor not patrolled for longer is flagged on the security board."),
    )
    low_floor_max = models.PositiveSmallIntegerField(
        _("highest low floor"),
        default=2,
        validators=[MaxValueValidator(FLOORS[1])],
        help_text=_("Elderly and disabled people are placed on this floor or below when possible."),
    )
    elderly_age = models.PositiveSmallIntegerField(
        _("elderly from age"),
        default=60,
        validators=[MinValueValidator(50), MaxValueValidator(100)],
        help_text=_("People this old or older are placed on the low floors when possible (the Chinese norm is 60)."),
    )
    transfer_stale_minutes = models.PositiveSmallIntegerField(
        _("transfer stale after (minutes)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)],
        help_text=_("An open transfer with no change for this long is highlighted on the boards."),
    )
    designated_hospital = models.CharField(
        _("designated hospital"),
        max_length=100,
        blank=True,
        help_text=_("Where a positive case is transferred; a positive result drafts a transfer there."),
    )
    # Before this day the site kept no records here: a daily report for an
    # earlier day would show every room free and nobody staying.
    opened_on = models.DateField(
        _("opened on"),
        default=timezone.localdate,
        validators=[MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)],
        help_text=_("The first day the site took people in. Daily reports start from this day."),
    )

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self):
        return self.name

    def first_record_day(self) -> date | None:
        """The day of the site's first audited change or check-in, if it has any."""
        firsts = [
            self.audit_events.aggregate(first=models.Min("at"))["first"],
            self.stays.aggregate(first=models.Min("started_at"))["first"],
        ]
        return min((timezone.localdate(first) for first in firsts if first is not None), default=None)

    def floors(self) -> list[int]:
        """The floors that have rooms, lowest first: one query."""
        return _site_floors(self.pk)


class Versioned(models.Model):
    """A mutable record: an edit names the version it was made on.

    An edit made on a stale version is refused and says who changed the record
    and when, so nobody silently overwrites somebody else's work.
    """

    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        abstract = True


class Room(Versioned):
    class Status(models.TextChoices):
        AVAILABLE = "available", _("available")
        OCCUPIED = "occupied", _("occupied")
        AWAITING_DISINFECTION = "awaiting_disinfection", _("awaiting disinfection")
        VENTILATING = "ventilating", _("ventilating")
        SEALED = "sealed", _("sealed")
        OUT_OF_SERVICE = "out_of_service", _("out of service")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="rooms", verbose_name=_("site"))
    number = models.CharField(_("number"), max_length=10)
    floor = models.SmallIntegerField(
        _("floor"), validators=[MinValueValidator(FLOORS[0]), MaxValueValidator(FLOORS[1])]
    )
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), default=1, validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    # Kept by the services and checked by the database: a room never holds
    # more people than its capacity, even when two check-ins race.
    occupant_count = models.PositiveSmallIntegerField(_("occupants"), default=0)
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.AVAILABLE)
    status_changed_at = models.DateTimeField(default=timezone.now, verbose_name=_("status changed at"))
    ventilation_until = models.DateTimeField(null=True, blank=True, verbose_name=_("ventilation until"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["floor", "number"]
        # The headline figures count a site's rooms by status on every change
        # (rooms.reads.site_counters): from this index alone.
        indexes = [models.Index(fields=["site", "status"], name="room_site_status")]
        constraints = [
            models.UniqueConstraint(fields=["site", "number"], name="room_number_unique_per_site"),
            models.CheckConstraint(
                condition=Q(capacity__gte=1) & Q(capacity__lte=8),
                name="room_capacity_1_to_8",
                violation_error_message=_("A room has 1 to 8 beds."),
            ),
            models.CheckConstraint(
                condition=Q(occupant_count__lte=models.F("capacity")),
                name="room_occupants_within_capacity",
                violation_error_message=_("A room has no fewer beds than the people in it."),
            ),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("room-detail", args=[self.pk])

    def get_ws_path(self):
        return f"/ws/rooms/{self.pk}/"

    @property
    def is_full(self) -> bool:
        return self.occupant_count >= self.capacity

    @property
    def free_beds(self) -> int:
        return max(self.capacity - self.occupant_count, 0)

    @property
    def is_family_room(self) -> bool:
        return self.capacity > 1

    def get_status_display(self) -> str:
        # Every room of the grid shows it: Django's generic version rebuilds a
        # dict of the choices on each call (bench/README.md).
        return self.Status(self.status).label


class Person(Versioned):
    class Status(models.TextChoices):
        EXPECTED = "expected", _("expected")
        IN_ISOLATION = "in_isolation", _("in isolation")
        RELEASED = "released", _("released")
        TRANSFERRED = "transferred", _("transferred")
        NO_SHOW = "no_show", _("did not arrive")

    class Sex(models.TextChoices):
        FEMALE = "F", _("female")
        MALE = "M", _("male")

    class Category(models.TextChoices):
        CLOSE_CONTACT = "close_contact", _("close contact")
        SECONDARY_CONTACT = "secondary_contact", _("secondary contact")
        INBOUND = "inbound", _("inbound traveller")
        OTHER = "other", _("other")

    class Diet(models.TextChoices):
        REGULAR = "regular", _("regular")
        HALAL = "halal", _("halal")
        VEGETARIAN = "vegetarian", _("vegetarian")
        DIABETIC = "diabetic", _("diabetic")
        SOFT = "soft", _("soft")
        INFANT = "infant", _("infant")

    class Need(models.TextChoices):
        ELDERLY = "elderly", _("elderly")
        CHRONIC = "chronic", _("chronic disease")
        PREGNANT = "pregnant", _("pregnant")
        CHILD = "child", _("child")
        DISABILITY = "disability", _("disability")
        HEARING = "hearing", _("hearing-impaired")
        SIGHT = "sight", _("sight-impaired")
        DIALYSIS = "dialysis", _("dialysis")
        MENTAL = "mental", _("mental illness")
        NEEDS_CARER = "needs_carer", _("needs a carer")

    # Needs that call for a low floor when a room is suggested.
    LOW_FLOOR_NEEDS = frozenset({Need.ELDERLY, Need.DISABILITY, Need.PREGNANT, Need.SIGHT})
    # Needs that are health information: the medical group's, the general
    # group's and the site head's to read, never the serving groups' (catering,
    # disinfection, security), who see only how to deliver and how to talk.
    CLINICAL_NEEDS = frozenset({Need.CHRONIC, Need.PREGNANT, Need.DIALYSIS, Need.MENTAL})
    # Under this age a person is a child on the care ledger, with or without the tag.
    CHILD_UNDER = 14

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="people", verbose_name=_("site"))
    name = models.CharField(_("name"), max_length=50)
    national_id = models.CharField(_("national ID"), max_length=18)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # Personal data: shown on the person's page, the release notice (its
    # street and community) and the communities' list, never on a board.
    address = models.CharField(
        _("address"),
        max_length=200,
        blank=True,
        help_text=_("Home address with its street (街道/镇/乡) and community (社区/村), who take over on release."),
    )
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.CLOSE_CONTACT)
    special_needs = models.JSONField(_("special needs"), default=list, blank=True)
    diet = models.CharField(_("diet"), max_length=12, choices=Diet.choices, default=Diet.REGULAR)
    allergy_note = models.CharField(_("allergy note"), max_length=200, blank=True)
    emergency_contact = models.CharField(_("emergency contact"), max_length=50, blank=True)
    emergency_phone = models.CharField(_("emergency contact phone"), max_length=20, blank=True)
    household = models.CharField(
        _("household"),
        max_length=40,
        blank=True,
        help_text=_("People who arrive together as a family share this and are roomed together."),
    )
    # A carer (陪护) and the person they look after (a baby, someone who
    # cannot look after themselves): roomed, transferred and released together.
    cares_for = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="carers",
        verbose_name=_("cares for"),
    )
    expected_on = models.DateField(_("expected arrival"), default=timezone.localdate)
    source = models.CharField(_("arriving from"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.EXPECTED)
    # A transfer from another site of the district: the person's record there,
    # and what their isolation carries over (rooms.services.carried_plan_of):
    # {"ends_on": "YYYY-MM-DD", "samples": [["YYYY-MM-DD", kind], ...],
    #  "required_negatives": n, "from_site": name}. Check-in keeps the end
    # date and the medical group continues the samples, so nothing is retyped.
    arrived_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("transferred from")
    )
    carried_plan = models.JSONField(default=dict, blank=True, verbose_name=_("carried plan"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name"]
        # The headline figures' counts of people by status and expected day.
        indexes = [models.Index(fields=["site", "status", "expected_on"], name="person_site_status")]
        constraints = [
            # One record per national ID on a site while the person is there.
            models.UniqueConstraint(
                fields=["site", "national_id"],
                condition=Q(status__in=["expected", "in_isolation"]),
                name="person_one_active_record_per_id",
            ),
        ]
        permissions = [("reveal_personal_data", _("Can reveal national IDs and phone numbers"))]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("person-detail", args=[self.pk])

    def get_ws_path(self):
        return f"/ws/people/{self.pk}/"

    @property
    def national_id_masked(self) -> str:
        return mask_national_id(self.national_id)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def emergency_phone_masked(self) -> str:
        return mask_phone(self.emergency_phone)

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    @property
    def needs_low_floor(self) -> bool:
        return self.low_floor_reason() is not None

    def low_floor_reason(self) -> str | None:
        """Why this person goes to a low floor (their need or their age), or None."""
        for need in self.special_needs:
            if need in self.LOW_FLOOR_NEEDS:
                return str(self.Need(need).label)
        if self.age >= self.site.elderly_age:
            return _("aged %(age)s") % {"age": self.age}
        return None

    def linked(self) -> list["Person"]:
        """The carer link, either way: whom this person cares for and who cares for them."""
        found = list(self.carers.all())
        if self.cares_for_id:
            found.insert(0, self.cares_for)
        return found

    @property
    def street(self) -> str:
        return street_and_community(self.address)[0]

    @property
    def community(self) -> str:
        return street_and_community(self.address)[1]

    def get_special_needs_display(self) -> list[str]:
        labels = dict(self.Need.choices)
        return [str(labels.get(need, need)) for need in self.special_needs]


class StayQuerySet(models.QuerySet):
    def open(self):
        """Stays not ended yet: the people in the site's rooms now."""
        return self.filter(ended_at__isnull=True)


class Stay(Versioned):
    """A person in a room, from check-in to check-out."""

    class EndReason(models.TextChoices):
        RELEASED = "released", _("released")
        TRANSFERRED = "transferred", _("transferred")

    class MoveReason(models.TextChoices):
        """Why a person changes room (换房); kept in the audit log."""

        WRONG_ROOM = "wrong_room", _("wrong assignment")
        EXPOSURE = "exposure", _("exposure: away from a positive case")
        REPAIR = "repair", _("room needs repair")
        CARER = "carer", _("joining a person they care for")
        OTHER = "other", _("other")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="stays", verbose_name=_("site"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="stays", verbose_name=_("person"))
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="stays", verbose_name=_("room"))
    started_at = models.DateTimeField(_("checked in"), default=timezone.now)
    ends_on = models.DateField(_("quarantine ends"))
    ended_at = models.DateTimeField(_("checked out"), null=True, blank=True)
    end_reason = models.CharField(max_length=12, choices=EndReason.choices, blank=True, verbose_name=_("end reason"))
    # A room change keeps the stay: its last one, for what was owed in the room left (a meal the room
    # had had before the move is not owed again in the new one).
    moved_at = models.DateTimeField(_("last changed room at"), null=True, blank=True)
    moved_from = models.ForeignKey(
        Room, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("last room left")
    )

    objects = StayQuerySet.as_manager()

    class Meta:
        verbose_name = _("stay")
        verbose_name_plural = _("stays")
        ordering = ["-started_at"]
        # The headline figures: stays due to end, begun today, ended today.
        indexes = [
            models.Index(fields=["site", "ended_at", "ends_on"], name="stay_site_open_ends"),
            models.Index(fields=["site", "started_at"], name="stay_site_started"),
            models.Index(fields=["site", "end_reason", "ended_at"], name="stay_site_ended"),
        ]
        constraints = [
            # A person is never in two rooms.
            models.UniqueConstraint(
                fields=["person"], condition=Q(ended_at__isnull=True), name="stay_one_open_per_person"
            ),
        ]

    def __str__(self):
        return f"{self.person} @ {self.room}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    def day_on(self, day: date) -> int:
        """Day of the stay on this day, counting the arrival day as day 1."""
        return (day - timezone.localdate(self.started_at)).days + 1

    @property
    def day_number(self) -> int:
        """Day of the stay today, counting the arrival day as day 1."""
        return self.day_on(timezone.localdate())

    @property
    def days_left(self) -> int:
        return (self.ends_on - timezone.localdate()).days

    @property
    def extends_from(self) -> date:
        """The first day an extension may end on: the day after the current end (it is never shortened)."""
        return self.ends_on + timedelta(days=1)


class AuditEvent(models.Model):
    """Append-only history: who did what to which record, and when.

    Personal data in before/after is masked. A database trigger refuses any
    UPDATE or DELETE of this table (see the migration), so the history can
    only grow.
    """

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="audit_events", verbose_name=_("site"))
    at = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_name = models.CharField(max_length=150, verbose_name=_("actor name"))
    role = models.CharField(max_length=100, blank=True, verbose_name=_("role"))
    action = models.CharField(max_length=50, verbose_name=_("action"))
    # The object's name when the event happened (a person's name, a room number).
    label = models.CharField(max_length=300, verbose_name=_("label"))
    object_type = models.CharField(max_length=30, verbose_name=_("object type"))
    object_id = models.BigIntegerField(verbose_name=_("object id"))
    room = models.ForeignKey(
        Room, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("room")
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    before = models.JSONField(default=dict, blank=True, verbose_name=_("before"))
    after = models.JSONField(default=dict, blank=True, verbose_name=_("after"))
    note = models.CharField(max_length=300, blank=True, verbose_name=_("note"))

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["room", "-at"]),
            models.Index(fields=["person", "-at"]),
            models.Index(fields=["site", "-at"]),
        ]

    def __str__(self):
        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M} {self.actor_words} {self.action_label}"

    @property
    def actor_words(self) -> str:
        """Who did it: the user's name as it was, or, for what the clock did, "system" in the reader's language
        (``actor_name`` keeps the word in the site's language, rooms.words)."""
        return self.actor_name if self.actor_id else gettext("system")

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))


# The groups that work in shifts and hand over (the site head is a role, not a group).
GROUP_CHOICES = [
    ("general", _("general group")),
    ("medical", _("medical group")),
    ("disinfection", _("disinfection group")),
    ("security", _("security group")),
    ("catering", _("catering group")),
]


def _minutes_overlap(first: list[tuple[int, int]], second: list[tuple[int, int]]) -> bool:
    return any(a < d and c < b for a, b in first for c, d in second)


class Shift(models.Model):
    """One of a group's shifts (班次), e.g. 08:00-20:00; one ending after midnight ends the next day.

    A shift change (交接班) is the moment a shift starts: the group's
    outgoing member hands over what is still open and an incoming one
    acknowledges it (``Handover``).
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("site"))
    group = models.CharField(_("group"), max_length=16, choices=GROUP_CHOICES)
    name = models.CharField(
        pgettext_lazy("shift", "name"), max_length=30, blank=True, help_text=_("For example: day shift, night shift.")
    )
    starts = models.TimeField(pgettext_lazy("shift", "starts"))
    ends = models.TimeField(pgettext_lazy("shift", "ends"))

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["group", "starts"]
        constraints = [models.UniqueConstraint(fields=["site", "group", "starts"], name="shift_one_start_per_group")]

    def __str__(self):
        hours = f"{self.starts:%H:%M}-{self.ends:%H:%M}"
        return f"{self.name} {hours}" if self.name else hours

    def clean(self):
        if self.starts is None or self.ends is None:
            return
        if self.starts == self.ends:
            raise ValidationError({"ends": _("A shift ends at another time than it starts.")})
        if self.site_id is None or not self.group:
            return
        others = Shift.objects.filter(site_id=self.site_id, group=self.group).exclude(pk=self.pk)
        for other in others:
            if _minutes_overlap(self._minutes(), other._minutes()):
                raise ValidationError(
                    _("It overlaps the group's shift %(other)s: one shift starts when the one before it ends.")
                    % {"other": other}
                )

    def _minutes(self) -> list[tuple[int, int]]:
        """The shift's minutes of the day, as ranges: one ending after midnight is two."""
        start, end = self.starts.hour * 60 + self.starts.minute, self.ends.hour * 60 + self.ends.minute
        return [(start, end)] if start < end else [(start, 24 * 60), (0, end)]

    @property
    def label(self) -> str:
        """Its name, or its hours when it has none: what a board's heading shows."""
        return self.name or f"{self.starts:%H:%M}-{self.ends:%H:%M}"

    @classmethod
    def defaults_for(cls, site: Site, groups=None) -> list["Shift"]:
        """A site's shifts when nobody set any (unsaved): two of twelve hours for every group,
        named in the site's language."""
        groups = groups or [value for value, _label in GROUP_CHOICES]
        with site_language():
            return [
                cls(site=site, group=group, name=str(name), starts=starts, ends=ends)
                for group in groups
                for name, starts, ends in DEFAULT_SHIFTS
            ]

    def start_on(self, day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, self.starts))


DEFAULT_SHIFTS = [
    (_("day shift"), time(8, 0), time(20, 0)),
    (_("night shift"), time(20, 0), time(8, 0)),
]


class Handover(Versioned):
    """A group's shift handover (交接班): what the outgoing member leaves open,
    kept as it was when handed over, their notes, and who acknowledged it."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    group = models.CharField(_("group"), max_length=16, choices=GROUP_CHOICES)
    # The shift change it is for: the moment the incoming shift starts.
    change_at = models.DateTimeField(_("shift change"))
    outgoing = models.CharField(_("outgoing shift"), max_length=50, blank=True)
    incoming = models.CharField(_("incoming shift"), max_length=50, blank=True)
    # What the group left open, as it was at hand-over
    # (rooms.handover.snapshot): [{"key": ..., "items": [{"text": ..., "tag": ...}]}].
    open_items = models.JSONField(default=list, blank=True, verbose_name=_("open items"))
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    handed_over_at = models.DateTimeField(default=timezone.now, verbose_name=_("handed over at"))
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("handed over by")
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True, verbose_name=_("acknowledged at"))
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    acknowledge_note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("shift handover")
        verbose_name_plural = _("shift handovers")
        ordering = ["-change_at", "group"]
        constraints = [
            models.UniqueConstraint(fields=["site", "group", "change_at"], name="handover_once_per_shift_change")
        ]

    def __str__(self):
        return f"{self.get_group_display()} {timezone.localtime(self.change_at):%m-%d %H:%M}"

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    @property
    def open_count(self) -> int:
        return sum(len(section["items"]) for section in self.open_items)


ACTION_LABELS = {
    "person.register": _("added to arrivals"),
    "person.reveal": _("personal data revealed"),
    "person.update": _("details corrected"),
    "person.no_show": _("did not arrive"),
    "person.carer": _("carer link changed"),
    "stay.check_in": _("checked in"),
    "stay.release": _("released"),
    "stay.move": _("changed room"),
    "stay.exposure": _("quarantine restarted after exposure"),
    "release_list.export": _("on the release list exported for the communities"),
    "export": _("exported"),
    "room.move": _("room status changed"),
    "room.set_up": _("room added"),
    "room.added_by_floor": _("room added floor by floor"),
    "rooms.added": _("rooms added floor by floor"),
    "room.admin_change": _("room set-up changed"),
    "site.set_up": _("site added"),
    "site.admin_change": _("site settings changed"),
    "handover.give": _("shift handed over"),
    "handover.acknowledge": _("shift handover acknowledged"),
    "shift.set_up": _("shift added"),
    "shift.admin_change": _("shift changed"),
    "request.log": _("request logged"),
    "request.take": _("request taken"),
    "request.resolve": _("request resolved"),
    "request.decline": _("request declined"),
    "request.delivery": _("family delivery logged for a request"),
    "requestroute.set_up": _("request route set up"),
    "requestroute.admin_change": _("request route changed"),
    "district.admin_change": _("district office set-up changed"),
    "person.transfer_in": _("expected by transfer from another site"),
}


class SubmittedForm(models.Model):
    """A form submission already applied, keyed by the token the form carried.

    A double tap on a flaky connection sends the same token twice; the second
    finds it here and changes nothing. The row is written in the same
    transaction as the change, so a refused submission can be sent again.
    """

    token = models.CharField(max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("submitted form")
        verbose_name_plural = _("submitted forms")
        constraints = [models.UniqueConstraint(fields=["user", "token"], name="submitted_form_once_per_user")]

    def __str__(self):
        return self.token


class District(models.Model):
    """A district isolation office (隔离办): the sites it oversees and its officers.

    An officer (role ``district``) sees every site of their districts: the
    live overview, each control screen read-only, the transfers that need the
    office and the free beds. A site may belong to more than one district (a
    city's office over the districts' ones).
    """

    name = models.CharField(pgettext_lazy("district", "name"), max_length=100)
    sites = models.ManyToManyField(Site, related_name="districts", verbose_name=_("sites"))
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="districts",
        blank=True,
        verbose_name=_("officers"),
        help_text=_("Logins of the district isolation office (give them the district office group too)."),
    )

    class Meta:
        verbose_name = _("district isolation office")
        verbose_name_plural = _("district isolation offices")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Staff(models.Model):
    """A personal login's place of work: the site a staff member works at.

    Which functional groups the person belongs to is Django's auth groups
    (see groups/roles.py); this row only ties the login to its site.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff", verbose_name=_("login")
    )
    site = models.ForeignKey("rooms.Site", on_delete=models.PROTECT, related_name="staff", verbose_name=_("site"))
    organisation = models.CharField(_("organisation"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        # The table keeps the name it had before the group apps (no data moved).
        db_table = "groups_staff"
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def __str__(self):
        return self.user.get_full_name() or self.user.get_username()


# --- residents' requests (诉求) and the supplies ledger --------------------------
#
# Every group logs them and every group works its own, so they live here with
# the rooms and people they concern; the general group's screens keep the
# ledger (groups/general/requests.py).


class RequestKind(models.TextChoices):
    MEDICINE = "medicine", _("medicine")
    SUPPLIES = "supplies", _("daily supplies")
    MEAL = "meal", pgettext_lazy("request", "meal")
    EMOTIONAL = "emotional", _("emotional support")
    REPAIR = "repair", _("repair")
    FAMILY = "family", _("contact with family")
    OTHER = "other", pgettext_lazy("request", "other")


# Which group works each kind when the site has not said otherwise (RequestRoute).
DEFAULT_REQUEST_ROUTES = {
    RequestKind.MEDICINE: "medical",
    RequestKind.SUPPLIES: "general",
    RequestKind.MEAL: "catering",
    RequestKind.EMOTIONAL: "medical",
    RequestKind.REPAIR: "general",
    RequestKind.FAMILY: "general",
    RequestKind.OTHER: "general",
}


class RequestRoute(models.Model):
    """Site data: the group that works one kind of request on this site."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="request_routes", verbose_name=_("site"))
    kind = models.CharField(_("kind"), max_length=12, choices=RequestKind.choices)
    group = models.CharField(_("group"), max_length=16, choices=GROUP_CHOICES)

    class Meta:
        verbose_name = _("request route")
        verbose_name_plural = _("request routes")
        constraints = [models.UniqueConstraint(fields=["site", "kind"], name="request_route_one_per_kind")]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.get_group_display()}"


class Request(Versioned):
    """What a person in a room asks for, from logging to its resolution."""

    Kind = RequestKind

    class Urgency(models.TextChoices):
        # In the order the boards list them.
        URGENT = "urgent", _("urgent")
        TODAY = "today", _("today")
        WHEN_POSSIBLE = "when_possible", _("when possible")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("request", "open")
        IN_PROGRESS = "in_progress", _("in progress")
        RESOLVED = "resolved", _("resolved")
        DECLINED = "declined", _("declined")

    class Via(models.TextChoices):
        PHONE = "phone", _("phone call from the room")
        DOOR = "door", _("at the door")
        FAMILY = "family", _("family outside")
        STAFF = "staff", _("staff noticed")

    class Source(models.TextChoices):
        STOCK = "stock", _("site stock")
        PHARMACY = "pharmacy", _("pharmacy purchase")
        FAMILY = "family", _("family delivery")
        DONATION = "donation", _("donation")

    # How long each urgency may stay open before the boards flag it.
    ALLOWED = {
        Urgency.URGENT: timedelta(hours=1),
        Urgency.TODAY: timedelta(hours=8),
        Urgency.WHEN_POSSIBLE: timedelta(hours=48),
    }
    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)
    # Kinds whose contents are health data: the medical group, the site head
    # and the general group (who log and route them) read them; the others
    # see only that there is one.
    HEALTH_KINDS = frozenset({RequestKind.MEDICINE, RequestKind.EMOTIONAL})
    # Kinds that hand goods to the person: items, cost, source and hand-over.
    GOODS_KINDS = frozenset({RequestKind.MEDICINE, RequestKind.SUPPLIES})

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="requests", verbose_name=_("room"))
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="requests", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=RequestKind.choices)
    urgency = models.CharField(_("urgency"), max_length=13, choices=Urgency.choices, default=Urgency.TODAY)
    what = models.CharField(_("what exactly"), max_length=200)
    via = models.CharField(_("who asked"), max_length=8, choices=Via.choices, default=Via.PHONE)
    # The group it was routed to when logged (the route may change later).
    group = models.CharField(_("group"), max_length=16, choices=GROUP_CHOICES)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    requested_at = models.DateTimeField(_("logged"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    due_at = models.DateTimeField(_("due"))
    taken_at = models.DateTimeField(null=True, blank=True, verbose_name=_("taken at"))
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("taken by"),
    )
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("closed by"),
    )
    # What was done, or why it was declined.
    resolution = models.CharField(_("what was done"), max_length=300, blank=True)
    # Goods (medicine, supplies): where they came from, what they cost, and
    # the hand-over to the person; a family's delivery is disinfected first.
    source = models.CharField(_("sourced from"), max_length=10, choices=Source.choices, blank=True)
    cost = models.DecimalField(_("cost (¥)"), max_digits=9, decimal_places=2, null=True, blank=True)
    handed_to = models.CharField(_("handed to"), max_length=50, blank=True)
    goods_disinfected = models.BooleanField(_("goods disinfected before hand-over"), default=False)

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = pgettext_lazy("records", "requests")
        ordering = ["requested_at", "pk"]
        indexes = [
            models.Index(fields=["site", "group", "status"]),
            models.Index(fields=["site", "requested_at"]),
        ]

    def __str__(self):
        return f"{self.room.number} · {self.get_kind_display()}"

    @classmethod
    def urgency_rank(cls):
        """Urgent first, then today's, then the ones for when possible: an ORDER BY term."""
        return models.Case(
            *(models.When(urgency=value, then=models.Value(rank)) for rank, value in enumerate(cls.Urgency.values)),
            default=models.Value(len(cls.Urgency.values)),
        )

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at < timezone.now()

    @property
    def is_goods(self) -> bool:
        return self.kind in self.GOODS_KINDS

    @property
    def resolution_time(self) -> timedelta | None:
        if self.status != self.Status.RESOLVED or self.closed_at is None:
            return None
        return self.closed_at - self.requested_at


class RequestItem(models.Model):
    """One line of the goods a request handed over: 2 盒 硝苯地平."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(_("item"), max_length=60)
    quantity = models.DecimalField(_("quantity"), max_digits=8, decimal_places=2, default=1)
    unit = models.CharField(_("unit"), max_length=10, blank=True, help_text=_("盒, 瓶, 件 …"))

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.name} {self.quantity.normalize():f}{self.unit}"


class RoleGroup(Group):
    """A role as the admin shows it: Django's group, named in words (the group's name is the role's key)."""

    class Meta:
        proxy = True
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self):
        return role_words(self.name)


# Read by most boards' renders (the floor filters, the patrols, the routine
# areas): the statement built once.
_site_floors = FixedRead(
    lambda site_id: Room.objects.filter(site_id=site_id).order_by("floor").values_list("floor", flat=True).distinct(),
    lambda site_id: [site_id],
)
