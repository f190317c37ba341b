"""A site with rooms and one person per role, for every test that needs people."""

import importlib

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test import Client, TestCase, TransactionTestCase
from django.urls import reverse

from rooms.roles import Role
from tests.factories import make_person, make_rooms, make_site, make_user


class SiteTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.site = make_site()
        cls.rooms = make_rooms(cls.site, floors=2, per_floor=5)
        cls.room = cls.rooms[0]
        cls.head = make_user("head", cls.site, Role.SITE_HEAD, first_name="宁", last_name="周")
        cls.clerk = make_user("clerk", cls.site, Role.GENERAL, first_name="露匀", last_name="张")
        cls.nurse = make_user("nurse", cls.site, Role.MEDICAL)
        cls.guard = make_user("guard", cls.site, Role.SECURITY, first_name="刚", last_name="吴")
        cls.cleaner = make_user("cleaner", cls.site, Role.DISINFECTION, first_name="磊", last_name="赵")
        cls.cook = make_user("cook", cls.site, Role.CATERING)
        cls.outsider = make_user("outsider", cls.site)
        cls.person = make_person(cls.site, name="李秀英")

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


class SiteMixin:
    """The same named people as SiteTestCase, made per test (the tables are emptied after each)."""

    password = "demo-pass-2026"

    def setUp(self):
        super().setUp()
        self.site = make_site()
        self.rooms = make_rooms(self.site, floors=2, per_floor=5)
        self.room = self.rooms[0]
        self.head = make_user(
            "head", self.site, Role.SITE_HEAD, first_name="宁", last_name="周", password=self.password
        )
        self.clerk = make_user(
            "clerk", self.site, Role.GENERAL, first_name="露匀", last_name="张", password=self.password
        )
        self.guard = make_user(
            "guard", self.site, Role.SECURITY, first_name="刚", last_name="吴", password=self.password
        )
        self.cook = make_user("cook", self.site, Role.CATERING, password=self.password)
        self.person = make_person(self.site, name="李秀英")


class LiveTestCase(AuditFlushMixin, SiteMixin, TransactionTestCase):
    """For tests whose code runs on other threads (the socket tests)."""


class SocketMixin:
    """Open a board socket against the real ASGI application, logged in as a user."""

    def session_cookie(self, user) -> str:
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    async def connect(self, path, user=None, origin=b"http://127.0.0.1:8000"):
        from site_ops.asgi import application

        headers = [(b"origin", origin)] if origin else []
        if user is not None:
            key = await sync_to_async(self.session_cookie)(user)
            headers.append((b"cookie", f"sessionid={key}".encode()))
        communicator = WebsocketCommunicator(application, path, headers=headers)
        connected, code = await communicator.connect()
        return communicator, connected, code
