"""However a board socket ends, it leaves nothing in the channel layer; a socket that never
heartbeats loses its board with its right all the same; Redis down refuses sockets, it does not fail them."""

import asyncio
from unittest import mock

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.contrib.sessions.models import Session
from django.test import SimpleTestCase, TestCase, override_settings
from django.utils import timezone

from rooms import services
from site_ops import consumers, speedups
from site_ops.pubsub import RedisPubSubChannelLayer
from site_ops.speedups.layers import InMemoryChannelLayer
from tests.base import LiveTestCase, SocketMixin


def channels_of(layer, prefix="") -> set[str]:
    return {name for name in layer.channels if name.startswith(prefix)}


def members(layer) -> set[tuple[str, str]]:
    """(group, channel) for every membership."""
    return {(name, channel) for name, group in layer.groups.items() for channel in group}


class SocketEndTests(SocketMixin, LiveTestCase):
    def setUp(self):
        super().setUp()
        self.layer = get_channel_layer()
        if not isinstance(self.layer, InMemoryChannelLayer) or not speedups.ENABLED:
            self.skipTest("reads the in-memory layer's own channels and groups, under the socket's own loop")
        # What sockets of earlier tests left in the process's one layer is not this test's to count.
        async_to_sync(self.layer.flush)()

    async def test_a_page_gone_mid_send_leaves_its_groups_and_its_channel(self):
        socket, _client = await self.open_logged_in("/ws/boards/general/?lang=en", self.clerk)
        self.assertEqual(len(members(self.layer)), 3)  # the board, the user, the session

        async def gone(consumer, event):
            raise OSError("the page is gone")  # what the server raises for a send to a closed socket

        with mock.patch.object(consumers.BoardConsumer, "board_html", gone):
            await sync_to_async(services.stay_check_in)(person=self.person, room=self.room, by=self.clerk)
            for _ in range(50):
                if not members(self.layer):
                    break
                await asyncio.sleep(0.02)
        self.assertEqual(members(self.layer), set())
        self.assertEqual(channels_of(self.layer), set())
        # Later broadcasts find nobody to queue for.
        await sync_to_async(services.room_move)(room=self.rooms[3], to="out_of_service", by=self.head, version=1)
        self.assertEqual(channels_of(self.layer), set())
        with self.assertRaises(Exception):  # noqa: B017 - whatever the communicator raises for a finished app
            await socket.receive_from(timeout=0.1)

    async def test_a_frame_nested_past_the_parser_is_refused_like_any_bad_frame(self):
        socket, _client = await self.open_logged_in("/ws/boards/general/?lang=en", self.clerk)
        with self.assertLogs("site_ops.consumers", "WARNING"):
            await socket.send_to(text_data="[" * 5000 + "]" * 5000)
            self.assertEqual((await socket.receive_output())["code"], consumers.CLOSE_POLICY)
        await socket.wait()
        self.assertEqual(members(self.layer), set())

    async def test_a_socket_opened_while_the_layer_is_down_is_refused_not_failed(self):
        failing = mock.AsyncMock(side_effect=ConnectionError("Redis refused the connection"))
        with (
            mock.patch.object(self.layer, "new_channel", failing),
            self.assertLogs("site_ops.speedups.consumer", "WARNING"),
        ):
            _socket, connected, _code = await self.connect("/ws/boards/general/?lang=en", self.clerk)
        self.assertFalse(connected)

    @override_settings(LIVE_HEARTBEAT_SECONDS=0.05)
    async def test_a_socket_that_never_heartbeats_loses_its_board_when_its_session_ends(self):
        socket, client = await self.open_logged_in("/ws/boards/general/?lang=en", self.clerk)
        key = client.cookies["sessionid"].value
        await sync_to_async(Session.objects.filter(session_key=key).update)(expire_date=timezone.now())
        # Six heartbeats' time later its right is checked without one.
        self.assertEqual((await socket.receive_output(timeout=3))["code"], consumers.CLOSE_SESSION_ENDED)

    @override_settings(LIVE_HEARTBEAT_SECONDS=0.05)
    async def test_a_silent_socket_with_its_right_keeps_its_board(self):
        socket, _client = await self.open_logged_in("/ws/boards/general/?lang=en", self.clerk)
        await asyncio.sleep(0.8)  # a few silent checks
        self.assertTrue(await socket.receive_nothing(timeout=0.1))
        await sync_to_async(services.stay_check_in)(person=self.person, room=self.room, by=self.clerk)
        self.assertIn('data-seq="1"', await socket.receive_from())
        await socket.disconnect()


class PubSubLayerTests(TestCase):
    def test_a_channel_whose_subscription_failed_is_forgotten(self):
        layer = RedisPubSubChannelLayer(hosts=["redis://127.0.0.1:1/0"])

        async def try_twice():
            for _ in range(2):
                with self.assertRaises(Exception):  # noqa: B017 - redis-py's connection error
                    await layer.new_channel()
            return dict(layer._get_layer().channels)

        self.assertEqual(asyncio.run(try_twice()), {})


