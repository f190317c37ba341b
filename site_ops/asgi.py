"""ASGI entry point: HTTP through Django, websockets through the board consumers.

Websockets pass the origin check (the Origin header must be one of
ALLOWED_HOSTS) and session authentication before any consumer runs.
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_ops.settings")
# Load Django (apps, models) before importing anything that uses the ORM.
django_asgi_app = get_asgi_application()

from importlib import import_module  # noqa: E402

from channels.auth import AuthMiddleware  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import CookieMiddleware  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import path  # noqa: E402

from groups.consumers import BoardConsumer  # noqa: E402


class SocketSessionMiddleware:
    """The login session of a board socket, read from its cookie, for ``AuthMiddleware``.

    channels' ``SessionMiddleware`` also wraps every send of the socket to
    save the session when a handler changed it: a check on every fragment
    of every broadcast, for sessions no board socket ever changes (about a
    fifth of the application's own cost per delivered message,
    bench/README.md). This one sets ``scope["session"]`` and passes sends
    through untouched.
    """

    def __init__(self, inner):
        self.inner = inner
        self.store = import_module(settings.SESSION_ENGINE).SessionStore

    async def __call__(self, scope, receive, send):
        session = self.store(scope["cookies"].get(settings.SESSION_COOKIE_NAME))
        return await self.inner(dict(scope, session=session), receive, send)


websocket_urlpatterns = [
    path("ws/boards/<slug:board>/", BoardConsumer.as_asgi()),
    path("ws/rooms/<int:room_id>/", BoardConsumer.as_asgi()),
    path("ws/people/<int:person_id>/", BoardConsumer.as_asgi()),
    path("ws/transfers/<int:transfer_id>/", BoardConsumer.as_asgi()),
]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            CookieMiddleware(SocketSessionMiddleware(AuthMiddleware(URLRouter(websocket_urlpatterns))))
        ),
    }
)

# What is loaded by now (Django, the apps, the URL and model machinery) lives
# as long as the process: keep the collector from walking it again on every
# full collection, a pause that delayed whole broadcasts (bench/README.md).
gc.freeze()
