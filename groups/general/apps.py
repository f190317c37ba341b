from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeneralConfig(AppConfig):
    """The general group: arrivals, check-in, releases, the room and person pages."""

    name = "groups.general"
    verbose_name = _("general group")

    def ready(self):
        from groups.general.board import PAGE_ROLES, GeneralBoard, PersonBoard, RoomBoard
        from groups.general.handover import OPEN_LISTS
        from rooms import handover
        from rooms.roles import Role
        from site_ops import boards

        boards.register(GeneralBoard(key="general", roles=frozenset({Role.SITE_HEAD, Role.GENERAL})))
        boards.register_pages("room", lambda key, pk: RoomBoard(key=key, roles=PAGE_ROLES, room_id=pk), "rooms")
        boards.register_pages("person", lambda key, pk: PersonBoard(key=key, roles=PAGE_ROLES, person_id=pk), "persons")
        # What the group leaves open at a shift change, kept on its handovers.
        handover.register(Role.GENERAL, *OPEN_LISTS)
