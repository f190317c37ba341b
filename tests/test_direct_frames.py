"""A broadcast's fragment framed once and written to each idle socket's connection (site_ops/speedups/frames.py).

The frame must be the bytes the server's own send would write; the layer
must never let a fragment overtake a message already queued for a socket,
nor write outside the sockets' event loop; and under a real uvicorn the
sockets get their fragments this way, in order, and the usual way whenever
the connection cannot take a finished frame (compression negotiated, a
slow reader's buffer full).
"""

import asyncio
import json
import socket
import threading
import time
from unittest import skipUnless

import uvicorn
from asgiref.sync import async_to_sync
from django.test import SimpleTestCase
from websockets.protocol import Protocol, Side, State
from websockets.sync.client import connect

from rooms import services
from rooms.models import Room
from site_ops import live
from site_ops.consumers import BoardConsumer
from site_ops.speedups import frames
from site_ops.speedups.layers import InMemoryChannelLayer
from tests.base import LiveTestCase, SocketMixin


class FrameTests(SimpleTestCase):
    def test_the_frame_is_what_the_servers_own_send_writes(self):
        for text in ("<p>1</p>", "房间 101 已可用" * 20, "x" * 70_000):
            with self.subTest(length=len(text.encode())):
                server = Protocol(Side.SERVER, state=State.OPEN)
                server.send_text(text.encode())
                self.assertEqual(frames.text_frame(text), b"".join(server.data_to_send()))

    def test_a_message_is_framed_once_whatever_the_sockets(self):
        cache = frames.FrameCache("<p>1</p>")
        self.assertIs(cache.get(), cache.get())

    def test_no_writer_for_a_send_that_is_not_uvicorns_websocket(self):
        async def send(message):
            pass

        self.assertIsNone(frames.writer_for(send))
        self.assertIsNone(frames.writer_for(print))


class Taker:
    """A consumer as the layer sees it: whether it takes a fragment now."""

    def __init__(self, takes=True):
        self.takes, self.taken = takes, []

    def take_now(self, writer, frame_cache) -> bool:
        if self.takes:
            self.taken.append(frame_cache.get())
        return self.takes


def fragment(html):
    return {"type": "board.html", "html": html}


class LayerTests(SimpleTestCase):
    """When the in-memory layer hands a fragment to a consumer at once, and when it queues it."""

    def run_in_loop(self, test):
        async def body():
            layer = InMemoryChannelLayer()
            channel = await layer.new_channel()
            await layer.group_add("board", channel)
            await test(layer, channel)

        asyncio.run(body())

    def test_an_idle_consumer_takes_the_fragment_at_once(self):
        async def test(layer, channel):
            taker = Taker()
            layer.take_directly(channel, taker, None)
            await layer.group_send("board", fragment("<p>1</p>"))
            self.assertEqual(taker.taken, [frames.text_frame("<p>1</p>")])
            self.assertFalse(layer.channels.get(channel) and layer.channels[channel].messages)

        self.run_in_loop(test)

    def test_a_queued_message_is_never_overtaken(self):
        async def test(layer, channel):
            taker = Taker()
            layer.take_directly(channel, taker, None)
            await layer.send(channel, {"type": "access.changed"})
            await layer.group_send("board", fragment("<p>2</p>"))
            self.assertEqual(taker.taken, [])
            self.assertEqual((await layer.receive(channel))["type"], "access.changed")
            self.assertEqual((await layer.receive(channel))["html"], "<p>2</p>")

        self.run_in_loop(test)

    def test_a_busy_consumer_other_messages_and_a_stopped_one_go_through_the_queue(self):
        async def test(layer, channel):
            busy = Taker(takes=False)
            layer.take_directly(channel, busy, None)
            await layer.group_send("board", fragment("<p>3</p>"))
            self.assertEqual((await layer.receive(channel))["html"], "<p>3</p>")
            idle = Taker()
            layer.take_directly(channel, idle, None)
            await layer.group_send("board", {"type": "session.ended"})
            self.assertEqual((await layer.receive(channel))["type"], "session.ended")
            layer.stop_taking(channel)
            await layer.group_send("board", fragment("<p>4</p>"))
            self.assertEqual((await layer.receive(channel))["html"], "<p>4</p>")
            self.assertEqual(idle.taken, [])

        self.run_in_loop(test)

    def test_nothing_is_written_from_another_event_loop(self):
        async def test(layer, channel):
            elsewhere = Taker()

            async def register():
                layer.take_directly(channel, elsewhere, None)

            # Taken in from another thread's event loop.
            thread = threading.Thread(target=asyncio.run, args=(register(),))
            thread.start()
            thread.join(5)
            await layer.group_send("board", fragment("<p>5</p>"))
            self.assertEqual(elsewhere.taken, [])
            self.assertEqual((await layer.receive(channel))["html"], "<p>5</p>")

        self.run_in_loop(test)


