"""Disinfection: the routine schedule, tasks and the medical-waste chain.

Routine disinfection of public areas follows the site's schedule: each entry
names an area (per floor, like the corridor and lift, or once for the site,
like the lobby) and the times it is due every day. What is due is derived from
the schedule (see ``rooms/routines.py``); a routine task row is written when
an occurrence is done. Terminal tasks (a vacated room) and spot tasks (asked
for by the site head) are written when they arise and stay open until done.

What a record must reach is the site's data, edited in the admin: its list of
disinfectants and, per kind of task, each agent's minimum concentration and
contact time (``DisinfectionStandard``), with the national defaults (第九版:
chlorine-based 500 mg/L for routine surfaces, 1,000 mg/L for terminal and
positive rooms, 30 minutes). A positive case's room waits for a negative
environmental sample before it is made available again (a site setting).
"""

import re
import unicodedata
from datetime import time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from rooms.models import ACTION_LABELS, Room, Site, Versioned
from rooms.words import site_language
from site_ops.speedups.fixed_reads import FixedRead

# How long a vacated room may wait for terminal disinfection, and a spot task
# for its doing, before the board shows it as overdue.
TERMINAL_DUE = timedelta(hours=2)
SPOT_DUE = timedelta(hours=1)


def parse_times(value: str) -> list[time]:
    """ "09:00 15:00" (spaces or commas) as sorted times; ValidationError if unreadable.

    Typed on a Chinese keyboard too: "09：00、15：00" (full-width colon and
    comma, the enumeration comma).
    """
    times = set()
    for part in re.sub(r"[,;、]", " ", unicodedata.normalize("NFKC", value)).split():
        hours, _sep, minutes = part.partition(":")
        try:
            times.add(time(int(hours), int(minutes or 0)))
        except ValueError:
            raise ValidationError(_("%(value)s is not a time like 09:00.") % {"value": part}) from None
    if not times:
        raise ValidationError(_("Give at least one time, like 09:00 15:00."))
    return sorted(times)


class RoutineSchedule(models.Model):
    """A public area and the times of day it is disinfected."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="routine_schedules", verbose_name=_("site"))
    area = models.CharField(_("area"), max_length=60)
    per_floor = models.BooleanField(
        _("on every floor"), default=False, help_text=_("Due once on each floor of the site, like a corridor.")
    )
    times = models.CharField(
        _("due times"), max_length=100, validators=[parse_times], help_text=_("Times of day, e.g. 09:00 15:00.")
    )

    class Meta:
        # The table keeps the name it had before the group apps (no data moved).
        db_table = "rooms_routineschedule"
        verbose_name = _("routine disinfection")
        verbose_name_plural = _("routine disinfection schedule")
        ordering = ["-per_floor", "area"]

    def __str__(self):
        return self.area

    @property
    def due_times(self) -> list[time]:
        return parse_times(self.times)

    @classmethod
    def defaults_for(cls, site: Site) -> list["RoutineSchedule"]:
        """A new site's schedule (unsaved), named in the site's language."""
        with site_language():
            return [
                cls(site=site, area=str(area), per_floor=per_floor, times=times)
                for area, per_floor, times in DEFAULT_ROUTINES
            ]


# What a new site starts with: each floor's corridor and lift twice a day, the
# lobby and the checkpoint three times. The admin edits them.
DEFAULT_ROUTINES = [
    (_("corridor and lift"), True, "09:00 15:00"),
    (_("lobby"), False, "08:00 13:00 19:00"),
    (_("checkpoint"), False, "08:00 13:00 19:00"),
]


class Disinfectant(models.Model):
    """An agent on the site's list; a record names one of them."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="disinfectants", verbose_name=_("site"))
    name = models.CharField(pgettext_lazy("disinfectant", "name"), max_length=60)
    # Which national default this row started as ("chlorine"), blank for one
    # the site added: a name given in another language still finds it.
    code = models.CharField(_("code"), max_length=20, blank=True, editable=False)
    active = models.BooleanField(
        _("in use"), default=True, help_text=_("Only agents in use are offered on the boards.")
    )

    class Meta:
        verbose_name = _("disinfectant")
        verbose_name_plural = _("disinfectants")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["site", "name"], name="disinfectant_name_unique_per_site")]

    def __str__(self):
        return self.name

    def names(self) -> set[str]:
        """The names this agent answers to, in lower case: its own and, for a
        national default, its name in every language of the site."""
        names = {self.name}
        if self.code in DEFAULT_AGENTS:
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    names.add(str(DEFAULT_AGENTS[self.code]))
        return {name.casefold() for name in names}

    @classmethod
    def defaults_for(cls, site: Site) -> list["Disinfectant"]:
        """A new site's list (unsaved), named in the site's language."""
        with site_language():
            return [cls(site=site, code=code, name=str(label)) for code, label in DEFAULT_AGENTS.items()]


