"""The per-message path of a board socket: the consumer's own loop and the in-memory layer.

BoardConsumer reads its socket in its own coroutine and the channel layer in
one task for the socket's life, instead of channels' task and asyncio.wait
per message (bench/README.md); these tests hold it to what the stock loop
guaranteed: order, clean endings, errors that are not lost.
"""

import asyncio
import gc
import json
import threading
import time
from unittest import mock

from channels.db import database_sync_to_async
from channels.exceptions import ChannelFull
from channels.layers import get_channel_layer
from django.db import connection
from django.test import SimpleTestCase, override_settings
from django.test.utils import CaptureQueriesContext

from site_ops import heartbeats, live
from site_ops.consumers import BoardConsumer
from site_ops.speedups import collector
from site_ops.speedups.layers import InMemoryChannelLayer
from tests.base import LiveTestCase, SiteTestCase, SocketMixin


def layer_readers() -> list[asyncio.Task]:
    """The consumers' channel-layer reader tasks that are still running."""
    return [
        task
        for task in asyncio.all_tasks()
        if not task.done() and getattr(task.get_coro(), "__qualname__", "") == "OwnLoopMixin.read_layer"
    ]


class ConsumerPathTests(SocketMixin, LiveTestCase):
    def setUp(self):
        super().setUp()
        self.layer = get_channel_layer()
        self.group = live.broadcast_group(self.site.pk, "control", "en")

    async def open_boards(self, count):
        boards = []
        for _ in range(count):
            communicator, connected, _code = await self.connect("/ws/boards/control/?lang=en", self.head)
            self.assertTrue(connected)
            self.assertIn('id="board-body"', await communicator.receive_from())  # the snapshot
            boards.append(communicator)
        return boards

    async def broadcast(self, html):
        await self.layer.group_send(self.group, {"type": "board.html", "html": html})

    async def test_a_broadcast_reaches_every_socket_in_order(self):
        readers = len(layer_readers())
        boards = await self.open_boards(5)
        self.assertEqual(len(layer_readers()), readers + 5)  # one reader per socket, however many messages
        for n in range(10):
            await self.broadcast(f"<p>{n}</p>")
        for board in boards:
            self.assertEqual([await board.receive_from() for _ in range(10)], [f"<p>{n}</p>" for n in range(10)])
        for board in boards:
            await board.disconnect()

    async def test_a_broadcast_is_not_held_back_by_a_heartbeat_being_checked(self):
        # The check waits for the other heartbeats of its moment
        # (site_ops/heartbeats.py): the socket's broadcasts go on meanwhile.
        (board,) = await self.open_boards(1)
        reading, release = asyncio.Event(), asyncio.Event()

        async def slow_heartbeat_state(consumer):
            reading.set()
            await release.wait()
            return None, 0

        with mock.patch.object(BoardConsumer, "heartbeat_state", slow_heartbeat_state):
            await board.send_to(text_data=json.dumps({"type": "heartbeat", "seq": 0}))
            await asyncio.wait_for(reading.wait(), 2)
            await self.broadcast("<p>meanwhile</p>")
            self.assertEqual(await board.receive_from(), "<p>meanwhile</p>")
            release.set()
            self.assertIn('id="live-ack"', await board.receive_from())
        await board.disconnect()

    async def test_a_broadcast_waits_for_the_snapshot_being_rendered(self):
        # A heartbeat found the page behind and renders its snapshot; a
        # broadcast delivered meanwhile must follow that snapshot, never
        # precede it (the older board would then replace the newer fragment).
        (board,) = await self.open_boards(1)
        rendering, release = asyncio.Event(), asyncio.Event()
        render = database_sync_to_async(live.snapshot)

        async def slow_snapshot(consumer):
            rendering.set()
            await release.wait()
            return await render(consumer.site_id, consumer.board_key, consumer.language, consumer.params)

        async def behind(consumer):
            return None, 5

        with (
            mock.patch.object(BoardConsumer, "heartbeat_state", behind),
            mock.patch.object(BoardConsumer, "snapshot", slow_snapshot),
        ):
            await board.send_to(text_data=json.dumps({"type": "heartbeat", "seq": 0}))
            await asyncio.wait_for(rendering.wait(), 2)
            await self.broadcast("<p>newer</p>")
            self.assertTrue(await board.receive_nothing(timeout=0.2))
            release.set()
            self.assertIn('id="board-body"', await board.receive_from())
            self.assertEqual(await board.receive_from(), "<p>newer</p>")
        await board.disconnect()

    async def test_heartbeats_of_one_moment_are_checked_in_one_hop(self):
        boards = await self.open_boards(4)
        batch = heartbeats.batch_for(BoardConsumer.heartbeat_states)
        hops, counted = batch.checks, []
        check_all = batch.check_all

        def counting(consumers):
            with CaptureQueriesContext(connection) as queries:
                states = check_all(consumers)
            counted.append((len(consumers), len(queries)))
            return states

        with mock.patch.object(batch, "check_all", counting):
            for _round in range(2):
                for board in boards:
                    await board.send_to(text_data=json.dumps({"type": "heartbeat", "seq": 0}))
                for board in boards:
                    self.assertIn('id="live-ack"', await board.receive_from())
        self.assertEqual(batch.checks - hops, 2)
        # The first heartbeat of each socket checks its right in full; after
        # that, four sockets of one account cost their sessions, their
        # boards' numbers and the account: three statements in all.
        self.assertEqual(counted[1], (4, 3))
        for board in boards:
            await board.disconnect()

    async def test_a_failing_check_fails_only_its_own_socket(self):
        boards = await self.open_boards(2)
        batch = heartbeats.batch_for(BoardConsumer.heartbeat_states)
        check_all = batch.check_all

        def last_fails(consumers):
            states = check_all(consumers)
            return [*states[:-1], RuntimeError("this socket's check failed")]

        with mock.patch.object(batch, "check_all", last_fails):
            for board in boards:
                await board.send_to(text_data=json.dumps({"type": "heartbeat", "seq": 0}))
            outcomes = await asyncio.gather(
                *(board.receive_from(timeout=2) for board in boards), return_exceptions=True
            )
        failed = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
        answered = [outcome for outcome in outcomes if isinstance(outcome, str)]
        self.assertEqual([str(error) for error in failed], ["this socket's check failed"])
        self.assertEqual(len(answered), 1)
        self.assertIn('id="live-ack"', answered[0])

    async def test_no_message_takes_the_stock_hop_to_close_connections(self):
        hop = mock.patch("channels.consumer.aclose_old_connections", side_effect=AssertionError("hopped"))
        with hop:
            (board,) = await self.open_boards(1)
            await board.send_to(text_data=json.dumps({"type": "heartbeat", "seq": 0}))
            self.assertIn('id="live-ack"', await board.receive_from())
            await self.broadcast("<p>1</p>")
            self.assertEqual(await board.receive_from(), "<p>1</p>")
            await board.disconnect()

    async def test_disconnecting_cancels_the_reader_and_leaves_nothing_in_the_layer(self):
        if not isinstance(self.layer, InMemoryChannelLayer):
            self.skipTest("looks inside the in-memory layer")
        readers = len(layer_readers())
        channels = set(self.layer.channels)
        (board,) = await self.open_boards(1)
        (channel,) = set(self.layer.channels) - channels
        self.assertIn(channel, self.layer.groups[self.group])
        for n in range(3):  # some still on their way as the socket goes
            await self.broadcast(f"<p>{n}</p>")

        await board.disconnect()

        self.assertEqual(len(layer_readers()), readers)
        self.assertNotIn(channel, self.layer.channels)
        self.assertFalse([group for group, members in self.layer.groups.items() if channel in members])

    async def test_a_change_from_a_view_thread_goes_to_the_loop_without_waiting_for_it(self):
        if not isinstance(self.layer, InMemoryChannelLayer):
            self.skipTest("the in-memory layer's hand-off")
        (board,) = await self.open_boards(1)
        change = live.Change(site_id=self.site.pk)
        waited = mock.patch("site_ops.live._group_send_all", side_effect=AssertionError("waited for the loop"))
        with waited:
            await database_sync_to_async(live.send_change)(change, {"control": 99})
        self.assertIn('data-seq="99"', await board.receive_from())
        await board.disconnect()

    async def test_a_failing_broadcast_handler_ends_the_socket_with_its_error(self):
        readers = len(layer_readers())
        (board,) = await self.open_boards(1)

        async def failing(consumer, event):
            raise RuntimeError("the handler failed")

        with mock.patch.object(BoardConsumer, "board_html", failing):
            await self.broadcast("<p>1</p>")
            with self.assertRaisesMessage(RuntimeError, "the handler failed"):
                await board.wait(timeout=2)
        self.assertEqual(len(layer_readers()), readers)


