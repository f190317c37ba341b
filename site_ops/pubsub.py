"""channels_redis's pub/sub layer, with what it leaves behind when Redis is down taken back.

Its ``new_channel`` files the channel's queue and then subscribes; when
subscribing fails (Redis down, restarting) the queue stayed, about 3 KB for
every socket that tried to open during an outage and for every health check
(a page retries every few seconds). Here a channel whose subscription failed
is forgotten. Everything else is the stock layer (settings.CHANNEL_LAYER=pubsub).

While Redis is down, the stock layer's receiving task logs a full traceback
every second; ``OutageOneLine`` (settings.LOGGING) makes that one line, and
one a minute while the outage lasts.
"""

import asyncio
import logging
import time

from channels_redis.pubsub import RedisPubSubChannelLayer as StockChannelLayer
from channels_redis.pubsub import RedisPubSubLoopLayer as StockLoopLayer
from channels_redis.utils import _wrap_close


class RedisPubSubLoopLayer(StockLoopLayer):
    async def _subscribe_to_channel(self, channel):
        try:
            await super()._subscribe_to_channel(channel)
        except BaseException:
            self.channels.pop(channel, None)
            raise


class RedisPubSubChannelLayer(StockChannelLayer):
    def _get_layer(self):
        # As stock, with the loop layer above.
        loop = asyncio.get_running_loop()
        try:
            return self._layers[loop]
        except KeyError:
            layer = self._layers[loop] = RedisPubSubLoopLayer(*self._args, **self._kwargs, channel_layer=self)
            _wrap_close(self, loop)
            return layer


class OutageOneLine(logging.Filter):
    """channels_redis's log while Redis is unreachable: one line, at most once a minute for the same error.

    Any other exception it logs keeps its traceback.
    """

    every_seconds = 60.0

    def __init__(self):
        super().__init__()
        self.last: dict[str, float] = {}

    def filter(self, record):
        from site_ops.live import LAYER_ERRORS

        error = record.exc_info[1] if record.exc_info else None
        if not isinstance(error, LAYER_ERRORS):
            return True
        said = f"{record.getMessage()}: Redis unavailable ({type(error).__name__}: {error})"
        now = time.monotonic()
        if now - self.last.get(said, float("-inf")) < self.every_seconds:
            return False
        self.last[said] = now
        record.msg, record.args = "%s", (said,)
        record.exc_info = record.exc_text = None
        return True
