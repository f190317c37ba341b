from django.apps import AppConfig


class SiteOpsConfig(AppConfig):
    """The live spine: board sequence numbers (its one model), the registry and the consumer."""

    name = "site_ops"
    verbose_name = "site-ops"

    def ready(self):
        from site_ops import inputs

        inputs.register()