@override_settings(CHANNEL_LAYERS={"default": {"BACKEND": "site_ops.speedups.layers.InMemoryChannelLayer"}})
class RejoinTests(SocketMixin, LiveTestCase):
    """On the in-memory layer, which can say which groups a socket is in (on Redis every heartbeat re-joins all)."""

    def setUp(self):
        super().setUp()
        self.layer = get_channel_layer()
        self.group = live.broadcast_group(self.site.pk, "control", "en")

    open_boards = ConsumerPathTests.open_boards
    broadcast = ConsumerPathTests.broadcast

    async def test_a_heartbeat_joins_again_only_the_groups_the_socket_left(self):
        (board,) = await self.open_boards(1)
        heartbeat = json.dumps({"type": "heartbeat", "seq": 10**9})
        with mock.patch.object(self.layer, "group_add", wraps=self.layer.group_add) as group_add:
            await board.send_to(text_data=heartbeat)
            await board.receive_from()
            self.assertEqual(group_add.call_count, 0)  # still in every group
            # Swept out of its board's group (messages left unread past their expiry).
            (channel,) = self.layer.groups[self.group]
            await self.layer.group_discard(self.group, channel)
            await board.send_to(text_data=heartbeat)
            await board.receive_from()
            self.assertEqual([call.args[0] for call in group_add.call_args_list], [self.group])
        await self.broadcast("<p>back</p>")
        self.assertEqual(await board.receive_from(), "<p>back</p>")
        await board.disconnect()


