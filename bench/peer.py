"""The peer: board sockets the way a Channels project is usually written.

The consumer is channels' stock ``AsyncWebsocketConsumer`` behind channels'
own session and auth middleware. After a change commits, one small "board
changed" event (what the change touched) goes to the board's group; each
consumer then reads and renders the change itself, for its own client, in its
client's language: one render per socket, through ``database_sync_to_async``.
What it renders is exactly what the application sends (the board's
``render_change``), so the two differ only in where the render happens. On
connect the peer sends a short hello rather than a snapshot (its snapshots
are not measured).

Installed by bench/asgi.py: ``live.send_change`` is wrapped so that the same
room moves, through the same view, also tell the peer's groups.
"""

from channels.auth import AuthMiddleware
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.urls import path
from django.utils import translation

from bench import probes
from site_ops import live
from site_ops.boards import Change, board_for_key, site_for


def peer_group(site_id: int, key: str) -> str:
    return f"peer-{site_id}.{key}"


class PeerConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.board_key = self.scope["url_route"]["kwargs"]["board"]
        query = dict(pair.split("=", 1) for pair in self.scope["query_string"].decode().split("&") if "=" in pair)
        self.language = query.get("lang") if query.get("lang") in live.languages() else live.languages()[0]
        self.site_id = await database_sync_to_async(self.allowed_site_id)()
        if self.site_id is None:
            await self.close()
            return
        self.group = peer_group(self.site_id, self.board_key)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send(text_data="<!--peer-hello-->")

    def allowed_site_id(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return None
        return site_for(user, board_for_key(self.board_key))

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def board_changed(self, event):
        await self.send(text_data=await self.render(event))

    @database_sync_to_async
    def render(self, event) -> str:
        probes.peer_renders[0] += 1
        change = Change(
            site_id=event["site_id"],
            rooms=frozenset(event["rooms"]),
            persons=frozenset(event["persons"]),
            transfers=frozenset(event["transfers"]),
            topics=frozenset(event["topics"]),
        )
        with translation.override(self.language):
            return board_for_key(self.board_key).render_change(change) + live.seq_tag(event["seq"])


application = AllowedHostsOriginValidator(
    CookieMiddleware(
        SessionMiddleware(
            AuthMiddleware(URLRouter([path("bench/peer/ws/boards/<slug:board>/", PeerConsumer.as_asgi())]))
        )
    )
)


_send_change = live.send_change


def send_change(change, seqs, site=None, **how):
    """The application's broadcast, then the peer's "board changed" events (to boards someone has open there)."""
    _send_change(change, seqs, site=site, **how)
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    event = {
        "type": "board.changed",
        "site_id": change.site_id,
        "rooms": sorted(change.rooms),
        "persons": sorted(change.persons),
        "transfers": sorted(change.transfers),
        "topics": sorted(change.topics),
    }
    messages = [
        (peer_group(change.site_id, key), {**event, "seq": seq})
        for key, seq in seqs.items()
        if live.has_audience(layer, peer_group(change.site_id, key))
    ]
    if messages:
        live.send_all(messages)


live.send_change = send_change
