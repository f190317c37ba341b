"""What a hostile user or a flaky network tries: the answers are clear, and nothing leaks or breaks."""

import json
from unittest import mock

from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group, User
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rooms import services
from rooms.models import Person, Staff
from rooms.roles import Role
from site_ops import heartbeats, live
from site_ops.consumers import BoardConsumer
from site_ops.models import BoardSequence
from tests.base import LiveTestCase, SiteTestCase, SocketMixin
from tests.factories import make_site, make_user, user_change_form

ACK = '<div id="live-ack" hidden></div>'


class SocketRightTests(SocketMixin, LiveTestCase):
    """A board socket ends with the right to see the board."""

    async def open_general(self):
        socket, client = await self.open_logged_in("/ws/boards/general/?lang=en", self.clerk)
        return socket, client.cookies["sessionid"].value

    async def heartbeat(self, socket, seq=0):
        await socket.send_to(text_data=json.dumps({"type": "heartbeat", "seq": seq}))

    async def assert_closed(self, socket, code):
        self.assertEqual((await socket.receive_output(timeout=2))["code"], code)

    async def test_a_deactivated_account_is_closed_at_the_next_heartbeat(self):
        socket, _key = await self.open_general()
        await sync_to_async(User.objects.filter(pk=self.clerk.pk).update)(is_active=False)
        await self.heartbeat(socket)
        # Its own code: the page says the account is stopped, not that the login ended.
        await self.assert_closed(socket, 4402)

    async def test_a_deleted_or_expired_session_is_closed_at_the_next_heartbeat(self):
        socket, key = await self.open_general()
        await sync_to_async(Session.objects.filter(session_key=key).delete)()
        await self.heartbeat(socket)
        await self.assert_closed(socket, 4401)

    async def test_a_changed_password_ends_the_sessions_sockets(self):
        socket, _key = await self.open_general()

        def change():
            user = User.objects.get(pk=self.clerk.pk)
            user.set_password("a-new-one-2027")
            user.save()

        await sync_to_async(change)()
        await self.heartbeat(socket)
        await self.assert_closed(socket, 4401)

    async def test_losing_the_group_closes_the_socket_and_no_board_is_sent(self):
        socket, _key = await self.open_general()
        # The sequence moved on: a heartbeat would resend the whole board.
        await sync_to_async(BoardSequence.objects.create)(site=self.site, board="general", seq=3)
        await sync_to_async(lambda: self.clerk.groups.remove(Group.objects.get(name=Role.GENERAL)))()
        await self.heartbeat(socket)
        output = await socket.receive_output(timeout=2)
        self.assertEqual(output, {"type": "websocket.close", "code": 4403})

    async def test_an_account_changed_in_the_admin_closes_its_sockets_at_once(self):
        socket, _key = await self.open_general()

        def remove_from_group_in_the_admin():
            admin = Client()
            User.objects.filter(pk=self.head.pk).update(is_staff=True, is_superuser=True)
            admin.force_login(User.objects.get(pk=self.head.pk))
            user = User.objects.get(pk=self.clerk.pk)
            url = reverse("admin:auth_user_change", args=[user.pk])
            data = user_change_form(user, groups=[])
            response = admin.post(url, data)
            self.assertEqual(response.status_code, 302, response.content.decode()[:2000])

        await sync_to_async(remove_from_group_in_the_admin)()
        # No heartbeat: the account's change reached the socket by itself.
        await self.assert_closed(socket, 4403)
        # A change after that reaches nobody on this socket.
        await sync_to_async(services.stay_check_in)(person=self.person, room=self.room, by=self.head)
        self.assertTrue(await socket.receive_nothing(timeout=0.3))


