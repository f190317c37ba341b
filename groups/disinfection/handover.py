"""What the disinfection group leaves open at a shift change (rooms.handover)."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.disinfection.models import DisinfectionTask
from groups.disinfection.routines import routine_today
from rooms.handover import OpenList
from rooms.models import Room

WAITING = (Room.Status.AWAITING_DISINFECTION, Room.Status.VENTILATING)


def rooms_waiting(site, now) -> list[dict]:
    rooms = Room.objects.filter(site=site, status__in=WAITING).order_by("floor", "number")
    return [{"text": room.number, "tag": room.status} for room in rooms]


def _open_tasks(site, due) -> list[dict]:
    """The open tasks (not the routine rounds, which are on the board's schedule) due as ``due`` says."""
    tasks = (
        DisinfectionTask.objects.filter(due, site=site, status=DisinfectionTask.Status.OPEN)
        .exclude(kind=DisinfectionTask.Kind.ROUTINE)
        .select_related("room", "schedule")
        .order_by("due_at")
    )
    return [
        {"text": f"{task.place} · {timezone.localtime(task.due_at):%m-%d %H:%M}", "tag": task.kind} for task in tasks
    ]


def overdue_tasks(site, now) -> list[dict]:
    found = _open_tasks(site, Q(due_at__lt=now))
    for area in routine_today(site, now=now):
        for occurrence in area.overdue:
            found.append(
                {
                    "text": f"{area.label} · {timezone.localtime(occurrence.due_at):%H:%M}",
                    "tag": DisinfectionTask.Kind.ROUTINE,
                }
            )
    return found


def tasks_due(site, now) -> list[dict]:
    """Open tasks not yet overdue (a terminal disinfection after a positive, a floor's spot tasks): the
    incoming shift's to do."""
    return _open_tasks(site, Q(due_at__gte=now))


OPEN_LISTS = (
    OpenList("rooms_waiting", _("Rooms awaiting disinfection or inspection"), rooms_waiting, dict(Room.Status.choices)),
    OpenList("overdue_tasks", _("Overdue disinfection tasks"), overdue_tasks, dict(DisinfectionTask.Kind.choices)),
    OpenList("tasks_due", _("Disinfection tasks due"), tasks_due, dict(DisinfectionTask.Kind.choices)),
)
