"""A channel layer with the stock in-memory layer's per-socket costs removed.

bench/README.md has the profiles and the figures before and after.
"""

import asyncio
import threading
import time
from contextlib import suppress
from copy import deepcopy

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer as StockInMemoryChannelLayer

from site_ops.speedups.frames import FrameCache


class InMemoryChannelLayer(StockInMemoryChannelLayer):
    """The in-memory layer, same behaviour, with the costs of a broadcast and of an idle socket taken out.

    - The stock layer sweeps every queue and every group for expired messages
      on each ``receive`` and ``group_send``: after a broadcast to N sockets,
      each of the N receivers sweeps N members, so one broadcast costs N².
      Messages expire after ``expiry`` seconds (60); a sweep a second is enough.
    - The stock ``send`` and ``receive`` build a new ``asyncio.Queue`` on every
      call (``setdefault``'s default is built even when the queue exists), and
      ``receive`` drops the queue each time it is emptied, so the next message
      builds another. Here a channel's queue lives while its consumer waits on
      it, and goes when the consumer stops waiting (its receive is cancelled).
    - The queue is a ``ChannelQueue``, not an ``asyncio.Queue``: every board
      socket keeps one for its whole life, and an ``asyncio.Queue`` costs
      about 3 KB of memory.
    - ``group_send`` puts the messages straight into the queues instead of
      starting one task per member.
    - The stock layer deep-copies a message for every receiver. A message
      whose values are all immutable (a broadcast's is a dict of strings) is
      copied shallowly instead: each receiver still gets a dict of its own, so
      one receiver changing its message changes neither another's nor the
      sender's. A message holding a list or a dict is deep-copied as before.
    """

    sweep_interval = 1.0
    _next_sweep = 0.0

    def stale_groups(self, groups, channel) -> list:
        """Of ``groups``, those ``channel`` is not in, or joined more than half
        the group expiry ago: what a board socket's heartbeat joins again
        (site_ops/consumers.py). A dict lookup each, where joining is a call
        per group; on Redis, which loses every group when it restarts, the
        heartbeat joins them all."""
        refresh_before = time.time() - self.group_expiry / 2
        return [group for group in groups if self.groups.get(group, {}).get(channel, 0) < refresh_before]

    def _clean_expired(self):
        """Drop expired messages and group memberships, as stock, at most once a sweep interval."""
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.sweep_interval
        wall = time.time()
        for channel, queue in list(self.channels.items()):
            if queue.drop_expired(wall):
                # A message left unread for a minute: nobody reads the channel.
                self._remove_from_groups(channel)
                if queue.idle():
                    del self.channels[channel]
        joined_before = int(wall) - self.group_expiry
        for members in self.groups.values():
            for channel, joined in list(members.items()):
                if joined and joined < joined_before:
                    del members[channel]

    def _queue(self, channel) -> "ChannelQueue":
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = ChannelQueue(self.get_capacity(channel))
        return queue

    async def send(self, channel, message):
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        if not self._queue(channel).put((time.time() + self.expiry, copier(message)(message))):
            raise ChannelFull(channel)

    async def receive(self, channel):
        # The sweep first: it may drop this channel's queue (its messages
        # expired unread), and the receive must then wait on the new one
        # that sends will fill.
        self._clean_expired()
        queue = self.channels.get(channel)
        if queue is None:
            # A name is checked when its queue is made, not on every receive
            # of a socket's life (a sixth of the layer's cost per message).
            self.require_valid_channel_name(channel)
            queue = self._queue(channel)
        # The loop the sockets wait in, for group_send_soon.
        self.loop = asyncio.get_running_loop()
        try:
            _expires, message = await queue.get()
        except asyncio.CancelledError:
            if queue.idle() and self.channels.get(channel) is queue:
                del self.channels[channel]
            raise
        return message

    loop = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._handed = threading.local()  # whether a thread handed messages over since it last waited
        # Channels whose consumer may take a broadcast's message at once
        # (frames.py): channel -> (consumer, its connection's writer, its loop).
        self.direct = {}

    def take_directly(self, channel: str, consumer, writer) -> None:
        """Let ``consumer`` take the fragments sent to ``channel`` at once, written by ``writer``,
        when its ``take_now`` says it can (from its own event loop only)."""
        self.direct[channel] = (consumer, writer, asyncio.get_running_loop())

    def stop_taking(self, channel: str) -> None:
        self.direct.pop(channel, None)

    def group_send_soon(self, messages) -> bool:
        """Hand (group, message) pairs to the event loop the sockets wait in, without waiting.

        The live path calls this from the thread a view runs in: waiting for
        the loop to take the messages (``async_to_sync``) held the view's
        thread for a round trip on every change. False, and nothing sent,
        when no such loop is running (the caller then sends as usual).
        """
        loop = self.loop
        if loop is None or not loop.is_running():
            return False
        loop.call_soon_threadsafe(self._group_send_all, messages)
        self._handed.over = True
        return True

    def wait_handed_over(self, timeout: float) -> bool:
        """Wait until the sockets' loop has sent what this thread handed it with ``group_send_soon``.

        That is, until the loop has put the messages in the sockets' queues
        and run the step each of them woke: a board socket's send (one step,
        unless the server makes it wait for the network; that rest is not
        waited for). Returns at once if this thread handed nothing over, or
        is the loop's own. False if the loop had not got there in ``timeout``
        seconds.
        """
        if not getattr(self._handed, "over", False):
            return True
        self._handed.over = False
        loop = self.loop
        if loop is None or not loop.is_running() or _running_loop() is loop:
            return True
        sent = threading.Event()
        after_woken_steps(loop, sent.set)
        return sent.wait(timeout)

    def _group_send_all(self, messages):
        for group, message in messages:
            self._group_send(group, message)

    async def group_send(self, group, message):
        self._group_send(group, message)

    def _group_send(self, group, message):
        assert isinstance(message, dict), "Message is not a dict"
        assert "__asgi_channel__" not in message
        self.require_valid_group_name(group)
        self._clean_expired()
        # The members' names were checked when they joined. Nothing here
        # awaits, so the group cannot change while it is walked.
        copy = copier(message)
        expires = time.time() + self.expiry
        direct, frames = self.direct, None
        if direct and message.get("type") == "board.html":
            frames = FrameCache(message["html"])
        loop = _running_loop()
        for channel in self.groups.get(group, ()):
            if frames is not None:
                # A consumer waiting for the layer with nothing queued takes
                # the fragment now, framed once for all (frames.py); a queued
                # message is never overtaken.
                taker = direct.get(channel)
                if taker is not None and taker[2] is loop:
                    queue = self.channels.get(channel)
                    if (queue is None or not queue.messages) and taker[0].take_now(taker[1], frames):
                        continue
            # As stock, a full channel misses the broadcast.
            self._queue(channel).put((expires, copy(message)))


