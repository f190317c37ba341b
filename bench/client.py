"""The benchmark's client: tablets on websockets, a user posting updates, pollers.

One asyncio process. Board sockets are real ``websockets`` connections with a
session cookie and an Origin header, as a browser opens them; updates are real
HTTP POSTs (with the CSRF token and the htmx header, as the board's buttons
send them) through a tiny keep-alive HTTP/1.1 client, so that no HTTP library
sits between the figures and the server.

Latency is measured from the moment a POST is written to the moment each
socket's reader receives the fragment. An application fragment is recognised
by the room it carries (``id="room-<pk>"``): each update moves a different
room, so within a step the room names the update. A floor message starts with
``<!--floor:<n>-->``, a write floor's with ``<!--wfloor:<n>-->``.
"""

import asyncio
import base64
import json
import random
import re
import secrets
import statistics
import time
import zlib
from contextlib import suppress
from dataclasses import dataclass, field
from urllib.parse import urlencode

from websockets.asyncio.client import connect

ROOM_ID = re.compile(r'id="room-(\d+)"')
FLOOR_MARK = re.compile(r"<!--(w?floor):(\d+)-->")
SEQ = re.compile(r'id="live-seq" data-seq="(-?\d+)"')
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


# --- HTTP -----------------------------------------------------------------


