"""The health round is live like the boards: a page per floor and round,
which a change to the floor re-sends and no other floor's page receives."""

import json
import re

from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from groups.medical import services as medical
from groups.medical.board import HealthRoundPage, round_floors
from groups.medical.models import HealthCheck, Sample
from rooms import services
from rooms.models import Stay
from rooms.roles import Role
from site_ops import boards
from site_ops.boards import Change
from tests.base import LiveTestCase, SiteTestCase, SocketMixin
from tests.factories import make_person, satisfy_protocol


def record(site, person, by, temperature="36.6", round="am", **entry):
    return medical.health_round_record(
        site=site,
        day=timezone.localdate(),
        round=round,
        entries=[{"person": person, "temperature": temperature, **entry}],
        by=by,
    )


class HealthRoundSocketTests(SocketMixin, LiveTestCase):
    def setUp(self):
        super().setUp()
        self.upstairs = self.rooms[5]  # floor 2
        self.neighbour = make_person(self.site, name="周建国")
        services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        satisfy_protocol(services.stay_check_in(person=self.neighbour, room=self.rooms[1], by=self.clerk))
        Stay.objects.filter(person=self.neighbour).update(ends_on=timezone.localdate())

    async def open(self, floor, user=None, round="am"):
        path = f"/ws/pages/health-round-{round}/{floor}/?lang=en"
        socket, connected, _code = await self.connect(path, user or self.nurse)
        self.assertTrue(connected)
        return socket

    async def test_a_check_on_the_floor_reaches_that_floors_round_and_not_another_floors(self):
        floor1, floor2 = await self.open(1), await self.open(2)
        snapshot = await floor1.receive_from()
        self.assertIn('id="hr-rows"', snapshot)
        self.assertIn(f'id="hr-{self.person.pk}"', snapshot)
        self.assertIn(f'name="hc-{self.person.pk}-temperature"', snapshot)
        self.assertNotIn(f'id="hr-{self.person.pk}"', await floor2.receive_from())

        await sync_to_async(record)(self.site, self.person, self.nurse, temperature="38.4", symptoms=["cough"])

        html = await floor1.receive_from()
        row = html.split(f'id="hr-{self.person.pk}"')[1].split("</fieldset>")[0]
        self.assertIn('value="38.4"', row)
        self.assertRegex(row, r'value="cough"[^>]* checked')
        self.assertNotRegex(row, r'value="fatigue"[^>]* checked')
        self.assertIn("recorded", row)
        self.assertIn(f'id="hr-{self.neighbour.pk}"', html)  # the floor's other rows come too
        self.assertTrue(await floor2.receive_nothing(timeout=0.3))
        await floor1.disconnect()
        await floor2.disconnect()

    async def test_the_afternoon_round_shows_the_morning_check_as_the_last_one(self):
        afternoon = await self.open(1, round="pm")
        await afternoon.receive_from()
        await sync_to_async(record)(self.site, self.person, self.nurse, temperature="37.0")
        html = await afternoon.receive_from()
        self.assertIn("last: 37.0°", html.split(f'id="hr-{self.person.pk}"')[1].split("</legend>")[0])
        await afternoon.disconnect()

    async def test_a_positive_result_on_the_floor_shows_the_sealed_room_on_the_round(self):
        floor1 = await self.open(1)
        self.assertNotIn("st-sealed", await floor1.receive_from())

        def positive():
            sample = Sample.objects.get(person=self.person, day=1)
            sample = medical.sample_collect(sample=sample, by=self.nurse)
            medical.sample_record_result(sample=sample, result="positive", by=self.nurse)

        await sync_to_async(positive)()
        html = ""
        while 'id="hr-rows"' not in html or "st-sealed" not in html:
            html = await floor1.receive_from()
        row = html.split(f'id="hr-{self.person.pk}"')[1].split("</legend>")[0]
        self.assertIn("st-sealed", row)
        self.assertNotIn("st-sealed", html.split(f'id="hr-{self.neighbour.pk}"')[1].split("</legend>")[0])
        await floor1.disconnect()

    async def test_checking_in_moving_and_leaving_change_the_rows(self):
        floor1, floor2 = await self.open(1), await self.open(2)
        await floor1.receive_from()
        await floor2.receive_from()
        arrival = await sync_to_async(make_person)(self.site, name="王芳")
        await sync_to_async(services.stay_check_in)(person=arrival, room=self.rooms[2], by=self.clerk)
        self.assertIn("王芳", await floor1.receive_from())
        self.assertTrue(await floor2.receive_nothing(timeout=0.3))

        # A room change upstairs: the row leaves floor 1 and appears on floor 2.
        await sync_to_async(services.stay_move)(person=arrival, room=self.upstairs, by=self.clerk, reason="repair")
        self.assertNotIn("王芳", await floor1.receive_from())
        self.assertIn("王芳", await floor2.receive_from())

        await sync_to_async(services.stay_release)(person=self.neighbour, by=self.clerk)
        self.assertNotIn(f'id="hr-{self.neighbour.pk}"', await floor1.receive_from())
        await floor1.disconnect()
        await floor2.disconnect()

    async def test_only_the_medical_group_and_the_site_head_open_the_round(self):
        for user in (self.cook, self.clerk, self.guard, self.cleaner, self.outsider):
            socket, _connected, _code = await self.connect("/ws/pages/health-round-am/1/", user)
            with self.subTest(user=user.username):
                self.assertEqual((await socket.receive_output())["code"], 4403)
        for path in ("/ws/pages/health-round-am/9/", "/ws/pages/health-round-xx/1/", "/ws/pages/health-round/1/"):
            socket, _connected, _code = await self.connect(path, self.nurse)
            with self.subTest(path=path):
                self.assertEqual((await socket.receive_output())["code"], 4403)
        for user in (self.nurse, self.head):
            socket = await self.open(1, user)
            with self.subTest(user=user.username):
                self.assertIn(f'id="hr-{self.person.pk}"', await socket.receive_from())
            await socket.disconnect()

    async def test_the_socket_ends_when_the_right_ends_and_sends_nothing_after(self):
        socket = await self.open(1)
        await socket.receive_from()
        await sync_to_async(lambda: self.nurse.groups.remove(Group.objects.get(name=Role.MEDICAL)))()
        await socket.send_to(text_data=json.dumps({"type": "heartbeat", "seq": -1}))
        self.assertEqual(await socket.receive_output(timeout=2), {"type": "websocket.close", "code": 4403})
        await sync_to_async(record)(self.site, self.person, self.head)
        self.assertTrue(await socket.receive_nothing(timeout=0.3))

    async def test_malformed_frames_are_refused_safely(self):
        # The spine's rule for every socket: a frame the page never sends
        # closes it (1008) with one log line, no error and no board data.
        frames = ["not json", "[]", '{"type": "heartbeat", "seq": "7"}', '{"type": "record", "person": 1}', b"\xff"]
        for frame in frames:
            with self.subTest(frame=frame):
                socket = await self.open(1)
                await socket.receive_from()
                with self.assertLogs("site_ops.consumers", level="WARNING") as logs:
                    if isinstance(frame, bytes):
                        await socket.send_to(bytes_data=frame)
                    else:
                        await socket.send_to(text_data=frame)
                    self.assertEqual((await socket.receive_output(timeout=2))["code"], 1008)
                self.assertEqual(len(logs.records), 1)
                self.assertIsNone(logs.records[0].exc_info)
                await sync_to_async(record)(self.site, self.person, self.nurse, temperature=f"36.{len(frame)}")
                self.assertTrue(await socket.receive_nothing(timeout=0.2))


