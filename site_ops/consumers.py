"""Board sockets: thin, as the live-update path asks.

On connect a consumer checks that the user may see the board, joins the
board's broadcast group (and the login session's group, so logging out closes
the socket), accepts and sends a snapshot. The broadcast handler only forwards
HTML. The heartbeat is the one receive path: it compares the client's
sequence number with the board's and resends the board when the client fell
behind, and it re-joins the broadcast groups so a Redis restart heals too.
"""

import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from site_ops import live, speedups
from site_ops.boards import board_for_key, site_for
from site_ops.speedups.consumer import OwnLoopMixin

logger = logging.getLogger(__name__)


# Close codes the page understands (see static/site_ops/live.js).
CLOSE_NOT_ALLOWED = 4403
CLOSE_SESSION_ENDED = 4401


class BoardConsumer(*((OwnLoopMixin,) if speedups.ENABLED else ()), AsyncWebsocketConsumer):
    # connect() joins the board's own groups; the stock list of fixed groups,
    # one empty list per socket, is not used.
    groups = ()

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