class HTTPConnection:
    """One keep-alive HTTP/1.1 connection: enough for Django's responses."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def request(self, method: str, path: str, headers: dict, body: bytes = b"", on_sent=None):
        reused = self.writer is not None and not self.writer.is_closing()
        try:
            return await self._request(method, path, headers, body, on_sent)
        except (ConnectionError, asyncio.IncompleteReadError):
            if not reused:
                raise
            # The server closed an idle keep-alive connection (uvicorn does
            # after 5 s) before reading this request: send it again.
            self.writer = None
            return await self._request(method, path, headers, body, on_sent)

    async def _request(self, method: str, path: str, headers: dict, body: bytes, on_sent):
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        sent = time.perf_counter()
        if on_sent:
            on_sent(sent)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            self.writer = None
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split()[1])
        response_headers: list[tuple[str, str]] = []
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _sep, value = line.decode("latin-1").partition(":")
            response_headers.append((name.strip().lower(), value.strip()))
        found = dict(response_headers)
        if found.get("transfer-encoding") == "chunked":
            payload = b""
            while size := int((await self.reader.readline()).strip(), 16):
                payload += await self.reader.readexactly(size)
                await self.reader.readline()
            await self.reader.readline()
        else:
            payload = await self.reader.readexactly(int(found.get("content-length", 0)))
        if found.get("connection") == "close":
            self.writer.close()
            self.writer = None
        return status, response_headers, payload, sent

    def close(self):
        if self.writer is not None:
            self.writer.close()


class Pool:
    """A few keep-alive connections for concurrent POSTs."""

    def __init__(self, host: str, port: int, size: int = 16):
        self.free = asyncio.Queue()
        self.all = [HTTPConnection(host, port) for _ in range(size)]
        for conn in self.all:
            self.free.put_nowait(conn)

    async def request(self, *args, **kwargs):
        conn = await self.free.get()
        try:
            return await conn.request(*args, **kwargs)
        except Exception:
            conn.writer = None
            raise
        finally:
            self.free.put_nowait(conn)

    def close(self):
        for conn in self.all:
            conn.close()


def cookies_from(headers: list[tuple[str, str]]) -> dict[str, str]:
    jar = {}
    for name, value in headers:
        if name == "set-cookie":
            pair = value.split(";", 1)[0]
            key, _sep, val = pair.partition("=")
            jar[key.strip()] = val.strip()
    return jar


def multipart(fields: dict, files: dict[str, tuple[str, bytes, str]]) -> tuple[str, bytes]:
    """A form with a file as a browser sends it (multipart/form-data): (content type, body).

    ``files``: field name -> (file name, content, content type).
    """
    boundary = f"----benchform{secrets.token_hex(12)}"
    parts = []
    for name, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{one}\r\n'.encode())
    for name, (filename, content, content_type) in files.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        parts.append(f"{head}Content-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


def flash_levels(headers: list[tuple[str, str]]) -> list[int]:
    """The levels of the messages a response leaves for the next page (40: an error).

    A plain form's answer is a redirect whether the action was done or
    refused; what tells them apart is the message it leaves, which Django's
    messages framework keeps in a signed cookie: base64 JSON, zlib-compressed
    when that is shorter (a leading "."), then ":", the time and the signature.
    """
    value = cookies_from(headers).get("messages", "").strip('"')
    if not value:
        return []
    payload = value.split(":", 1)[0]
    data = base64.urlsafe_b64decode(payload.lstrip(".") + "=" * (-len(payload.lstrip(".")) % 4))
    if payload.startswith("."):
        data = zlib.decompress(data)
    return [m[2] for m in json.loads(data) if isinstance(m, list) and m[:1] == ["__json_message"]]


class Poster:
    """The user whose updates the boards receive: a real login, real POSTs."""

    def __init__(self, host: str, port: int, rooms: list[dict]):
        self.host, self.port = host, port
        self.pool = Pool(host, port)
        self.cookies: dict[str, str] = {}
        self.rooms = [dict(room, status="available", busy=False) for room in rooms]
        self.next_room = 0

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    async def login(self, username: str, password: str) -> None:
        conn = HTTPConnection(self.host, self.port)
        status, headers, body, _ = await conn.request("GET", "/login/", {})
        self.cookies.update(cookies_from(headers))
        token = CSRF_INPUT.search(body.decode()).group(1)
        form = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token}).encode()
        status, headers, body, _ = await conn.request(
            "POST",
            "/login/",
            {
                "Cookie": self.cookie_header(),
                "Content-Type": "application/x-www-form-urlencoded",
            },
            form,
        )
        conn.close()
        self.cookies.update(cookies_from(headers))
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login failed: {status} {body[:300]!r}")

    def take_room(self, reserve: bool = False) -> dict | None:
        """The next room with no move in flight (each update moves a different room).

        ``reserve``: marked as moving at once, before its move starts; None
        when every room has a move in flight (the server that far behind).
        """
        for _ in range(len(self.rooms)):
            room = self.rooms[self.next_room]
            self.next_room = (self.next_room + 1) % len(self.rooms)
            if not room["busy"]:
                room["busy"] = room["busy"] or reserve
                return room
        if reserve:
            return None
        raise RuntimeError("every room has a move in flight")

    async def move(self, room: dict, on_sent) -> tuple[int, float]:
        """POST a room move through the real view; returns (status, seconds)."""
        room["busy"] = True
        to = "out_of_service" if room["status"] == "available" else "available"
        body = urlencode({"to": to, "version": room["version"], "note": ""}).encode()
        headers = {
            "Cookie": self.cookie_header(),
            "X-CSRFToken": self.cookies["csrftoken"],
            "HX-Request": "true",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        try:
            status, _headers, _body, sent = await self.pool.request(
                "POST", f"/rooms/{room['pk']}/move/", headers, body, on_sent=on_sent
            )
        finally:
            room["busy"] = False
        if status == 200:
            room["version"] += 1
            room["status"] = to
        return status, time.perf_counter() - sent

    def close(self):
        self.pool.close()


# --- sockets and latency --------------------------------------------------


@dataclass
class Update:
    sent: float = 0.0
    post_s: float | None = None
    status: int | None = None
    expected: int = 0
    arrivals: dict = field(default_factory=dict)  # socket id -> seconds after sent


class Tracker:
    def __init__(self):
        self.updates: dict[tuple, Update] = {}
        self.done = asyncio.Event()
        self.markers: dict[str, tuple] = {}

    def expect(self, key: tuple, expected: int) -> Update:
        update = self.updates[key] = Update(expected=expected)
        return update

    def arrived(self, key: tuple, socket_id: int, at: float) -> None:
        update = self.updates.get(key)
        if update is not None and update.sent and socket_id not in update.arrivals:
            update.arrivals[socket_id] = at - update.sent

    def watch(self, key: tuple, marker: str) -> None:
        """Recognise an update by a text its fragments carry (the site day's actions)."""
        self.markers[marker] = key

    def marks(self, text: str) -> list[tuple]:
        return [key for marker, key in self.markers.items() if marker in text] if self.markers else []

    def missing(self, keys) -> int:
        return sum(self.updates[key].expected - len(self.updates[key].arrivals) for key in keys)


class BoardSocket:
    """One tablet's socket; its reader timestamps every message on arrival.

    It counts what it received (messages, bytes), keeps the board's number
    from the last message that carried one, and, when asked to
    (``heartbeat_s``), sends the page's heartbeat with that number as
    static/site_ops/live.js does.
    """

    ids = iter(range(10**9))

    def __init__(
        self,
        url: str,
        tracker: Tracker,
        cookie: str | None,
        origin: str,
        heartbeat_s: float | None = None,
        beat_at_once: bool = False,
    ):
        self.id = next(self.ids)
        self.url, self.tracker, self.cookie, self.origin = url, tracker, cookie, origin
        self.snapshot = asyncio.get_running_loop().create_future()
        if not cookie:  # the floor sends no snapshot
            self.snapshot.set_result("")
        self.last_text = ""
        self.heartbeat_s = heartbeat_s
        # One heartbeat as soon as the socket is open (the idle step: every
        # socket's first heartbeat checks its right in full, the later ones
        # do not; this brings the sockets to how they run minute after minute).
        self.beat_at_once = beat_at_once
        self.seq = -1
        self.received_bytes = 0
        self.received = 0
        self.snapshot_at = 0.0
        self.heartbeat = None
        # (arrival time, bytes) of every message after the snapshot, when a step asks (the site's day).
        self.log: list[tuple[float, int]] | None = None

    async def open(self, retries: int = 0):
        """Open the socket and wait for its snapshot; a refused connection is
        tried again after 0.5-1.5 s, as the page does, ``retries`` times."""
        headers = {"Cookie": f"sessionid={self.cookie}"} if self.cookie else {}
        for attempt in range(retries + 1):
            try:
                self.ws = await connect(
                    self.url,
                    origin=self.origin,
                    additional_headers=headers,
                    proxy=None,
                    ping_interval=None,
                    max_size=None,
                    open_timeout=30,
                )
                break
            except Exception:  # refused, reset, timed out: the server is not back yet
                if attempt == retries:
                    raise
                await asyncio.sleep(0.5 + random.random())
        self.task = asyncio.create_task(self.read())
        await self.snapshot
        if self.heartbeat_s:
            self.heartbeat = asyncio.create_task(self.beat())
        return self

    async def beat(self):
        if self.beat_at_once:
            with suppress(Exception):
                await self.ws.send(json.dumps({"type": "heartbeat", "seq": self.seq}))
        # The first beat at a random moment, as pages opened at different times would.
        await asyncio.sleep(random.random() * self.heartbeat_s)
        with suppress(Exception):
            while True:
                await self.ws.send(json.dumps({"type": "heartbeat", "seq": self.seq}))
                await asyncio.sleep(self.heartbeat_s)

    async def read(self):
        try:
            async for text in self.ws:
                at = time.perf_counter()
                self.received += 1
                self.received_bytes += len(text.encode()) if not text.isascii() else len(text)
                if (seq := SEQ.search(text)) is not None:
                    self.seq = int(seq.group(1))
                if not self.snapshot.done():
                    self.snapshot_at = at
                    self.snapshot.set_result(text)
                    continue
                if self.log is not None:
                    self.log.append((at, len(text.encode())))
                if text.startswith("<!--"):
                    mark = FLOOR_MARK.match(text)
                    if mark:
                        self.tracker.arrived((mark.group(1), int(mark.group(2))), self.id, at)
                        continue
                # A broadcast that merged changes queued behind another
                # (site_ops.live.Broadcasts) carries each of their rooms.
                rooms = set(ROOM_ID.findall(text))
                if rooms:
                    self.last_text = text
                for room in rooms:
                    self.tracker.arrived(("room", int(room)), self.id, at)
                for key in self.tracker.marks(text):
                    self.tracker.arrived(key, self.id, at)
        except Exception as error:  # a closed socket ends its reader
            if not self.snapshot.done():
                self.snapshot.set_exception(error)

    async def close(self):
        if self.heartbeat:
            self.heartbeat.cancel()
        with suppress(Exception):
            await self.ws.close()
        self.task.cancel()


def summarise(tracker: Tracker, keys: list[tuple]) -> dict:
    latencies = [dt for key in keys for dt in tracker.updates[key].arrivals.values()]
    last = [max(tracker.updates[key].arrivals.values()) for key in keys if tracker.updates[key].arrivals]
    posts = [tracker.updates[key].post_s for key in keys if tracker.updates[key].post_s is not None]
    return {
        "p50_ms": ms(percentile(latencies, 50)),
        "p95_ms": ms(percentile(latencies, 95)),
        "p99_ms": ms(percentile(latencies, 99)),
        "max_ms": ms(max(latencies, default=float("nan"))),
        "last_client_p99_ms": ms(percentile(last, 99)),
        "post_p50_ms": ms(percentile(posts, 50)) if posts else None,
        "post_p99_ms": ms(percentile(posts, 99)) if posts else None,
        "lost": tracker.missing(keys),
        "messages": len(latencies),
    }


async def wait_for(tracker: Tracker, keys: list[tuple], timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline and tracker.missing(keys) > 0:
        await asyncio.sleep(0.02)


# --- polling --------------------------------------------------------------


async def poll_level(host: str, port: int, sessions: list[str], tablets: int, seconds: float, every: float) -> dict:
    """`tablets` browsers each GET the full control screen every `every` seconds."""
    times: list[float] = []
    failed = 0
    start = time.perf_counter()
    end = start + seconds

    async def tablet(n: int):
        nonlocal failed
        conn = HTTPConnection(host, port)
        headers = {"Cookie": f"sessionid={sessions[n % len(sessions)]}"}
        next_at = start + every * n / tablets
        try:
            while next_at < end:
                await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
                t0 = time.perf_counter()
                status, _h, _b, _s = await conn.request("GET", "/control/", headers)
                times.append(time.perf_counter() - t0)
                if status != 200:
                    failed += 1
                next_at += every
        finally:
            conn.close()

    await asyncio.gather(*(tablet(n) for n in range(tablets)))
    elapsed = time.perf_counter() - start
    offered = tablets * seconds / every
    return {
        "tablets": tablets,
        "requests": len(times),
        "offered_requests": round(offered),
        "elapsed_s": round(elapsed, 2),
        "p50_ms": ms(statistics.median(times)) if times else None,
        "p95_ms": ms(percentile(times, 95)),
        "max_ms": ms(max(times, default=float("nan"))),
        "failed": failed,
    }
