from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoomsConfig(AppConfig):
    """What every group stands on: sites, rooms, people, stays, roles and the audit log."""

    name = "rooms"
    verbose_name = _("rooms")

    def ready(self):
        from rooms.roles import board_site, board_site_inputs
        from site_ops import boards

        boards.set_access(board_site, board_site_inputs)
        # Every group's handover lists its open requests.
        import rooms.requests  # noqa: F401
