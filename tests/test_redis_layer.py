"""The Redis channel layer as the settings build it, against a real Redis (REDIS_URL).

A board socket reads its messages with a blocking pop that Redis answers
after ``brpop_timeout`` seconds when nothing came. redis-py gives up on a reply
after its own socket timeout, 5 seconds unless told: with the two equal,
whenever the server's event loop was busy as the empty answer came, the read
failed with a timeout, its connection was dropped, and a message popped at
that moment was in neither the channel nor its backup, lost until the page's
next heartbeat.
"""

import asyncio
import time
from contextlib import suppress
from unittest import skipUnless

from channels.layers import channel_layers
from django.conf import settings
from django.test import SimpleTestCase

from site_ops.pubsub import RedisPubSubChannelLayer
from site_ops.speedups.consumer import ended

REDIS = bool(settings.REDIS_URL)


@skipUnless(REDIS, "needs a real Redis (REDIS_URL)")
class BlockingReadTests(SimpleTestCase):
    def layer(self):
        layer = channel_layers.make_backend("default")
        if isinstance(layer, RedisPubSubChannelLayer):
            self.skipTest("the pub/sub layer reads in short polls, not a blocking pop")
        return layer

    def test_the_settings_wait_for_a_reply_longer_than_redis_blocks(self):
        layer = self.layer()
        pool = layer.create_pool(0)
        self.assertGreater(pool.connection_kwargs["socket_timeout"], layer.brpop_timeout)

    def test_an_empty_read_while_the_server_is_busy_ends_without_an_error(self):
        """One whole blocking read on an empty channel, the loop busy 70 ms of every 100 (a server rendering)."""
        layer = self.layer()

        async def read_while_busy():
            channel = await layer.new_channel()

            async def busy():
                while True:
                    await asyncio.sleep(0.03)
                    time.sleep(0.07)  # a render holding the loop

            render = asyncio.ensure_future(busy())
            read = asyncio.ensure_future(layer.receive(channel))
            try:
                # Longer than one blocking read: Redis's empty answer comes back within it.
                await asyncio.wait({read}, timeout=layer.brpop_timeout + 1.5)
                if read.done():
                    read.result()  # nothing was sent: only an error ends the read ("Timeout reading")
                # Nothing came, and the read is still waiting: as it should.
            finally:
                render.cancel()
                with suppress(asyncio.CancelledError):
                    await ended(read)
                await layer.close_pools()

        asyncio.run(read_while_busy())
