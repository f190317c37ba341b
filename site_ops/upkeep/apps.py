from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UpkeepConfig(AppConfig):
    """What keeps a site running without IT staff: backups, the scheduled jobs, the health check."""

    name = "site_ops.upkeep"
    label = "upkeep"
    verbose_name = _("upkeep")
