"""Disinfection actions: a task done, a routine area done, a spot task asked
for, a positive case's room sampled, medical waste collected and handed over.
Inspecting a ventilated room is the room's own move (rooms.views.room_move)."""

from django.contrib.auth.decorators import login_required
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from groups.disinfection import board
from groups.disinfection import services as disinfection
from groups.disinfection.forms import (
    RoutineCompleteForm,
    SampleResultForm,
    SampleTakeForm,
    SpotTaskForm,
    TaskCompleteForm,
    WasteCollectForm,
    WasteHandoverForm,
)
from groups.disinfection.models import DisinfectionTask, EnvironmentalSample, RoutineSchedule, StandardKind
from rooms.actions import board_page, floor_param, get_for_site, panel_action, site_for_user
from rooms.models import Room
from rooms.roles import display_name
from site_ops import boards

FALLBACK = "disinfection-board"
# How each kind of task is usually done: surfaces wiped, a vacated or
# contaminated room sprayed.
METHOD = {
    StandardKind.ROUTINE: DisinfectionTask.Method.WIPE,
    StandardKind.TERMINAL: DisinfectionTask.Method.SPRAY,
    StandardKind.POSITIVE: DisinfectionTask.Method.SPRAY,
    StandardKind.SPOT: DisinfectionTask.Method.SPRAY,
}


def _standard(site, kind: str, initial: dict) -> str:
    """The form starts at the site's standard for this kind of task; its intro says it."""
    disinfection.disinfection_set_up(site)
    standards = disinfection.standards_for(site, kind)
    initial["method"] = METHOD[kind]
    if not standards:
        return _("The site has no disinfection standard for this task: the site head sets one in the admin.")
    first = standards[0]
    initial.update(
        agent=first.disinfectant_id,
        concentration_mg_l=first.min_concentration_mg_l,
        contact_minutes=first.min_contact_minutes,
    )
    return _("Standard: %(standards)s.") % {"standards": "; ".join(disinfection.standard_text(s) for s in standards)}


@login_required
@require_http_methods(["GET", "POST"])
def task_complete(request, pk):
    site = site_for_user(request, *disinfection.DISINFECTION_ROLES)
    task = get_for_site(DisinfectionTask, site, pk)
    initial = {"version": task.version}
    standard = _standard(site, task.standard_kind, initial)
    form = TaskCompleteForm(request.POST or None, initial=initial, site=site, agents=disinfection.agents_for(site))

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
        intro=" ".join(part for part in (task.reason, standard) if part),
        submit=_("Done"),
    )


def _record(data) -> dict:
    return {key: data[key] for key in ("agent", "method", "concentration_mg_l", "contact_minutes", "note")}


@login_required
@require_http_methods(["GET", "POST"])
def routine_complete(request, pk):
    site = site_for_user(request, *disinfection.DISINFECTION_ROLES)
    schedule = get_for_site(RoutineSchedule, site, pk)
    floor = floor_param(request)
    initial = {}
    standard = _standard(site, StandardKind.ROUTINE, initial)
    form = RoutineCompleteForm(request.POST or None, initial=initial, site=site, agents=disinfection.agents_for(site))

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
        intro=standard,
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
def sample_take(request, pk):
    site = site_for_user(request, *disinfection.DISINFECTION_ROLES)
    sample = get_for_site(EnvironmentalSample, site, pk)
    form = SampleTakeForm(request.POST or None, initial={"version": sample.version})

    def run(data):
        taken = disinfection.environmental_sample_take(
            sample=sample, by=request.user, note=data["note"], version=data["version"], token=data["token"]
        )
        return _("Room %(room)s: environmental sample taken; record its result when it comes.") % {
            "room": taken.room.number
        }

    return panel_action(
        request,
        form,
        run=run,
        fallback=FALLBACK,
        title=_("Environmental sample of room %(room)s taken") % {"room": sample.room.number},
        intro=_("The room had a positive case; it is made available again once the sample is negative."),
        submit=_("Sample taken"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def sample_result(request, pk):
    site = site_for_user(request, *disinfection.DISINFECTION_ROLES)
    sample = get_for_site(EnvironmentalSample, site, pk)
    form = SampleResultForm(request.POST or None, initial={"version": sample.version})

    def run(data):
        done = disinfection.environmental_sample_result(
            sample=sample,
            result=data["result"],
            note=data["note"],
            by=request.user,
            version=data["version"],
            token=data["token"],
        )
        if done.status == EnvironmentalSample.Status.NEGATIVE:
            room = Room.objects.get(pk=done.room_id)
            if room.ventilation_until and room.ventilation_until > timezone.now():
                # Not yet: the room still airs out, and its inspection button comes then.
                return _("Room %(room)s: sample negative; it can be inspected once it has aired out, at %(time)s.") % {
                    "room": room.number,
                    "time": date_format(timezone.localtime(room.ventilation_until), "H:i"),
                }
            return _("Room %(room)s: sample negative; it can be inspected and made available.") % {
                "room": done.room.number
            }
        return _("Room %(room)s: sample positive; its terminal disinfection is open again.") % {
            "room": done.room.number
        }

    return panel_action(
        request,
        form,
        run=run,
        fallback=FALLBACK,
        title=_("Environmental sample result: room %(room)s") % {"room": sample.room.number},
        submit=_("Record"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def waste_collect(request):
    site = site_for_user(request, *disinfection.DISINFECTION_ROLES)
    form = WasteCollectForm(
        request.POST or None, site=site, floors=site.floors(), initial={"floor": floor_param(request)}
    )

    def run(data):
        collection = disinfection.waste_collect(
            site=site,
            floor=data["floor"],
            bags=data["bags"],
            weight_kg=data["weight_kg"],
            positive=data["positive"],
            room=data["room"],
            by=request.user,
            token=data["token"],
        )
        message = _("Floor %(floor)s: %(bags)s bags, %(kg)s kg recorded.") % {
            "floor": collection.floor,
            "bags": collection.bags,
            "kg": collection.weight_kg,
        }
        if collection.positive:
            message += " " + _("Flagged: from a positive case's room.")
        return message

    return panel_action(
        request, form, run=run, fallback=FALLBACK, title=_("Record medical waste collected"), submit=_("Record")
    )


@login_required
@require_http_methods(["GET", "POST"])
def waste_hand_over(request):
    site = site_for_user(request, *disinfection.DISINFECTION_ROLES)
    form = WasteHandoverForm(request.POST or None, initial={"handed_over_name": display_name(request.user)})

    def run(data):
        handover = disinfection.waste_hand_over(
            site=site,
            contractor=data["contractor"],
            manifest_number=data["manifest_number"],
            handed_over_name=data["handed_over_name"],
            receiver=data["receiver"],
            by=request.user,
            token=data["token"],
        )
        return _("Handed over to %(contractor)s: %(bags)s bags, %(kg)s kg, manifest %(manifest)s.") % {
            "contractor": handover.contractor,
            "bags": handover.bags,
            "kg": handover.weight_kg,
            "manifest": handover.manifest_number,
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
