"""Scheduled jobs, run by the server process itself: no cron entry to remember.

Each job runs once a day at a local time (``Job.at``); a job whose time passed
while no server ran (a machine switched off at night) runs when one starts,
as systemd's ``Persistent=true`` would. Apps register their jobs from their
``AppConfig.ready``, as boards are registered (the live spine imports nothing
above it).

Every server process starts one ``Scheduler`` thread (``start``, called by the
ASGI application) that wakes every minute and runs what is due. Several
processes share the jobs through the database: ``claim`` moves a job's
``last_run_at`` past its due time in one ``UPDATE ... WHERE last_run_at <
due``, which one process wins (SQLite takes its write lock, PostgreSQL locks
the row), so each job runs once however many processes wake. Every run is
recorded in ``JobRun``: started, finished, ok or the error. A job that fails
is not retried before its next due time: its error is on the site head's
upkeep page.

``SCHEDULED_JOBS=0`` switches the thread off, for a deployment that runs
``python manage.py run_jobs`` from a systemd timer instead (docs/deploy.md).
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import close_old_connections, connections
from django.db.models import Q
from django.utils import timezone, translation

from site_ops.upkeep.models import JobRun, ScheduledJob

logger = logging.getLogger(__name__)

# How often the thread looks for due jobs, and how long after the server
# starts it first looks (the server is serving by then).
TICK_SECONDS = 60.0
FIRST_TICK_SECONDS = 5.0


@dataclass(frozen=True)
class Job:
    name: str
    label: str
    at: time  # local time of day
    # Does the work; what it returns (a short summary) is the run's message.
    run: Callable[[], str | None]

    def due_since(self, now: datetime) -> datetime:
        """The latest moment at or before ``now`` at which the job was due."""
        local = timezone.localtime(now)
        due = timezone.make_aware(datetime.combine(local.date(), self.at))
        return due if due <= now else timezone.make_aware(datetime.combine(local.date() - timedelta(days=1), self.at))

    def next_due(self, now: datetime) -> datetime:
        """The first moment after ``now`` at which the job is due."""
        return timezone.make_aware(datetime.combine(self.due_since(now).date() + timedelta(days=1), self.at))


JOBS: dict[str, Job] = {}


def register(job: Job) -> None:
    JOBS[job.name] = job


def parse_time(value: str) -> time:
    """``"03:00"`` from a setting, with a clear error for anything else."""
    try:
        hour, minute = value.strip().split(":")
        return time(int(hour), int(minute))
    except ValueError:
        raise ValueError(f"not a time of day (HH:MM): {value!r}") from None


def claim(job: Job, now: datetime) -> bool:
    """Take the job's due run for this process; False if it is not due or another process took it."""
    ScheduledJob.objects.get_or_create(name=job.name)
    due = job.due_since(now)
    claimed = (
        ScheduledJob.objects.filter(name=job.name)
        .filter(Q(last_run_at__isnull=True) | Q(last_run_at__lt=due))
        .update(last_run_at=now)
    )
    return claimed == 1


def run_job(job: Job) -> JobRun:
    """Run a job now and record the run; an error is recorded, never raised."""
    record = JobRun.objects.create(job=job.name, started_at=timezone.now())
    try:
        # Audit entries and messages in the site's language, as the boards show them.
        with translation.override(settings.LANGUAGE_CODE):
            summary = job.run()
    except Exception as error:
        logger.exception("scheduled job %s failed", job.name)
        record.ok, record.message = False, f"{type(error).__name__}: {error}"[:2000]
    else:
        record.ok, record.message = True, summary or ""
    record.finished_at = timezone.now()
    record.save(update_fields=["ok", "message", "finished_at"])
    return record


def run_due(now: datetime | None = None) -> list[JobRun]:
    """Run every job that is due and that no other process took first."""
    now = now or timezone.now()
    runs = []
    for job in list(JOBS.values()):
        try:
            if claim(job, now):
                runs.append(run_job(job))
        except Exception:
            # The database itself failing (locked, restarting): the next tick tries again.
            logger.exception("scheduled job %s could not be claimed", job.name)
    return runs


class Scheduler(threading.Thread):
    """The thread that wakes every minute and runs what is due."""

    def __init__(self, tick: float = TICK_SECONDS, first: float = FIRST_TICK_SECONDS):
        super().__init__(name="site-ops-scheduler", daemon=True)
        self.tick, self.first = tick, first
        self.stopped = threading.Event()

    def run(self):
        delay = self.first
        while not self.stopped.wait(delay):
            delay = self.tick
            try:
                close_old_connections()
                run_due()
            except Exception:
                logger.exception("scheduler tick failed")
            finally:
                # This thread's own connections: nothing held open between ticks.
                connections.close_all()

    def stop(self):
        self.stopped.set()


_started: Scheduler | None = None
_lock = threading.Lock()


def start() -> Scheduler | None:
    """Start this process's scheduler once, unless ``SCHEDULED_JOBS`` is off."""
    global _started
    if not settings.SCHEDULED_JOBS:
        return None
    with _lock:
        if _started is None:
            _started = Scheduler()
            _started.start()
    return _started


def is_running() -> bool:
    return _started is not None and _started.is_alive()