class HealthRoundPushTests(SiteTestCase):
    def setUp(self):
        services.stay_check_in(person=self.person, room=self.room, by=self.clerk)

    def test_a_health_change_on_a_room_reaches_both_rounds_of_its_floor_only(self):
        change = Change(site_id=self.site.pk, rooms=frozenset({self.room.pk}), topics=frozenset({"medical"}))
        keys = boards.affected_boards(change)
        self.assertIn("health-round-am-1", keys)
        self.assertIn("health-round-pm-1", keys)
        self.assertFalse([key for key in keys if key.startswith("health-round-") and key.endswith("-2")])

    def test_changes_the_round_does_not_show_read_nothing_for_it(self):
        meals = Change(site_id=self.site.pk, rooms=frozenset({self.room.pk}), topics=frozenset({"meals"}))
        no_rooms = Change(site_id=self.site.pk, persons=frozenset({self.person.pk}), topics=frozenset({"medical"}))
        for change in (meals, no_rooms):
            with self.subTest(change=change), self.assertNumQueries(0):
                self.assertEqual(round_floors(change), set())
        # One query, however many page families follow it.
        change = Change(site_id=self.site.pk, rooms=frozenset({self.room.pk}), topics=frozenset({"occupants"}))
        with CaptureQueriesContext(connection) as queries:
            keys = boards.affected_boards(change)
        self.assertEqual(len([q for q in queries.captured_queries if '"floor"' in q["sql"]]), 1)
        self.assertIn("health-round-pm-1", keys)

    def test_the_push_reads_the_same_queries_for_one_person_and_for_a_full_floor(self):
        page = boards.board_for_key("health-round-am-1")
        self.assertIsInstance(page, HealthRoundPage)
        change = Change(site_id=self.site.pk, rooms=frozenset({self.room.pk}), topics=frozenset({"medical"}))
        record(self.site, self.person, self.nurse)
        # 1 the site, 2-3 the floor's rooms with their open stays and people, 4 the checks with who recorded them
        with self.assertNumQueries(4):
            one = page.render_change(change)
        for room in self.rooms[1:5]:
            person = make_person(self.site)
            services.stay_check_in(person=person, room=room, by=self.clerk)
            record(self.site, person, self.nurse)
        with self.assertNumQueries(4):
            full = page.render_change(change)
        self.assertEqual(len(re.findall(r'id="hr-\d+"', one)), 1)
        self.assertEqual(len(re.findall(r'id="hr-\d+"', full)), 5)


