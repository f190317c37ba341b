from datetime import timedelta

from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from rooms.roles import Role, has_role, roles_of
from site_ops import live

# Where each role starts; the first of the user's roles in this order wins.
HOME = [
    (Role.SITE_HEAD, "control-screen"),
    (Role.GENERAL, "general-board"),
    (Role.MEDICAL, "medical-board"),
    (Role.CATERING, "catering-board"),
    (Role.DISINFECTION, "disinfection-board"),
    (Role.SECURITY, "security-board"),
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


def not_allowed(request, exception=None):
    """The 403 page: says which groups may do what was asked."""
    allowed = [Role(role) for role in getattr(exception, "allowed", ()) if role in Role.values]
    return render(request, "403.html", {"allowed": allowed}, status=403)


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

    def post(self, request, *args, **kwargs):
        if spraying(request):
            return render(request, settings.AXES_LOCKOUT_TEMPLATE, status=429)
        return super().post(request, *args, **kwargs)