class InMemoryLayerTests(SimpleTestCase):
    async def test_a_receiver_changing_its_message_changes_no_other_nor_the_senders(self):
        for message in (
            {"type": "board.html", "html": "<p>1</p>"},  # a broadcast: copied shallowly
            {"type": "board.html", "rooms": [1, 2]},  # something inside to change: copied deeply
        ):
            with self.subTest(message=message):
                layer = InMemoryChannelLayer()
                first, second = await layer.new_channel(), await layer.new_channel()
                for channel in (first, second):
                    await layer.group_add("board", channel)
                sent = json.loads(json.dumps(message))
                await layer.group_send("board", sent)

                mine = await layer.receive(first)
                mine["type"] = "changed"
                mine.setdefault("rooms", []).append(3)
                self.assertEqual(await layer.receive(second), message)
                self.assertEqual(sent, message)

    async def test_a_channel_whose_messages_expired_unread_still_gets_the_next(self):
        # A socket stuck in a handler past the expiry: its queue is swept
        # away on its next receive, which must wait on the queue sends fill.
        layer = InMemoryChannelLayer(expiry=0.05)
        layer.sweep_interval = 0
        channel = await layer.new_channel()
        await layer.group_add("board", channel)
        await layer.group_send("board", {"type": "board.html", "html": "<p>old</p>"})
        await asyncio.sleep(0.1)  # expired unread
        receive = asyncio.create_task(layer.receive(channel))
        await asyncio.sleep(0)
        await layer.group_add("board", channel)  # the heartbeat re-joins
        await layer.group_send("board", {"type": "board.html", "html": "<p>new</p>"})
        self.assertEqual((await asyncio.wait_for(receive, 1))["html"], "<p>new</p>")

    def test_a_group_joined_half_its_expiry_ago_is_stale(self):
        layer = InMemoryChannelLayer(group_expiry=100)
        layer.groups = {"a": {"ch": 0}, "b": {"ch": time.time()}, "c": {"ch": 1}}
        self.assertEqual(layer.stale_groups(["a", "b", "c", "d"], "ch"), ["a", "c", "d"])

    async def test_a_channel_name_is_still_checked_before_its_queue_is_made(self):
        layer = InMemoryChannelLayer()
        with self.assertRaises(TypeError):
            await layer.receive("not a channel name!")
        self.assertEqual(layer.channels, {})

    async def test_a_receive_woken_then_cancelled_passes_its_message_on(self):
        layer = InMemoryChannelLayer()
        channel = await layer.new_channel()
        first = asyncio.create_task(layer.receive(channel))
        second = asyncio.create_task(layer.receive(channel))
        await asyncio.sleep(0)  # both wait
        await layer.send(channel, {"type": "hello"})  # wakes the first...
        first.cancel()  # ...which is cancelled before it could take the message
        self.assertEqual(await asyncio.wait_for(second, 1), {"type": "hello"})
        self.assertTrue(first.cancelled())

    async def test_a_cancelled_receive_drops_the_channels_queue(self):
        layer = InMemoryChannelLayer()
        channel = await layer.new_channel()
        receive = asyncio.create_task(layer.receive(channel))
        await asyncio.sleep(0)
        self.assertIn(channel, layer.channels)
        receive.cancel()
        await asyncio.gather(receive, return_exceptions=True)
        self.assertNotIn(channel, layer.channels)

    async def test_a_full_channel_misses_broadcasts_and_an_unread_one_leaves_its_groups(self):
        layer = InMemoryChannelLayer(capacity=1, expiry=0)
        layer.sweep_interval = 0
        channel = await layer.new_channel()
        await layer.group_add("board", channel)
        await layer.send(channel, {"type": "first"})
        with self.assertRaises(ChannelFull):
            await layer.send(channel, {"type": "second"})
        await layer.group_send("board", {"type": "second"})  # missed, as stock, without an error

        await asyncio.sleep(0.01)
        layer._clean_expired()  # the message expired unread: nobody reads the channel
        self.assertNotIn(channel, layer.channels)
        self.assertFalse(layer.groups.get("board"))


