"""What the site head's upkeep page reads: the backups on disk and each scheduled job's last run."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from site_ops.upkeep import scheduler
from site_ops.upkeep.backups import BackupFile, list_backups
from site_ops.upkeep.models import JobRun

# A job that has not started this long after its time did not run: no
# server was up, or the scheduler is off and no timer runs it.
LATE_AFTER = timedelta(minutes=15)
# A backup older than this is not last night's.
BACKUP_STALE_AFTER = timedelta(hours=26)


@dataclass
class JobStatus:
    job: scheduler.Job
    last: JobRun | None
    next_due: datetime
    late: bool

    @property
    def state(self) -> str:
        if self.last is None:
            return "never"
        if self.last.finished_at is None:
            return "running"
        return "ok" if self.last.ok else "error"


def job_statuses(now: datetime | None = None) -> list[JobStatus]:
    """Each registered job with its last run: one query per job (there are a few)."""
    now = now or timezone.now()
    statuses = []
    for job in sorted(scheduler.JOBS.values(), key=lambda job: job.at):
        last = JobRun.objects.filter(job=job.name).order_by("-started_at").first()
        due = job.due_since(now)
        late = now - due > LATE_AFTER and (last is None or last.started_at < due)
        statuses.append(JobStatus(job=job, last=last, next_due=job.next_due(now), late=late))
    return statuses


def upkeep_status(now: datetime | None = None) -> dict:
    now = now or timezone.now()
    backups: list[BackupFile] = list_backups()
    latest = backups[0] if backups else None
    return {
        "jobs": job_statuses(now),
        "backups": backups,
        "latest_backup": latest,
        "backup_stale": latest is None or now - latest.modified > BACKUP_STALE_AFTER,
        "backup_dir": settings.BACKUP_DIR,
        "backup_keep": settings.BACKUP_KEEP,
        "in_process": settings.SCHEDULED_JOBS,
    }
