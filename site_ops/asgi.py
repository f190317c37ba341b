"""ASGI entry point: HTTP through Django, websockets through the board consumers.

Websockets pass the origin check (the Origin header must be one of
ALLOWED_HOSTS) and session authentication before any consumer runs.
"""

import gc
import os

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_ops.settings")
# Load Django (apps, models) before importing anything that uses the ORM.
django.setup(set_prefix=False)


class SyncChainHandler(ASGIHandler):
    """Django's ASGI handler, running the middleware and the view in one thread.

    Every view here is sync. Django's own handler loads the middleware in
    async mode, and then every middleware below the one that can only run
    sync (WhiteNoise) hops to a thread for its ``process_request`` and again
    for its ``process_response``: a dozen hops between the event loop and a
    thread for each request, about 1 ms (bench/README.md). Loaded in sync
    mode, the chain and the view run in one hop, as they would under WSGI;
    the rest (reading the body, sending the response) is Django's.
    """

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


django_asgi_app = SyncChainHandler()

from importlib import import_module  # noqa: E402

from channels.auth import AuthMiddleware  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import CookieMiddleware  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import path  # noqa: E402

from site_ops.consumers import BoardConsumer  # noqa: E402


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