class Writer:
    def __init__(self):
        self.written = []

    def write(self, frame_cache) -> bool:
        self.written.append(frame_cache.get())
        return True


class TakeNowTests(SimpleTestCase):
    """A board socket takes a fragment at once only while it waits for the layer and still serves its page."""

    def consumer(self) -> BoardConsumer:
        consumer = BoardConsumer()
        consumer.in_order, consumer.receiving = asyncio.Lock(), True
        return consumer

    def test_idle_it_takes_it(self):
        consumer, writer = self.consumer(), Writer()
        self.assertTrue(consumer.take_now(writer, frames.FrameCache("<p>1</p>")))
        self.assertEqual(writer.written, [frames.text_frame("<p>1</p>")])

    def test_busy_revoked_or_gone_it_does_not(self):
        for state in ("handling", "revoked", "disconnected", "not waiting"):
            with self.subTest(state):
                consumer, writer = self.consumer(), Writer()
                if state == "handling":
                    asyncio.run(consumer.in_order.acquire())
                elif state == "revoked":
                    consumer.revoked = True
                elif state == "disconnected":
                    consumer.disconnected = True
                else:
                    consumer.receiving = False
                self.assertFalse(consumer.take_now(writer, frames.FrameCache("<p>1</p>")))
                self.assertEqual(writer.written, [])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class UvicornServer:
    """The site's ASGI application under a real uvicorn, in a thread of the test's process."""

    def __init__(self, deflate: bool = False):
        from site_ops.asgi import application

        self.port = free_port()
        config = uvicorn.Config(
            application,
            host="127.0.0.1",
            port=self.port,
            lifespan="off",
            log_level="warning",
            ws_per_message_deflate=deflate,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)

    def in_loop(self, callback) -> None:
        """Run ``callback`` in the server's event loop and wait for it."""
        done = threading.Event()
        loop = live.get_channel_layer().loop

        def run():
            callback()
            done.set()

        loop.call_soon_threadsafe(run)
        assert done.wait(5)

    def stop(self):
        self.server.should_exit = True
        self.thread.join(10)


