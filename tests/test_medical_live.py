"""Medical changes on the live path: they reach the medical board and the control
screen, and no board of a group that may not see test results or health data."""

import asyncio

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.test import Client
from django.urls import reverse

from groups.medical import services as medical
from groups.medical.models import Sample
from groups.transfers.models import Transfer
from rooms import services
from rooms.models import Room
from rooms.roles import Role
from site_ops import boards, live
from site_ops.boards import Change
from tests.base import LiveTestCase, SiteTestCase, SocketMixin, open_socket
from tests.factories import make_person

# The audiences that may see test results or health data: the site head, the
# medical group, and the general group (release eligibility only).
MEDICAL_AUDIENCE = {Role.SITE_HEAD, Role.MEDICAL, Role.GENERAL}
# What test results and health data look like in a fragment.
MEDICAL_MARKERS = ('data-test="', 'data-health="', 'id="alert-', "38.2", "Ct ", 'class="result ', "medical-counters")


class BroadcastTests(SiteTestCase):
    def setUp(self):
        self.stay = services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        self.sample = medical.sample_collect(sample=Sample.objects.get(stay=self.stay, day=1), by=self.nurse)
        medical.health_round_record(
            site=self.site, day=self.stay.started_at.date(), round="am",
            entries=[{"person": self.person, "temperature": "38.2", "symptoms": ["cough"]}], by=self.nurse,
        )  # fmt: skip

    def listen(self, key):
        layer = get_channel_layer()
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(live.broadcast_group(self.site.pk, key, "en"), channel)
        return layer, channel

    def received(self, layer, channel, count=1) -> str:
        # In one event loop: the Redis layer acknowledges a message when the
        # next receive starts, and a new loop per receive would replay it.
        async def take():
            return "".join([(await asyncio.wait_for(layer.receive(channel), 5))["html"] for _ in range(count)])

        return async_to_sync(take)()

    def test_a_positive_reaches_the_medical_board_and_the_control_screen(self):
        medical_board, control = self.listen("medical"), self.listen("control")
        with self.captureOnCommitCallbacks(execute=True):
            medical.sample_record_result(sample=self.sample, result="positive", by=self.nurse)

        # One broadcast: the result, and the urgent transfer the positive drafted with it.
        html = self.received(*control)
        transfer = Transfer.objects.get(person=self.person)
        self.assertIn(f'id="approval-{transfer.pk}"', html)
        self.assertIn(f'id="room-{self.room.pk}"', html)
        self.assertIn('data-status="sealed"', html)
        self.assertIn('data-test="positive"', html)
        self.assertIn("data-alert-urgent", html)
        self.assertIn("李秀英", html.split('id="alerts"')[1])
        # The medical board follows its patients' transfers too, in the same message.
        html = self.received(*medical_board)
        self.assertIn('id="patient-transfers"', html)
        self.assertIn(f'id="med-room-{self.room.pk}"', html)
        self.assertIn("data-alert-urgent", html)
        self.assertIn('id="medical-counters"', html)
        self.assertNotIn(self.person.national_id, html)

    def test_the_control_screen_shows_health_badges_but_only_the_site_heads_alerts(self):
        control = self.listen("control")
        with self.captureOnCommitCallbacks(execute=True):
            medical.sample_record_result(sample=self.sample, result="negative", by=self.nurse)
        html = self.received(*control)
        self.assertIn('data-health="fever"', html)
        self.assertIn('data-health="symptoms"', html)
        # The fever alert is for the medical group; the control screen has no alert of it.
        self.assertNotIn('id="alert-', html)

    def test_changes_go_only_to_boards_whose_audience_may_see_medical_data(self):
        change = Change(
            site_id=self.site.pk, rooms=frozenset({self.room.pk}), persons=frozenset({self.person.pk}),
            topics=frozenset({"medical"}),
        )  # fmt: skip
        medical.sample_record_result(sample=self.sample, result="positive", by=self.nurse)
        seen = {}
        for key in boards.affected_boards(change):
            board = boards.board_for_key(key)
            html = board.render_change(change) + board.render_snapshot(self.site.pk, {})
            seen[key] = any(marker in html for marker in MEDICAL_MARKERS)
            if not board.roles & MEDICAL_AUDIENCE:
                with self.subTest(board=key):
                    self.assertFalse(seen[key], f"{key} carries test results or health data")
        # The boards that may see it do show it.
        self.assertTrue(seen["control"])
        self.assertTrue(seen["medical"])

    def test_no_board_of_another_group_renders_medical_data(self):
        medical.sample_record_result(sample=self.sample, result="positive", by=self.nurse)
        change = Change(site_id=self.site.pk, rooms=frozenset({self.room.pk}), topics=frozenset({"medical"}))
        others = {key: board for key, board in boards.BOARDS.items() if not board.roles & MEDICAL_AUDIENCE}
        for key, board in others.items():
            html = board.render_snapshot(self.site.pk, {}) + board.render_change(change)
            with self.subTest(board=key):
                self.assertFalse([marker for marker in MEDICAL_MARKERS if marker in html])
        # The medical board is for the medical group and the site head only.
        self.assertEqual(boards.BOARDS["medical"].roles, {Role.SITE_HEAD, Role.MEDICAL})

    def test_a_refused_result_sends_nothing(self):
        with self.captureOnCommitCallbacks(execute=True) as callbacks, self.assertRaises(services.ServiceError):
            medical.sample_record_result(sample=self.sample, result="maybe", by=self.nurse)
        self.assertEqual(callbacks, [])
        self.assertEqual(Room.objects.get(pk=self.room.pk).status, Room.Status.OCCUPIED)


