"""The ASGI entry point's speed-ups: one thread hop per request, a socket
session without a wrapper on every send (README.md beside this file)."""

from importlib import import_module

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler


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