def after_woken_steps(loop: asyncio.AbstractEventLoop, callback) -> None:
    """From another thread: run ``callback`` in ``loop`` after what was handed to it so far
    and after the steps of the sockets' tasks that wakes (their sends).

    Queued twice: the first hop runs after the hand-overs queued before it,
    the second after the task steps those woke, queued meanwhile.
    """
    loop.call_soon_threadsafe(loop.call_soon, callback)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class ChannelQueue:
    """One channel's messages and waiting receivers: what the layer needs of an ``asyncio.Queue``.

    An ``asyncio.Queue`` keeps four deques and an event, about 3 KB, for each
    board socket, however idle; this keeps two short lists. As in
    ``asyncio.Queue``, receivers are served first come, first served, and a
    message whose receiver is cancelled after being woken goes to the next.
    """

    __slots__ = ("capacity", "messages", "receivers")

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.messages = []  # (expires, message), oldest first
        self.receivers = []  # futures of the receives waiting, oldest first

    def idle(self) -> bool:
        return not self.messages and not self.receivers

    def put(self, item) -> bool:
        """Queue the item unless the channel is full; whether it was queued."""
        if 0 < self.capacity <= len(self.messages):
            return False
        self.messages.append(item)
        self.wake_one()
        return True

    def wake_one(self):
        while self.receivers:
            receiver = self.receivers.pop(0)
            if not receiver.done():
                receiver.set_result(None)
                return

    async def get(self):
        while not self.messages:
            receiver = asyncio.get_running_loop().create_future()
            self.receivers.append(receiver)
            try:
                await receiver
            except asyncio.CancelledError:
                if receiver.cancelled():
                    with suppress(ValueError):  # wake_one may have dropped it already
                        self.receivers.remove(receiver)
                elif self.messages:
                    self.wake_one()  # woken, then cancelled: the message goes to the next
                raise
        return self.messages.pop(0)

    def drop_expired(self, now: float) -> bool:
        """Drop the messages that expired (the oldest come first); whether there were any."""
        expired = 0
        for expires, _message in self.messages:
            if expires >= now:
                break
            expired += 1
        del self.messages[:expired]
        return expired > 0


# Values nothing can change in place: a shallow copy of a message made of
# these shares nothing a receiver could alter.
IMMUTABLE = frozenset({str, bytes, int, float, bool, type(None)})


def copier(message: dict):
    """How to copy a message for each receiver: shallowly when that isolates it."""
    if all(type(value) in IMMUTABLE for value in message.values()):
        return dict
    return deepcopy
