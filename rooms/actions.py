"""What every action view shares, in one place: one shape for every view.

An action view fetches its record through a permission helper here
(``site_for_user``, ``get_for_site``, ``get_person_for_user``, ...),
validates a form, calls the service and responds with ``done`` or one of the
refusals. htmx requests get a fragment (the panel's message, or the board
part a one-tap action changed, before the broadcast arrives); plain requests
get a redirect with a flash message, back to the page they came from, so
every form also works without JavaScript. A refusal always goes to the
panel.
"""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_htmx.http import reswap, retarget

from rooms import services
from rooms.models import Person, Room
from rooms.roles import require_role, site_of
from site_ops.inputs import whole_number
from site_ops.speedups.fixed_reads import get_row

# Status codes for a refused action: htmx is configured (base.html) to swap
# these so the user sees the message and keeps what they typed.
INVALID = 422
CONFLICT = 409

# The content type of every Excel file the site hands out.


# --- who may act, on what -------------------------------------------------


def site_for_user(request, *roles):
    """The role check, then the user's site (404 for a login with none)."""
    require_role(request.user, *roles)
    site = site_of(request.user)
    if site is None:
        raise Http404(_("Your login is not attached to a site."))
    return site


def get_for_site(model, site, pk: int):
    """A record of the user's site, or 404."""
    try:
        return get_row(model, pk, site=site)
    except model.DoesNotExist:
        raise Http404(_("Not found on this site.")) from None


def get_person_for_user(request, pk: int, *roles) -> Person:
    site = site_for_user(request, *roles)
    try:
        return get_row(Person, pk, site=site, related=("site", "updated_by"))
    except Person.DoesNotExist:
        raise Http404(_("No such person on this site.")) from None


def get_room_for_user(request, pk: int, *roles) -> Room:
    site = site_for_user(request, *roles)
    try:
        return get_row(Room, pk, site=site, related=("site", "updated_by"))
    except Room.DoesNotExist:
        raise Http404(_("No such room on this site.")) from None


def parse_floor(value) -> int | None:
    return whole_number(value)


def floor_param(request) -> int | None:
    return parse_floor(request.GET.get("floor"))


# --- responses ------------------------------------------------------------


def on_this_site(request, target) -> bool:
    """Whether ``target`` is a path of this site or an address on its host
    ("abc" would be read as a view's name, "https://elsewhere/" leave the site)."""
    return (
        bool(target)
        and (target.startswith("/") or "://" in target)
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    )


def back_to(request, fallback: str, **kwargs) -> str:
    """Where a plain form goes after the action: the ``next`` it names, else
    the page it was sent from (both only on this site), else ``fallback``."""
    for target in (request.POST.get("next"), request.GET.get("next"), request.headers.get("referer")):
        if on_this_site(request, target):
            return target
    return resolve_url(fallback, **kwargs)


def refused_status(error: services.ServiceError) -> int:
    return CONFLICT if isinstance(error, services.Conflict) else INVALID


def done(request, message: str, fallback: str, **kwargs):
    """Success: a panel message for htmx, a redirect with a flash otherwise."""
    if request.htmx:
        return render(request, "rooms/panel_done.html", {"message": message})
    messages.success(request, message)
    if request.POST.get("next") or request.GET.get("next"):
        return HttpResponseRedirect(back_to(request, fallback, **kwargs))
    return redirect(fallback, **kwargs)


def refused_response(request, message: str, status: int, fallback: str = "home"):
    """A refusal: the message in place for htmx; for a plain form, a flash
    and back to the page it came from (never a board the user cannot open)."""
    if request.htmx:
        return render(request, "rooms/panel_done.html", {"message": message, "error": True}, status=status)
    messages.error(request, message)
    return redirect(back_to(request, fallback))


def refused_in_panel(request, message: str, status: int, fallback: str = "home"):
    """The refusal message in the page's panel, whatever the button targeted."""
    response = refused_response(request, message, status, fallback)
    if request.htmx:
        response = reswap(retarget(response, "#panel"), "innerHTML")
    return response


# --- the two kinds of action ------------------------------------------------


def panel_action(
    request,
    form,
    *,
    run,
    fallback: str,
    title: str,
    submit: str,
    intro: str = "",
    template: str = "rooms/panel_form.html",
    extra: dict | None = None,
):
    """A form in the panel: GET shows it; POST validates it, runs the service
    (``run(cleaned_data)`` returns the message to show) and says it is done,
    or shows the form again with why not, keeping what was typed. A form
    that shows more than its fields has a ``template`` of its own (with a
    ``form`` partial) and the ``extra`` context it needs."""
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
    context.update(extra or {})
    return render(request, f"{template}#form" if request.htmx else template, context, status=status)


def tap_action(request, form, *, run, respond, fallback: str):
    """A one-tap button on a board: runs the service and answers htmx with
    ``respond()`` (the changed board part), others with a redirect."""
    if not form.is_valid():
        return refused_in_panel(request, _("This button is out of date; reload the board."), INVALID, fallback)
    try:
        message = run(form.cleaned_data)
    except services.AlreadySubmitted as error:
        message = error.message
    except services.ServiceError as error:
        return refused_in_panel(request, error.message, refused_status(error), fallback)
    if request.htmx:
        return respond()
    messages.success(request, message)
    return redirect(fallback)


def board_page(request, template: str, context: dict):
    """A board's page; its clock's htmx GET gets the board body alone."""
    if request.htmx:
        return render(request, f"{template}#board-body", context)
    return render(request, template, context)
