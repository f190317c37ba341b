"""Channel layers with the stock costs that grow with the number of sockets removed.

bench/README.md has the profiles and the figures before and after.
"""

import time
from contextlib import suppress

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer as StockInMemoryChannelLayer


class InMemoryChannelLayer(StockInMemoryChannelLayer):
    """The in-memory layer, with its expiry sweep done at most once a second.

    The stock layer sweeps every queue and every group on each ``receive`` and
    ``group_send``: after a broadcast to N sockets each of the N receivers
    sweeps N members, so one broadcast costs N². Messages expire after
    ``expiry`` seconds (60), so a sweep a second loses nothing. ``group_send``
    also puts the messages straight into the queues instead of starting one
    task per member.
    """

    sweep_interval = 1.0
    _next_sweep = 0.0

    def _clean_expired(self):
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.sweep_interval
            super()._clean_expired()

    async def group_send(self, group, message):
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        for channel in list(self.groups.get(group, ())):
            with suppress(ChannelFull):
                await self.send(channel, message)
