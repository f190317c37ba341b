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
from rooms.views import INVALID, _done, _refused, _refused_response


def refused_in_panel(request, message: str, status: int):
    """The refusal message in the page's panel, whatever the button targeted."""
    response = _refused_response(request, message, status)
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
                return _done(request, error.message, fallback)
            except services.ServiceError as error:
                form.add_error(None, error.message)
                status = _refused(error)
            else:
                return _done(request, message, fallback)
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
        return refused_in_panel(request, error.message, _refused(error))
    if request.htmx:
        return respond()
    messages.success(request, message)
    return redirect(fallback)
