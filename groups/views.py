from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from groups import boards
from groups.roles import Role, has_role, roles_of
from rooms.models import Person
from rooms.views import site_for_user
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
    return render(request, "groups/no_board.html", {"roles": [Role(r) for r in roles_of(request.user)]})


@login_required
@require_GET
def control_screen(request):
    site = site_for_user(request, *boards.BOARDS["control"].roles)
    return render(request, "groups/control.html", boards.control_screen(site))


@login_required
@require_GET
def general_board(request):
    site = site_for_user(request, *boards.BOARDS["general"].roles)
    floor = request.GET.get("floor", "")
    floor = int(floor) if floor.lstrip("-").isdigit() else None
    context = boards.general_board(site, floor=floor)
    query = request.GET.get("q", "").strip()
    context["q"] = query
    context["results"] = search_people(site, query) if query else None
    if request.htmx and request.htmx.target == "search-results":
        return render(request, "groups/general.html#search-results", context)
    return render(request, "groups/general.html", context)


@login_required
@require_GET
def transfer_board(request):
    return _transfer_board(request, "transfers")


@login_required
@require_GET
def escort_board(request):
    return _transfer_board(request, "escorts")


def _transfer_board(request, key: str):
    board = boards.BOARDS[key]
    site = site_for_user(request, *board.roles)
    return render(request, "groups/transfers.html", board.context(site))


def search_people(site, query: str) -> list[Person]:
    """People on the site by name, or by the number of the room they are in."""
    from django.db.models import Q

    return list(
        Person.objects.filter(site=site)
        .filter(Q(name__icontains=query) | Q(stays__room__number=query, stays__ended_at__isnull=True))
        .distinct()
        .order_by("status", "name")[:50]
    )


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
