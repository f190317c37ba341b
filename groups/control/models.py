from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rooms.models import ACTION_LABELS, Site


class DailyReport(models.Model):
    """A day's report as the site head submitted it to the district isolation office.

    A day's figures asked for at 16:00 are sent again when the day is over,
    or corrected: each submission is kept (``version`` 1, 2, ...); the office
    reads the latest and can open the ones before it.
    """

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    version = models.PositiveSmallIntegerField(_("submission"), default=1)
    # The sections as they were sent (groups.control.report.Section.as_data).
    figures = models.JSONField(default=list)
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        constraints = [
            models.UniqueConstraint(fields=["site", "day", "version"], name="daily_report_one_per_submission")
        ]

    def __str__(self):
        return f"{self.site} {self.day:%Y-%m-%d}"


ACTION_LABELS.update(
    {"report.submit": _("daily report submitted"), "report.resubmit": _("daily report submitted again")}
)