class CheckedSocketRightTests(SocketMixin, LiveTestCase):
    """After one full check, a heartbeat re-reads only the rows the right depends on
    (consumers.BoardConsumer.right_inputs); any change to them still ends the socket."""

    async def open_checked(self):
        socket, client = await self.open_logged_in("/ws/boards/general/?lang=en", self.clerk)
        await socket.send_to(text_data=json.dumps({"type": "heartbeat", "seq": 0}))
        self.assertEqual(await socket.receive_from(), ACK)
        return socket, client.cookies["sessionid"].value

    async def assert_next_heartbeat_closes(self, change, code):
        socket, key = await self.open_checked()
        await sync_to_async(change)(key)
        await socket.send_to(text_data=json.dumps({"type": "heartbeat", "seq": 0}))
        self.assertEqual(await socket.receive_output(timeout=2), {"type": "websocket.close", "code": code})

    async def test_an_unchanged_right_is_not_checked_again_in_full(self):
        socket, _key = await self.open_checked()
        with mock.patch.object(BoardConsumer, "lost_right", side_effect=AssertionError("checked in full")):
            for _ in range(3):
                await socket.send_to(text_data=json.dumps({"type": "heartbeat", "seq": 0}))
                self.assertEqual(await socket.receive_from(), ACK)
        await socket.disconnect()

    async def test_a_deactivated_account(self):
        await self.assert_next_heartbeat_closes(
            lambda key: User.objects.filter(pk=self.clerk.pk).update(is_active=False), 4402
        )

    async def test_a_deleted_session(self):
        await self.assert_next_heartbeat_closes(lambda key: Session.objects.filter(session_key=key).delete(), 4401)

    async def test_an_expired_session(self):
        await self.assert_next_heartbeat_closes(
            lambda key: Session.objects.filter(session_key=key).update(expire_date=timezone.now()), 4401
        )

    async def test_a_changed_password(self):
        def change(key):
            user = User.objects.get(pk=self.clerk.pk)
            user.set_password("a-new-one-2027")
            user.save()

        await self.assert_next_heartbeat_closes(change, 4401)

    async def test_a_group_left(self):
        await self.assert_next_heartbeat_closes(
            lambda key: self.clerk.groups.remove(Group.objects.get(name=Role.GENERAL)), 4403
        )

    async def test_a_group_renamed(self):
        await self.assert_next_heartbeat_closes(
            lambda key: Group.objects.filter(name=Role.GENERAL).update(name="前台（旧）"), 4403
        )

    async def test_a_move_to_another_site(self):
        await self.assert_next_heartbeat_closes(
            lambda key: Staff.objects.filter(user=self.clerk).update(site=make_site(name="另一隔离点")), 4403
        )

    async def test_a_heartbeat_after_the_check_runs_three_statements(self):
        socket, _key = await self.open_checked()
        counted = []

        async def counting(consumer):
            def run():
                with CaptureQueriesContext(connection) as queries:
                    result = consumer.lost_right_since(), live.current_seq(consumer.site_id, consumer.board_key)
                counted.append(len(queries))
                return result

            return await sync_to_async(run)()

        with mock.patch.object(BoardConsumer, "heartbeat_state", counting):
            await socket.send_to(text_data=json.dumps({"type": "heartbeat", "seq": 0}))
            self.assertEqual(await socket.receive_from(), ACK)
        # The session, the account with its groups and site, the board's number.
        self.assertEqual(counted, [3])
        await socket.disconnect()


class BadFrameTests(SocketMixin, LiveTestCase):
    async def test_frames_the_page_never_sends_close_the_socket_with_one_log_line(self):
        frames = ["[]", "null", "1", '"x"', "not json", '{"type": "subscribe", "board": "control"}']
        bad_numbers = ("Infinity", "1e400", "-5", "1.5", '"7"', "true")
        frames += ['{"type": "heartbeat", "seq": ' + seq + "}" for seq in bad_numbers]
        for frame in frames:
            with self.subTest(frame=frame):
                socket, connected, _code = await self.connect("/ws/boards/control/?lang=en", self.head)
                await socket.receive_from()
                with self.assertLogs("site_ops.consumers", level="WARNING") as logs:
                    await socket.send_to(text_data=frame)
                    self.assertEqual((await socket.receive_output(timeout=2))["code"], 1008)
                self.assertEqual(len(logs.records), 1)
                self.assertIsNone(logs.records[0].exc_info)

    async def test_a_socket_to_a_path_with_no_board_is_refused_at_the_handshake(self):
        huge = "9" * 20  # more than a 64-bit column holds
        refused = ("/ws/nothing/", "/ws/boards/", "/not-a-socket", "/ws/rooms/abc/", f"/ws/rooms/{huge}/")
        for path in (*refused, f"/ws/people/{huge}/", f"/ws/pages/district/{huge}/"):
            with self.subTest(path=path):
                socket, connected, code = await self.connect(path, self.head)
                self.assertFalse(connected)

    async def test_snapshots_are_served_at_most_once_in_a_few_seconds(self):
        socket, *_ = await self.connect("/ws/boards/control/?lang=en", self.head)
        await socket.receive_from()
        await sync_to_async(BoardSequence.objects.create)(site=self.site, board="control", seq=9)
        await socket.send_to(text_data=json.dumps({"type": "heartbeat", "seq": -1}))
        self.assertIn('id="board-body"', await socket.receive_from())
        # Twenty heartbeats well within the few seconds (each alone in its batch).
        with mock.patch.object(heartbeats, "WINDOW_SECONDS", 0.01):
            for _ in range(20):
                await socket.send_to(text_data=json.dumps({"type": "heartbeat", "seq": -1}))
                self.assertEqual(await socket.receive_from(), ACK)
        await socket.disconnect()


