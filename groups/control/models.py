from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rooms.models import ACTION_LABELS, Site


class DailyReport(models.Model):
    """A day's report as the site head submitted it to the district isolation office."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    # The sections as they were sent (groups.control.report.Section.as_data).
    figures = models.JSONField(default=list)
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        constraints = [models.UniqueConstraint(fields=["site", "day"], name="daily_report_once_per_day")]

    def __str__(self):
        return f"{self.site} {self.day:%Y-%m-%d}"


ACTION_LABELS.update({"report.submit": _("daily report submitted")})
