"""Meals: the site's slots, and what happened to each delivery.

A slot's delivery round is not stored: it is derived from live occupancy
(see ``rooms/meal_rounds.py``). Every room with someone in it who checked in
by the slot's delivery time is due a meal; a person who checked in after it is
due a late-arrival meal. A ``MealDelivery`` row is written only when an
outcome is recorded, so arrivals, releases, transfers and returns change the
round by themselves: a room emptied before its meal drops out, a room filled
(or filled again on a return) joins it. A row, once written, stays: it is
what happened.
"""

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rooms.models import ACTION_LABELS, Person, Room, Site, Versioned


class MealSlot(models.Model):
    """A meal of the day and the time its delivery round is due."""

    class Kind(models.TextChoices):
        BREAKFAST = "breakfast", _("breakfast")
        LUNCH = "lunch", _("lunch")
        DINNER = "dinner", _("dinner")

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="meal_slots", verbose_name=_("site"))
    kind = models.CharField(_("meal"), max_length=12, choices=Kind.choices)
    delivery_time = models.TimeField(_("delivery time"))

    class Meta:
        # The table keeps the name it had before the group apps (no data moved).
        db_table = "rooms_mealslot"
        verbose_name = _("meal slot")
        verbose_name_plural = _("meal slots")
        ordering = ["delivery_time"]
        constraints = [models.UniqueConstraint(fields=["site", "kind"], name="meal_slot_one_per_kind")]

    def __str__(self):
        return self.get_kind_display()

    @classmethod
    def defaults_for(cls, site: Site) -> list["MealSlot"]:
        """A new site's slots (unsaved); the admin edits the times."""
        return [cls(site=site, kind=kind, delivery_time=at) for kind, at in DEFAULT_MEAL_SLOTS]


DEFAULT_MEAL_SLOTS = [
    (MealSlot.Kind.BREAKFAST, time(7, 30)),
    (MealSlot.Kind.LUNCH, time(11, 30)),
    (MealSlot.Kind.DINNER, time(17, 30)),
]


class MealDelivery(Versioned):
    """The recorded outcome of one meal: a room's delivery in a round, or one
    person's late-arrival meal (``person`` set). No row means still pending."""

    class Status(models.TextChoices):
        DELIVERED = "delivered", _("delivered")
        REFUSED = "refused", _("refused")

    class Feedback(models.TextChoices):
        FINE = "fine", _("fine")
        COMPLAINT = "complaint", _("complaint")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    slot = models.ForeignKey(MealSlot, on_delete=models.PROTECT, related_name="deliveries")
    day = models.DateField(_("day"))
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="meal_deliveries")
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Set for a late-arrival meal; empty for the room's delivery in the round."),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    # What was delivered, as it was: how many meals and of which diets.
    meals = models.PositiveSmallIntegerField(_("number of meals"), default=1)
    diets = models.JSONField(_("diets"), default=dict, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)
    feedback = models.CharField(_("feedback"), max_length=12, choices=Feedback.choices, blank=True)
    feedback_note = models.CharField(_("feedback note"), max_length=200, blank=True)

    class Meta:
        # The table keeps the name it had before the group apps (no data moved).
        db_table = "rooms_mealdelivery"
        verbose_name = _("meal delivery")
        verbose_name_plural = _("meal deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "day", "room"],
                condition=Q(person__isnull=True),
                name="meal_one_delivery_per_room_and_round",
            ),
            models.UniqueConstraint(
                fields=["slot", "day", "person"],
                condition=Q(person__isnull=False),
                name="meal_one_late_meal_per_person_and_round",
            ),
        ]
        indexes = [models.Index(fields=["slot", "day"])]

    def __str__(self):
        return f"{self.room} {self.slot} {self.day:%m-%d}"

    @property
    def badge(self) -> str:
        """The room's food badge on the control screen."""
        if self.feedback == self.Feedback.COMPLAINT:
            return "complaint"
        return self.status


ACTION_LABELS.update(
    {
        "meal.deliver": _("meal delivered"),
        "meal.refuse": _("meal refused"),
        "meal.floor_deliver": _("floor's meals delivered"),
        "meal.late_deliver": _("late-arrival meal delivered"),
        "meal.feedback": _("meal feedback"),
        "mealslot.set_up": _("meal slot added"),
        "mealslot.admin_change": _("meal slot changed"),
    }
)
