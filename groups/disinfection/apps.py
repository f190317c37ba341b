from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisinfectionConfig(AppConfig):
    """The disinfection group: terminal, spot and routine tasks, medical waste."""

    name = "groups.disinfection"
    verbose_name = _("disinfection group")

    def ready(self):
        from groups.disinfection import services
        from groups.disinfection.board import DisinfectionBoard
        from groups.disinfection.handover import OPEN_LISTS
        from rooms import handover
        from rooms.roles import Role
        from site_ops import boards

        boards.register(DisinfectionBoard(key="disinfection", roles=frozenset({Role.SITE_HEAD, Role.DISINFECTION})))
        services.connect_stay_hooks()
        # What the group leaves open at a shift change, kept on its handovers.
        handover.register(Role.DISINFECTION, *OPEN_LISTS)