class HealthRoundPageTests(SiteTestCase):
    def setUp(self):
        services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        self.client.force_login(self.nurse)
        self.url = reverse("health-round") + "?floor=1&round=am"

    def data(self, rows: dict) -> dict:
        data = {"floor": 1, "day": timezone.localdate().isoformat(), "round": "am", "token": "t1"}
        for person, row in rows.items():
            data.update({f"hc-{person.pk}-person": person.pk, f"hc-{person.pk}-outcome": "checked"})
            data.update({f"hc-{person.pk}-{key}": value for key, value in row.items()})
        return data

    def post(self, rows: dict):
        return self.client.post(self.url, self.data(rows))

    def test_the_page_opens_its_floors_round_socket_with_rows_named_by_person(self):
        page = self.client.get(self.url).content.decode()
        self.assertIn('ws-connect="/ws/pages/health-round-am/1/', page)
        self.assertIn(f'id="id_hc-{self.person.pk}-temperature"', page)
        self.assertIn('id="hr-rows" class="hr-rows" data-keep-edits', page)

    def test_a_row_the_page_never_showed_is_left_alone(self):
        # Someone checked in after the page was sent: the form has no row for them.
        late = make_person(self.site, name="王芳")
        services.stay_check_in(person=late, room=self.rooms[1], by=self.clerk)
        response = self.post({self.person: {"temperature": "36.8", "mood": "stable"}})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(list(HealthCheck.objects.values_list("person_id", flat=True)), [self.person.pk])

    def test_a_filled_row_of_someone_who_left_the_floor_is_refused(self):
        mover = make_person(self.site, name="王芳")
        services.stay_check_in(person=mover, room=self.rooms[1], by=self.clerk)
        services.stay_move(person=mover, room=self.rooms[5], by=self.clerk, reason="repair")
        response = self.post({mover: {"temperature": "36.8"}, self.person: {"temperature": "36.5"}})
        self.assertContains(response, "no longer on this floor", status_code=422)
        self.assertFalse(HealthCheck.objects.exists())

    def test_a_check_recorded_meanwhile_by_another_nurse_is_not_overwritten(self):
        # The page was sent before the other nurse's check: its row says version 0.
        page = self.client.get(self.url).content.decode()
        self.assertIn(f'name="hc-{self.person.pk}-version" value="0"', page)
        record(self.site, self.person, self.head, temperature="38.0")
        response = self.post({self.person: {"temperature": "36.5", "version": 0}})
        self.assertContains(response, "was changed by", status_code=409)
        self.assertEqual(str(HealthCheck.objects.get().temperature), "38.0")
        # The page comes back with what she typed, on the check's version now:
        # saving again, knowing, records hers.
        page = response.content.decode()
        self.assertIn(f'name="hc-{self.person.pk}-temperature" value="36.5"', page)
        self.assertIn(f'name="hc-{self.person.pk}-version" value="1"', page)
        self.client.post(self.url, {**self.data({self.person: {"temperature": "36.5", "version": 1}}), "token": "t2"})
        self.assertEqual(str(HealthCheck.objects.get().temperature), "36.5")

    def test_a_row_sent_without_its_version_does_not_overwrite_a_check(self):
        # A hand-made request (the page always sends one): no version is the page's 0, not "any".
        record(self.site, self.person, self.head, temperature="38.0")
        response = self.post({self.person: {"temperature": "39.5"}})
        self.assertContains(response, "was changed by", status_code=409)
        self.assertEqual(str(HealthCheck.objects.get().temperature), "38.0")
