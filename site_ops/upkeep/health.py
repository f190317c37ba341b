"""What ``/healthz`` checks: the database answers a query, the channel layer carries a message.

Each check says "ok" or what went wrong in one word ("error", "timeout");
the details go to the log, not to whoever asks (the endpoint needs no login).
"""

import asyncio
import logging
from contextlib import suppress

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection

from site_ops.live import LAYER_ERRORS

logger = logging.getLogger(__name__)

# A healthy layer answers in milliseconds; a monitor waits a few seconds at most.
CHANNEL_LAYER_TIMEOUT_SECONDS = 2.0


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("health check: the database failed")
        return "error"
    return "ok"


def check_channel_layer() -> str:
    try:
        async_to_sync(_checked)(get_channel_layer())
    except TimeoutError:
        logger.error("health check: the channel layer did not answer within %ss", CHANNEL_LAYER_TIMEOUT_SECONDS)
        return "timeout"
    except LAYER_ERRORS as error:
        # Redis down: one line each time a monitor asks, not a traceback.
        logger.error("health check: the channel layer is unreachable (%s: %s)", type(error).__name__, error)
        return "error"
    except Exception:
        logger.exception("health check: the channel layer failed")
        return "error"
    return "ok"


async def _checked(layer) -> None:
    """The round trip, tried once more when the layer's connection failed: the
    first use of a connection pooled before Redis restarted fails, and a
    restarted Redis is not a failed check."""
    try:
        await _round_trip(layer)
    except TimeoutError:
        raise  # a layer that does not answer is not asked twice
    except LAYER_ERRORS:
        await _round_trip(layer)


async def _round_trip(layer) -> None:
    """Send a message to a throwaway channel of this process and read it back."""
    if layer is None:
        raise RuntimeError("no channel layer is configured")
    channel = None
    try:
        async with asyncio.timeout(CHANNEL_LAYER_TIMEOUT_SECONDS):
            channel = await layer.new_channel("healthz.")
            await layer.send(channel, {"type": "healthz.ping"})
            message = await layer.receive(channel)
    finally:
        if channel is not None:
            # A receive that is cancelled makes every layer drop the channel
            # (Redis pub/sub unsubscribes from it): no check, passed or
            # failed, leaves anything behind.
            with suppress(Exception):
                await asyncio.wait_for(layer.receive(channel), 0.01)
    if message.get("type") != "healthz.ping":
        raise RuntimeError(f"the channel layer returned another message: {message.get('type')!r}")


def health() -> dict[str, str]:
    return {"database": check_database(), "channel_layer": check_channel_layer()}
