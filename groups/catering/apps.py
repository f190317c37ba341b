from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CateringConfig(AppConfig):
    """The catering group: meal rounds, diets, deliveries, feedback."""

    name = "groups.catering"
    verbose_name = _("catering group")

    def ready(self):
        from groups.catering.board import CateringBoard
        from groups.catering.handover import OPEN_LISTS
        from rooms import handover
        from rooms.roles import Role
        from site_ops import boards

        boards.register(CateringBoard(key="catering", roles=frozenset({Role.SITE_HEAD, Role.CATERING})))
        # What the group leaves open at a shift change, kept on its handovers.
        handover.register(Role.CATERING, *OPEN_LISTS)
