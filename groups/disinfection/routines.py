"""Routine disinfection due today, derived from the site's schedule.

Each time in a schedule entry is a due time for the area (on every floor, for
a per-floor entry). An occurrence can be done from two hours before its due
time (``DONE_EARLY``), but not before the area's previous due time (or the
start of the day), and is overdue once its due time has passed undone: a
cleaner recording the corridor again an hour after the morning's round is
told when the afternoon's opens, not given it five hours early. Doing a
later occurrence closes the earlier ones that were missed: they stay in the
history as missed, not as overdue, because the area is clean now.

Doing the area's routine task records the latest occurrence whose due time
has passed, if it is undone; otherwise the earliest undone occurrence whose
window is open (done a little early). When neither exists there is nothing to
do now.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.disinfection.models import DisinfectionTask, RoutineSchedule
from rooms.models import Site
from rooms.reads import day_start
from site_ops.speedups.fixed_reads import FixedRead

# How long before its due time an occurrence of a routine may be done.
DONE_EARLY = timedelta(hours=2)


@dataclass
class Occurrence:
    due_at: datetime
    opens_at: datetime
    done: DisinfectionTask | None = None


@dataclass
class RoutineArea:
    """One area's routine today: its occurrences and what is due now."""

    schedule: RoutineSchedule
    floor: int | None
    now: datetime
    occurrences: list[Occurrence] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.schedule.pk}-{'all' if self.floor is None else self.floor}"

    @property
    def label(self) -> str:
        if self.floor is None:
            return self.schedule.area
        return _("F%(floor)s %(area)s") % {"floor": self.floor, "area": self.schedule.area}

    @property
    def last_done(self) -> Occurrence | None:
        done = [o for o in self.occurrences if o.done]
        return done[-1] if done else None

    @property
    def overdue(self) -> list[Occurrence]:
        last = self.last_done
        return [
            o
            for o in self.occurrences
            if not o.done and o.due_at < self.now and (last is None or o.due_at > last.due_at)
        ]

    @property
    def target(self) -> Occurrence | None:
        """The occurrence that doing the task now records."""
        overdue = self.overdue
        if overdue:
            return overdue[-1]
        return next((o for o in self.occurrences if not o.done and o.opens_at <= self.now <= o.due_at), None)

    @property
    def next_due(self) -> Occurrence | None:
        return next((o for o in self.occurrences if not o.done and o.due_at >= self.now), None)

    @property
    def state(self) -> str:
        if self.overdue:
            return "overdue"
        if self.target:
            return "due"
        return "done"


# Read by every render of the disinfection board and the control screen's figures: built once.
site_schedules = FixedRead(lambda site_id: RoutineSchedule.objects.filter(site_id=site_id), lambda site_id: [site_id])
_routine_rows = FixedRead(
    lambda site_id, start, end: DisinfectionTask.objects.filter(
        site_id=site_id, kind=DisinfectionTask.Kind.ROUTINE, due_at__gte=start, due_at__lt=end
    ).select_related("done_by"),
    lambda site_id, start, end: [
        *map(connection.ops.adapt_datetimefield_value, (start, end)),
        DisinfectionTask.Kind.ROUTINE,
        site_id,
    ],
)


def routine_today(site: Site, *, now: datetime | None = None, schedules=None, floors=None) -> list[RoutineArea]:
    """Every area's routine today: three queries (the schedule, the site's
    floors, today's done rows), fewer when the caller passes what it has."""
    now = now or timezone.now()
    schedules = site_schedules(site.pk) if schedules is None else schedules
    if floors is None:
        floors = site.floors()
    start = day_start(now)
    done = {
        (task.schedule_id, task.floor, task.due_at): task
        for task in _routine_rows(site.pk, start, start + timedelta(days=1))
    }
    areas = []
    for schedule in schedules:
        moments = [timezone.make_aware(datetime.combine(start.date(), at)) for at in schedule.due_times]
        for area_floor in floors if schedule.per_floor else [None]:
            area = RoutineArea(schedule=schedule, floor=area_floor, now=now)
            previous = start
            for moment in moments:
                opens = max(previous, moment - DONE_EARLY)
                area.occurrences.append(Occurrence(moment, opens, done.get((schedule.pk, area_floor, moment))))
                previous = moment
            areas.append(area)
    return areas
