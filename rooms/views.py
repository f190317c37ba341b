from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rooms import handover as handovers
from rooms import services
from rooms.actions import get_for_site, on_this_site, panel_action, site_for_user, tap_action
from rooms.forms import HandoverForm, LoginForm, VersionedForm
from rooms.models import Handover
from rooms.roles import Role, has_role, require_role, roles_of
from site_ops import live

# Where each role starts; the first of the user's roles in this order wins.
HOME = [
    (Role.SITE_HEAD, "control-screen"),
    (Role.GENERAL, "general-board"),
    (Role.MEDICAL, "medical-board"),
    (Role.CATERING, "catering-board"),
    (Role.DISINFECTION, "disinfection-board"),
    (Role.SECURITY, "security-board"),
    (Role.DISTRICT, "district-overview"),
]


@login_required
@require_GET
def home(request):
    for role, name in HOME:
        if has_role(request.user, role):
            return redirect(name)
    return render(request, "rooms/no_board.html", {"roles": [Role(r) for r in roles_of(request.user)]})


@require_POST
def logout_view(request):
    # Close this login's live sockets too: a board left open on a shared
    # tablet must not go on showing data after its user logged out.
    session_key = request.session.session_key
    logout(request)
    live.close_session_sockets(session_key)
    return redirect("login")


def came_from(request) -> str:
    """The page a refused request came from, to go back to: the board a
    tablet's htmx request was sent from, or the page whose link or form led
    here (on this site only), or the user's start page."""
    htmx = getattr(request, "htmx", None)  # not there if an earlier middleware refused
    if htmx and htmx.current_url_abs_path:
        return htmx.current_url_abs_path
    referer = request.headers.get("Referer", "")
    if on_this_site(request, referer):
        split = urlsplit(referer)
        if split.path and split.path != request.path:
            return split.path + (f"?{split.query}" if split.query else "")
    return reverse("home")


def refused(request, template, status, **context):
    """An error page in the user's language with a way back. Its
    [data-request-error] is what the board's banner says when the request
    was a tablet's htmx request, which swaps nothing in on an error."""
    return render(request, template, {"back_to": came_from(request), **context}, status=status)


def not_allowed(request, exception=None):
    """The 403 page: says which groups may do what was asked."""
    allowed = [str(Role(role).label) for role in getattr(exception, "allowed", ()) if role in Role.values]
    return refused(request, "403.html", 403, allowed=pgettext("between the items of a list", ", ").join(allowed))


def not_found(request, exception=None):
    """The 404 page (Django's own is in English, with no way back)."""
    return refused(request, "404.html", 404)


def bad_request(request, exception=None):
    """The 400 page: a request the server could not read (a body over the size limit, say)."""
    return refused(request, "400.html", 400)


def csrf_failure(request, reason=""):
    """The page a form sent from a page older than the login gets (a login in
    another tab renews the form key): reload and send again, in the user's language."""
    return refused(request, "403_csrf.html", 403)


def server_error(request):
    """The 500 page, rendered as Django does with no request context (what
    failed may be the database the context would read)."""
    return HttpResponseServerError(loader.get_template("500.html").render())


def spraying(request) -> bool:
    """Wrong passwords for many different logins from one address: someone
    trying a few common passwords against every name (the per-login throttle
    never trips). A site's shared Wi-Fi does not reach this by mistakes."""
    since = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME)
    logins = AccessAttempt.objects.filter(ip_address=get_client_ip_address(request), attempt_time__gte=since)
    return logins.values("username").distinct().count() >= settings.LOGIN_SPRAY_LIMIT


class LoginView(auth_views.LoginView):
    """Django's login, refused (429, as a locked-out login) to an address that is spraying passwords."""

    redirect_authenticated_user = True
    authentication_form = LoginForm

    def post(self, request, *args, **kwargs):
        if spraying(request):
            return render(request, settings.AXES_LOCKOUT_TEMPLATE, status=429)
        return super().post(request, *args, **kwargs)


# --- shift handover -----------------------------------------------------------

# Each group's board, where its handover shows.
GROUP_BOARDS = {role: name for role, name in HOME if role != Role.SITE_HEAD}


def _group(group: str) -> str:
    if group not in handovers.GROUPS:
        raise Http404(_("No such group."))
    return group


@login_required
@require_http_methods(["GET", "POST"])
def handover_give(request, group):
    """The outgoing member hands over the group's shift: the open list as it is now, and notes."""
    site = site_for_user(request, _group(group))
    change = handovers.current_change(site, group)
    form = HandoverForm(request.POST or None, initial={"change": int(change.at.timestamp())})

    def run(data):
        services.handover_give(
            site=site,
            group=group,
            by=request.user,
            notes=data["notes"],
            change_at=datetime.fromtimestamp(data["change"], tz=UTC),
            token=data["token"],
        )
        return _("Shift handed over. The next shift sees it on the board until one of them acknowledges it.")

    return panel_action(
        request,
        form,
        run=run,
        fallback=GROUP_BOARDS[group],
        title=_("Hand over the shift"),
        submit=pgettext("shift", "Hand over"),
        template="rooms/handover.html",
        extra={"change": change, "preview": handovers.sections(group, handovers.snapshot(site, group, timezone.now()))},
    )


@login_required
@require_POST
def handover_acknowledge(request, pk):
    site = site_for_user(request, *handovers.GROUPS)
    handover = get_for_site(Handover, site, pk)
    # Only the handover's own group: another group's member gets the 403 page, whatever the form says.
    require_role(request.user, handover.group)
    form = VersionedForm(request.POST)

    def run(data):
        services.handover_acknowledge(handover=handover, by=request.user, version=data["version"], token=data["token"])
        return _("Handover acknowledged: the shift is yours.")

    return tap_action(
        request,
        form,
        run=run,
        respond=lambda: render(
            request, "rooms/handover.html#handover", {"handover": handovers.group_handover(site, handover.group)}
        ),
        fallback=GROUP_BOARDS[handover.group],
    )
