"""Board sockets: thin, as the live-update path asks.

On connect a consumer checks that the user may see the board, joins the
board's broadcast group (and the login session's group, so logging out closes
the socket), accepts and sends a snapshot. The broadcast handler only forwards
HTML. The heartbeat is the one receive path: it compares the client's
sequence number with the board's and resends the board when the client fell
behind, and it re-joins the broadcast groups so a Redis restart heals too.
"""

import asyncio
import functools
import json
import logging
from contextlib import suppress

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from site_ops import live
from site_ops.boards import board_for_key, site_for

logger = logging.getLogger(__name__)

# A channel layer's transport failing, which a later receive may not meet.
LAYER_TRANSPORT_ERRORS = (OSError, asyncio.TimeoutError, RedisConnectionError, RedisTimeoutError)
LAYER_RETRY_SECONDS = 0.2
LAYER_RETRY_MAX_SECONDS = 5.0

# Close codes the page understands (see static/site_ops/live.js).
CLOSE_NOT_ALLOWED = 4403
CLOSE_SESSION_ENDED = 4401


class BoardConsumer(AsyncWebsocketConsumer):
    # connect() joins the board's own groups; the stock list of fixed groups,
    # one empty list per socket, is not used.
    groups = ()

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
        """
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = await self.channel_layer.new_channel()
        self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
        self.base_send = send
        self.in_order = asyncio.Lock()
        reader = asyncio.create_task(self.read_layer(asyncio.current_task()))
        try:
            while True:
                await self.handle(await receive())
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
                except LAYER_TRANSPORT_ERRORS as error:
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

    async def connect(self):
        self.board_key = self.board_key_from_route(self.scope["url_route"]["kwargs"])
        query = dict(pair.split("=", 1) for pair in self.scope["query_string"].decode().split("&") if "=" in pair)
        self.language = query.get("lang") if query.get("lang") in live.languages() else live.languages()[0]
        floor = query.get("floor", "")
        self.params = {"floor": int(floor)} if floor.lstrip("-").isdigit() else {}
        self.site_id = await self.allowed_site_id()
        if self.site_id is None:
            # Accept then close, so the browser sees our code and does not
            # retry a socket it may never open.
            await self.accept()
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        self.groups_joined = (live.broadcast_group(self.site_id, self.board_key, self.language),)
        session_key = self.scope["session"].session_key
        if session_key:
            self.groups_joined += (live.session_group(session_key),)
        await self.join_groups()
        await self.accept()
        await self.send_snapshot()

    def board_key_from_route(self, kwargs) -> str:
        if "room_id" in kwargs:
            return f"room-{kwargs['room_id']}"
        if "person_id" in kwargs:
            return f"person-{kwargs['person_id']}"
        if "transfer_id" in kwargs:
            return f"transfer-{kwargs['transfer_id']}"
        return kwargs["board"]

    @database_sync_to_async
    def allowed_site_id(self) -> int | None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return None
        try:
            board = board_for_key(self.board_key)
        except KeyError:
            return None
        return site_for(user, board)

    async def join_groups(self):
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def send_snapshot(self):
        await self.send(text_data=await self.snapshot())

    @database_sync_to_async
    def snapshot(self) -> str:
        from django.utils import translation

        # Read the number first: if a change commits while we render, the
        # client holds an older number and its next heartbeat catches up.
        seq = live.current_seq(self.site_id, self.board_key)
        with translation.override(self.language):
            html = board_for_key(self.board_key).render_snapshot(self.site_id, self.params)
        return html + live.seq_tag(seq)

    @database_sync_to_async
    def board_seq(self) -> int:
        return live.current_seq(self.site_id, self.board_key)

    async def receive(self, text_data=None, bytes_data=None):
        try:
            message = json.loads(text_data or "{}")
        except ValueError:
            return
        if message.get("type") != "heartbeat":
            return
        # Re-joining is idempotent; it restores membership a restarted Redis lost.
        await self.join_groups()
        try:
            client_seq = int(message.get("seq", -1))
        except (TypeError, ValueError):
            client_seq = -1
        if client_seq < await self.board_seq():
            await self.send_snapshot()
        else:
            await self.send(text_data='<div id="live-ack" hidden></div>')

    # Broadcast handlers: forward only, no database work.

    async def board_html(self, event):
        # What AsyncWebsocketConsumer.send does, without its two hops.
        await self.base_send({"type": "websocket.send", "text": event["html"]})

    async def session_ended(self, event):
        await self.close(code=CLOSE_SESSION_ENDED)
