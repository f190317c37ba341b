"""The application under test, plus its floors, its peer and its probes, in one server process.

``/bench/floor/`` is the physical floor of the machine: a minimal raw ASGI
broadcaster. Sockets open on ``/bench/floor/ws/``; a POST to
``/bench/floor/send/`` sends its body, as it is, to every one of them, one
after the other, and answers 204. No Django, no channel layer, no database:
what remains is the server's own websocket path and the client's, which the
application's fan-out pays too.

``/bench/wfloor/send/`` is the write floor: what every update must do before
its fan-out, written with no framework in between. It checks the login
session (the session row, its signature, the user active) and the CSRF token
(the cookie against the header, as Django compares them), makes one UPDATE
in an IMMEDIATE transaction with its commit on the application's own SQLite
file (with its journal mode and synchronous setting), and then sends its
body to the floor's sockets, as the floor does.

``/bench/peer/ws/...`` is the peer: board sockets written the way a
Channels project usually writes them (bench/peer.py).

``/bench/stats/`` answers the probes' figures as JSON (collector pauses,
queries, snapshot renders, the peer's renders) and ``/bench/stats/reset/``
starts them again. Every other path goes to the real application, unchanged.
"""

import json  # noqa: I001  (site_ops.asgi sets Django up before the bench modules load)
import os
import sqlite3
import time
from http.cookies import SimpleCookie

from site_ops.asgi import application as site_ops_application

# After Django is set up (by site_ops.asgi): these use the ORM and channels' auth.
from bench import peer, probes  # noqa: E402
from site_ops import live  # noqa: E402

# Bench-only switch: the reconnect storm is also run with one render per socket, as before.
if os.environ.get("BENCH_SNAPSHOT_CACHE") == "0":
    live.SNAPSHOT_CACHE_SECONDS = 0


async def read_body(receive) -> bytes:
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


async def respond(send, status: int, body: bytes = b"", content_type: bytes = b"text/plain"):
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", content_type)]})
    await send({"type": "http.response.body", "body": body})


class Floor:
    def __init__(self):
        self.sockets = set()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.accept"})
            self.sockets.add(send)
            try:
                while (await receive())["type"] != "websocket.disconnect":
                    pass
            finally:
                self.sockets.discard(send)
            return
        text = (await read_body(receive)).decode()
        if scope["path"] == "/bench/wfloor/send/":
            status = write_floor.check_and_write(scope)
            if status != 204:
                await respond(send, status)
                return
        await self.send_all(text)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def send_all(self, text: str):
        for socket_send in list(self.sockets):
            await socket_send({"type": "websocket.send", "text": text})


class WriteFloor:
    """An authenticated session, CSRF, one committed UPDATE: nothing else."""

    BOARD = "bench-write-floor"

    def __init__(self):
        self.db = None
        from site_ops.models import BoardSequence

        self.update = f"UPDATE {BoardSequence._meta.db_table} SET seq = seq + 1 WHERE board = ?"  # noqa: S608

    def connection(self) -> sqlite3.Connection | None:
        """The SQLite file's connection; None on another database."""
        if self.db is None:
            from django.conf import settings

            database = settings.DATABASES["default"]
            if "sqlite" not in database["ENGINE"]:
                # The write floor is measured on the SQLite file only; opening
                # a PostgreSQL database's name as a file would leave an empty
                # SQLite file behind in the working directory.
                return None
            name = database["NAME"]
            self.db = sqlite3.connect(name, isolation_level=None, check_same_thread=False)
            # What the application's connections are opened with (site_ops/settings.py).
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA busy_timeout=5000")
        return self.db

    def check_and_write(self, scope) -> int:
        from django.contrib.sessions.backends.db import SessionStore
        from django.middleware.csrf import _does_token_match

        headers = dict(scope["headers"])
        cookies = SimpleCookie(headers.get(b"cookie", b"").decode("latin-1"))
        session_key = cookies["sessionid"].value if "sessionid" in cookies else ""
        csrf_cookie = cookies["csrftoken"].value if "csrftoken" in cookies else ""
        token = headers.get(b"x-csrftoken", b"").decode("latin-1")
        db = self.connection()
        if db is None:
            return 501
        now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
        row = db.execute(
            "SELECT session_data FROM django_session WHERE session_key = ? AND expire_date > ?", (session_key, now)
        ).fetchone()
        if row is None:
            return 403
        user_id = SessionStore().decode(row[0]).get("_auth_user_id")
        active = db.execute("SELECT is_active FROM auth_user WHERE id = ?", (user_id,)).fetchone()
        if not active or not active[0]:
            return 403
        if not csrf_cookie or not token or not _does_token_match(token, csrf_cookie):
            return 403
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute(self.update, (self.BOARD,))
            db.execute("COMMIT")
        except Exception:
            db.execute("ROLLBACK")
            raise
        return 204


floor = Floor()
write_floor = WriteFloor()


async def stats(scope, receive, send):
    await read_body(receive)
    if scope["path"] == "/bench/stats/reset/":
        probes.reset()
    await respond(send, 200, json.dumps(probes.figures()).encode(), b"application/json")


async def application(scope, receive, send):
    if scope["type"] in ("http", "websocket"):
        path = scope["path"]
        if path.startswith(("/bench/floor/", "/bench/wfloor/")):
            return await floor(scope, receive, send)
        if path.startswith("/bench/peer/"):
            return await peer.application(scope, receive, send)
        if path.startswith("/bench/stats/"):
            return await stats(scope, receive, send)
    return await site_ops_application(scope, receive, send)