class SocketsLoopMixin:
    """An event loop in a thread of its own, as the server's, and board sockets waiting in it."""

    def setUp(self):
        super().setUp()
        self.loop = asyncio.new_event_loop()
        thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        thread.start()

        async def end_sockets():
            sockets = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in sockets:
                task.cancel()
            await asyncio.gather(*sockets, return_exceptions=True)

        def stop():
            asyncio.run_coroutine_threadsafe(end_sockets(), self.loop).result(5)
            self.loop.call_soon_threadsafe(self.loop.stop)
            thread.join(5)
            self.loop.close()

        self.addCleanup(stop)
        self.events = []

    def waiting_sockets(self, layer, count: int = 3) -> list:
        """``count`` sockets waiting on ``layer`` in the loop; each records its send."""

        async def socket(n):
            # As a board socket's reader: the layer's message, then its send, in one step.
            channel = await layer.new_channel()
            await layer.group_add("board", channel)
            await layer.receive(channel)
            time.sleep(0.005)  # the send's system call, the interpreter lock let go meanwhile
            self.events.append((f"sent {n}", threading.current_thread()))

        sockets = [asyncio.run_coroutine_threadsafe(socket(n), self.loop) for n in range(count)]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and sum(bool(q.receivers) for q in list(layer.channels.values())) < count:
            time.sleep(0.001)
        return sockets

    def hand_over(self, layer) -> None:
        """What a broadcast does from the thread that made the change."""
        self.assertTrue(layer.group_send_soon([("board", {"type": "board.html", "html": "<p>1</p>"})]))


