"""A site with rooms and one person per role, for every test that needs people."""

import importlib
import time

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client, TestCase, TransactionTestCase
from django.urls import reverse

from rooms.roles import Role
from tests.factories import make_person, make_rooms, make_site, make_user

# The named people every test meets: (username and attribute, role, given name, family name).
CAST = [
    ("head", Role.SITE_HEAD, "宁", "周"),
    ("clerk", Role.GENERAL, "露匀", "张"),
    ("nurse", Role.MEDICAL, "", ""),
    ("guard", Role.SECURITY, "刚", "吴"),
    ("cleaner", Role.DISINFECTION, "磊", "赵"),
    ("cook", Role.CATERING, "", ""),
    ("outsider", None, "", ""),
]


def make_cast(target, password=None) -> None:
    """A site with two floors of rooms, one user per role and one expected person, as attributes of ``target``."""
    target.site = make_site()
    target.rooms = make_rooms(target.site, floors=2, per_floor=5)
    target.room = target.rooms[0]
    for name, role, first, last in CAST:
        roles = (role,) if role else ()
        user = make_user(name, target.site, *roles, first_name=first, last_name=last, password=password)
        setattr(target, name, user)
    target.person = make_person(target.site, name="李秀英")


class SiteTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_cast(cls)

    def fresh(self, obj):
        obj.refresh_from_db()
        return obj


class ViewAccessMixin:
    """Every view: allowed, forbidden (other group), anonymous, wrong method.

    A test case lists its views in ``urls()`` as name: (url, method, allowed
    users); ``everyone()`` is who tries them.
    """

    def urls(self) -> dict:
        raise NotImplementedError

    def everyone(self) -> list:
        return [self.head, self.clerk, self.nurse, self.cook, self.outsider]

    def test_allowed_users_get_through(self):
        for name, (url, method, allowed) in self.urls().items():
            for user in allowed:
                self.client.force_login(user)
                response = getattr(self.client, method)(url)
                with self.subTest(view=name, user=user.username):
                    self.assertIn(response.status_code, (200, 204, 302, 409, 422))

    def test_other_groups_get_the_not_in_this_group_page(self):
        for name, (url, method, allowed) in self.urls().items():
            for user in self.everyone():
                if user in allowed:
                    continue
                self.client.force_login(user)
                response = getattr(self.client, method)(url)
                with self.subTest(view=name, user=user.username):
                    self.assertContains(response, "You are not in this group", status_code=403)

    def test_anonymous_users_are_sent_to_log_in(self):
        for name, (url, method, _allowed) in self.urls().items():
            response = getattr(self.client, method)(url)
            with self.subTest(view=name):
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_wrong_methods_are_refused(self):
        self.client.force_login(self.head)
        for name, (url, method, _allowed) in self.urls().items():
            wrong = "put" if method == "post" else "delete"
            with self.subTest(view=name):
                self.assertEqual(getattr(self.client, wrong)(url).status_code, 405)


class AuditFlushMixin:
    """TransactionTestCase empties the tables after each test. On SQLite that
    is a DELETE, which the audit table's append-only trigger refuses, so the
    trigger is lifted for the clean-up only and put back at once.
    """

    def _fixture_teardown(self):
        if connection.vendor == "postgresql":
            return self._flush_past_deadlocks()
        if connection.vendor != "sqlite":
            return super()._fixture_teardown()
        guard = importlib.import_module("rooms.migrations.0002_audit_append_only")
        with connection.cursor() as cursor:
            for sql in guard.SQLITE_REVERSE:
                cursor.execute(sql)
        try:
            super()._fixture_teardown()
        finally:
            with connection.cursor() as cursor:
                for sql in guard.SQLITE:
                    cursor.execute(sql)

    def _flush_past_deadlocks(self, attempts=5):
        """On PostgreSQL the clean-up is a TRUNCATE of every table. A browser
        test's server runs in its own process, and a request or a socket it
        was still finishing (a closed page's last fetch, its disconnect) may
        hold one table while waiting for another: PostgreSQL then breaks the
        deadlock by aborting the TRUNCATE. The server's work ends a moment
        later, so the flush is tried again; any other failure is raised.
        """
        for attempt in range(attempts):
            try:
                return super()._fixture_teardown()
            except CommandError as exc:
                if attempt == attempts - 1 or not _is_deadlock(exc):
                    raise
                time.sleep(0.2 * (attempt + 1))


def _is_deadlock(exc: BaseException | None) -> bool:
    """Whether a failure was caused, at any depth, by PostgreSQL's deadlock detector (SQLSTATE 40P01)."""
    while exc is not None:
        if getattr(exc, "sqlstate", None) == "40P01":
            return True
        exc = exc.__cause__
    return False


class SiteMixin:
    """The same named people as SiteTestCase, made per test (the tables are emptied after each)."""

    password = "demo-pass-2026"

    def setUp(self):
        super().setUp()
        make_cast(self, password=self.password)


class LiveTestCase(AuditFlushMixin, SiteMixin, TransactionTestCase):
    """For tests whose code runs on other threads (the socket tests)."""


async def open_socket(path: str, headers: list) -> tuple[WebsocketCommunicator, bool, int | None]:
    """A socket against the real ASGI application, opened once every broadcast made so far is sent.

    With Redis, a broadcast goes out through ``live.Sender``, off the writer's
    path. A socket that joined its board before such a broadcast was sent
    received it after its snapshot, and a test that changed the database
    directly meanwhile (a change no broadcast carries) read that fragment in
    place of the one it waited for. The in-memory layer sends at once, so
    there the wait ends at once.
    """
    from site_ops import live
    from site_ops.asgi import application

    await sync_to_async(live.sender.wait)()
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


class SocketMixin:
    """Open a board socket against the real ASGI application, logged in as a user."""

    def session_cookie(self, user) -> str:
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    async def open_logged_in(self, path, user):
        """A socket opened by a logged-in browser, its snapshot read; returns it and the browser's client."""
        client = Client()
        await sync_to_async(client.force_login)(user)
        key = client.cookies["sessionid"].value
        headers = [(b"origin", b"http://localhost"), (b"cookie", f"sessionid={key}".encode())]
        socket, connected, _code = await open_socket(path, headers)
        self.assertTrue(connected)
        self.assertIn('id="board-body"', await socket.receive_from())
        return socket, client

    async def connect(self, path, user=None, origin=b"http://127.0.0.1:8000"):
        headers = [(b"origin", origin)] if origin else []
        if user is not None:
            key = await sync_to_async(self.session_cookie)(user)
            headers.append((b"cookie", f"sessionid={key}".encode()))
        return await open_socket(path, headers)