# The national defaults a site's list starts with; the admin adds others.
DEFAULT_AGENTS = {
    "chlorine": _("chlorine-containing disinfectant"),
    "peracetic_acid": _("peracetic acid"),
    # xgettext:no-python-format
    "ethanol_75": _("75% ethanol"),
}


class StandardKind(models.TextChoices):
    """What a disinfection standard applies to: a task's kind, with a positive
    case's room told apart from an ordinary vacated room."""

    ROUTINE = "routine", _("routine, public areas")
    TERMINAL = "terminal", _("terminal, ordinary room")
    POSITIVE = "positive", _("terminal, positive case's room")
    SPOT = "spot", _("spot")


class DisinfectionStandard(models.Model):
    """The least a record of one kind of task with one agent must reach."""

    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="disinfection_standards", verbose_name=_("site")
    )
    kind = models.CharField(_("task"), max_length=10, choices=StandardKind.choices)
    disinfectant = models.ForeignKey(
        Disinfectant, on_delete=models.CASCADE, related_name="standards", verbose_name=_("disinfectant")
    )
    min_concentration_mg_l = models.PositiveIntegerField(_("minimum concentration (mg/L)"))
    min_contact_minutes = models.PositiveSmallIntegerField(_("minimum contact time (minutes)"))

    class Meta:
        verbose_name = _("disinfection standard")
        verbose_name_plural = _("disinfection standards")
        ordering = ["kind", "disinfectant"]
        constraints = [
            models.UniqueConstraint(fields=["site", "kind", "disinfectant"], name="disinfection_standard_once"),
        ]

    def __str__(self):
        return gettext("%(kind)s: %(agent)s at least %(mg)s mg/L for %(minutes)s minutes") % {
            "kind": self.get_kind_display(),
            "agent": self.disinfectant,
            "mg": self.min_concentration_mg_l,
            "minutes": self.min_contact_minutes,
        }

    def clean(self):
        if self.disinfectant_id and self.site_id and self.disinfectant.site_id != self.site_id:
            raise ValidationError({"disinfectant": _("Choose a disinfectant of this site.")})

    @classmethod
    def defaults_for(cls, site: Site, agents: list[Disinfectant]) -> list["DisinfectionStandard"]:
        """A new site's standards (unsaved), for its default agents (saved)."""
        by_code = {agent.code: agent for agent in agents}
        return [
            cls(
                site=site,
                kind=kind,
                disinfectant=by_code[code],
                min_concentration_mg_l=mg,
                min_contact_minutes=minutes,
            )
            for kind, code, mg, minutes in DEFAULT_STANDARDS
            if code in by_code
        ]


# National guidance (第九版): chlorine-based 500 mg/L for routine surfaces,
# 1,000 mg/L for terminal and positive rooms (and a spot disinfection, which
# follows a contamination), 30 minutes' contact.
DEFAULT_STANDARDS = [
    (StandardKind.ROUTINE, "chlorine", 500, 30),
    (StandardKind.TERMINAL, "chlorine", 1000, 30),
    (StandardKind.POSITIVE, "chlorine", 1000, 30),
    (StandardKind.SPOT, "chlorine", 1000, 30),
]


class DisinfectionSettings(models.Model):
    """The disinfection group's settings for one site."""

    site = models.OneToOneField(
        Site, on_delete=models.CASCADE, related_name="disinfection_settings", verbose_name=_("site")
    )
    environmental_sample_required = models.BooleanField(
        _("environmental sample before a positive case's room is used again"),
        default=True,
        help_text=_("The room waits, ventilating, until a negative environmental sample is recorded."),
    )
    waste_max_days = models.PositiveSmallIntegerField(
        _("medical waste on site at most (days)"),
        default=2,
        help_text=_("Bags waiting longer are flagged on the disinfection board (national rule: 2 days)."),
    )

    class Meta:
        verbose_name = _("disinfection settings")
        verbose_name_plural = _("disinfection settings")

    def __str__(self):
        return str(self.site)

    @classmethod
    def for_site(cls, site: Site) -> "DisinfectionSettings":
        """The site's settings, or the defaults (unsaved) for a site set up without them: one query."""
        found = _settings_of(site.pk)
        return found[0] if found else cls(site=site)