class HandOverTests(SocketsLoopMixin, SimpleTestCase):
    """A broadcast waits until the sockets' loop has sent what it handed over (speedups/layers.py)."""

    def test_the_wait_ends_once_every_socket_was_sent_the_broadcast(self):
        layer = InMemoryChannelLayer()
        self.waiting_sockets(layer)
        self.hand_over(layer)
        self.assertTrue(layer.wait_handed_over(5))
        self.assertEqual([name for name, _thread in self.events], ["sent 0", "sent 1", "sent 2"])

    def test_with_nothing_handed_over_or_on_the_loops_own_thread_it_does_not_wait(self):
        layer = InMemoryChannelLayer()
        self.waiting_sockets(layer, 1)
        with mock.patch.object(self.loop, "call_soon_threadsafe") as hop:
            self.assertTrue(layer.wait_handed_over(5))  # nothing handed over by this thread
        hop.assert_not_called()

        async def from_the_loop():
            self.hand_over(layer)
            started = time.monotonic()
            return layer.wait_handed_over(5), time.monotonic() - started

        waited, seconds = asyncio.run_coroutine_threadsafe(from_the_loop(), self.loop).result(5)
        self.assertTrue(waited)
        self.assertLess(seconds, 1)  # it did not wait for itself

    def test_a_loop_that_does_not_get_there_in_time_ends_the_wait_with_false(self):
        layer = InMemoryChannelLayer()
        self.waiting_sockets(layer, 1)
        release = threading.Event()
        self.loop.call_soon_threadsafe(release.wait, 5)  # the loop busy
        self.hand_over(layer)
        self.assertFalse(layer.wait_handed_over(0.05))
        release.set()
        self.assertTrue(layer.wait_handed_over(5))  # nothing more handed over: no second wait


class BoardByBoardTests(SocketsLoopMixin, SiteTestCase):
    """A broadcast renders its next board only once the sockets' loop has sent the one before."""

    def test_each_boards_sockets_are_sent_before_the_next_board_is_rendered(self):
        layer = InMemoryChannelLayer()

        async def board_socket(key):
            channel = await layer.new_channel()
            await layer.group_add(live.broadcast_group(self.site.pk, key, "en"), channel)
            await layer.receive(channel)
            time.sleep(0.005)  # the send's system call, the interpreter lock let go meanwhile
            self.events.append(f"sent {key}")

        for key in ("general", "control"):
            asyncio.run_coroutine_threadsafe(board_socket(key), self.loop)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and sum(bool(q.receivers) for q in list(layer.channels.values())) < 2:
            time.sleep(0.001)

        real_render = live.render_parts

        def render(parts):
            self.events.append(f"render {parts[0][0].split('/')[0]}")
            return real_render(parts)

        change = live.Change(site_id=self.site.pk, rooms=frozenset({self.room.pk}))
        with (
            mock.patch.object(live, "get_channel_layer", return_value=layer),
            mock.patch.object(live, "render_parts", side_effect=render),
        ):
            live.send_change(change, {"control": 1, "general": 1})
        self.assertEqual(self.events, ["render control", "sent control", "render general", "sent general"])