class RequestGuardTests(SiteTestCase):
    def test_a_null_character_is_refused_not_searched(self):
        self.client.force_login(self.clerk)
        for params in ({"q": "\x00"}, {"q": "李\x00"}, {"floor": "1\x00"}):
            with self.subTest(params=params):
                response = self.client.get(reverse("general-board"), params)
                self.assertContains(response, "not allowed", status_code=400)
                self.assertNotContains(response, "李秀英", status_code=400)

    def test_a_null_character_in_a_form_is_refused_and_changes_nothing(self):
        self.client.force_login(self.clerk)
        response = self.client.post(reverse("person-new"), {"name": "王\x00", "national_id": "x"})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(User.objects.filter(username="王").exists())

    def test_control_characters_and_direction_marks_are_refused_and_change_nothing(self):
        self.client.force_login(self.clerk)
        for name in ["王\x1b[31m", "王\x07", "\u202e芳王", "王\u2066芳"]:
            with self.subTest(name=name.encode("unicode_escape")):
                response = self.client.post(reverse("person-new"), {"name": name, "national_id": "x"})
                self.assertContains(response, "not allowed", status_code=400)
        self.assertFalse(Person.objects.filter(name__startswith="王").exclude(pk=self.person.pk).exists())
        # Tabs and line breaks are text (a note of several lines).
        response = self.client.get(reverse("general-board"), {"q": "李\t秀英\r\n"})
        self.assertEqual(response.status_code, 200)

    def test_a_forwarded_address_does_not_get_round_the_login_throttle(self):
        make_user("victim", self.site, "general", password="right-horse-battery")
        for n in range(6):
            self.client.post(
                reverse("login"),
                {"username": "victim", "password": "wrong"},
                headers={"x-forwarded-for": f"203.0.113.{n}"},
            )
        response = self.client.post(
            reverse("login"),
            {"username": "victim", "password": "right-horse-battery"},
            headers={"x-forwarded-for": "203.0.113.200"},
        )
        self.assertEqual(response.status_code, 429)

    def test_password_spraying_from_one_address_is_refused_but_ordinary_mistakes_are_not(self):
        make_user("wangfang2", self.site, "general", password="right-horse-battery")
        # A shift's ordinary mistakes on the shared Wi-Fi: a few people mistype once or twice.
        for name in ("zhanglu", "liuyan", "hemei"):
            for _ in range(2):
                self.client.post(reverse("login"), {"username": name, "password": "wrong"})
        response = self.client.post(reverse("login"), {"username": "wangfang2", "password": "right-horse-battery"})
        self.assertEqual(response.status_code, 302)
        self.client.post(reverse("logout"))
        # Three passwords tried against many names: every login from the address is refused.
        for n in range(12):
            self.client.post(reverse("login"), {"username": f"staff{n}", "password": "123456"})
        response = self.client.post(reverse("login"), {"username": "wangfang2", "password": "right-horse-battery"})
        self.assertContains(response, "Too many failed logins", status_code=429)

    def test_a_request_django_refuses_logs_one_line(self):
        import io
        import logging

        from site_ops.middleware import OneLine

        handlers = logging.getLogger("django.security").handlers
        (handler,) = [h for h in handlers if any(isinstance(f, OneLine) for f in h.filters)][:1]
        stream, handler.stream = handler.stream, io.StringIO()
        try:
            response = self.client.post(reverse("login"), {f"f{n}": "x" for n in range(1200)})
            written = handler.stream.getvalue()
        finally:
            handler.stream = stream
        self.assertEqual(response.status_code, 400)
        self.assertIn("data_upload_max_number_fields", written.lower())
        self.assertNotIn("Traceback", written)
        self.assertEqual(len(written.strip().splitlines()), 1)

    def test_a_refused_plain_form_goes_back_to_its_own_page(self):
        self.client.force_login(self.cook)
        board = reverse("catering-board") + "?floor=1"
        response = self.client.post(reverse("meal-record"), {}, headers={"referer": "http://testserver" + board})
        self.assertRedirects(response, "http://testserver" + board, fetch_redirect_response=False)
        # Without a page to go back to, the group's own board; a foreign page is not followed.
        for headers in ({}, {"referer": "https://evil.example/"}):
            response = self.client.post(reverse("meal-record"), {}, headers=headers)
            self.assertRedirects(response, reverse("catering-board"), fetch_redirect_response=False)

    def test_a_refusal_with_nowhere_to_go_back_to_goes_to_the_users_own_start_page(self):
        from django.contrib.messages.storage.cookie import CookieStorage
        from django.test import RequestFactory

        from rooms.actions import refused_response

        request = RequestFactory().post("/anything/")
        request.htmx = False
        request.user = self.cook
        request._messages = CookieStorage(request)
        response = refused_response(request, "不行", 422)
        self.assertEqual(response["Location"], reverse("home"))


