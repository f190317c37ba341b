"""The board socket's own loop: one task per socket instead of one per message (README.md beside this file)."""

import asyncio
import functools
import logging
from contextlib import suppress

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.layers import get_channel_layer

from site_ops.live import LAYER_ERRORS
from site_ops.speedups import collector, frames

logger = logging.getLogger(__name__)

LAYER_RETRY_SECONDS = 0.2
LAYER_RETRY_MAX_SECONDS = 5.0
# The most messages read and dropped from a channel a socket leaves behind.
DRAIN_MAX = 1000
# How long a cancelled read of the layer may go on before it is cancelled again (``ended``).
RECANCEL_SECONDS = 0.1


async def ended(task: asyncio.Task):
    """Cancel ``task``, wait until it has ended, and give its outcome.

    A cancellation can be lost on Python 3.11: ``asyncio.wait_for`` swallows
    one that arrives as the awaitable it waits on finishes, and redis-py
    waits so for a new connection's handshake. The layer's read then went on
    to Redis's blocking pop and ended only on an error from Redis, never if
    Redis answered in time: the socket's task, and the test or the server
    stopping it, waited for good. The task is cancelled again until it ends,
    also when the caller is cancelled meanwhile (then cancelled after it).
    """
    cancelled = False
    while not task.done():
        task.cancel()
        try:
            await asyncio.wait({task}, timeout=RECANCEL_SECONDS)
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError
    return task.result()


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
        try:
            self.channel_name = await self.channel_layer.new_channel()
        except LAYER_ERRORS as error:
            # Redis down: refuse the handshake (the page tries again shortly), not a server error.
            logger.warning("board socket refused: channel layer unavailable (%r)", error)
            await send({"type": "websocket.close", "code": 1013})
            return
        self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
        self.base_send = send
        self.in_order = asyncio.Lock()
        # Where the server lets a broadcast's frame be written to the
        # connection itself, the layer hands this socket its fragments at
        # once while it waits with nothing queued (frames.py). The layer
        # keeps the writer: an idle socket holds nothing more for it.
        writer = frames.writer_for(send)
        take_directly = getattr(self.channel_layer, "take_directly", None) if writer else None
        if take_directly is not None:
            take_directly(self.channel_name, self, writer)
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
            if take_directly is not None:
                self.channel_layer.stop_taking(self.channel_name)
            # Cancelled while waiting in the layer's receive, the reader takes
            # the channel with it (the in-memory queue; Redis pub/sub
            # unsubscribes).
            try:
                with suppress(asyncio.CancelledError, StopConsumer):
                    await ended(reader)
            finally:
                # Also when the reader's failure is the consumer's outcome (a page gone mid-send).
                await self.leave_layer()

    disconnected = False
    # Whether the reader is waiting in the layer's receive.
    receiving = False
    # Set by a consumer that sends its page nothing more (site_ops/consumers.py).
    revoked = False

    def take_now(self, writer, frames) -> bool:
        """A broadcast's fragment, taken at once from the layer's ``group_send`` if this
        socket is idle: its reader waiting, no handler running, the page still served.

        What ``board_html`` would send, written by the layer straight to the
        connection (frames.py); False, and the layer queues the message as
        usual, whenever the socket is busy or the connection cannot take it now.
        """
        if not self.receiving or self.disconnected or self.revoked or self.in_order.locked():
            return False
        return writer.write(frames)

    async def websocket_disconnect(self, message):
        self.disconnected = True
        await super().websocket_disconnect(message)

    async def leave_layer(self):
        """Leave nothing of this socket in the channel layer, however it ended.

        A socket that ended otherwise than by the page closing it (a send to a
        page already gone, a handler that failed) never had ``disconnect``
        called, so it stayed in its groups; and its reader, stopped outside
        the layer's receive, left the channel subscribed. On Redis pub/sub,
        which expires nothing, every later broadcast then piled up in the
        process's memory for good.
        """
        if not self.disconnected:
            self.disconnected = True
            try:
                await self.disconnect(1006)
            except Exception:  # noqa: BLE001 - the socket is gone; what failed is logged
                logger.warning("board socket %s: leaving its groups failed", self.channel_name, exc_info=True)
        if self.receiving:
            return
        # A receive cancelled while it waits drops the channel; what was
        # still queued is read and dropped first.
        for _ in range(DRAIN_MAX):
            receive = asyncio.ensure_future(self.channel_receive())
            await asyncio.sleep(0)
            if not receive.done():
                with suppress(BaseException):
                    await ended(receive)
                return
            if receive.exception() is not None:
                return

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
                self.receiving = True
                try:
                    message = await self.channel_receive()
                except LAYER_ERRORS as error:
                    self.receiving = False
                    if asyncio.current_task().cancelling():
                        # Stopping: some layers answer a cancelled read with
                        # a connection error; the reader stops, as cancelled.
                        raise asyncio.CancelledError from error
                    log = logger.warning if pause == LAYER_RETRY_SECONDS else logger.debug
                    log("board socket %s: channel layer unavailable (%r); reading again", self.channel_name, error)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, LAYER_RETRY_MAX_SECONDS)
                    continue
                self.receiving = False
                pause = LAYER_RETRY_SECONDS
                await self.handle(message)
        except Exception:
            consumer.cancel()
            raise

    async def accept(self, subprotocol=None, headers=None):
        """Accept as stock, then let go of what only the handshake needed (``frames.release_handshake``)."""
        await super().accept(subprotocol, headers)
        frames.release_handshake(self.base_send, self.scope)

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
