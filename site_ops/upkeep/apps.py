from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UpkeepConfig(AppConfig):
    """What keeps a site running without IT staff: backups, the scheduled jobs, the health check."""

    name = "site_ops.upkeep"
    label = "upkeep"
    verbose_name = _("upkeep")

    def ready(self):
        from django.conf import settings

        from site_ops.upkeep import backups, scheduler

        scheduler.register(
            scheduler.Job(
                name="backup",
                label=_("Database backup"),
                at=scheduler.parse_time(settings.BACKUP_AT),
                run=backups.nightly_backup,
            )
        )
