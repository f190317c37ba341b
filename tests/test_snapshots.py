"""One render per board audience and number: what a reconnect storm asks for (live.SnapshotCache)."""

from functools import partial
from unittest import mock

from asgiref.sync import sync_to_async
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from rooms import services
from rooms.models import Room
from site_ops import boards, clock, live
from tests.base import LiveTestCase, SiteTestCase, SocketMixin


def counting_renders():
    """Count every board's snapshot renders (the registry's boards are frozen: patch their classes)."""
    calls = []
    patches = []
    for cls in {type(board) for board in boards.BOARDS.values()}:
        original = cls.render_snapshot

        def counted(self, site_id, params, _original=original):
            calls.append((self.key, site_id, dict(params)))
            return _original(self, site_id, params)

        patches.append(mock.patch.object(cls, "render_snapshot", counted))
    return calls, patches


class SnapshotCacheTests(SiteTestCase):
    def setUp(self):
        super().setUp()
        self.calls, patches = counting_renders()
        for patch in patches:
            patch.start()
            self.addCleanup(patch.stop)

    def test_the_same_audience_at_the_same_number_is_rendered_once(self):
        first = live.snapshot(self.site.pk, "control", "en", {})
        with CaptureQueriesContext(connection) as queries:
            second = live.snapshot(self.site.pk, "control", "en", {})
        self.assertEqual(second, first)
        self.assertEqual(len(self.calls), 1)
        # The board's number, nothing else.
        self.assertEqual(len(queries), 1)

    def test_audiences_languages_and_floors_never_share(self):
        renders = live.snapshots.renders
        en = live.snapshot(self.site.pk, "control", "en", {})
        zh = live.snapshot(self.site.pk, "control", "zh-hans", {})
        general = live.snapshot(self.site.pk, "general", "en", {})
        floor = live.snapshot(self.site.pk, "general", "en", {"floor": 3})
        # The medical and the general view of one person are two audiences
        # (only the medical one shows test results).
        person = live.snapshot(self.site.pk, f"person-{self.person.pk}", "en", {})
        medical = live.snapshot(self.site.pk, f"medperson-{self.person.pk}", "en", {})
        self.assertEqual(live.snapshots.renders - renders, 6)
        self.assertNotEqual(en, zh)
        self.assertNotEqual(general, floor)
        self.assertNotEqual(person, medical)
        for key, language, params, html in (
            ("control", "en", {}, en),
            ("control", "zh-hans", {}, zh),
            ("general", "en", {}, general),
            ("general", "en", {"floor": 3}, floor),
            (f"person-{self.person.pk}", "en", {}, person),
            (f"medperson-{self.person.pk}", "en", {}, medical),
        ):
            with self.subTest(key=key, language=language, params=params):
                self.assertEqual(live.snapshot(self.site.pk, key, language, params), html)
        self.assertEqual(live.snapshots.renders - renders, 6)

    def test_a_change_renders_again(self):
        before = live.snapshot(self.site.pk, "control", "en", {})
        with self.captureOnCommitCallbacks(execute=True):
            services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        after = live.snapshot(self.site.pk, "control", "en", {})
        self.assertEqual(len(self.calls), 2)
        self.assertIn('data-seq="0"', before)
        self.assertIn('data-seq="1"', after)
        self.assertIn('data-status="occupied"', after)

    def test_an_old_snapshot_is_not_served_past_its_time(self):
        live.snapshot(self.site.pk, "control", "en", {})
        with mock.patch.object(live.time, "monotonic", return_value=live.time.monotonic() + 60):
            live.snapshot(self.site.pk, "control", "en", {})
        self.assertEqual(len(self.calls), 2)

    def test_reads_past_their_time_are_dropped_when_another_board_is_read(self):
        live.snapshot(self.site.pk, "control", "en", {})
        later = live.time.monotonic() + live.SNAPSHOT_CACHE_SECONDS + 1
        with mock.patch.object(live.time, "monotonic", return_value=later):
            live.snapshot(self.site.pk, "general", "en", {})
        self.assertEqual([board[1] for board in live.snapshot_reads.entries], ["general"])

    def test_reads_past_their_time_are_dropped_by_the_next_broadcast(self):
        """With no snapshot asked for, a board's whole read does not stay for every full collection to walk."""
        live.snapshot(self.site.pk, "control", "en", {})
        self.assertTrue(live.snapshot_reads.entries)
        later = live.time.monotonic() + live.SNAPSHOT_CACHE_SECONDS + 1
        passed = mock.patch.object(live.time, "monotonic", return_value=later)
        with passed, self.captureOnCommitCallbacks(execute=True):
            services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        self.assertEqual(live.snapshot_reads.entries, {})

    def test_snapshots_past_their_time_are_dropped_by_the_next_broadcast(self):
        """After a storm, the whole boards it rendered do not stay in memory once no one may be served them."""
        live.snapshot(self.site.pk, "control", "en", {})
        later = live.time.monotonic() + live.SNAPSHOT_CACHE_SECONDS + 1
        live.snapshot(self.site.pk, "general", "en", {})
        with mock.patch.object(live.time, "monotonic", return_value=later):
            # Rendered just now (at the mocked time): kept.
            live.snapshot(self.site.pk, "general", "zh-hans", {})
            with self.captureOnCommitCallbacks(execute=True):
                services.room_move(room=self.rooms[-1], to=Room.Status.OUT_OF_SERVICE, by=self.head, version=1)
        self.assertEqual([audience[1:3] for audience in live.snapshots.entries], [("general", "zh-hans")])
        self.assertEqual(set(live.snapshots.locks), set(live.snapshots.entries))

    def test_the_cache_is_bounded(self):
        with mock.patch.object(live, "SNAPSHOT_CACHE_SIZE", 2):
            for floor in (1, 2, 3):
                live.snapshot(self.site.pk, "general", "en", {"floor": floor})
            self.assertEqual(len(live.snapshots.entries), 2)
            live.snapshot(self.site.pk, "general", "en", {"floor": 1})
        self.assertEqual(len(self.calls), 4)

    def test_the_floors_and_languages_of_a_board_read_its_site_wide_lists_once(self):
        with CaptureQueriesContext(connection) as first:
            live.snapshot(self.site.pk, "general", "zh-hans", {"floor": 1})
        with CaptureQueriesContext(connection) as others:
            shared = live.snapshot(self.site.pk, "general", "en", {"floor": 2})
        self.assertEqual(len(self.calls), 2)
        self.assertLess(len(others), len(first))
        # The arrivals list was read by the first render only.
        arrivals = [q for q in first.captured_queries if "expected_on" in q["sql"] and "ORDER BY" in q["sql"]]
        self.assertTrue(arrivals)
        self.assertFalse([q for q in others.captured_queries if q["sql"] == arrivals[0]["sql"]])
        # And it shows what a render of its own shows.
        live.snapshot_reads.clear()
        live.snapshots.clear()
        self.assertEqual(live.snapshot(self.site.pk, "general", "en", {"floor": 2}), shared)

    def test_a_boards_floors_share_the_floors_of_their_filter(self):
        with CaptureQueriesContext(connection) as first:
            live.snapshot(self.site.pk, "general", "zh-hans", {"floor": 1})
        with CaptureQueriesContext(connection) as other:
            english = live.snapshot(self.site.pk, "general", "en", {"floor": 2})
        floors = [q["sql"] for q in first.captured_queries if q["sql"].startswith('SELECT "rooms_room"."floor" AS')]
        self.assertEqual(len(floors), 1)
        self.assertFalse([q for q in other.captured_queries if q["sql"] in floors])
        self.assertIn('href="?floor=1"', english)
        live.snapshot_reads.clear()
        live.snapshots.clear()
        self.assertEqual(live.snapshot(self.site.pk, "general", "en", {"floor": 2}), english)

    def test_the_control_screens_clock_baseline_is_taken_from_its_snapshots_read(self):
        """A restart's first control screen: what the clock's first tick
        compares with comes from the snapshot's own read (a thousand rooms
        with their badges), not from a read of its own."""
        self.addCleanup(clock._baselined.clear)
        baseline = partial(clock.baseline, self.site.pk, "control")
        with override_settings(BOARD_CLOCK=True), CaptureQueriesContext(connection) as first:
            chinese = live.snapshot(self.site.pk, "control", "zh-hans", {}, first=baseline)
        self.assertIn((self.site.pk, "control"), clock._baselined)
        live.snapshot_reads.clear()
        live.snapshots.clear()
        clock._baselined.clear()
        with CaptureQueriesContext(connection) as alone:
            self.assertEqual(live.snapshot(self.site.pk, "control", "zh-hans", {}), chinese)
        # The baseline read nothing the render did not.
        self.assertEqual(len(first), len(alone))

    def test_the_general_boards_column_beside_the_rooms_is_rendered_once_per_language(self):
        from groups.general import board as general

        with mock.patch.object(general, "render_to_string", wraps=general.render_to_string) as rendered:
            live.snapshot(self.site.pk, "general", "en", {"floor": 1})
            shared = live.snapshot(self.site.pk, "general", "en", {"floor": 2})
            live.snapshot(self.site.pk, "general", "zh-hans", {"floor": 2})
        sides = [call for call in rendered.call_args_list if call.args[0] == "general/board.html#side-column"]
        self.assertEqual(len(sides), 2)  # English, Chinese
        live.snapshot_reads.clear()
        live.snapshots.clear()
        self.assertEqual(live.snapshot(self.site.pk, "general", "en", {"floor": 2}), shared)
        self.assertIn('id="arrivals"', shared)

    def test_a_new_number_reads_again(self):
        live.snapshot(self.site.pk, "general", "en", {"floor": 1})
        with self.captureOnCommitCallbacks(execute=True):
            services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        html = live.snapshot(self.site.pk, "general", "en", {"floor": 2})
        self.assertNotIn(f'id="arrival-{self.person.pk}"', html)


class SnapshotOverSocketsTests(SocketMixin, LiveTestCase):
    async def test_two_sockets_of_one_audience_cause_one_render(self):
        calls, patches = counting_renders()
        for patch in patches:
            patch.start()
            self.addCleanup(patch.stop)
        first, *_ = await self.connect("/ws/boards/general/?lang=en&floor=1", self.clerk)
        second, *_ = await self.connect("/ws/boards/general/?lang=en&floor=1", self.head)
        other_language, *_ = await self.connect("/ws/boards/general/?lang=zh-hans&floor=1", self.clerk)
        one, two, three = [await socket.receive_from() for socket in (first, second, other_language)]
        self.assertEqual(one, two)
        self.assertNotEqual(one, three)
        self.assertEqual(len(calls), 2)

        await sync_to_async(services.stay_check_in)(person=self.person, room=self.room, by=self.clerk)
        for socket in (first, second, other_language):
            await socket.receive_from()  # the change
        third, *_ = await self.connect("/ws/boards/general/?lang=en&floor=1", self.clerk)
        self.assertIn('data-seq="1"', await third.receive_from())
        self.assertEqual(len(calls), 3)
        for socket in (first, second, other_language, third):
            await socket.disconnect()
