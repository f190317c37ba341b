"""What the catering, disinfection and security actions share.

One-tap actions on a board (a room delivered, someone logged out) answer an
htmx request with the board part they changed, so the tablet shows the result
at once even before the broadcast arrives; forms opened in the panel answer
with a message there, as elsewhere. A refusal always goes to the panel.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django_htmx.http import reswap, retarget

from rooms import services
from rooms.models import Person, Room
from rooms.roles import require_role, site_of


def refused_in_panel(request, message: str, status: int):
    """The refusal message in the page's panel, whatever the button targeted."""
    response = refused_response(request, message, status)
    if request.htmx:
        response = reswap(retarget(response, "#panel"), "innerHTML")
    return response


def get_for_site(model, site, pk: int, **filters):
    """A record of the user's site, or 404."""
    try:
        return model.objects.get(pk=pk, site=site, **filters)
    except model.DoesNotExist:
        raise Http404(_("Not found on this site.")) from None


def floor_param(request) -> int | None:
    floor = request.GET.get("floor", "")
    return int(floor) if floor.lstrip("-").isdigit() else None


def panel_action(request, form, *, run, fallback: str, title: str, submit: str, intro: str = ""):
    """A form in the panel: GET shows it; POST validates it, runs the service
    (``run(cleaned_data)`` returns the message to show) and says it is done,
    or shows the form again with why not, keeping what was typed."""
    status = 200
    if request.method == "POST":
        status = INVALID
        if form.is_valid():
            try:
                message = run(form.cleaned_data)
            except services.AlreadySubmitted as error:
                return done(request, error.message, fallback)
            except services.ServiceError as error:
                form.add_error(None, error.message)
                status = refused_status(error)
            else:
                return done(request, message, fallback)
    context = {"form": form, "title": title, "submit": submit, "intro": intro, "action": request.get_full_path()}
    template = "rooms/panel_form.html#form" if request.htmx else "rooms/panel_form.html"
    return render(request, template, context, status=status)


def tap_action(request, form, *, run, respond, fallback: str):
    """A one-tap button on a board: runs the service and answers htmx with
    ``respond()`` (the changed board part), others with a redirect."""
    if not form.is_valid():
        return refused_in_panel(request, _("This button is out of date; reload the board."), INVALID)
    try:
        message = run(form.cleaned_data)
    except services.AlreadySubmitted as error:
        message = error.message
    except services.ServiceError as error:
        return refused_in_panel(request, error.message, refused_status(error))
    if request.htmx:
        return respond()
    messages.success(request, message)
    return redirect(fallback)


def board_page(request, template: str, context: dict):
    if request.htmx:
        return render(request, f"{template}#board-body", context)
    return render(request, template, context)


# Status codes for a refused action: htmx is configured (base.html) to swap
# these so the user sees the message and keeps what they typed.
INVALID = 422


CONFLICT = 409


# Shared by every app's views: the role check, then the user's site.
def site_for_user(request, *roles):
    require_role(request.user, *roles)
    site = site_of(request.user)
    if site is None:
        raise Http404(_("Your login is not attached to a site."))
    return site


def refused_status(error: services.ServiceError) -> int:
    return CONFLICT if isinstance(error, services.Conflict) else INVALID


def done(request, message: str, fallback: str, **kwargs):
    """Success: a panel message for htmx, a redirect with a flash otherwise."""
    if request.htmx:
        return render(request, "rooms/panel_done.html", {"message": message})
    messages.success(request, message)
    return redirect(fallback, **kwargs)


def refused_response(request, message: str, status: int):
    if request.htmx:
        return render(request, "rooms/panel_done.html", {"message": message, "error": True}, status=status)
    messages.error(request, message)
    return redirect(request.headers.get("referer") or "general-board")


def get_person_for_user(request, pk: int, *roles) -> Person:
    site = site_for_user(request, *roles)
    try:
        return Person.objects.select_related("site", "updated_by").get(pk=pk, site=site)
    except Person.DoesNotExist:
        raise Http404(_("No such person on this site.")) from None


def get_room_for_user(request, pk: int, *roles) -> Room:
    site = site_for_user(request, *roles)
    try:
        return Room.objects.select_related("site", "updated_by").get(pk=pk, site=site)
    except Room.DoesNotExist:
        raise Http404(_("No such room on this site.")) from None
