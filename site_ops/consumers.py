"""Board sockets: thin, as the live-update path asks.

On connect a consumer checks that the user may see the board, joins the
board's broadcast group (and the login session's group, so logging out closes
the socket), accepts and sends a snapshot. The broadcast handler only forwards
HTML. The heartbeat is the one receive path: it compares the client's
sequence number with the board's and resends the board when the client fell
behind, and it re-joins the broadcast groups so a Redis restart heals too.

The right to the board is checked again on every heartbeat and whenever the
user's account changes (``live.recheck_user_sockets``). On a heartbeat the
rows the check depends on are read, with those of the other heartbeats of
the moment (site_ops/heartbeats.py), in written-out statements, and the
full check runs only when they changed since it last passed. A session that ended
or expired closes the socket with 4401, a stopped account with 4402, a right
that is gone (out of the group, moved to another site) with 4403, and nothing of the board
is sent after that. A frame the page would never send (not a JSON object,
an unknown type, a sequence number that is not a whole number) closes the
socket with 1008 and one log line.
"""

import asyncio
import contextlib
import contextvars
import json
import logging
import time
from functools import partial

from channels.auth import AuthMiddleware
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from site_ops import clock, heartbeats, live, speedups
from site_ops.boards import BOARDS, access_inputs, board_for_key, site_for
from site_ops.inputs import whole_number
from site_ops.speedups.consumer import OwnLoopMixin

logger = logging.getLogger(__name__)


# Close codes the page understands (see static/site_ops/live.js).
CLOSE_NOT_ALLOWED = 4403
CLOSE_SESSION_ENDED = 4401
CLOSE_ACCOUNT_STOPPED = 4402
CLOSE_POLICY = 1008
# A page behind the board gets the whole board again, at most this often:
# a socket asking for snapshots in a loop cannot make the server render them.
SNAPSHOT_MIN_SECONDS = 3.0
# How long joining or leaving the broadcast groups may wait for the channel
# layer (Redis answers in well under a millisecond).
LAYER_TIMEOUT_SECONDS = 1.0


def silent_check_seconds() -> float:
    """How long a socket may send no heartbeat before its right is checked without one: six of the page's."""
    return 6 * settings.LIVE_HEARTBEAT_SECONDS