class HealthzRetryTests(TestCase):
    def test_a_connection_pooled_before_redis_restarted_is_not_a_failed_check(self):
        layer = get_channel_layer()
        real_send = layer.send
        failures = iter([ConnectionError("Connection closed by server.")])

        async def send(channel, message):
            error = next(failures, None)
            if error:
                raise error
            await real_send(channel, message)

        with (
            mock.patch.object(layer, "send", send),
            mock.patch("site_ops.upkeep.health.get_channel_layer", return_value=layer),
        ):
            response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["channel_layer"], "ok")
        if isinstance(layer, InMemoryChannelLayer):
            # Neither the failed check nor the passed one left its channel behind.
            self.assertEqual(channels_of(layer, "healthz."), set())


class PasswordChangeTests(SocketMixin, LiveTestCase):
    async def test_a_password_set_in_the_admin_closes_the_accounts_boards_at_once(self):
        from django.contrib.auth.models import User
        from django.test import Client
        from django.urls import reverse

        socket, _client = await self.open_logged_in("/ws/boards/general/?lang=en", self.clerk)
        await sync_to_async(User.objects.filter(pk=self.head.pk).update)(is_staff=True, is_superuser=True)
        admin = Client()
        await sync_to_async(admin.force_login)(self.head)
        response = await sync_to_async(admin.post)(
            reverse("admin:auth_user_password_change", args=[self.clerk.pk]),
            {"password1": "x-New-pass-2026", "password2": "x-New-pass-2026"},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual((await socket.receive_output(timeout=3))["code"], consumers.CLOSE_SESSION_ENDED)


class RedisOutageLogTests(TestCase):
    def test_an_outage_is_one_line_a_minute_not_a_traceback_a_second(self):
        import logging

        from redis.exceptions import ConnectionError as RedisConnectionError

        logger = logging.getLogger("channels_redis.pubsub")
        with self.assertLogs("channels_redis.pubsub", "ERROR") as logs:
            for _ in range(5):
                try:
                    raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
                except RedisConnectionError:
                    logger.exception("Unexpected exception in receive task")
            try:
                raise ValueError("not an outage")
            except ValueError:
                logger.exception("Unexpected exception in receive task")
        self.assertEqual(len(logs.records), 2)
        outage, other = logs.records
        self.assertIsNone(outage.exc_info)
        self.assertIn("Redis unavailable", outage.getMessage())
        self.assertIn("Connection refused", outage.getMessage())
        self.assertIsNotNone(other.exc_info)


class LostCancellationTests(SimpleTestCase):
    """A socket's read of the layer ends when the socket does, even when a cancellation is lost.

    On Python 3.11 ``asyncio.wait_for`` swallows a cancellation that arrives as
    what it waits on finishes; redis-py waits so for a new connection's
    handshake, and the read then went on to Redis's blocking pop for good.
    """

    async def stop(self, task):
        """Wait for ``ended(task)``; a hang fails the test rather than stopping it (``wait`` leaves the task)."""
        from site_ops.speedups.consumer import ended

        stopping = asyncio.ensure_future(ended(task))
        await asyncio.wait({stopping}, timeout=5)
        self.assertTrue(stopping.done(), "the read went on")
        return stopping

    @staticmethod
    async def deaf_read(cancels_lost=1):
        """A read that loses its first cancellations, as the layer's did, and then waits again
        (for Redis's blocking pop; it gives up after a while, so that a failing test ends)."""
        lost = 0
        while True:
            try:
                await asyncio.sleep(6)
                return "went on"
            except asyncio.CancelledError:
                if lost == cancels_lost:
                    raise
                lost += 1
                asyncio.current_task().uncancel()

    def test_a_read_that_lost_its_cancellation_is_cancelled_until_it_ends(self):
        async def run():
            read = asyncio.ensure_future(self.deaf_read(cancels_lost=2))
            await asyncio.sleep(0)
            stopping = await self.stop(read)
            self.assertTrue(stopping.cancelled())
            return read.cancelled()

        self.assertTrue(asyncio.run(run()))

    def test_the_read_ends_also_when_the_socket_stopping_it_is_cancelled(self):
        from site_ops.speedups.consumer import ended

        async def run():
            read = asyncio.ensure_future(self.deaf_read())
            await asyncio.sleep(0)
            stopping = asyncio.ensure_future(ended(read))
            await asyncio.sleep(0)
            stopping.cancel()  # the server stopping the socket's task meanwhile
            await asyncio.wait({stopping}, timeout=5)
            self.assertTrue(stopping.cancelled(), "the read went on")
            return read.cancelled()

        self.assertTrue(asyncio.run(run()))

    def test_a_read_that_ended_gives_its_outcome(self):
        async def run():
            async def failed():
                raise ConnectionError("gone")

            read = asyncio.ensure_future(failed())
            await asyncio.sleep(0)
            stopping = await self.stop(read)
            self.assertIsInstance(stopping.exception(), ConnectionError)

        asyncio.run(run())
