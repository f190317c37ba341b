"""The ASGI entry point's speed-ups: one thread hop per request, a socket
session without a wrapper on every send (README.md beside this file)."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from importlib import import_module

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.urls import set_script_prefix

# How many request threads wait between requests for the next one; more
# requests at once start threads of their own, which end afterwards.
IDLE_REQUEST_THREADS = 16


class SyncChainHandler(ASGIHandler):
    """Django's ASGI handler, running the middleware and the view in one thread.

    Every view here is sync. Django's own handler loads the middleware in
    async mode, and then every middleware below the one that can only run
    sync (WhiteNoise) hops to a thread for its ``process_request`` and again
    for its ``process_response``: a dozen hops between the event loop and a
    thread for each request, about 1 ms (bench/README.md). Loaded in sync
    mode, the chain and the view run in one hop, as they would under WSGI;
    the rest (reading the body, sending the response) is Django's.

    Django also gives each request a thread of its own, started on the event
    loop (which waits for the thread to run, behind whichever thread holds
    the interpreter) and joined by another thread started when it ends. Here
    a request takes an idle thread from the previous ones and leaves it for
    the next: still one thread per request at a time, as Django's handler
    has it, with no thread started or joined on the way.
    """

    def __init__(self):
        super().__init__()
        self.idle_threads: list[ThreadPoolExecutor] = []

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        thread = self.idle_threads.pop() if self.idle_threads else ThreadPoolExecutor(1, "site-ops-request")
        try:
            async with ThreadSensitiveContext(executor=thread):
                await self.handle(scope, receive, send)
        finally:
            # A view still running after its client left keeps its thread:
            # the next request to take it waits for it, as under WSGI.
            if len(self.idle_threads) < IDLE_REQUEST_THREADS:
                self.idle_threads.append(thread)
            else:
                thread.shutdown(wait=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.started_and_response, thread_sensitive=True)(request)

    def started_and_response(self, request):
        """``request_started`` and the response, in the request's one thread hop."""
        signals.request_started.send(sender=self.__class__, scope=request.scope)
        return self.get_response(request)

    async def handle(self, scope, receive, send):
        """Django 5.2's ``ASGIHandler.handle``, with ``request_started`` sent from the request's thread.

        Django sends it from the event loop before making the request: its
        receivers (closing stale database connections, the query log) are
        sync, so the signal took a thread hop of its own before the hop
        that runs the request, about 0.3 ms of every request (bench/README.md,
        round four, thirteenth part). Here the request is made first (which
        touches no database) and the signal goes in the same hop as the
        middleware and the view, in the same thread. The rest is Django's.
        """
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        request, error_response = self.create_request(scope, body_file)
        if request is None:
            await signals.request_started.asend(sender=self.__class__, scope=scope)
            body_file.close()
            await self.send_response(error_response, send)
            await sync_to_async(error_response.close)()
            return

        async def process_request(request, send):
            response = await self.run_get_response(request)
            # Client disconnected during send_response (ignore exception).
            with suppress(asyncio.CancelledError):
                await self.send_response(response, send)
            return response

        # Try to catch a disconnect while getting response.
        tasks = [
            asyncio.create_task(self.listen_for_disconnect(receive)),
            asyncio.create_task(process_request(request, send)),
        ]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        # Now wait on both tasks (they may have both finished by now).
        for task in tasks:
            if task.done():
                try:
                    task.result()
                except RequestAborted:
                    pass
                except AssertionError:
                    body_file.close()
                    raise
            else:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
        try:
            response = tasks[1].result()
        except asyncio.CancelledError:
            await signals.request_finished.asend(sender=self.__class__)
        else:
            await sync_to_async(response.close)()
        body_file.close()


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
