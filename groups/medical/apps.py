from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MedicalConfig(AppConfig):
    """The medical group: sampling, results, health rounds, medicines, alerts."""

    name = "groups.medical"
    verbose_name = _("medical group")

    def ready(self):
        from groups.medical import services
        from groups.medical.board import MedicalBoard
        from rooms.roles import Role
        from site_ops import boards

        boards.register(MedicalBoard(key="medical", roles=frozenset({Role.SITE_HEAD, Role.MEDICAL})))
        services.connect_stay_hooks()