@skipUnless(
    isinstance(live.get_channel_layer(), InMemoryChannelLayer),
    "only the one-process in-memory layer writes fragments to the connections (REDIS_URL is set)",
)
class UvicornTests(SocketMixin, LiveTestCase):
    """The fragments of real changes, written straight to the connections of a real uvicorn."""

    def setUp(self):
        super().setUp()
        async_to_sync(live.get_channel_layer().flush)()
        self.server = None

    def tearDown(self):
        if self.server:
            self.server.stop()
        super().tearDown()

    def open(self, user, board="control", deflate=False):
        if self.server is None:
            self.server = UvicornServer(deflate=deflate)
        key = self.session_cookie(user)
        board_socket = self.enterContext(
            connect(
                f"ws://127.0.0.1:{self.server.port}/ws/boards/{board}/?lang=zh-hans",
                origin="http://localhost",
                additional_headers={"Cookie": f"sessionid={key}"},
                compression="deflate" if deflate else None,
                open_timeout=10,
            )
        )
        self.assertIn('id="board-body"', board_socket.recv(timeout=10))
        return board_socket

    def wait_until_waiting(self, count: int):
        """Until ``count`` sockets wait in the layer (their snapshots sent): a change is then sent live."""
        layer = live.get_channel_layer()
        deadline = time.monotonic() + 10
        while sum(1 for queue in layer.channels.values() if queue.receivers) < count:
            self.assertLess(time.monotonic(), deadline, "the sockets never waited for the layer")
            time.sleep(0.01)

    def move(self, to):
        room = Room.objects.get(pk=self.room.pk)
        services.room_move(room=room, to=to, by=self.head, version=room.version)

    def fragment_about_the_room(self, board_socket) -> str:
        number = f"{self.room.number}"
        while True:
            text = board_socket.recv(timeout=10)
            if number in text:
                return text

    def test_each_socket_gets_the_fragment_written_once_framed(self):
        control = self.open(self.head)
        general = self.open(self.clerk, board="general")
        self.wait_until_waiting(2)
        before = frames.written
        self.move(Room.Status.OUT_OF_SERVICE)
        first = self.fragment_about_the_room(control)
        self.assertIn("live-seq", first)
        self.assertIn("live-seq", self.fragment_about_the_room(general))
        self.assertEqual(frames.written - before, 2)
        self.wait_until_waiting(2)
        self.move(Room.Status.AVAILABLE)
        second = self.fragment_about_the_room(control)
        self.assertGreater(seq(second), seq(first))
        self.assertEqual(frames.written - before, 4)

    def test_the_handshakes_headers_are_let_go_and_the_socket_goes_on(self):
        control = self.open(self.head)
        self.wait_until_waiting(1)
        layer = live.get_channel_layer()
        (consumer, writer, _loop), *others = layer.direct.values()
        self.assertEqual(others, [])
        # What only the handshake needed: uvicorn's request and response, the scope's headers.
        self.assertEqual((writer.protocol.request, writer.protocol.response), (None, None))
        self.assertEqual(consumer.scope["headers"], [])
        self.assertEqual(writer.protocol.scope["headers"], [])
        # What the socket needs for its life stays: its user, its session, its path.
        self.assertEqual(consumer.scope["user"].pk, self.head.pk)
        self.assertTrue(consumer.scope["session"].session_key)
        self.assertEqual(writer.protocol.scope["path"], "/ws/boards/control/")
        self.move(Room.Status.OUT_OF_SERVICE)
        changed = self.fragment_about_the_room(control)
        # A heartbeat behind the board is answered with the whole board, its right checked again.
        control.send(json.dumps({"type": "heartbeat", "seq": seq(changed) - 1}))
        self.assertIn('id="board-body"', control.recv(timeout=10))

    def test_a_socket_that_negotiated_compression_gets_it_the_usual_way(self):
        control = self.open(self.head, deflate=True)
        self.wait_until_waiting(1)
        before = frames.written
        self.move(Room.Status.OUT_OF_SERVICE)
        self.assertIn("live-seq", self.fragment_about_the_room(control))
        self.assertEqual(frames.written, before)

    def test_a_slow_readers_socket_waits_for_its_buffer_the_usual_way(self):
        control = self.open(self.head)
        self.wait_until_waiting(1)
        (protocol,) = self.server.server.server_state.connections
        self.server.in_loop(protocol.pause_writing)
        before = frames.written
        self.move(Room.Status.OUT_OF_SERVICE)
        self.assertEqual(frames.written, before)
        self.server.in_loop(protocol.resume_writing)
        self.assertIn("live-seq", self.fragment_about_the_room(control))
        self.assertEqual(frames.written, before)


def seq(html: str) -> int:
    return int(html.split('data-seq="', 1)[1].split('"', 1)[0])