class DisinfectionTask(Versioned):
    class Kind(models.TextChoices):
        # Not a transfer's "routine" (not urgent): the daily round of the public areas.
        ROUTINE = "routine", pgettext_lazy("disinfection task", "routine")
        TERMINAL = "terminal", _("terminal")
        SPOT = "spot", _("spot")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("done")

    class Method(models.TextChoices):
        WIPE = "wipe", _("wipe")
        SPRAY = "spray", _("spray")
        FOG = "fog", _("aerosol fogging")

    class Area(models.TextChoices):
        """The public places of a floor a spot task can name, so an open one is found again."""

        CORRIDOR = "corridor", _("corridor")
        LIFT = "lift", _("lift")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.PROTECT, related_name="disinfection_tasks")
    schedule = models.ForeignKey(RoutineSchedule, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    where = models.CharField(_("where"), max_length=100, blank=True)
    area = models.CharField(_("area"), max_length=10, choices=Area.choices, blank=True)
    # A terminal task opened for a sealed room: the room of a positive case,
    # held to that standard and followed by an environmental sample.
    positive_room = models.BooleanField(_("positive case's room"), default=False)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField(_("due"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    disinfectant = models.ForeignKey(
        Disinfectant, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("disinfectant")
    )
    # The agent's name when it was recorded (records made before the site's
    # list existed have only this).
    agent = models.CharField(_("disinfectant"), max_length=60, blank=True)
    method = models.CharField(_("method"), max_length=8, choices=Method.choices, blank=True)
    concentration_mg_l = models.PositiveIntegerField(_("concentration (mg/L)"), null=True, blank=True)
    contact_minutes = models.PositiveSmallIntegerField(_("contact time (minutes)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        # The table keeps the name it had before the group apps (no data moved).
        db_table = "rooms_disinfectiontask"
        verbose_name = _("disinfection task")
        verbose_name_plural = _("disinfection tasks")
        constraints = [
            models.UniqueConstraint(
                fields=["room"],
                condition=Q(kind="terminal", status="open"),
                name="disinfection_one_open_terminal_task_per_room",
            ),
            # A routine occurrence is done once.
            models.UniqueConstraint(
                fields=["schedule", "floor", "due_at"],
                condition=Q(kind="routine", floor__isnull=False),
                name="disinfection_routine_once_per_floor",
            ),
            models.UniqueConstraint(
                fields=["schedule", "due_at"],
                condition=Q(kind="routine", floor__isnull=True),
                name="disinfection_routine_once",
            ),
            # One open spot task for a floor's corridor, one for its lift.
            models.UniqueConstraint(
                fields=["site", "floor", "area"],
                condition=Q(kind="spot", status="open") & ~Q(area=""),
                name="disinfection_one_open_spot_per_floor_area",
            ),
        ]
        indexes = [models.Index(fields=["site", "status"])]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.place}"

    @property
    def place(self) -> str:
        if self.room_id:
            return str(self.room)
        what = self.schedule.area if self.schedule_id else (self.get_area_display() if self.area else self.where)
        if self.floor is not None:
            return gettext("F%(floor)s %(area)s") % {"floor": self.floor, "area": what}
        return what

    def is_overdue(self, now) -> bool:
        return self.status == self.Status.OPEN and self.due_at < now

    @property
    def standard_kind(self) -> str:
        """Which of the site's standards a record of this task is held to."""
        if self.kind == self.Kind.TERMINAL:
            return StandardKind.POSITIVE if self.positive_room else StandardKind.TERMINAL
        return StandardKind(self.kind)


class EnvironmentalSample(Versioned):
    """An environmental sample (环境采样) of a positive case's room after its
    terminal disinfection: due, taken, then negative (the room may be used
    again) or positive (it is disinfected again)."""

    class Status(models.TextChoices):
        DUE = "due", _("to take")
        TAKEN = "taken", _("awaiting result")
        NEGATIVE = "negative", _("negative")
        POSITIVE = "positive", _("positive")

    OPEN = (Status.DUE, Status.TAKEN)

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, related_name="environmental_samples", verbose_name=_("room")
    )
    task = models.ForeignKey(
        DisinfectionTask, on_delete=models.PROTECT, related_name="environmental_samples", verbose_name=_("disinfection")
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DUE)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("taken by"),
    )
    resulted_at = models.DateTimeField(_("result at"), null=True, blank=True)
    resulted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("resulted by"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("environmental sample")
        verbose_name_plural = _("environmental samples")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["room"], condition=Q(status__in=["due", "taken"]), name="environmental_sample_one_open_per_room"
            ),
        ]

    def __str__(self):
        return gettext("Environmental sample of room %(room)s") % {"room": self.room}

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class WasteHandover(models.Model):
    """Medical waste handed to the licensed contractor: who took it, when, how much."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    contractor = models.CharField(_("contractor"), max_length=100)
    receiver = models.CharField(_("received by"), max_length=50)
    handed_at = models.DateTimeField(default=timezone.now, verbose_name=_("handed at"))
    handed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("handed by")
    )
    bags = models.PositiveIntegerField(_("bags"))
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=8, decimal_places=1)
    # The transfer manifest (转移联单) and the two signatures: the staff member
    # who handed the waste over and the contractor's receiver (``receiver``).
    # Blank only on hand-overs recorded before they were asked for.
    manifest_number = models.CharField(_("transfer manifest number"), max_length=40, blank=True)
    handed_over_name = models.CharField(_("handed over by"), max_length=50, blank=True)

    class Meta:
        # The table keeps the name it had before the group apps (no data moved).
        db_table = "rooms_wastehandover"
        verbose_name = _("medical waste hand-over")
        verbose_name_plural = _("medical waste hand-overs")

    def __str__(self):
        return f"{self.contractor} {self.weight_kg} kg"


class WasteCollection(models.Model):
    """Medical waste collected on one floor: bags and weight, until handed over."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    floor = models.SmallIntegerField(_("floor"))
    bags = models.PositiveSmallIntegerField(_("bags"))
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=6, decimal_places=1)
    collected_at = models.DateTimeField(default=timezone.now)
    collected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    handover = models.ForeignKey(
        WasteHandover, null=True, blank=True, on_delete=models.PROTECT, related_name="collections"
    )
    # Waste from a positive case's room is flagged for the contractor.
    positive = models.BooleanField(_("from a positive case's room"), default=False)
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        # The table keeps the name it had before the group apps (no data moved).
        db_table = "rooms_wastecollection"
        verbose_name = _("medical waste collection")
        verbose_name_plural = _("medical waste collections")
        constraints = [
            models.CheckConstraint(
                condition=Q(bags__gte=1), name="waste_at_least_one_bag", violation_error_message=_("At least one bag.")
            ),
            models.CheckConstraint(
                condition=Q(weight_kg__gt=0),
                name="waste_weight_positive",
                violation_error_message=_("The weight is more than 0 kg."),
            ),
        ]

    def __str__(self):
        return f"F{self.floor} {self.weight_kg} kg"

    def waited(self, now) -> timedelta:
        return now - self.collected_at

    def is_waiting_too_long(self, now, max_days: int) -> bool:
        return self.handover_id is None and self.waited(now) > timedelta(days=max_days)