class BoardConsumer(*((OwnLoopMixin,) if speedups.ENABLED else ()), AsyncWebsocketConsumer):
    # connect() joins the board's own groups; the stock list of fixed groups,
    # one empty list per socket, is not used.
    groups = ()
    # Set once the socket may no longer show its board (or never could):
    # whatever the page still sends is ignored.
    revoked = False
    last_snapshot = float("-inf")
    # What the right to the board was last checked in full against (right_inputs).
    verified_inputs = None

    async def connect(self):
        self.board_key = self.board_key_from_route(self.scope["url_route"]["kwargs"])
        query = dict(pair.split("=", 1) for pair in self.scope["query_string"].decode().split("&") if "=" in pair)
        self.language = query.get("lang") if query.get("lang") in live.languages() else live.languages()[0]
        floor = whole_number(query.get("floor"))
        self.params = {"floor": floor} if floor is not None else {}
        # A board filtered to the people on the care ledger stays filtered when it is resent.
        if query.get("care") == "1":
            self.params["care"] = True
        self.site_id = await apart(self.allowed_site_id())
        if self.site_id is None:
            # Accept then close, so the browser sees our code and does not
            # retry a socket it may never open.
            await self.accept()
            await self.close_for(CLOSE_NOT_ALLOWED)
            return
        self.groups_joined = (live.broadcast_group(self.site_id, self.board_key, self.language),)
        self.groups_joined += (live.user_group(self.scope["user"].pk),)
        session_key = self.scope["session"].session_key
        if session_key:
            self.groups_joined += (live.session_group(session_key),)
        await self.join_groups()
        await self.accept()
        self.last_checked = time.monotonic()
        self.watch_silence()
        await self.send_snapshot()
        # The process that serves board sockets keeps what time changes on them current.
        clock.start()

    def board_key_from_route(self, kwargs) -> str:
        if "room_id" in kwargs:
            return f"room-{kwargs['room_id']}"
        if "person_id" in kwargs:
            return f"person-{kwargs['person_id']}"
        if "transfer_id" in kwargs:
            return f"transfer-{kwargs['transfer_id']}"
        if "escort_id" in kwargs:
            return f"escort-{kwargs['escort_id']}"
        if "page" in kwargs:
            return f"{kwargs['page']}-{kwargs['pk']}"
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
        await self.on_groups(self.channel_layer.group_add, self.groups_joined)

    async def keep_groups(self):
        """Join the groups again: those a layer that can say so (the in-memory
        one) says the socket left or is about to leave, else all of them."""
        stale = getattr(self.channel_layer, "stale_groups", None)
        groups = stale(self.groups_joined, self.channel_name) if stale else self.groups_joined
        if groups:
            await self.on_groups(self.channel_layer.group_add, groups)

    async def disconnect(self, code):
        if self.silence_timer is not None:
            self.silence_timer.cancel()
        await self.on_groups(self.channel_layer.group_discard, getattr(self, "groups_joined", ()))

    silence_timer = None

    def watch_silence(self) -> None:
        """Check the right of a socket that sends no heartbeat all the same.

        The page sends one every LIVE_HEARTBEAT_SECONDS and each is checked;
        a client that sends none (not the page) would otherwise go on
        receiving its board after its session expired, or after a change to
        its account that a Redis outage kept from reaching it.
        """
        every = silent_check_seconds()
        loop = asyncio.get_running_loop()
        self.silence_timer = loop.call_later(every, self.silence_checked)

    def silence_checked(self) -> None:
        if self.revoked or getattr(self, "disconnected", False):
            return
        if time.monotonic() - self.last_checked >= silent_check_seconds() * 0.9:
            self.silent_check = apart(self.check_silent())
        self.watch_silence()

    async def check_silent(self) -> None:
        try:
            code, _seq = await self.heartbeat_state()
        except Exception:  # noqa: BLE001 - the database or the layer down: the next round checks again
            logger.warning("board socket %s: its right could not be checked", self.channel_name, exc_info=True)
            return
        self.last_checked = time.monotonic()
        if code:
            await self.close_for(code)

    async def on_groups(self, action, groups) -> None:
        """Join or leave the groups, unless the channel layer does not answer in time.

        A hung or restarting Redis does not end the socket: the board is still
        sent from the database, the next heartbeat joins again, and a group
        left behind expires by itself (channels_redis's group expiry).
        """
        try:
            async with asyncio.timeout(LAYER_TIMEOUT_SECONDS):
                for group in groups:
                    await action(group, self.channel_name)
        except live.LAYER_ERRORS as error:
            logger.warning("board socket %s: channel layer unavailable (%r); joins again", self.channel_name, error)

    async def send_snapshot(self):
        await self.send(text_data=await apart(self.snapshot()))

    @database_sync_to_async
    def snapshot(self) -> str:
        # One render serves every socket of the same audience at the same
        # number (live.SnapshotCache): what a reconnect storm asks for. What
        # the board clock's first tick compares with is read before the
        # board's first snapshot in this process, from the snapshot's own
        # reads (site_ops/clock.py).
        baseline = partial(clock.baseline, self.site_id, self.board_key)
        return live.snapshot(self.site_id, self.board_key, self.language, self.params, first=baseline)

    def lost_right(self) -> int | None:
        """Why this socket may no longer show its board (a close code), or None.

        Read afresh: the login session (ended, expired, or its password
        changed), the account (deactivated) and the right to the board (the
        groups and the site).
        """
        session = self.scope["session"]
        data = session.__class__(session.session_key).load() if session.session_key else {}
        user = get_user_model().objects.filter(pk=self.scope["user"].pk).first()
        if user is not None and not user.is_active:
            # Stopped by the site head: the page says so, not that the login ended.
            return CLOSE_ACCOUNT_STOPPED
        if user is None or str(data.get(SESSION_KEY)) != str(user.pk):
            return CLOSE_SESSION_ENDED
        if not constant_time_compare(data.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()):
            return CLOSE_SESSION_ENDED
        if site_for(user, board_for_key(self.board_key)) != self.site_id:
            return CLOSE_NOT_ALLOWED
        return None

    def right_inputs(self, sessions: dict | None = None, accounts: dict | None = None) -> tuple | None:
        """Every row ``lost_right`` decides by, as read now, or None where
        that is more than these rows (a page of one record, a board across
        sites): the session's stored data while it has not expired, and the
        account, its groups and its site (``boards.access_inputs``).

        The same rows give the same answer: the session's data holds the
        user and the password's hash it was opened with, and the account's
        password is what that hash is made from.

        ``sessions`` (session key -> data) and ``accounts`` (user id -> its
        rows, filled as read): what a batch of heartbeats read for them all.
        """
        board = BOARDS.get(self.board_key)
        key = self.scope["session"].session_key
        if board is None or getattr(board, "district_id", None) is not None or not key:
            return None
        user_id = self.scope["user"].pk
        if accounts is not None and user_id in accounts:
            user_inputs = accounts[user_id]
        else:
            user_inputs = access_inputs(user_id)
            if accounts is not None:
                accounts[user_id] = user_inputs
        if user_inputs is None:
            return None
        if sessions is None:
            sessions = live_sessions({key})
        return (sessions.get(key), user_inputs)

    def lost_right_since(self, sessions: dict | None = None, accounts: dict | None = None) -> int | None:
        """``lost_right``, run in full only when what it reads changed since it last passed."""
        inputs = self.right_inputs(sessions, accounts)
        if inputs is not None and inputs == self.verified_inputs:
            return None
        code = self.lost_right()
        self.verified_inputs = inputs if code is None else None
        return code

    async def heartbeat_state(self) -> tuple[int | None, int]:
        """The close code if the right is gone, else the board's number: read
        with the other heartbeats of the moment (site_ops/heartbeats.py)."""
        return await heartbeats.batch_for(BoardConsumer.heartbeat_states).state(self)

    @staticmethod
    def heartbeat_states(consumers: list) -> list:
        """``heartbeat_state`` of several sockets, in Django's thread: their
        sessions in one statement, their boards' numbers in one, each account
        once. A socket whose check fails gets its error; the others go on."""
        sessions = live_sessions({consumer.scope["session"].session_key for consumer in consumers} - {None, ""})
        numbers = live.current_seqs({(consumer.site_id, consumer.board_key) for consumer in consumers})
        accounts, states = {}, []
        for consumer in consumers:
            try:
                code = consumer.lost_right_since(sessions, accounts)
                states.append((code, 0 if code else numbers[(consumer.site_id, consumer.board_key)]))
            except Exception as error:  # noqa: BLE001 - handed to that socket's heartbeat, which raises it
                states.append(error)
        return states

    def ordered(self):
        """What keeps this socket's sends in order with its broadcasts: the
        lock the own loop handles the layer's messages under (speedups), or
        nothing where channels' loop handles one message at a time."""
        return getattr(self, "in_order", None) or contextlib.nullcontext()

    async def close_for(self, code: int) -> None:
        self.revoked = True
        await self.close(code=code)

    async def refuse_frame(self, why: str) -> None:
        logger.warning("board socket %s: %s; closed", self.channel_name, why)
        await self.close_for(CLOSE_POLICY)

    async def receive(self, text_data=None, bytes_data=None):
        if self.revoked:
            return
        try:
            message = json.loads(text_data or "")
        except (ValueError, RecursionError):  # not JSON, or nested past what the parser takes
            await self.refuse_frame("a frame that is not JSON")
            return
        if not isinstance(message, dict) or message.get("type") != "heartbeat":
            await self.refuse_frame("a frame that is not a heartbeat")
            return
        client_seq = message.get("seq", -1)
        if isinstance(client_seq, bool) or not isinstance(client_seq, int) or not -1 <= client_seq < 2**63:
            await self.refuse_frame("a heartbeat whose number is not a whole number")
            return
        code, board_seq = await self.heartbeat_state()
        self.last_checked = time.monotonic()
        if code:
            await self.close_for(code)
            return
        # Re-joining is idempotent; it restores membership a restarted Redis
        # lost, and a Redis that does not answer delays the reply by at most
        # LAYER_TIMEOUT_SECONDS.
        await self.keep_groups()
        # The snapshot is rendered and sent in its place among the broadcasts:
        # one that arrives meanwhile follows it (it is newer than the snapshot).
        async with self.ordered():
            if self.revoked:
                return
            if client_seq < board_seq and time.monotonic() - self.last_snapshot >= SNAPSHOT_MIN_SECONDS:
                self.last_snapshot = time.monotonic()
                await self.send_snapshot()
            else:
                await self.send(text_data='<div id="live-ack" hidden></div>')

    # Broadcast handlers: forward only, no database work.

    async def board_html(self, event):
        # What AsyncWebsocketConsumer.send does, without its two hops.
        if not self.revoked:
            await self.base_send({"type": "websocket.send", "text": event["html"]})

    async def board_resync(self, event):
        """The site's set-up changed what the board is made of (``live.resync_site``): the whole board.

        The one broadcast that reads: a snapshot, rendered once for the
        audience at the board's new number, in its place among the broadcasts.
        """
        if not self.revoked:
            self.last_snapshot = time.monotonic()
            await self.send_snapshot()

    async def session_ended(self, event):
        await self.close_for(CLOSE_SESSION_ENDED)

    async def access_changed(self, event):
        """The user's account changed (live.recheck_user_sockets): check the
        right now, alone (it holds the socket's broadcasts meanwhile, so it
        does not wait for a batch of heartbeats)."""
        code = await apart(database_sync_to_async(self.lost_right_since)())
        if code:
            await self.close_for(code)


