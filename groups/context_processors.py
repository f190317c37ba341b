from django.conf import settings

from groups.roles import Role, display_name, roles_of, site_of


def staff(request):
    """The user's site, roles and the flags the page uses to hide other groups' buttons."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = roles_of(user)
    flags = set(roles)
    if user.has_perm("rooms.reveal_personal_data"):
        flags.add("reveal")
    return {
        "my_name": display_name(user),
        "my_site": site_of(user),
        "heartbeat_seconds": settings.LIVE_HEARTBEAT_SECONDS,
        "my_roles": [Role(role) for role in Role.values if role in roles],
        "my_flags": " ".join(sorted(flags)),
    }
