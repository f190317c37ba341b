from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ControlConfig(AppConfig):
    """The site head's control screen."""

    name = "groups.control"
    verbose_name = _("Control screen")

    def ready(self):
        from groups.control.board import ControlBoard
        from rooms.roles import Role
        from site_ops import boards

        boards.register(ControlBoard(key="control", roles=frozenset({Role.SITE_HEAD})))
        from groups.control.district import register_boards

        register_boards()
