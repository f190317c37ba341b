from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduledJob(models.Model):
    """One row per scheduled job: when it last started, on any server process.

    A process runs a job only after moving ``last_run_at`` past the job's due
    time in one UPDATE (``scheduler.claim``): of several processes that wake
    in the same minute, one wins and the others find the row already moved.
    """

    name = models.CharField(max_length=60, primary_key=True)
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")

    def __str__(self):
        return self.name


class JobRun(models.Model):
    """Each run of a scheduled job, kept as its record: started, finished, ok or the error."""

    job = models.CharField(max_length=60)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(null=True)
    message = models.TextField(blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        indexes = [models.Index(fields=["job", "-started_at"], name="jobrun_latest")]

    def __str__(self):
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M}"
