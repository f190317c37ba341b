"""Disinfection: the routine schedule, tasks and the medical-waste chain.

Routine disinfection of public areas follows the site's schedule: each entry
names an area (per floor, like the corridor and lift, or once for the site,
like the lobby) and the times it is due every day. What is due is derived from
the schedule (see ``rooms/routines.py``); a routine task row is written when
an occurrence is done. Terminal tasks (a vacated room) and spot tasks (asked
for by the site head) are written when they arise and stay open until done.
"""

from datetime import time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rooms.models import ACTION_LABELS, Room, Site, Versioned

# How long a vacated room may wait for terminal disinfection, and a spot task
# for its doing, before the board shows it as overdue.
TERMINAL_DUE = timedelta(hours=2)
SPOT_DUE = timedelta(hours=1)


def parse_times(value: str) -> list[time]:
    """ "09:00 15:00" (spaces or commas) as sorted times; ValidationError if unreadable."""
    times = set()
    for part in value.replace(",", " ").split():
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

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="routine_schedules")
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
        """A new site's schedule (unsaved), named in the active language."""
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


class DisinfectionTask(Versioned):
    class Kind(models.TextChoices):
        ROUTINE = "routine", _("routine")
        TERMINAL = "terminal", _("terminal")
        SPOT = "spot", _("spot")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("done")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.PROTECT, related_name="disinfection_tasks")
    schedule = models.ForeignKey(RoutineSchedule, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    where = models.CharField(_("where"), max_length=100, blank=True)
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
    agent = models.CharField(_("disinfectant"), max_length=60, blank=True)
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
        ]
        indexes = [models.Index(fields=["site", "status"])]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.place}"

    @property
    def place(self) -> str:
        if self.room_id:
            return str(self.room)
        what = self.schedule.area if self.schedule_id else self.where
        if self.floor is not None:
            return gettext("F%(floor)s %(area)s") % {"floor": self.floor, "area": what}
        return what

    def is_overdue(self, now) -> bool:
        return self.status == self.Status.OPEN and self.due_at < now


class WasteHandover(models.Model):
    """Medical waste handed to the licensed contractor: who took it, when, how much."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    contractor = models.CharField(_("contractor"), max_length=100)
    receiver = models.CharField(_("received by"), max_length=50)
    handed_at = models.DateTimeField(default=timezone.now)
    handed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    bags = models.PositiveIntegerField(_("bags"))
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=8, decimal_places=1)

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

    class Meta:
        # The table keeps the name it had before the group apps (no data moved).
        db_table = "rooms_wastecollection"
        verbose_name = _("medical waste collection")
        verbose_name_plural = _("medical waste collections")
        constraints = [
            models.CheckConstraint(condition=Q(bags__gte=1), name="waste_at_least_one_bag"),
            models.CheckConstraint(condition=Q(weight_kg__gt=0), name="waste_weight_positive"),
        ]

    def __str__(self):
        return f"F{self.floor} {self.weight_kg} kg"


ACTION_LABELS.update(
    {
        "disinfection.terminal_open": _("terminal disinfection due"),
        "disinfection.spot_open": _("spot disinfection asked for"),
        "disinfection.done": _("disinfection done"),
        "waste.collect": _("medical waste collected"),
        "waste.hand_over": _("medical waste handed over"),
        "routineschedule.set_up": _("routine disinfection added"),
        "routineschedule.admin_change": _("routine disinfection changed"),
    }
)
