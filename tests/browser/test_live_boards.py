"""The real browser: Debian's Chromium through Playwright, two users side by side.

The server is daphne in its own process (ChannelsLiveServerTestCase) with the
real ASGI application, database and channel layer. One user acts on a
tablet-sized page; the other's control screen changes without a reload.
"""

import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from channels.testing import ChannelsLiveServerTestCase
from django.contrib.auth import get_user_model
from django.db import connections, transaction
from django.test import override_settings
from playwright.sync_api import expect

from rooms import services
from rooms.models import Room
from tests.base import AuditFlushMixin, SiteMixin
from tests.factories import make_person

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TABLET = {"width": 1280, "height": 800}
WALL = {"width": 1920, "height": 1080}
# The users' language: every browser test runs in Chinese unless it is about English.
LOCALE = "zh-CN"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="needs Chromium: apt-get install -y chromium (never a downloaded browser)"
    ),
]


@override_settings(LIVE_HEARTBEAT_SECONDS=1)
class BrowserTestCase(AuditFlushMixin, SiteMixin, ChannelsLiveServerTestCase):
    host = "127.0.0.1"

    @classmethod
    def setUpClass(cls):
        # The server process is forked: it must not inherit an open SQLite
        # connection, which two processes cannot share.
        connections.close_all()
        super().setUpClass()
        from playwright.sync_api import sync_playwright

        # Playwright's sync API runs an event loop in this thread; the test's
        # own ORM calls (fixtures, assertions) are ordinary blocking calls.
        cls._async_unsafe = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

        cls.playwright = sync_playwright().start()
        cls.browser = cls.playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking"]
        )

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.playwright.stop()
        if cls._async_unsafe is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        super().tearDownClass()

    def open_as(self, user, path, viewport, locale=LOCALE, live=True):
        context = self.browser.new_context(viewport=viewport, locale=locale)
        self.addCleanup(context.close)
        # Whatever the Content-Security-Policy blocks on this page fails the test.
        context.add_init_script(
            "window.__csp = []; document.addEventListener('securitypolicyviolation',"
            " (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        page = context.new_page()
        self.addCleanup(self.assert_no_csp_violation, page)
        page.set_default_timeout(10_000)
        page.goto(self.live_server_url + "/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", self.password)
        page.click("main button[type=submit]")
        try:
            page.wait_for_url(
                re.compile(r"/(control|general|medical|transfers|catering|disinfection|security|district)/")
            )
        except Exception:
            self.screenshot(page, "login-failed")
            raise
        page.goto(self.live_server_url + path)
        if live:
            self.wait_live(page)
        # Remember that this page was never reloaded: a reload drops the marker.
        page.evaluate("window.__notReloaded = true")
        return page

    def wait_until(self, page, expression, timeout=10.0):
        """Poll an expression from here: the page's Content-Security-Policy
        forbids the eval that Playwright's wait_for_function needs."""
        import time

        deadline = time.monotonic() + timeout
        while not page.evaluate(expression):
            if time.monotonic() > deadline:
                raise AssertionError(f"never true: {expression}")
            page.wait_for_timeout(50)

    def assert_no_csp_violation(self, page):
        if not page.is_closed():
            self.assertEqual(page.evaluate("window.__csp || []"), [])

    def wait_live(self, page):
        """The socket is open and the board it sent is in (its number is no longer -1):
        before that, a check of the page would race the snapshot's swap."""
        page.wait_for_selector("body[data-live=live]")
        page.wait_for_selector("#live-seq:not([data-seq='-1'])", state="attached")

    def assert_not_reloaded(self, page):
        self.assertTrue(page.evaluate("window.__notReloaded === true"))

    def elsewhere(self, func, **kwargs):
        """Run a service as another user would, away from Playwright's event loop."""

        def run():
            try:
                return func(**kwargs)
            finally:
                connections.close_all()

        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(run).result()

    def transfer_requested(self, reason):
        """The cast's person checked in to their room, and a transfer to hospital requested for them by the nurse."""
        from groups.transfers import services as transfers
        from groups.transfers.models import Transfer

        self.elsewhere(services.stay_check_in, person=self.person, room=self.room, by=self.clerk)
        return self.elsewhere(
            transfers.transfer_request,
            person=self.person,
            by=self.nurse,
            reason=reason,
            destination_type=Transfer.Destination.DESIGNATED_HOSPITAL,
            destination_name="区人民医院",
        )

    def log_out_elsewhere(self, page, board):
        """The user logs out in another tab of the same browser: this page's socket ends, and it goes to the login."""
        other_tab = page.context.new_page()
        other_tab.goto(self.live_server_url + board)
        other_tab.locator("form[action='/logout/'] button").click()
        page.wait_for_url(re.compile(r"/login/\?ended=1&next="))

    def log_in(self, page, user, back):
        """Log in on the login page this page is on, and land back on ``back`` (a pattern of the address)."""
        page.fill("#id_username", user.username)
        page.fill("#id_password", self.password)
        page.click("main button[type=submit]")
        page.wait_for_url(re.compile(back))

    def screenshot(self, page, name):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


class CheckInLiveTests(BrowserTestCase):
    def test_a_check_in_on_a_tablet_shows_on_the_control_screen_without_reload(self):
        # Someone else is expected too: their row stays, the count goes down.
        other = make_person(self.site, name="王桂兰")
        control = self.open_as(self.head, "/control/", WALL)
        room_cell = control.locator(f"#room-{self.room.pk}")
        self.assertEqual(room_cell.get_attribute("data-status"), "available")
        self.assertEqual(control.locator("[data-counter=occupied]").inner_text(), "0")

        tablet = self.open_as(self.clerk, "/general/", TABLET)
        tablet.locator(f"#arrival-{self.person.pk}").get_by_role("link", name="入住").click()
        form = tablet.locator("#panel form")
        form.wait_for()
        # The suggested room is preselected: the first free single room.
        self.assertEqual(form.locator("select[name=room]").input_value(), str(self.room.pk))
        self.screenshot(tablet, "general-check-in-tablet")
        form.get_by_role("button", name="入住").click()
        tablet.locator("#panel .done").wait_for()

        control.wait_for_selector(f"#room-{self.room.pk}[data-status=occupied]")
        expect(control.locator("[data-counter=occupied]")).to_have_text("1")
        self.assertIn("李秀英", control.locator("#feed").inner_text())
        self.assert_not_reloaded(control)
        # The tablet's own board moved the person from arrivals to the room card.
        tablet.wait_for_selector(f"#room-{self.room.pk}[data-status=occupied]")
        expect(tablet.locator(f"#arrival-{self.person.pk}")).to_have_count(0)
        expect(tablet.locator("#arrivals-count")).to_have_text("1")
        self.assertIn("王桂兰", tablet.locator(f"#arrival-{other.pk}").inner_text())
        self.assert_not_reloaded(tablet)
        self.screenshot(control, "control-screen-wall")
        self.screenshot(tablet, "general-board-tablet")


class TypingTests(BrowserTestCase):
    def test_a_live_update_waits_while_someone_types_then_catches_up(self):
        page = self.open_as(self.head, "/control/", WALL)
        # After the connect's snapshot, a field in the feed gets words and the
        # focus in one step, as a user's typing would leave it.
        page.wait_for_selector("#live-seq:not([data-seq='-1'])", state="attached")
        page.evaluate(
            """() => { const input = document.createElement('input'); input.id = 'typing';
            input.value = '正在输入驳回原因'; document.querySelector('#feed').appendChild(input); input.focus(); }"""
        )
        # The change goes through the server (as another tablet's would), so
        # that its broadcast reaches this page.
        page.evaluate(
            """(url) => fetch(url, {method: 'POST', headers: {'x-csrftoken':
                 JSON.parse(document.body.getAttribute('hx-headers'))['x-csrftoken'],
                 'content-type': 'application/x-www-form-urlencoded'},
               body: 'to=out_of_service&version=1'})""",
            f"/rooms/{self.rooms[1].pk}/move/",
        )
        # The room's own cell (no field in it) changes at once...
        page.wait_for_selector(f"#room-{self.rooms[1].pk}[data-status=out_of_service]")
        # ...but the feed holding the field being typed into is left alone.
        self.assertEqual(page.input_value("#typing"), "正在输入驳回原因")
        self.assertNotIn("101", page.locator("#feed").inner_text().replace("正在输入驳回原因", ""))
        page.evaluate("document.activeElement.blur()")
        # Once the field is left, the next heartbeat brings the whole board.
        page.wait_for_selector("#typing", state="detached")
        self.assertIn(self.rooms[1].number, page.locator("#feed").inner_text())
        self.assert_not_reloaded(page)


class RecoveryTests(BrowserTestCase):
    def test_a_cut_socket_reconnects_and_catches_up(self):
        sockets = []

        def route(ws):
            ws.connect_to_server()
            sockets.append(ws)

        control = self.browser.new_context(viewport=WALL, locale=LOCALE)
        self.addCleanup(control.close)
        page = control.new_page()
        page.set_default_timeout(10_000)
        page.route_web_socket(re.compile(r"/ws/"), route)
        page.goto(self.live_server_url + "/login/")
        page.fill("#id_username", self.head.username)
        page.fill("#id_password", self.password)
        page.click("main button[type=submit]")
        page.goto(self.live_server_url + "/control/")
        self.wait_live(page)
        page.evaluate(
            """window.__notReloaded = true; window.__states = [];
            new MutationObserver(() => window.__states.push(document.body.dataset.live))
              .observe(document.body, {attributes: true, attributeFilter: ['data-live']});"""
        )

        # The server side goes away (as when a process restarts) and a change
        # is made while the page is disconnected.
        sockets[-1].close(code=1012, reason="restart")
        self.wait_until(page, "window.__states.includes('reconnecting')")
        self.elsewhere(services.stay_check_in, person=self.person, room=self.room, by=self.clerk)

        page.wait_for_selector(f"#room-{self.room.pk}[data-status=occupied]")
        self.wait_live(page)
        self.assertGreaterEqual(len(sockets), 2)
        self.assert_not_reloaded(page)

    def test_a_lost_message_is_healed_by_the_heartbeat(self):
        page = self.open_as(self.head, "/control/", WALL)
        # This change commits in the test process: its broadcast never reaches
        # the server process's in-memory layer, exactly like a message lost
        # to a Redis restart. Only the heartbeat can bring the board up to date.
        self.elsewhere(services.stay_check_in, person=self.person, room=self.room, by=self.clerk)
        page.wait_for_selector(f"#room-{self.room.pk}[data-status=occupied]")
        self.assertEqual(Room.objects.get(pk=self.room.pk).status, Room.Status.OCCUPIED)
        self.assert_not_reloaded(page)

    def test_a_socket_closed_with_any_code_reconnects(self):
        page = self.open_as(self.head, "/control/", WALL)
        # 1000 is a normal close, which the htmx ws extension never retries.
        page.evaluate("document.getElementById('live-socket')['htmx-internal-data'].webSocket.socket.close(1000)")
        page.wait_for_selector("body[data-live=reconnecting]")
        self.wait_live(page)
        self.elsewhere(services.room_move, room=self.rooms[1], to=Room.Status.OUT_OF_SERVICE, by=self.head)
        page.wait_for_selector(f"#room-{self.rooms[1].pk}[data-status=out_of_service]")
        self.assert_not_reloaded(page)

    def test_a_stopped_account_s_board_says_the_account_is_stopped(self):
        from site_ops import live

        page = self.open_as(self.clerk, "/general/", TABLET)

        def stop():
            with transaction.atomic():
                get_user_model().objects.filter(pk=self.clerk.pk).update(is_active=False)
                live.recheck_user_sockets(self.clerk.pk)

        self.elsewhere(stop)
        page.wait_for_url(re.compile(r"/login/\?stopped=1$"))
        self.assertIn("此账号已停用", page.locator("main").inner_text())
        self.screenshot(page, "account-stopped-tablet")

    def test_logging_out_closes_the_board_and_shows_the_login(self):
        page = self.open_as(self.head, "/control/", WALL)
        # Log out from another tab of the same browser: the board's socket is
        # closed by the server and the page goes to the login.
        self.log_out_elsewhere(page, "/control/")
        # The login says why, and brings the site head back to the control screen.
        self.assertTrue(page.url.endswith("/login/?ended=1&next=%2Fcontrol%2F"))
        self.assertIn("您的登录已结束", page.locator("main").inner_text())
        self.screenshot(page, "login-ended-wall")
        page.set_viewport_size(TABLET)
        self.screenshot(page, "login-ended-tablet")
        self.log_in(page, self.head, r"/control/$")
