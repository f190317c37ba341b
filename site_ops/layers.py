"""A channel layer with the stock in-memory layer's per-socket costs removed.

bench/README.md has the profiles and the figures before and after.
"""

import asyncio
import time
from contextlib import suppress
from copy import deepcopy

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer as StockInMemoryChannelLayer


class InMemoryChannelLayer(StockInMemoryChannelLayer):
    """The in-memory layer, same behaviour, with three costs taken out of a broadcast.

    - The stock layer sweeps every queue and every group for expired messages
      on each ``receive`` and ``group_send``: after a broadcast to N sockets,
      each of the N receivers sweeps N members, so one broadcast costs N².
      Messages expire after ``expiry`` seconds (60); a sweep a second is enough.
    - The stock ``send`` and ``receive`` build a new ``asyncio.Queue`` on every
      call (``setdefault``'s default is built even when the queue exists), and
      ``receive`` drops the queue each time it is emptied, so the next message
      builds another. Here a channel's queue lives while its consumer waits on
      it, and goes when the consumer stops waiting (its receive is cancelled).
    - ``group_send`` puts the messages straight into the queues instead of
      starting one task per member.
    """

    sweep_interval = 1.0
    _next_sweep = 0.0

    def _clean_expired(self):
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.sweep_interval
            super()._clean_expired()

    def _queue(self, channel) -> asyncio.Queue:
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        return queue

    async def send(self, channel, message):
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        try:
            self._queue(channel).put_nowait((time.time() + self.expiry, deepcopy(message)))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    async def receive(self, channel):
        self.require_valid_channel_name(channel)
        self._clean_expired()
        queue = self._queue(channel)
        try:
            _expires, message = await queue.get()
        except asyncio.CancelledError:
            if queue.empty():
                self.channels.pop(channel, None)
            raise
        return message

    async def group_send(self, group, message):
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        for channel in list(self.groups.get(group, ())):
            with suppress(ChannelFull):
                await self.send(channel, message)