class NoStoreTests(SiteTestCase):
    def test_pages_with_personal_data_are_never_stored(self):
        self.client.force_login(self.clerk)
        urls = [
            reverse("general-board"),
            reverse("person-detail", args=[self.person.pk]),
            reverse("room-detail", args=[self.room.pk]),
            reverse("person-edit", args=[self.person.pk]),
        ]
        for url in urls:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url)["Cache-Control"], "no-store")
        reveal = self.client.post(
            reverse("person-reveal", args=[self.person.pk]),
            {"field": "national_id", "reason": "核对身份"},
            headers={"HX-Request": "true"},
        )
        self.assertContains(reveal, self.person.national_id)
        self.assertEqual(reveal["Cache-Control"], "no-store")


class ActingUserTests(SiteTestCase):
    """A service is handed the user itself, not the lazy stand-in it would read through on every row."""

    def test_a_service_is_handed_the_user_itself(self):
        from groups.general import views

        self.client.force_login(self.head)
        room = self.rooms[0]
        with mock.patch.object(views.services, "room_move", wraps=views.services.room_move) as moved:
            response = self.client.post(
                reverse("room-move", args=[room.pk]),
                {"to": "out_of_service", "version": room.version},
                headers={"HX-Request": "true"},
            )
        self.assertEqual(response.status_code, 200)
        by = moved.call_args.kwargs["by"]
        self.assertIs(type(by), User)
        self.assertEqual(by.pk, self.head.pk)
        room.refresh_from_db()
        self.assertEqual(room.status, "out_of_service")

    def test_a_request_without_a_login_or_the_authentication_middleware_is_left_as_it_came(self):
        from django.contrib.auth.models import AnonymousUser
        from django.http import HttpResponse
        from django.test import RequestFactory

        from site_ops.middleware import acting_user

        seen = []
        handler = acting_user(lambda request: seen.append(getattr(request, "user", None)) or HttpResponse())
        handler(RequestFactory().get("/"))
        self.assertEqual(seen, [None])
        self.assertIsInstance(self.client.get(reverse("login")).wsgi_request.user, AnonymousUser)


