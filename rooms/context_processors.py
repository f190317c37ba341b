from django.conf import settings
from django.utils.functional import SimpleLazyObject

from rooms.roles import Role, display_name, roles_of, site_of


def staff(request):
    """The user's site, roles and the flags the page uses to hide other groups' buttons.

    Read when a template uses them: the page frame does, while the fragments
    that answer htmx requests (a panel's "done", a form's errors) do not, and
    the flags cost two permission queries.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def flags() -> str:
        found = set(roles_of(user))
        if user.has_perm("rooms.reveal_personal_data"):
            found.add("reveal")
        # Who this is, for what a shared fragment offers everyone but its author
        # (acknowledging one's own handover).
        found.add(f"user-{user.pk}")
        return " ".join(sorted(found))

    return {
        "my_name": SimpleLazyObject(lambda: display_name(user)),
        "my_site": SimpleLazyObject(lambda: site_of(user)),
        "heartbeat_seconds": settings.LIVE_HEARTBEAT_SECONDS,
        "my_roles": SimpleLazyObject(lambda: [Role(role) for role in Role.values if role in roles_of(user)]),
        "my_flags": SimpleLazyObject(flags),
        # The session is loaded already: the user was read from it.
        "my_session_ends": session_ends(request),
    }


def session_ends(request):
    """When the user's login ends (a shift's length after they logged in), or None."""
    session = getattr(request, "session", None)
    ends = getattr(session, "ends", None)
    return ends() if ends else None