def apart(coroutine):
    """Run ``coroutine`` (a database read in Django's thread) in a task of its own, on a copy of the context.

    After every ``sync_to_async`` call asgiref copies what the thread left in
    its context-local storage (the language, the URL configuration, ...)
    back into the awaiting task's context. A socket's task lives as long as
    the socket, and so did those copies: about 11 KB a socket. A task of its
    own ends, and its context with it (bench/README.md, round four).
    """
    return asyncio.create_task(coroutine, context=contextvars.copy_context())


class BoardAuthMiddleware(AuthMiddleware):
    """channels' ``AuthMiddleware``, reading the socket's user ``apart``."""

    async def resolve_scope(self, scope):
        await apart(super().resolve_scope(scope))


def live_sessions(keys: set[str]) -> dict[str, str]:
    """The stored data of the login sessions among ``keys`` that have not expired: one statement."""
    if not keys:
        return {}
    quote = connection.ops.quote_name
    table, data, key, expires = (
        quote(name) for name in (Session._meta.db_table, "session_data", "session_key", "expire_date")
    )
    # Only table and column names and placeholders go into the text; every value is a parameter.
    sql = f"SELECT {key}, {data} FROM {table} WHERE {key} IN ({', '.join(['%s'] * len(keys))}) AND {expires} > %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*sorted(keys), connection.ops.adapt_datetimefield_value(timezone.now())])
        return dict(cursor.fetchall())


class NoSuchSocket(AsyncWebsocketConsumer):
    """A socket to a path that has no board: refused at the handshake (403)."""

    async def connect(self):
        await self.close()
