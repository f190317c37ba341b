"""The board clock: what time alone changes is sent from the server once per board (site_ops/clock.py)."""

import asyncio
import threading
import time
from unittest import mock

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.test import override_settings

from rooms.models import Room
from site_ops import clock, live
from site_ops.models import BoardSequence
from tests.base import LiveTestCase, SiteTestCase, SocketMixin
from tests.clock import frozen


# The clock tells who has a board open from the in-memory layer's groups (with
# Redis it reads every board that has a number): these tests are about the
# former, so they run on it whatever layer the suite was given.
@override_settings(CHANNEL_LAYERS={"default": {"BACKEND": "site_ops.speedups.layers.InMemoryChannelLayer"}})
class BoardClockTests(SiteTestCase):
    def setUp(self):
        super().setUp()
        clock._last.clear()
        self.addCleanup(clock._last.clear)
        # Listeners other tests left in the in-memory layer would be an audience here.
        async_to_sync(get_channel_layer().flush)()

    def listen(self, key, language="en"):
        layer = get_channel_layer()
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(live.broadcast_group(self.site.pk, key, language), channel)
        self.addCleanup(async_to_sync(layer.group_discard), live.broadcast_group(self.site.pk, key, language), channel)
        return layer, channel

    def receive(self, layer, channel):
        return async_to_sync(asyncio.wait_for)(layer.receive(channel), 5)

    def nothing(self, layer, channel) -> bool:
        with self.assertRaises(TimeoutError):
            async_to_sync(asyncio.wait_for)(layer.receive(channel), 0.2)
        return True

    def tick(self):
        with self.captureOnCommitCallbacks(execute=True):
            return clock.tick()

    def test_a_board_nobody_has_open_is_not_read_nor_sent(self):
        self.assertEqual(self.tick(), {})
        self.assertFalse(BoardSequence.objects.exists())

    def test_a_minute_that_changed_nothing_sends_nothing(self):
        layer, channel = self.listen("control")
        with frozen(10, 0):
            self.tick()  # the first tick has nothing to compare with: it sends the parts once
            first = self.receive(layer, channel)["html"]
        self.assertIn('id="counters"', first)
        self.assertIn('data-seq="1"', first)
        with frozen(10, 1):
            self.assertEqual(self.tick(), {})
        self.assertTrue(self.nothing(layer, channel))
        self.assertEqual(live.current_seq(self.site.pk, "control"), 1)

    def test_only_the_parts_that_changed_are_sent_once_per_board_and_language(self):
        en = self.listen("control", "en")
        zh = self.listen("control", "zh-hans")
        self.tick()
        self.receive(*en), self.receive(*zh)
        # A change no write published (as time makes one): the room's cell alone moves.
        other = Room.objects.exclude(pk=self.room.pk).filter(site=self.site).first()
        Room.objects.filter(pk=self.room.pk).update(status=Room.Status.OUT_OF_SERVICE)
        sent = self.tick()
        self.assertEqual(sent[(self.site.pk, "control")], 2)  # the counters and the room's cell
        html = self.receive(*en)["html"]
        self.assertIn(f'id="room-{self.room.pk}"', html)
        if other is not None:
            self.assertNotIn(f'id="room-{other.pk}"', html)
        self.assertIn('data-seq="2"', html)
        self.assertIn(f'id="room-{self.room.pk}"', self.receive(*zh)["html"])

    def test_the_meal_round_moves_on_with_the_clock(self):
        layer, channel = self.listen("catering")
        with frozen(7, 0):
            self.tick()
            self.receive(layer, channel)
        with frozen(7, 1):
            self.assertEqual(self.tick(), {})
        with frozen(12, 30):
            sent = self.tick()
        self.assertIn((self.site.pk, "catering"), sent)
        self.assertIn('id="round-head"', self.receive(layer, channel)["html"])

    def test_the_first_tick_after_a_boards_first_snapshot_sends_only_what_changed_since(self):
        self.addCleanup(clock._baselined.clear)
        layer, channel = self.listen("control")
        with override_settings(BOARD_CLOCK=True), frozen(10, 0):
            # The control screen's snapshot takes the baseline from its own read.
            live.snapshot(self.site.pk, "control", "en", {})
        with frozen(10, 1):
            self.assertEqual(self.tick(), {})
        self.assertTrue(self.nothing(layer, channel))
        # What changed after the baseline (as time changes a part) goes at the next tick, that part alone.
        Room.objects.filter(pk=self.room.pk).update(status=Room.Status.OUT_OF_SERVICE)
        with frozen(10, 2):
            self.assertEqual(self.tick(), {(self.site.pk, "control"): 2})  # the counters and the room's cell
        self.assertIn(f'id="room-{self.room.pk}"', self.receive(layer, channel)["html"])

    def test_a_baseline_is_read_once_and_not_without_the_clock_or_for_a_board_time_leaves_alone(self):
        self.addCleanup(clock._baselined.clear)
        with override_settings(BOARD_CLOCK=True):
            with self.assertNumQueries(0):
                clock.baseline(self.site.pk, f"room-{self.room.pk}")  # a page: time changes nothing on it
            clock.baseline(self.site.pk, "general")
            with self.assertNumQueries(0):
                clock.baseline(self.site.pk, "general")
            with self.assertNumQueries(0):
                clock.baseline(self.site.pk, "control")  # its snapshot takes it, from its own read
        with self.assertNumQueries(0):
            clock.baseline(self.site.pk, "medical")  # the clock is off (BOARD_CLOCK=0)
        self.assertEqual(clock._baselined, {(self.site.pk, "general")})

    def test_a_baseline_that_fails_leaves_the_first_tick_to_send_every_part(self):
        self.addCleanup(clock._baselined.clear)
        layer, channel = self.listen("control")
        failing = mock.patch.object(clock, "changed_parts", side_effect=ValueError)
        with override_settings(BOARD_CLOCK=True), failing, self.assertLogs("site_ops.clock", "ERROR"):
            html = live.snapshot(self.site.pk, "control", "en", {})
        self.assertIn('id="counters"', html)  # the snapshot is served all the same
        self.assertEqual(clock._baselined, set())
        self.tick()
        self.assertIn('id="counters"', self.receive(layer, channel)["html"])

    def test_a_boards_snapshot_after_a_clock_change_is_rendered_again(self):
        self.listen("control")
        before = live.snapshot(self.site.pk, "control", "en", {})
        Room.objects.filter(pk=self.room.pk).update(status=Room.Status.OUT_OF_SERVICE)
        self.tick()
        after = live.snapshot(self.site.pk, "control", "en", {})
        self.assertNotEqual(before, after)
        self.assertIn('data-status="out_of_service"', after)

    def test_a_minute_waits_for_a_write_under_way_and_goes_on_when_it_ends(self):
        layer, channel = self.listen("control")
        waiting, answers = threading.Event(), []
        quiet = live.writes.quiet

        def watched(timeout):
            waiting.set()
            answers.append(quiet(timeout))
            return answers[-1]

        def write():
            with live.writes.under_way():
                waiting.wait(10)  # until the tick waits for it: no clock read races it

        writer = threading.Thread(target=write)
        with mock.patch.object(live.writes, "quiet", watched), mock.patch.object(clock, "QUIET_BUDGET_SECONDS", 30):
            writer.start()
            while not live.writes.count:
                time.sleep(0.001)
            self.tick()
        writer.join()
        self.assertTrue(answers[0])  # the first wait ended with the write, not with the budget
        self.assertIn('id="counters"', self.receive(layer, channel)["html"])

    def test_a_site_never_quiet_still_gets_its_minute_within_the_budget(self):
        layer, channel = self.listen("control")
        with live.writes.under_way(), mock.patch.object(clock, "QUIET_BUDGET_SECONDS", 0.05):
            self.assertEqual(live.writes.count, 1)
            sent = self.tick()
        self.assertIn((self.site.pk, "control"), sent)
        self.assertIn('id="counters"', self.receive(layer, channel)["html"])
        self.assertEqual(live.writes.count, 0)

    def test_a_request_that_may_change_something_is_a_write_under_way_while_it_is_answered(self):
        from django.http import HttpResponse
        from django.test import RequestFactory

        from site_ops.middleware import acting_user

        seen = []
        handler = acting_user(lambda request: seen.append(live.writes.count) or HttpResponse())
        for method in ("get", "head", "options", "post", "put", "patch", "delete"):
            handler(getattr(RequestFactory(), method)("/"))
        self.assertEqual(seen, [0, 0, 0, 1, 1, 1, 1])
        self.assertEqual(live.writes.count, 0)
        self.assertTrue(live.writes.quiet(0))

    def test_a_board_that_fails_leaves_the_others_their_minute(self):
        layer = get_channel_layer()
        gone = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(live.broadcast_group(self.site.pk + 999, "control", "en"), gone)
        listener = self.listen("control")
        with self.assertLogs("site_ops.clock", "ERROR"):
            sent = self.tick()
        self.assertEqual(list(sent), [(self.site.pk, "control")])
        self.assertIn('id="counters"', self.receive(*listener)["html"])

    def test_a_request_becomes_overdue_on_its_board_and_the_control_screen(self):
        from rooms import requests as ledger
        from rooms import services

        services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        with frozen(9, 0):
            ledger.request_log(
                site=self.site, room=self.room, person=self.person, by=self.clerk, kind="repair", what="灯不亮",
                urgency="urgent",
            )  # fmt: skip
        general = self.listen("general")
        control = self.listen("control")
        with frozen(9, 30):
            self.tick()
            self.assertNotIn("overdue-row", self.receive(*general)["html"])
            self.receive(*control)
        # Urgent: an hour allowed. Time alone makes it overdue, and the two boards hear it.
        with frozen(10, 1):
            sent = self.tick()
        self.assertIn((self.site.pk, "general"), sent)
        self.assertIn("overdue-row", self.receive(*general)["html"])
        html = self.receive(*control)["html"]
        self.assertIn('id="request-headline"', html)
        self.assertIn("灯不亮", html.split('id="pressing-requests"')[1])

    def test_the_shift_handover_moves_on_with_the_clock_on_the_medical_and_general_boards(self):
        from rooms import services
        from rooms.roles import Role

        with frozen(17, 5):
            services.handover_give(site=self.site, group=Role.MEDICAL, by=self.nurse, notes="302 复测体温")
        medical = self.listen("medical")
        general = self.listen("general")
        with frozen(17, 10):
            self.tick()
            self.assertIn("acknowledges it from 19:00", self.receive(*medical)["html"])
            self.assertIn("20:00", self.receive(*general)["html"].split('id="handover-general"')[1])
        # 19:00: the handover opens to the incoming shift; the medical board is sent its button.
        with frozen(19, 0):
            sent = self.tick()
        self.assertIn((self.site.pk, "medical"), sent)
        html = self.receive(*medical)["html"]
        self.assertIn('id="handover-medical"', html)
        self.assertIn("/acknowledge/", html)
        self.assertTrue(self.nothing(*general))
        # 22:00: the late hours after the 20:00 change are over; the general board moves on to the 08:00 change.
        with frozen(22, 0):
            sent = self.tick()
        self.assertIn((self.site.pk, "general"), sent)
        html = self.receive(*general)["html"].split('id="handover-general"')[1]
        self.assertIn("08:00", html)


@override_settings(CHANNEL_LAYERS={"default": {"BACKEND": "site_ops.speedups.layers.InMemoryChannelLayer"}})
class FirstSnapshotTests(SocketMixin, LiveTestCase):
    """A board socket's snapshot is preceded by its board's baseline (once), not followed by a full first tick."""

    def test_a_socket_opened_then_a_quiet_minute_sends_nothing(self):
        clock._last.clear()
        self.addCleanup(clock._last.clear)
        self.addCleanup(clock._baselined.clear)

        async def scenario():
            socket, _client = await self.open_logged_in("/ws/boards/control/", self.head)
            sent = await sync_to_async(clock.tick)()
            self.assertEqual(sent, {})
            self.assertTrue(await socket.receive_nothing(0.3))
            await socket.disconnect()

        # The clock's own thread is not started: the test ticks it.
        with override_settings(BOARD_CLOCK=True), mock.patch.object(clock, "start"), frozen(10, 0):
            async_to_sync(scenario)()
        self.assertIn((self.site.pk, "control"), clock._baselined)
