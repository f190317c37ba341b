"""Alerts other groups raise for the medical group.

A refused meal or a medical-emergency incident is something a doctor or nurse
must look at. The service that records it writes one of these rows in the
same transaction and publishes the change with the "medical" topic, so that
the medical board can list the open ones live.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rooms.models.core import Room, Site


class MedicalAlert(models.Model):
    class Kind(models.TextChoices):
        MEAL_REFUSED = "meal_refused", _("meal refused")
        MEDICAL_EMERGENCY = "medical_emergency", _("medical emergency")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)
    raised_at = models.DateTimeField(default=timezone.now)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Where it came from: one of these is set.
    meal_delivery = models.ForeignKey(
        "rooms.MealDelivery", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    incident = models.ForeignKey("rooms.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("medical alert")
        verbose_name_plural = _("medical alerts")
        ordering = ["-raised_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.room or ''}".strip()
