"""The board socket's own loop: one task per socket instead of one per message (README.md beside this file)."""

import asyncio
import functools
import logging
from contextlib import suppress

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.layers import get_channel_layer

from site_ops.live import LAYER_ERRORS
from site_ops.speedups import collector

logger = logging.getLogger(__name__)

LAYER_RETRY_SECONDS = 0.2
LAYER_RETRY_MAX_SECONDS = 5.0


class OwnLoopMixin:
    """Put before ``AsyncWebsocketConsumer``: the socket's frames in its own
    coroutine, the channel layer in one task, handlers one at a time."""

    async def __call__(self, scope, receive, send):
        """Run the socket: its frames in this coroutine, the channel layer in one task.

        Stock ``AsyncConsumer.__call__`` runs ``channels.utils.await_many_dispatch``,
        which for every delivered message runs ``asyncio.wait`` over two tasks
        and starts a new one: most of the application's CPU per message in a
        broadcast, and two pending tasks per idle socket (bench/README.md).
        Here the layer is read by one task for the socket's life and no task
        is made per message. Everything else is as stock: the same attributes,
        a ``StopConsumer`` ends the socket quietly, and handlers run one at a
        time in arrival order (the lock: a heartbeat's snapshot cannot
        overtake a broadcast, nor the reverse; uncontended it never waits).
        A frame from the page is handled outside the lock: a heartbeat waits
        for its check (site_ops/heartbeats.py) without holding the socket's
        broadcasts back, and takes the lock for what it sends.
        """
        self.scope = scope
        collector.serve_in(asyncio.get_running_loop())
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = await self.channel_layer.new_channel()
        self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
        self.base_send = send
        self.in_order = asyncio.Lock()
        reader = asyncio.create_task(self.read_layer(asyncio.current_task()))
        try:
            while True:
                message = await receive()
                if message["type"] == "websocket.receive":
                    await self.dispatch(message)
                else:
                    await self.handle(message)
        except StopConsumer:
            pass
        except asyncio.CancelledError:
            # The reader cancels this loop when it stops (a failure, or
            # StopConsumer); its outcome, raised below, is the consumer's.
            # Any other cancellation is the server's, and goes on up.
            if not reader.done() or reader.cancelled():
                raise
            asyncio.current_task().uncancel()
        finally:
            # Cancelled while waiting in the in-memory layer's receive, the
            # reader takes the channel's queue with it.
            reader.cancel()
            with suppress(asyncio.CancelledError, StopConsumer):
                await reader

    async def read_layer(self, consumer: asyncio.Task):
        """Handle the channel layer's messages until the socket goes.

        The layer's transport failing for a while (Redis restarting, a
        blocking read timing out while the process is busy) does not end the
        socket: it reads again after a pause, and its heartbeat re-joins the
        groups and resends the board if a message was missed meanwhile.
        Closing the socket instead lost the fragments of that moment for the
        page and made every page reconnect at once (bench/README.md). If a
        handler (or the layer otherwise) fails, the consumer is stopped, as
        the stock loop would stop, rather than the socket living on deaf.
        """
        pause = LAYER_RETRY_SECONDS
        try:
            while True:
                try:
                    message = await self.channel_receive()
                except LAYER_ERRORS as error:
                    if asyncio.current_task().cancelling():
                        # Stopping: some layers answer a cancelled read with
                        # a connection error; the reader stops, as cancelled.
                        raise asyncio.CancelledError from error
                    log = logger.warning if pause == LAYER_RETRY_SECONDS else logger.debug
                    log("board socket %s: channel layer unavailable (%r); reading again", self.channel_name, error)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, LAYER_RETRY_MAX_SECONDS)
                    continue
                pause = LAYER_RETRY_SECONDS
                await self.handle(message)
        except Exception:
            consumer.cancel()
            raise

    async def handle(self, message):
        """Handle a message from the socket or the layer once the one before it is handled."""
        async with self.in_order:
            await self.dispatch(message)

    async def dispatch(self, message):
        """Call the message's handler, as stock, without the stock hop first.

        Stock ``dispatch()`` first closes stale database connections: a hop
        to the one thread that Django's sync code shares, for every message
        (one per socket per broadcast, queued behind the views; one more per
        heartbeat: bench/README.md has the figures). Every handler here that
        reads the database does so through ``database_sync_to_async``, which
        closes stale connections around its own work, so none takes the hop.
        """
        if message["type"] == "board.html":  # nearly every message a socket gets
            await self.board_html(message)
            return
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)
