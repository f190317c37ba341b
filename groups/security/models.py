"""Security: the checkpoint log, floor patrols and incidents."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rooms.models import ACTION_LABELS, Person, Room, Site, Versioned


class CheckpointEntry(Versioned):
    """Someone or something through the checkpoint: in, and later out."""

    class Kind(models.TextChoices):
        PERSON = "person", pgettext_lazy("checkpoint", "person")
        VEHICLE = "vehicle", pgettext_lazy("checkpoint", "vehicle")
        DELIVERY = "delivery", pgettext_lazy("checkpoint", "delivery")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("who or which vehicle"), max_length=60, help_text=_("A name, or a plate number."))
    purpose = models.CharField(_("purpose"), max_length=100)
    entered_at = models.DateTimeField(_("in"), default=timezone.now)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    left_at = models.DateTimeField(_("out"), null=True, blank=True)
    left_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A family's delivery for a resident's request: disinfected, then handed over.
    request = models.ForeignKey(
        "rooms.Request",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deliveries",
        verbose_name=_("for the request"),
    )

    class Meta:
        # The table keeps the name it had before the group apps (no data moved).
        db_table = "rooms_checkpointentry"
        verbose_name = _("checkpoint entry")
        verbose_name_plural = _("checkpoint log")
        indexes = [models.Index(fields=["site", "left_at"])]

    def __str__(self):
        return self.name

    @property
    def is_inside(self) -> bool:
        return self.left_at is None


class Patrol(models.Model):
    """A floor walked by security, with what they saw."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    floor = models.SmallIntegerField(_("floor"))
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    remarks = models.CharField(_("remarks"), max_length=200, blank=True)

    class Meta:
        # The table keeps the name it had before the group apps (no data moved).
        db_table = "rooms_patrol"
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")
        indexes = [models.Index(fields=["site", "floor", "-at"])]

    def __str__(self):
        return f"F{self.floor} {timezone.localtime(self.at):%H:%M}"


class Incident(Versioned):
    """Something security must handle; open until resolved with a note."""

    class Kind(models.TextChoices):
        DOOR_OPENED = "door_opened", _("door opened")
        LEFT_ROOM = "left_room", _("person left the room")
        CONFLICT = "conflict", _("conflict")
        MEDICAL_EMERGENCY = "medical_emergency", _("medical emergency")
        OTHER = "other", _("other")

    class Severity(models.TextChoices):
        LOW = "low", _("minor")
        MEDIUM = "medium", _("serious")
        HIGH = "high", _("critical")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("incident", "open")
        RESOLVED = "resolved", pgettext_lazy("incident", "resolved")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("what happened"), max_length=20, choices=Kind.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.PROTECT, related_name="incidents")
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=300)
    reported_at = models.DateTimeField(default=timezone.now)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.CharField(_("how it was resolved"), max_length=300, blank=True)
    # A person in another room (串门): the room they went into, and everyone
    # in the two rooms at the time, named.
    visited_room = models.ForeignKey(
        Room, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("room gone into")
    )
    people = models.ManyToManyField(Person, blank=True, related_name="+", verbose_name=_("people involved"))
    # The site head's decision that it was an exposure (quarantines restart).
    exposure_at = models.DateTimeField(null=True, blank=True)
    exposure_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        # The table keeps the name it had before the group apps (no data moved).
        db_table = "rooms_incident"
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | ~Q(resolution=""),
                name="incident_resolved_with_a_note",
                violation_error_message=_("A resolved incident says how it was resolved."),
            ),
        ]
        indexes = [models.Index(fields=["site", "status"])]

    def __str__(self):
        where = self.room.number if self.room_id else (f"F{self.floor}" if self.floor is not None else "")
        return f"{self.get_kind_display()} {where}".strip()


ACTION_LABELS.update(
    {
        "checkpoint.in": _("logged in at the checkpoint"),
        "incident.exposure": _("marked as an exposure"),
        "checkpoint.out": _("logged out at the checkpoint"),
        "patrol.record": _("floor patrolled"),
        "incident.report": _("incident reported"),
        "incident.resolve": _("incident resolved"),
    }
)