ACTION_LABELS.update(
    {
        "disinfection.terminal_open": _("terminal disinfection due"),
        "disinfection.spot_open": _("spot disinfection asked for"),
        "disinfection.done": _("disinfection done"),
        "disinfection.set_up": _("disinfection standards set up"),
        "environmental_sample.due": _("environmental sample due"),
        "environmental_sample.take": _("environmental sample taken"),
        "environmental_sample.result": _("environmental sample result"),
        "disinfectant.set_up": _("disinfectant added"),
        "disinfectant.admin_change": _("disinfectant changed"),
        "disinfectionstandard.set_up": _("disinfection standard added"),
        "disinfectionstandard.admin_change": _("disinfection standard changed"),
        "disinfectionsettings.set_up": _("disinfection settings added"),
        "disinfectionsettings.admin_change": _("disinfection settings changed"),
        "waste.collect": _("medical waste collected"),
        "waste.hand_over": _("medical waste handed over"),
        "routineschedule.set_up": _("routine disinfection added"),
        "routineschedule.admin_change": _("routine disinfection changed"),
    }
)


# Read by every render of the disinfection board: the statement built once.
_settings_of = FixedRead(
    lambda site_id: DisinfectionSettings.objects.filter(site_id=site_id).order_by("pk"), lambda site_id: [site_id]
)
