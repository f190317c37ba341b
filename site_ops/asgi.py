"""ASGI entry point: HTTP through Django, websockets through the board consumers.

Websockets pass the origin check (the Origin header must be one of
ALLOWED_HOSTS) and session authentication before any consumer runs.
"""

import gc
import os
from pathlib import Path

import django
from django.core.handlers.asgi import ASGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_ops.settings")
# Load Django (apps, models) before importing anything that uses the ORM.
django.setup(set_prefix=False)

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import CookieMiddleware  # noqa: E402
from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.template.loader import get_template  # noqa: E402
from django.urls import path, re_path, reverse  # noqa: E402
from django.utils import translation  # noqa: E402

from site_ops import speedups  # noqa: E402
from site_ops.consumers import BoardAuthMiddleware, BoardConsumer, NoSuchSocket  # noqa: E402
from site_ops.upkeep import scheduler  # noqa: E402

if speedups.ENABLED:
    from site_ops.speedups import collector
    from site_ops.speedups.asgi import SocketSessionMiddleware, SyncChainHandler

    django_asgi_app = SyncChainHandler()
else:
    from channels.sessions import SessionMiddleware as SocketSessionMiddleware

    django_asgi_app = ASGIHandler()

websocket_urlpatterns = [
    path("ws/boards/<slug:board>/", BoardConsumer.as_asgi()),
    path("ws/rooms/<id:room_id>/", BoardConsumer.as_asgi()),
    path("ws/people/<id:person_id>/", BoardConsumer.as_asgi()),
    path("ws/transfers/<id:transfer_id>/", BoardConsumer.as_asgi()),
    path("ws/escorts/<id:escort_id>/", BoardConsumer.as_asgi()),
    # A page of one record that a group registered (site_ops.boards.register_pages).
    path("ws/pages/<slug:page>/<id:pk>/", BoardConsumer.as_asgi()),
    # Anything else is refused at the handshake, not answered with an error.
    re_path(r"", NoSuchSocket.as_asgi()),
]


def project_templates() -> list[str]:
    """The names of the project's own templates (not the installed packages')."""
    folders = [Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]]
    folders += [
        Path(config.path) / "templates"
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(settings.BASE_DIR) and ".venv" not in Path(config.path).parts
    ]
    return sorted({str(file.relative_to(folder)) for folder in folders for file in folder.rglob("*.html")})


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            CookieMiddleware(SocketSessionMiddleware(BoardAuthMiddleware(URLRouter(websocket_urlpatterns))))
        ),
    }
)

# The scheduled jobs (the nightly backup, missed samples) run in the server
# process itself, so a site needs no cron entry; SCHEDULED_JOBS=0 leaves them
# to a systemd timer (site_ops/upkeep/scheduler.py, docs/deploy.md).
scheduler.start()

# Load now what the first requests and sockets would otherwise load while
# every tablet waits (a restart's reconnect storm): every app's URLs and
# views (the first {% url %} imports them all), the translations and the
# project's templates, compiled.
reverse("login")
for code, _name in settings.LANGUAGES:
    with translation.override(code):
        translation.gettext("Rooms")
for name in project_templates():
    get_template(name)

if speedups.ENABLED:
    # What is loaded by now (Django, the apps, the URL and model machinery)
    # lives as long as the process: keep the collector from walking it again
    # on every full collection, a pause that delayed whole broadcasts.
    gc.freeze()
    # And the full collections that remain come between broadcasts.
    collector.install()
