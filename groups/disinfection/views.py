"""Disinfection actions: a task done, a routine area done, a spot task asked
for, medical waste collected and handed over. Inspecting a ventilated room is
the room's own move (rooms.views.room_move)."""

from django.contrib.auth.decorators import login_required
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from groups.disinfection import board
from groups.disinfection import services as disinfection
from groups.disinfection.forms import (
    RoutineCompleteForm,
    SpotTaskForm,
    TaskCompleteForm,
    WasteCollectForm,
    WasteHandoverForm,
)
from groups.disinfection.models import DisinfectionTask, RoutineSchedule
from rooms.actions import board_page, floor_param, get_for_site, panel_action, site_for_user
from site_ops import boards

FALLBACK = "disinfection-board"
# Usual strengths of a chlorine-containing disinfectant: a vacated or
# contaminated room gets the stronger one.
CONCENTRATION = {DisinfectionTask.Kind.TERMINAL: 1000, DisinfectionTask.Kind.SPOT: 1000}
ROUTINE_CONCENTRATION = 500


@login_required
@require_http_methods(["GET", "POST"])
def task_complete(request, pk):
    site = site_for_user(request, *disinfection.DISINFECTION_ROLES)
    task = get_for_site(DisinfectionTask, site, pk)
    initial = {"version": task.version, "concentration_mg_l": CONCENTRATION.get(task.kind, ROUTINE_CONCENTRATION)}
    form = TaskCompleteForm(request.POST or None, initial=initial)

    def run(data):
        done = disinfection.disinfection_task_complete(
            task=task, by=request.user, version=data["version"], token=data["token"], **_record(data)
        )
        if done.room_id and done.kind == DisinfectionTask.Kind.TERMINAL:
            done.room.refresh_from_db()
            return _("Room %(room)s disinfected; it is %(status)s.") % {
                "room": done.room.number,
                "status": done.room.get_status_display(),
            }
        return _("%(place)s: disinfection recorded.") % {"place": done.place}

    return panel_action(
        request,
        form,
        run=run,
        fallback=FALLBACK,
        title=_("Record %(kind)s disinfection: %(place)s") % {"kind": task.get_kind_display(), "place": task.place},
        intro=task.reason,
        submit=_("Done"),
    )


def _record(data) -> dict:
    return {key: data[key] for key in ("agent", "concentration_mg_l", "contact_minutes", "note")}


@login_required
@require_http_methods(["GET", "POST"])
def routine_complete(request, pk):
    site = site_for_user(request, *disinfection.DISINFECTION_ROLES)
    schedule = get_for_site(RoutineSchedule, site, pk)
    floor = floor_param(request)
    form = RoutineCompleteForm(request.POST or None, initial={"concentration_mg_l": ROUTINE_CONCENTRATION})

    def run(data):
        task = disinfection.routine_disinfection_complete(
            schedule=schedule, floor=floor, by=request.user, token=data["token"], **_record(data)
        )
        return _("%(place)s: disinfection recorded.") % {"place": task.place}

    where = schedule.area if floor is None else _("F%(floor)s %(area)s") % {"floor": floor, "area": schedule.area}
    return panel_action(
        request,
        form,
        run=run,
        fallback=FALLBACK,
        title=_("Record routine disinfection: %(area)s") % {"area": where},
        submit=_("Done"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def spot_new(request):
    site = site_for_user(request, *disinfection.SPOT_ROLES)
    form = SpotTaskForm(request.POST or None, site=site)

    def run(data):
        task = disinfection.disinfection_spot_open(
            site=site,
            room=data["room"],
            where=data["where"],
            reason=data["reason"],
            by=request.user,
            token=data["token"],
        )
        return _("Spot disinfection asked for: %(task)s.") % {"task": task.place}

    return panel_action(
        request, form, run=run, fallback=FALLBACK, title=_("Ask for a spot disinfection"), submit=_("Ask for it")
    )


@login_required
@require_http_methods(["GET", "POST"])
def waste_collect(request):
    site = site_for_user(request, *disinfection.DISINFECTION_ROLES)
    form = WasteCollectForm(request.POST or None, floors=site.floors(), initial={"floor": floor_param(request)})

    def run(data):
        collection = disinfection.waste_collect(
            site=site,
            floor=data["floor"],
            bags=data["bags"],
            weight_kg=data["weight_kg"],
            by=request.user,
            token=data["token"],
        )
        return _("Floor %(floor)s: %(bags)s bags, %(kg)s kg recorded.") % {
            "floor": collection.floor,
            "bags": collection.bags,
            "kg": collection.weight_kg,
        }

    return panel_action(
        request, form, run=run, fallback=FALLBACK, title=_("Record medical waste collected"), submit=_("Record")
    )


@login_required
@require_http_methods(["GET", "POST"])
def waste_hand_over(request):
    site = site_for_user(request, *disinfection.DISINFECTION_ROLES)
    form = WasteHandoverForm(request.POST or None)

    def run(data):
        handover = disinfection.waste_hand_over(
            site=site, contractor=data["contractor"], receiver=data["receiver"], by=request.user, token=data["token"]
        )
        return _("Handed over to %(contractor)s: %(bags)s bags, %(kg)s kg.") % {
            "contractor": handover.contractor,
            "bags": handover.bags,
            "kg": handover.weight_kg,
        }

    return panel_action(
        request,
        form,
        run=run,
        fallback=FALLBACK,
        title=_("Hand medical waste to the contractor"),
        intro=_("Every collection still on site goes in this hand-over."),
        submit=_("Hand over"),
    )


@login_required
@require_GET
def disinfection_board(request):
    site = site_for_user(request, *boards.BOARDS["disinfection"].roles)
    return board_page(request, "disinfection/board.html", board.disinfection_board(site))
