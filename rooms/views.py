from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
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
