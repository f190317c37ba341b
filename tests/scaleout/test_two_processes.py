"""Scale-out: two server processes sharing PostgreSQL and Redis, as in docs/deploy.md.

The site head logs in through process 1's login view and moves a room there
with a real POST; a control screen whose socket is open on process 2 receives
the fragment. Then Redis is restarted: a change made while it is down is
caught up by the board's heartbeat (its sequence number is behind, so the
server resends the board), and a change made after it is back arrives live
again, all on the same socket, with no page reload.

The test starts its own redis-server on a free port (never a shared one) and
runs where PostgreSQL is configured (DATABASE_URL), as .ci/run's second step is.
"""

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import User
from django.db import connection
from django.test import TransactionTestCase

from rooms.models import Room
from site_ops import live
from tests.base import AuditFlushMixin, SiteMixin

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
pytestmark = [
    pytest.mark.scaleout,
    pytest.mark.skipif(not POSTGRES, reason="needs PostgreSQL: set DATABASE_URL (CI's second step does)"),
    pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server on PATH"),
]
HOST = "127.0.0.1"
# How long a POST may take while Redis is hung: under redis-py's 5-second
# socket timeout, so a POST that waits for Redis at all is seen waiting, and
# far over what a room move takes.
HUNG_SECONDS = 4
SEQ = re.compile(r'id="live-seq" data-seq="(\d+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}")
        with suppress(OSError), socket.create_connection((HOST, port), timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


class RedisServer:
    """A redis-server of the test's own, restartable on the same port."""

    def __init__(self):
        self.port = free_port()
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(self.port, self.proc)

    def stop(self):
        self.resume()
        self.proc.terminate()
        self.proc.wait(10)

    def pause(self):
        """Hang it: connections stay open and nothing answers (SIGSTOP)."""
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)


class HTTP:
    """A browser's cookie jar over plain HTTP/1.1 requests (one per connection)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    async def request(self, method: str, path: str, form: dict | None = None, htmx: bool = False):
        reader, writer = await asyncio.open_connection(HOST, self.port)
        body = urlencode(form or {}).encode()
        headers = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}", "Connection: close"]
        if self.cookies:
            headers.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if method == "POST":
            headers += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
            headers.append(f"X-CSRFToken: {self.cookies.get('csrftoken', '')}")
        if htmx:
            headers.append("HX-Request: true")
        writer.write(("\r\n".join(headers) + "\r\n\r\n").encode() + body)
        raw = await reader.read()
        writer.close()
        head, _sep, payload = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        for line in lines[1:]:
            name, _sep, value = line.partition(":")
            if name.lower() == "set-cookie":
                key, _sep, val = value.strip().split(";", 1)[0].partition("=")
                self.cookies[key] = val
        return int(lines[0].split()[1]), payload.decode(errors="replace")

    async def login(self, username: str, password: str):
        _status, page = await self.request("GET", "/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = {"username": username, "password": password, "csrfmiddlewaretoken": token}
        status, _page = await self.request("POST", "/login/", form)
        assert status == 302 and "sessionid" in self.cookies, status


class Board:
    """What static/site_ops/live.js and the htmx ws extension do for a board:
    remember the sequence number of the last fragment, send it in a
    heartbeat, and reopen the socket when the server dropped it."""

    def __init__(self, url: str, origin: str, cookie: str):
        self.url, self.origin, self.cookie = url, origin, cookie
        self.seq = -1
        self.received: list[str] = []
        self.reopened = 0

    async def open(self, attempts: int = 1):
        from websockets.asyncio.client import connect
        from websockets.exceptions import InvalidStatus

        for attempt in range(attempts):
            try:
                self.ws = await connect(
                    self.url, origin=self.origin, additional_headers={"Cookie": self.cookie}, proxy=None
                )
                return self
            except InvalidStatus:
                # A failed handshake reads as 1006 in a browser, which the
                # htmx ws extension retries with a back-off.
                if attempt == attempts - 1:
                    raise
                await asyncio.sleep(0.5)

    async def reopen_after(self, closed):
        # The codes after which the htmx ws extension reconnects by itself; a
        # connection dropped without a close frame reads as 1006 in a browser.
        code = closed.rcvd.code if closed.rcvd else 1006
        assert code in (1006, 1011, 1012, 1013), closed
        self.reopened += 1
        await self.open(attempts=10)

    async def heartbeat(self):
        from websockets.exceptions import ConnectionClosedError

        try:
            await self.ws.send(f'{{"type": "heartbeat", "seq": {self.seq}}}')
        except ConnectionClosedError as closed:
            await self.reopen_after(closed)

    async def next(self, timeout: float = 10) -> str:
        from websockets.exceptions import ConnectionClosedError

        try:
            html = await asyncio.wait_for(self.ws.recv(), timeout)
        except ConnectionClosedError as closed:
            await self.reopen_after(closed)
            html = await asyncio.wait_for(self.ws.recv(), timeout)
        if found := SEQ.search(html):
            self.seq = int(found.group(1))
        self.received.append(html)
        return html

    async def wait_for(self, text: str, heartbeat: float | None = None, timeout: float = 15) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if heartbeat:
                await self.heartbeat()
            with suppress(TimeoutError):
                html = await self.next(timeout=heartbeat or deadline - time.monotonic())
                if text in html:
                    return html
        raise AssertionError(f"{text!r} never arrived; received {[h[:80] for h in self.received]}")

    async def drain(self):
        """Read what already arrived (acknowledgements of the heartbeats)."""
        with suppress(TimeoutError):
            while True:
                await self.next(timeout=0.3)

    async def close(self):
        await self.ws.close()


class TwoProcessesTests(AuditFlushMixin, SiteMixin, TransactionTestCase):
    def setUp(self):
        super().setUp()
        # The servers check passwords with the production hashers (the
        # test settings use a fast one they do not know).
        hasher = PBKDF2PasswordHasher()
        User.objects.filter(pk=self.head.pk).update(
            password=hasher.encode(self.password, hasher.salt(), iterations=1000)
        )
        self.logs = tempfile.TemporaryDirectory()
        self.addCleanup(self.logs.cleanup)

    def start_servers(self, layer: str):
        redis = RedisServer()
        self.addCleanup(redis.stop)
        database = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
        env = {
            **os.environ,
            "DATABASE_URL": database,
            "REDIS_URL": f"redis://{HOST}:{redis.port}/0",
            "CHANNEL_LAYER": layer,
            "CHANNEL_PREFIX": "scaleout",
            "SECRET_KEY": settings.SECRET_KEY,
            "ALLOWED_HOSTS": HOST,
            "DEBUG": "",
        }
        ports = []
        for n in (1, 2):
            port = free_port()
            log = open(Path(self.logs.name) / f"server{n}.log", "w")  # noqa: SIM115 (closed at clean-up)
            # Served as docs/deploy.md serves it.
            uvicorn = Path(sys.executable).parent / "uvicorn"
            options = ["--ws-per-message-deflate", "false", "--lifespan", "off"]
            proc = subprocess.Popen(
                [str(uvicorn), "site_ops.asgi:application", "--host", HOST, "--port", str(port), *options],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            self.addCleanup(log.close)
            self.addCleanup(proc.wait, 10)
            self.addCleanup(proc.terminate)
            wait_for_port(port, proc)
            ports.append(port)
        return redis, ports

    def server_logs(self) -> str:
        return "\n".join(path.read_text()[-3000:] for path in sorted(Path(self.logs.name).glob("*.log")))

    def listeners(self, redis: RedisServer, layer: str, group: str) -> int:
        """How many processes listen to a broadcast group, as Redis sees it."""
        command = (
            ["PUBSUB", "NUMSUB", f"scaleout__group__{group}"]
            if layer == "pubsub"
            else ["ZCARD", f"scaleout:group:{group}"]
        )
        out = subprocess.run(["redis-cli", "-p", str(redis.port), *command], capture_output=True, text=True).stdout
        return int(out.split()[-1])

    async def open_control_screen(self, first: int, second: int):
        """Log in on process 1, open the control screen's socket on process 2;
        returns the browser, the board (its snapshot read) and a room move
        through process 1."""
        room = self.room
        browser = HTTP(first)
        await browser.login(self.head.username, self.password)
        board = await Board(
            f"ws://{HOST}:{second}/ws/boards/control/?lang=en",
            origin=f"http://{HOST}:{second}",
            cookie=f"sessionid={browser.cookies['sessionid']}",
        ).open()
        snapshot = await board.next()
        self.assertIn(f'id="room-{room.pk}"', snapshot)

        async def move(to: str, version: int):
            status, _page = await browser.request(
                "POST", f"/rooms/{room.pk}/move/", {"to": to, "version": version}, htmx=True
            )
            self.assertEqual(status, 200)

        return browser, board, move

    def check_the_board_follows_both_processes(self, layer: str):
        redis, (first, second) = self.start_servers(layer)
        group = live.broadcast_group(self.site.pk, "control", "en")

        async def scenario():
            browser, board, move = await self.open_control_screen(first, second)
            try:
                # A change through process 1 reaches the socket on process 2.
                await move(Room.Status.OUT_OF_SERVICE, 1)
                await board.wait_for('data-status="out_of_service"')

                # Redis goes away; a change is committed meanwhile (its
                # broadcast fails, the POST does not); Redis comes back empty.
                await asyncio.to_thread(redis.stop)
                await move(Room.Status.AVAILABLE, 2)
                await asyncio.to_thread(redis.start)
                # The heartbeat says which number the board holds; the server
                # sees it is behind and resends the whole board.
                caught_up = await board.wait_for('data-status="available"', heartbeat=0.5)
                self.assertIn('id="board-body"', caught_up)

                # Once process 2 listens again (re-joined by the heartbeat,
                # or re-subscribed by the pub/sub client), the next change
                # arrives live as a fragment.
                while not await asyncio.to_thread(self.listeners, redis, layer, group):
                    await board.heartbeat()
                    await asyncio.sleep(0.2)
                await move(Room.Status.OUT_OF_SERVICE, 3)
                fragment = await board.wait_for('data-status="out_of_service"')
                self.assertNotIn('id="board-body"', fragment)

                # Restarted again with nothing sent meanwhile: process 1's
                # pooled connections are stale, and the first broadcast after
                # the restart still arrives live (no heartbeat to heal it).
                await asyncio.to_thread(redis.stop)
                await asyncio.to_thread(redis.start)
                while not await asyncio.to_thread(self.listeners, redis, layer, group):
                    await board.heartbeat()
                    await asyncio.sleep(0.2)
                await board.drain()
                await move(Room.Status.AVAILABLE, 4)
                fragment = await board.wait_for('data-status="available"')
                self.assertNotIn('id="board-body"', fragment)
                return board.reopened
            finally:
                await board.close()

        try:
            return asyncio.run(scenario())
        except BaseException:
            print(self.server_logs())
            raise

    def test_a_board_follows_changes_across_processes_and_a_redis_restart_with_pubsub(self):
        reopened = self.check_the_board_follows_both_processes("pubsub")
        # The pub/sub client reconnects by itself: the socket stayed open.
        self.assertEqual(reopened, 0)

    def test_a_board_follows_changes_across_processes_and_a_redis_restart_with_the_core_layer(self):
        # The core layer's receive fails while Redis is away; the socket
        # reads again and stays open.
        reopened = self.check_the_board_follows_both_processes("core")
        self.assertEqual(reopened, 0)

    def check_a_hung_redis_holds_up_nothing(self, layer: str):
        redis, (first, second) = self.start_servers(layer)

        async def scenario():
            _browser, board, move = await self.open_control_screen(first, second)
            try:
                await move(Room.Status.OUT_OF_SERVICE, 1)
                await board.wait_for('data-status="out_of_service"')
                redis.pause()
                try:
                    # Redis stays hung for the whole POST: the POST does not
                    # wait for it.
                    posted = asyncio.create_task(move(Room.Status.AVAILABLE, 2))
                    done, _pending = await asyncio.wait({posted}, timeout=HUNG_SECONDS)
                    self.assertEqual(done, {posted}, "the POST waited for the hung Redis")
                    posted.result()
                    # A heartbeat meets the hung Redis when it re-joins the
                    # groups: the socket stays, and the board catches up.
                    caught_up = await board.wait_for('data-status="available"', heartbeat=0.5)
                    self.assertIn('id="board-body"', caught_up)
                finally:
                    redis.resume()
                # Redis answers again: changes arrive live on the same socket.
                await move(Room.Status.OUT_OF_SERVICE, 3)
                fragment = await board.wait_for('data-status="out_of_service"', heartbeat=1)
                self.assertIn('data-status="out_of_service"', fragment)
                return board.reopened
            finally:
                await board.close()

        try:
            reopened = asyncio.run(scenario())
        except BaseException:
            print(self.server_logs())
            raise
        self.assertEqual(reopened, 0, "the socket was dropped")
        self.assertNotIn("Traceback", self.server_logs())

    def test_a_hung_redis_holds_up_no_post_and_drops_no_socket_with_pubsub(self):
        self.check_a_hung_redis_holds_up_nothing("pubsub")

    def test_a_hung_redis_holds_up_no_post_and_drops_no_socket_with_the_core_layer(self):
        self.check_a_hung_redis_holds_up_nothing("core")