class TransferAudienceTests(SocketMixin, LiveTestCase):
    """The escort sees what escorting needs, never the request's reason, on the page or its socket."""

    REASON = "核酸阳性 Ct值21.3 发热38.7"

    def make_transfer(self):
        from groups.transfers import services as transfers

        services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        transfer = transfers.transfer_request(
            person=self.person, by=self.clerk, reason=self.REASON, destination_type="designated_hospital"
        )
        transfers.transfer_approve(transfer=transfer, by=self.head, note="尽快 " + self.REASON)
        return transfer

    def test_the_security_group_gets_the_escorts_page_without_the_reason(self):
        transfer = self.make_transfer()
        client = Client()
        client.force_login(self.guard)
        page = client.get(reverse("transfer-detail", args=[transfer.pk]))
        self.assertContains(page, self.person.name)
        self.assertNotContains(page, "Ct值")
        self.assertNotContains(page, "发热")
        self.assertContains(page, f"/ws/escorts/{transfer.pk}/")
        client.force_login(self.clerk)
        self.assertContains(client.get(reverse("transfer-detail", args=[transfer.pk])), "Ct值21.3")

    async def test_the_escorts_socket_never_carries_the_reason(self):
        transfer = await sync_to_async(self.make_transfer)()
        full, connected, _ = await self.connect(f"/ws/transfers/{transfer.pk}/?lang=en", self.guard)
        self.assertEqual((await full.receive_output())["code"], 4403)  # the whole page is not theirs
        escort, connected, _ = await self.connect(f"/ws/escorts/{transfer.pk}/?lang=en", self.guard)
        snapshot = await escort.receive_from()
        self.assertIn(self.person.name, snapshot)
        self.assertNotIn("Ct值", snapshot)

        from groups.transfers import services as transfers

        await sync_to_async(transfers.transfer_cancel)(transfer=transfer, by=self.head, reason="改派 " + self.REASON)
        pushed = await escort.receive_from()
        self.assertIn('data-state="cancelled"', pushed)
        self.assertNotIn("Ct值", pushed)
        self.assertNotIn("发热", pushed)
        await escort.disconnect()


