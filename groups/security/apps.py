from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    """The security group: checkpoint, patrols, incidents."""

    name = "groups.security"
    verbose_name = _("security group")

    def ready(self):
        from groups.security.board import SecurityBoard
        from groups.security.handover import OPEN_LISTS
        from rooms import handover
        from rooms.roles import Role
        from site_ops import boards

        boards.register(SecurityBoard(key="security", roles=frozenset({Role.SITE_HEAD, Role.SECURITY})))
        # What the group leaves open at a shift change, kept on its handovers.
        handover.register(Role.SECURITY, *OPEN_LISTS)