class CollectorTests(SocketsLoopMixin, SimpleTestCase):
    """A full collection that is due waits until the broadcast before it is sent (speedups/collector.py)."""

    def setUp(self):
        super().setUp()
        self.fake_gc = mock.Mock()
        self.fake_gc.get_count.return_value = (0, 0, collector.DUE)
        self.fake_gc.collect.side_effect = lambda: self.events.append(("collected", threading.current_thread()))
        for name, value in (("gc", self.fake_gc), ("installed", True), ("serving_loop", self.loop)):
            patcher = mock.patch.object(collector, name, value)
            patcher.start()
            self.addCleanup(patcher.stop)

    def collected(self) -> list:
        deadline = time.monotonic() + 5
        while not any(event[0] == "collected" for event in self.events) and time.monotonic() < deadline:
            time.sleep(0.001)
        return self.events

    def test_a_due_collection_runs_after_the_sends_of_the_broadcast_it_follows(self):
        layer = InMemoryChannelLayer()
        sockets = self.waiting_sockets(layer)
        self.hand_over(layer)
        collector.after_broadcast()
        for socket_sent in sockets:
            socket_sent.result(5)
        events = self.collected()
        self.assertEqual([name for name, _thread in events], ["sent 0", "sent 1", "sent 2", "collected"])
        self.assertNotEqual(events[-1][1], threading.current_thread())  # in the sockets' loop

    def test_nothing_is_collected_before_it_is_due_nor_when_not_installed(self):
        self.fake_gc.get_count.return_value = (0, 0, collector.DUE - 1)
        collector.after_broadcast()
        self.fake_gc.get_count.return_value = (0, 0, collector.DUE)
        with mock.patch.object(collector, "installed", False):
            collector.after_broadcast()
        asyncio.run_coroutine_threadsafe(asyncio.sleep(0), self.loop).result(5)
        time.sleep(0.05)
        self.fake_gc.collect.assert_not_called()

    def test_with_no_sockets_loop_it_collects_where_it_is(self):
        for loop in (None, asyncio.new_event_loop()):  # none yet, or one not running
            with self.subTest(loop=loop), mock.patch.object(collector, "serving_loop", loop):
                self.events.clear()
                collector.after_broadcast()
                self.assertEqual(self.events, [("collected", threading.current_thread())])
            if loop:
                loop.close()

    def test_a_collection_made_meanwhile_is_not_made_again(self):
        self.fake_gc.get_count.side_effect = [(0, 0, collector.DUE), (0, 0, 0)]
        collector.after_broadcast()
        asyncio.run_coroutine_threadsafe(asyncio.sleep(0.01), self.loop).result(5)
        time.sleep(0.05)
        self.fake_gc.collect.assert_not_called()

    def test_installed_cpython_collects_by_itself_only_at_twice_its_cadence(self):
        before = gc.get_threshold()
        self.addCleanup(gc.set_threshold, *before)
        with mock.patch.object(collector, "gc", gc):
            collector.install()
        self.assertEqual(gc.get_threshold(), (before[0], before[1], 2 * collector.DUE))


class LayerOutageTests(SocketMixin, LiveTestCase):
    async def test_a_layer_timing_out_keeps_the_socket_and_delivers_what_comes_next(self):
        from redis.exceptions import TimeoutError as RedisTimeoutError

        layer = get_channel_layer()
        real_receive = type(layer).receive
        failures = []

        async def flaky_receive(self_layer, channel):
            if len(failures) < 2:  # the first two reads time out, as under load
                failures.append(channel)
                raise RedisTimeoutError("Timeout reading from redis")
            return await real_receive(self_layer, channel)

        with (
            mock.patch.object(type(layer), "receive", flaky_receive),
            mock.patch("site_ops.speedups.consumer.LAYER_RETRY_SECONDS", 0.01),
            self.assertLogs("site_ops.speedups.consumer", level="WARNING") as logs,
        ):
            communicator, connected, _code = await self.connect("/ws/boards/control/?lang=en", self.head)
            self.assertTrue(connected)
            self.assertIn('id="board-body"', await communicator.receive_from())
            while len(failures) < 2:
                await asyncio.sleep(0.01)
            group = live.broadcast_group(self.site.pk, "control", "en")
            await layer.group_send(group, {"type": "board.html", "html": "<p>after the outage</p>"})
            self.assertEqual(await communicator.receive_from(timeout=2), "<p>after the outage</p>")
        self.assertIn("channel layer unavailable", logs.output[0])
        await communicator.disconnect()

    async def test_a_socket_closing_while_the_layer_answers_with_an_error_still_stops(self):
        # redis-py may answer a cancelled read with a connection error: the
        # reader must stop, not take it for an outage and read again.
        from redis.exceptions import ConnectionError as RedisConnectionError

        layer = get_channel_layer()

        async def receive_then_fail_on_cancel(self_layer, channel):
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                raise RedisConnectionError("Connection closed by server") from None

        readers = len(layer_readers())
        with mock.patch.object(type(layer), "receive", receive_then_fail_on_cancel):
            communicator, connected, _code = await self.connect("/ws/boards/control/?lang=en", self.head)
            self.assertTrue(connected)
            self.assertIn('id="board-body"', await communicator.receive_from())
            await communicator.disconnect()
            await asyncio.sleep(0.05)
        self.assertEqual(len(layer_readers()), readers)