class SheetBoundTests(SiteTestCase):
    """A lab sheet is refused before it can take the server's memory or time."""

    def xlsx(self, shared_strings: bytes, rows: int = 1) -> bytes:
        import io
        import zipfile

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("xl/workbook.xml", "<workbook/>")
            archive.writestr("xl/sharedStrings.xml", shared_strings)
        return buffer.getvalue()

    def test_an_archive_that_unpacks_to_hundreds_of_megabytes_is_refused_unread(self):
        from groups.medical.lab_sheets import read_sheet

        bomb = self.xlsx(b"<sst>" + b"A" * (120 * 1024 * 1024) + b"</sst>")
        self.assertLess(len(bomb), 1024 * 1024)  # under a megabyte uploaded
        with self.assertRaisesMessage(services.ServiceError, "unpacks to far more than a lab's sheet"):
            read_sheet("results.xlsx", bomb)

    def test_a_sheet_of_a_million_lines_stops_at_the_limit(self):
        from groups.medical.lab_sheets import MAX_LINES, read_sheet

        lines = ["条码,结果"] + [f"HX{n:07d},阴性" for n in range(1_000_000)]
        with self.assertRaisesMessage(services.ServiceError, f"at most {MAX_LINES} lines"):
            read_sheet("results.csv", "\n".join(lines).encode())
        blank = ["条码,结果"] + [","] * 1_000_000
        with self.assertRaisesMessage(services.ServiceError, f"at most {MAX_LINES} lines"):
            read_sheet("results.csv", "\n".join(blank).encode())

    def test_a_field_longer_than_the_csv_reader_takes_is_refused(self):
        from groups.medical.lab_sheets import read_sheet

        sheet = "条码,结果\nHX1," + "阴" * 200_000 + "\n"
        with self.assertRaisesMessage(services.ServiceError, "The CSV file could not be read"):
            read_sheet("results.csv", sheet.encode())

    def test_a_report_time_at_the_calendars_ends_fails_its_line_only(self):
        from groups.medical.lab_sheets import read_sheet

        lines = ["条码,身份证号,结果,报告时间", "HX1,,阴性,0001-01-01 00:00", ",11010119900307123²,阴性,"]
        sheet = "\n".join([*lines, "HX3,,阴性,2026-12-04 08:00", ""])
        first, second, third = read_sheet("results.csv", sheet.encode())
        self.assertEqual(first.error, "bad_time")
        self.assertEqual(second.error, "bad_id")  # "²" is a digit to str.isdigit, not to int()
        self.assertEqual(third.error, "")

    def test_a_sheet_with_a_character_no_field_takes_is_refused_and_nothing_is_kept(self):
        from groups.medical.lab_sheets import read_sheet

        for line in ("HX1\x00,阴性", "HX1,阴\x00性", "\u202eHX1,阴性", "HX1,阴性\x1b"):
            refused = self.assertRaisesMessage(services.ServiceError, "Line 3 of the sheet has a character")
            with self.subTest(line=line.encode("unicode_escape")), refused:
                read_sheet("results.csv", f"条码,结果\nHX0,阴性\n{line}\n".encode())
        # Through the page (PostgreSQL refused the NUL with a 500 before): a clear refusal, nothing kept.
        from django.core.files.uploadedfile import SimpleUploadedFile

        from groups.medical.models import LabImport

        self.client.force_login(self.nurse)
        sheet = SimpleUploadedFile("nul.csv", b"barcode,result\nT1\x00,negative\n")
        response = self.client.post(reverse("lab-import"), {"sheet": sheet})
        self.assertContains(response, "a character no field takes", status_code=422)
        self.assertFalse(LabImport.objects.exists())
        # Tabs are text.
        (row,) = read_sheet("results.csv", "条码,结果\nHX1\t,阴性\n".encode())
        self.assertEqual(row.barcode, "HX1")

    def test_a_ct_that_is_not_a_number_fails_its_line(self):
        from groups.medical.lab_sheets import read_sheet

        for ct in ("NaN", "Infinity", "-inf", "1e999999"):
            with self.subTest(ct=ct):
                (row,) = read_sheet("results.csv", f"条码,结果,ORF1ab\nHX1,阳性,{ct}\n".encode())
                self.assertEqual(row.error, "bad_ct")

    def test_a_full_sheet_with_blank_lines_after_it_is_read(self):
        from groups.medical.lab_sheets import MAX_LINES, read_sheet

        lines = ["条码,结果"] + [f"HX{n:07d},阴性" for n in range(MAX_LINES)] + [","] * 10
        self.assertEqual(len(read_sheet("results.csv", "\n".join(lines).encode())), MAX_LINES)


class ContentSecurityPolicyTests(SiteTestCase):
    def test_pages_forbid_inline_scripts_and_eval(self):
        self.client.force_login(self.head)
        policy = self.client.get(reverse("control-screen"))["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
        self.assertEqual(directives["script-src"], "'self'")
        self.assertEqual(directives["frame-ancestors"], "'none'")
        self.assertIn("'self'", directives["connect-src"])

    def test_no_template_has_an_inline_script_or_handler(self):
        import re
        from pathlib import Path

        templates = Path(__file__).resolve().parent.parent / "templates"
        for template in templates.rglob("*.html"):
            text = template.read_text()
            with self.subTest(template=template.name):
                self.assertNotRegex(text, r"\son[a-z]+=")
                self.assertEqual(re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", text), [])


class RefusedSocketTests(SiteTestCase):
    def test_a_frame_after_a_refused_connect_is_ignored_not_a_traceback(self):
        from unittest import mock

        from asgiref.sync import async_to_sync
        from django.contrib.auth.models import AnonymousUser

        from site_ops.consumers import BoardConsumer

        consumer = BoardConsumer()
        consumer.scope = {
            "url_route": {"kwargs": {"board": "control"}},
            "query_string": b"",
            "user": AnonymousUser(),
            "session": None,
        }
        sent = []

        async def record(message):
            sent.append(message)

        consumer.base_send = record
        with mock.patch.object(BoardConsumer, "heartbeat_state", side_effect=AssertionError("read the board")):
            async_to_sync(consumer.connect)()
            async_to_sync(consumer.receive)(text_data='{"type": "heartbeat", "seq": 0}')
        self.assertEqual([m["type"] for m in sent], ["websocket.accept", "websocket.close"])
        self.assertEqual(sent[-1]["code"], 4403)
