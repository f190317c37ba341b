"""channels_redis's pub/sub layer, with what it leaves behind when Redis is down taken back.

Its ``new_channel`` files the channel's queue and then subscribes; when
subscribing fails (Redis down, restarting) the queue stayed, about 3 KB for
every socket that tried to open during an outage and for every health check
(a page retries every few seconds). Here a channel whose subscription failed
is forgotten. Everything else is the stock layer (settings.CHANNEL_LAYER=pubsub).
"""

import asyncio

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
