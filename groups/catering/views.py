"""Catering actions: a room's meal delivered or refused, a whole floor
delivered, a late-arrival meal delivered, feedback on a meal."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groups.catering import board
from groups.catering import services as meals
from groups.catering.forms import LateMealForm, MealFeedbackForm, MealFloorForm, MealRecordForm
from groups.catering.models import MealDelivery
from rooms.actions import board_page, floor_param, get_for_site, panel_action, site_for_user, tap_action
from site_ops import boards

BOARD = "catering/board.html"


def _floor_section(request, site, floor: int):
    """The floor's section as the board's change sends it: that floor's rooms read, not the site's."""
    context = board.catering_change(site, [floor])
    return render(request, f"{BOARD}#floor-section", {**context, "section": context["floors"][0]})


@login_required
@require_POST
def meal_record(request):
    site = site_for_user(request, *meals.MEAL_ROLES)
    form = MealRecordForm(request.POST, site=site)

    def run(data):
        delivery = meals.meal_record(
            site=site,
            slot=data["slot"],
            day=data["day"],
            room=data["room"],
            status=data["status"],
            note=data["note"],
            by=request.user,
            token=data["token"],
        )
        return _("Room %(room)s: %(meal)s %(status)s.") % {
            "room": delivery.room.number,
            "meal": delivery.slot,
            "status": delivery.get_status_display(),
        }

    return tap_action(
        request,
        form,
        run=run,
        respond=lambda: _floor_section(request, site, form.cleaned_data["room"].floor),
        fallback="catering-board",
    )


@login_required
@require_POST
def meal_floor_deliver(request):
    site = site_for_user(request, *meals.MEAL_ROLES)
    form = MealFloorForm(request.POST, site=site)

    def run(data):
        rows = meals.meal_floor_deliver(
            site=site, slot=data["slot"], day=data["day"], floor=data["floor"], by=request.user, token=data["token"]
        )
        return _("Floor %(floor)s: %(meal)s delivered to %(count)s rooms.") % {
            "floor": data["floor"],
            "meal": data["slot"],
            "count": len(rows),
        }

    return tap_action(
        request,
        form,
        run=run,
        respond=lambda: _floor_section(request, site, form.cleaned_data["floor"]),
        fallback="catering-board",
    )


@login_required
@require_POST
def meal_late_deliver(request):
    site = site_for_user(request, *meals.MEAL_ROLES)
    form = LateMealForm(request.POST, site=site)

    def run(data):
        delivery = meals.meal_late_deliver(
            site=site, slot=data["slot"], day=data["day"], person=data["person"], by=request.user, token=data["token"]
        )
        return _("Late-arrival meal delivered to room %(room)s.") % {"room": delivery.room.number}

    return tap_action(
        request,
        form,
        run=run,
        respond=lambda: render(request, f"{BOARD}#late-meals", board.catering_change(site, [])),
        fallback="catering-board",
    )


@login_required
@require_http_methods(["GET", "POST"])
def meal_feedback(request, pk):
    site = site_for_user(request, *meals.MEAL_ROLES)
    delivery = get_for_site(MealDelivery, site, pk)
    initial = {"version": delivery.version, "feedback": delivery.feedback or MealDelivery.Feedback.FINE}
    form = MealFeedbackForm(request.POST or None, initial=initial)

    def run(data):
        meals.meal_feedback(
            delivery=delivery,
            feedback=data["feedback"],
            note=data["note"],
            by=request.user,
            version=data["version"],
            token=data["token"],
        )
        return _("Feedback recorded for room %(room)s.") % {"room": delivery.room.number}

    return panel_action(
        request,
        form,
        run=run,
        fallback="catering-board",
        title=_("Feedback on %(meal)s, room %(room)s") % {"meal": delivery.slot, "room": delivery.room.number},
        submit=_("Save feedback"),
    )


@login_required
@require_GET
def catering_board(request):
    site = site_for_user(request, *boards.BOARDS["catering"].roles)
    return board_page(request, "catering/board.html", board.catering_board(site, floor=floor_param(request)))
