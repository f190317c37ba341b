from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import pgettext_lazy


class RoomsConfig(AppConfig):
    """What every group stands on: sites, rooms, people, stays, roles and the audit log."""

    name = "rooms"
    # Not "rooms": the admin's breadcrumb read 房间 › 房间 (the app and its model).
    verbose_name = pgettext_lazy("admin section", "sites, rooms and people")

    def ready(self):
        from rooms.roles import board_site, board_site_inputs
        from site_ops import boards

        boards.set_access(board_site, board_site_inputs)
        # Every group's handover lists its open requests.
        import rooms.requests  # noqa: F401

        post_migrate.connect(grant_site_heads_the_admin, dispatch_uid="rooms.grant_site_heads_the_admin")


def grant_site_heads_the_admin(using="default", **kwargs):
    """The site head's role may use the admin for their site's set-up: every
    model the admin shows, as far as each admin page allows (rooms.admin keeps
    them to their own site; the roles, the districts and the login records
    of unknown names stay the installation's administrator's). After every
    migrate, once the models' permissions exist: Django makes them only
    after the migrations ran."""
    from django.contrib import admin
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    from rooms.admin import OwnSiteLogins, SiteScoped
    from rooms.models import District
    from rooms.roles import Role

    group = Group.objects.using(using).filter(name=Role.SITE_HEAD).first()
    if group is None:
        return
    wanted = []
    for model, model_admin in admin.site._registry.items():
        # Only what the admin keeps to the site head's own site.
        if not isinstance(model_admin, SiteScoped | OwnSiteLogins) or issubclass(model, Group) or model is District:
            continue
        actions = ("view", "add", "change", "delete")
        content_type = ContentType.objects.db_manager(using).get_for_model(model, for_concrete_model=False)
        codenames = [f"{action}_{model._meta.model_name}" for action in actions]
        wanted += Permission.objects.using(using).filter(content_type=content_type, codename__in=codenames)
    group.permissions.add(*wanted)