class MedicalSocketTests(LiveTestCase):
    def setUp(self):
        super().setUp()

    def session_cookie(self, user) -> str:
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    async def connect(self, path, user):
        key = await sync_to_async(self.session_cookie)(user)
        headers = [(b"origin", b"http://127.0.0.1:8000"), (b"cookie", f"sessionid={key}".encode())]
        communicator, _connected, _code = await open_socket(path, headers)
        return communicator

    async def test_only_the_medical_group_and_the_site_head_open_the_medical_board(self):
        for user in (self.cook, self.clerk):
            communicator = await self.connect("/ws/boards/medical/", user)
            with self.subTest(user=user.username):
                self.assertEqual((await communicator.receive_output())["code"], 4403)
        for user in (self.nurse, self.head):
            communicator = await self.connect("/ws/boards/medical/?lang=en&floor=1", user)
            snapshot = await communicator.receive_from()
            with self.subTest(user=user.username):
                self.assertIn('id="board-body"', snapshot)
                self.assertIn(f'id="med-room-{self.room.pk}"', snapshot)
            await communicator.disconnect()

    async def test_a_nurses_positive_reaches_the_site_head_live(self):
        stay = await sync_to_async(services.stay_check_in)(person=self.person, room=self.room, by=self.clerk)
        sample = await sync_to_async(lambda: Sample.objects.get(stay=stay, day=1))()
        sample = await sync_to_async(medical.sample_collect)(sample=sample, by=self.nurse)
        control = await self.connect("/ws/boards/control/?lang=en", self.head)
        board = await self.connect("/ws/boards/medical/?lang=en&floor=1", self.nurse)
        await control.receive_from()
        await board.receive_from()

        await sync_to_async(medical.sample_record_result)(sample=sample, result="positive", by=self.nurse)

        # One message each: the result, its sealed room and the urgent transfer it drafted.
        control_html = await control.receive_from()
        self.assertIn('data-status="sealed"', control_html)
        self.assertIn("data-alert-urgent", control_html)
        self.assertIn('id="approval-', control_html)
        board_html = await board.receive_from()
        self.assertIn("data-alert-urgent", board_html)
        self.assertIn("POSITIVE", board_html)
        self.assertIn('id="patient-transfers"', board_html)
        self.assertTrue(await control.receive_nothing(timeout=0.3))
        await control.disconnect()
        await board.disconnect()

    async def test_a_change_on_another_floor_comes_by_room_id_for_that_floors_tablets(self):
        # Every tablet receives the change; only one showing that floor has the ids to swap it in.
        board = await self.connect("/ws/boards/medical/?lang=en&floor=1", self.nurse)
        snapshot = await board.receive_from()
        upstairs = self.rooms[5]
        self.assertNotIn(f'id="med-room-{upstairs.pk}"', snapshot)
        other = await sync_to_async(make_person)(self.site)
        await sync_to_async(services.stay_check_in)(person=other, room=upstairs, by=self.clerk)
        html = await board.receive_from()
        self.assertIn(f'id="med-room-{upstairs.pk}"', html)
        self.assertIn(f'id="round-head-{upstairs.floor}"', html)
        await board.disconnect()


class MedicalPersonPageLiveTests(SocketMixin, LiveTestCase):
    """A person's medical page is live like the boards."""

    async def test_the_page_follows_a_sample_taken_elsewhere(self):
        stay = await sync_to_async(services.stay_check_in)(person=self.person, room=self.room, by=self.clerk)
        path = f"/ws/pages/medperson/{self.person.pk}/?lang=en"
        page, connected, _code = await self.connect(path, self.nurse)
        self.assertTrue(connected)
        snapshot = await page.receive_from()
        self.assertIn('id="person-medical-body"', snapshot)
        self.assertIn("李秀英", snapshot)
        sample = await sync_to_async(lambda: Sample.objects.get(stay=stay, day=1))()
        await sync_to_async(medical.sample_collect)(sample=sample, by=self.nurse, barcode="HX7788")
        html = await page.receive_from()
        self.assertIn('id="person-medical-body"', html)
        self.assertIn("HX7788", html)
        await page.disconnect()

    async def test_other_groups_and_unknown_pages_are_refused(self):
        page, _connected, _code = await self.connect(f"/ws/pages/medperson/{self.person.pk}/", self.cook)
        self.assertEqual((await page.receive_output())["code"], 4403)
        page, _connected, _code = await self.connect("/ws/pages/nothing/1/", self.nurse)
        self.assertEqual((await page.receive_output())["code"], 4403)

    def test_the_page_opens_its_socket(self):
        self.client.force_login(self.nurse)
        page = self.client.get(reverse("person-medical", args=[self.person.pk])).content.decode()
        self.assertIn(f'ws-connect="/ws/pages/medperson/{self.person.pk}/', page)
