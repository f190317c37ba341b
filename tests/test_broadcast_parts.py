"""A change is read once per board, rendered per language, and sent only to
the boards and parts it touched."""

import asyncio
from unittest import mock

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from groups.medical import services as medical
from groups.medical.models import Sample
from groups.security import services as security
from rooms import services
from rooms.models import AuditEvent, Room, Stay
from site_ops import live
from site_ops.boards import BOARDS, Change, render_parts
from site_ops.models import BoardSequence
from site_ops.speedups.layers import InMemoryChannelLayer
from tests.base import SiteTestCase
from tests.clock import frozen
from tests.factories import make_person, satisfy_protocol


class BroadcastPartsTests(SiteTestCase):
    def setUp(self):
        # Nobody left listening by an earlier test.
        async_to_sync(get_channel_layer().flush)()

    def listen(self, key, language):
        layer = get_channel_layer()
        channel = async_to_sync(layer.new_channel)()
        group = live.broadcast_group(self.site.pk, key, language)
        async_to_sync(layer.group_add)(group, channel)
        receive = lambda: async_to_sync(asyncio.wait_for)(layer.receive(channel), 5)["html"]  # noqa: E731
        receive.leave = lambda: async_to_sync(layer.group_discard)(group, channel)
        return receive

    def move(self, room, to):
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            services.room_move(room=room, to=to, by=self.head, version=self.fresh(room).version)
        return callbacks[0].change

    def test_a_check_in_takes_its_row_off_the_arrivals_without_resending_the_list(self):
        later = make_person(self.site, name="王桂兰")
        general = self.listen("general", "zh-hans")
        with self.captureOnCommitCallbacks(execute=True):
            services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        html = general()
        self.assertIn('<small id="arrivals-count">1</small>', html)
        self.assertIn(f'data-remove="arrival-{self.person.pk}"', html)
        self.assertNotIn('id="arrivals"', html)
        self.assertNotIn("王桂兰", html)
        # Someone newly expected: a row to put in its place, so the whole list.
        newcomer = make_person(self.site, name="赵建国")
        live.send_change(Change(site_id=self.site.pk, persons=frozenset({newcomer.pk})), {"general": 9})
        html = general()
        self.assertIn('id="arrivals"', html)
        self.assertIn("王桂兰", html)
        self.assertIn("赵建国", html)
        # The last one checked in: the list says nobody is expected.
        for person in (later, newcomer):
            with self.captureOnCommitCallbacks(execute=True):
                services.stay_check_in(
                    person=person, room=Room.objects.filter(status="available").first(), by=self.clerk
                )
            html = general()
        self.assertIn('id="arrivals"', html)
        self.assertIn("暂无待入住人员", html)

    def test_a_room_taken_out_of_service_leaves_the_group_boards_alone(self):
        BoardSequence.objects.all().delete()
        change = self.move(self.room, Room.Status.OUT_OF_SERVICE)
        self.assertEqual(change.topics, frozenset())
        seqs = dict(BoardSequence.objects.values_list("board", "seq"))
        # The medical board shows every room's status in its section.
        self.assertEqual(set(seqs), {"control", "general", "medical", f"room-{self.room.pk}"})

    def test_a_move_the_disinfection_board_shows_reaches_it(self):
        Room.objects.filter(pk=self.room.pk).update(status=Room.Status.VENTILATING)
        change = self.move(self.room, Room.Status.AVAILABLE)
        self.assertEqual(change.topics, {"disinfection"})
        self.assertTrue(BOARDS["disinfection"].affected_by(change))

    def test_a_board_is_read_once_for_every_language_and_rendered_in_each(self):
        english, chinese = self.listen("control", "en"), self.listen("control", "zh-hans")
        change = Change(site_id=self.site.pk, rooms=frozenset({self.room.pk}))
        with CaptureQueriesContext(connection) as both:
            live.send_change(change, {"control": 7})
        self.assertIn("rooms available", english())
        self.assertIn("空闲房间", chinese())

        # One language open: the same queries.
        chinese.leave()
        with CaptureQueriesContext(connection) as one:
            live.send_change(change, {"control": 8})
        self.assertEqual(len(both), len(one))
        self.assertIn('data-seq="8"', english())

    def test_why_a_release_waits_reaches_each_board_in_its_own_language(self):
        """The releases due are read once for every language: what holds one
        back is worded for each board, not in the language of who acted."""
        stay = services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        Stay.objects.filter(pk=stay.pk).update(ends_on=stay.started_at.date())
        english, chinese = self.listen("general", "en"), self.listen("general", "zh-hans")
        change = Change(site_id=self.site.pk, persons=frozenset({self.person.pk}))
        for actor in ("en", "zh-hans"):
            with self.subTest(actor=actor), translation.override(actor):
                live.send_change(change, {"general": 5})
                en, zh = english(), chinese()
                self.assertIn("negative results in a row needed", en)
                self.assertIn("需连续", zh)
                self.assertNotIn("negative results in a row", zh)
                self.assertNotIn("需连续", en)

    def test_a_result_leaves_the_general_boards_room_cards_alone_and_a_sealing_sends_them(self):
        """A room's card shows its status, occupancy, names and care mark: a lab sheet's hundred negatives
        re-rendered a hundred cards that had not changed."""
        stay = services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        sample = Sample.objects.get(stay=stay, day=1)
        medical.sample_collect(sample=sample, by=self.nurse)
        general = BOARDS["general"]
        with self.captureOnCommitCallbacks() as callbacks:
            medical.sample_record_result(sample=self.fresh(sample), result="negative", by=self.nurse)
        negative = callbacks[0].change
        self.assertIn(self.room.pk, negative.rooms)
        html = general.render_change(negative)
        self.assertNotIn(f'id="room-{self.room.pk}"', html)
        self.assertIn('id="releases"', html)  # what a result can change there: who may be released
        sealed = Change(site_id=self.site.pk, rooms=negative.rooms, topics=negative.topics, sealed=negative.rooms)
        moved = Change(site_id=self.site.pk, rooms=negative.rooms)  # a room's move names no topic
        for change in (sealed, moved):
            self.assertIn(f'id="room-{self.room.pk}"', general.render_change(change))
        # The card as a snapshot shows it is the one the board already had.
        snapshot = general.render_snapshot(self.site.pk, {})
        self.assertIn(f'id="room-{self.room.pk}" class="room-card st-occupied"', snapshot)

    def test_nobody_watching_means_nothing_is_read(self):
        if not isinstance(get_channel_layer(), InMemoryChannelLayer):
            self.skipTest("only the in-memory layer knows who listens without asking")
        change = Change(site_id=self.site.pk, rooms=frozenset({self.room.pk}))
        with CaptureQueriesContext(connection) as queries:
            live.send_change(change, {"control": 1, "general": 1})
        self.assertEqual(len(queries), 0)

    def test_the_control_screen_sends_what_the_change_touched(self):
        room_only = BOARDS["control"].render_change(Change(site_id=self.site.pk, rooms=frozenset({self.room.pk})))
        self.assertIn('id="counters"', room_only)
        self.assertIn(f'id="room-{self.room.pk}"', room_only)
        self.assertIn('id="feed"', room_only)
        figures = ('id="figures-environment"', 'id="figures-food"', 'id="figures-gate"', 'id="incidents"')
        for part in (*figures, 'id="medical-counters"', 'id="alerts"'):
            self.assertNotIn(part, room_only)

        # Each group's figures when its topic changed, and only those.
        for topic, sent in (
            ("meals", {'id="figures-food"'}),
            ("disinfection", {'id="figures-environment"'}),
            ("security", {'id="figures-gate"', 'id="incidents"'}),
            ("occupants", {'id="figures-food"'}),
        ):
            html = BOARDS["control"].render_change(Change(site_id=self.site.pk, topics=frozenset({topic})))
            with self.subTest(topic=topic):
                self.assertEqual({part for part in figures if part in html}, sent)
        medical = BOARDS["control"].render_change(Change(site_id=self.site.pk, topics=frozenset({"medical"})))
        self.assertIn('id="medical-counters"', medical)
        self.assertIn('id="alerts"', medical)

    def test_a_transfers_steps_send_the_security_board_its_escorts_alone(self):
        """Approved, arranged, departed, back: each step's change sends the guards the escorts section as a
        fresh snapshot shows it, not their whole board."""
        from groups.transfers import services as transfers
        from tests.factories import hospital_visit_arranged

        services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        board = BOARDS["security"]
        steps = (
            lambda: hospital_visit_arranged(self.person, clerk=self.clerk, head=self.head),
            lambda: transfers.transfer_depart(transfer=self.person.transfers.get(), by=self.guard),
            lambda: transfers.transfer_return(transfer=self.person.transfers.get(), by=self.guard),
        )
        for step in steps:
            with self.captureOnCommitCallbacks() as callbacks:
                step()
            changes = [c.change for c in callbacks if hasattr(c, "change") and board.affected_by(c.change)]
            self.assertTrue(changes)
            snapshot = board.render_snapshot(self.site.pk, {})
            for change in changes:
                with self.subTest(topics=sorted(change.topics)):
                    html = board.render_change(change).strip()
                    self.assertTrue(html.startswith('<section id="escorts"'), html[:80])
                    self.assertEqual(html.count("<section"), 1)
                    self.assertIn(html, snapshot)
        # A step that also seals or unseals, or a change of the guards' own, still sends the whole board.
        both = Change(site_id=self.site.pk, topics=frozenset({"escorts", "sealed"}))
        self.assertIn('id="board-body"', board.render_change(both))

    def test_an_activity_row_is_rendered_once_per_language(self):
        self.move(self.room, Room.Status.OUT_OF_SERVICE)
        event = AuditEvent.objects.latest("pk")
        from django.utils import translation

        renders = []
        from rooms.templatetags import board_tags

        original = board_tags.feed_row

        def counting(event):
            renders.append(event.pk)
            return original(event)

        board_tags.feed_row = counting
        try:
            rows = {}
            for language in ("en", "zh-hans", "en", "zh-hans"):
                with translation.override(language):
                    rows[language] = board_tags.feed_rows([event])
        finally:
            board_tags.feed_row = original
        self.assertLessEqual(len(renders), 2)
        self.assertNotEqual(rows["en"], rows["zh-hans"])
        self.assertIn(self.room.number, rows["en"])

    def test_a_layer_that_answers_only_inside_an_event_loop_still_gets_the_change(self):
        class LoopOnlyLayer:
            """As Redis pub/sub's layer: any attribute asked outside an event loop raises."""

            def __init__(self):
                self.sent = []

            def __getattribute__(self, name):
                if name not in ("sent", "group_send", "__class__"):
                    asyncio.get_running_loop()
                return object.__getattribute__(self, name)

            async def group_send(self, group, message):
                self.sent.append(group)

        layer = LoopOnlyLayer()
        change = Change(site_id=self.site.pk, rooms=frozenset({self.room.pk}))
        with mock.patch("site_ops.live.get_channel_layer", return_value=layer):
            live.send_change(change, {"control": 1})
        live.sender.wait()
        self.assertEqual(layer.sent, [live.broadcast_group(self.site.pk, "control", lang) for lang in live.languages()])


class ActorFirstTests(SiteTestCase):
    """A change's broadcast renders the acting user's own boards first: the
    colleagues on the group's other tablets act on it next."""

    def setUp(self):
        async_to_sync(get_channel_layer().flush)()
        layer = get_channel_layer()
        channel = async_to_sync(layer.new_channel)()
        # Someone has each board open, so that each is rendered.
        for key in ("control", "general", "medical"):
            async_to_sync(layer.group_add)(live.broadcast_group(self.site.pk, key, "en"), channel)
        self.stay = services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        self.sample = Sample.objects.get(stay=self.stay, day=1)

    def rendered_boards(self, send) -> list[str]:
        """The boards a broadcast rendered, in order (by the template of each render's first part)."""
        order = []

        def render(parts):
            order.append(parts[0][0].split("/")[0])
            return render_parts(parts)

        with mock.patch.object(live, "render_parts", side_effect=render):
            send()
        return list(dict.fromkeys(order))

    def collect(self):
        url = reverse("sample-collect", args=[self.sample.pk])
        form = {"version": self.sample.version, "token": "t-1"}
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(self.client.post(url, form).status_code, 302)

    def test_a_nurses_change_reaches_the_medical_board_first(self):
        self.client.force_login(self.nurse)
        order = self.rendered_boards(self.collect)
        self.assertEqual(order[0], "medical")
        self.assertEqual(set(order), {"medical", "control", "general"})

    def test_a_site_heads_change_and_a_change_with_no_request_keep_the_boards_order(self):
        self.client.force_login(self.head)
        by_head = self.rendered_boards(self.collect)
        self.assertEqual(by_head[0], "control")
        change = Change(site_id=self.site.pk, rooms=frozenset({self.room.pk}))
        no_request = self.rendered_boards(lambda: live.send_change(change, {"control": 7, "general": 7, "medical": 7}))
        self.assertEqual(no_request, ["control", "general", "medical"])


class ControlFiguresTests(SiteTestCase):
    """Each group's figures on the control screen are read again by the
    changes that move them, sent alone: nothing shows a stale count."""

    def setUp(self):
        async_to_sync(get_channel_layer().flush)()
        layer = get_channel_layer()
        self.channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(live.broadcast_group(self.site.pk, "control", "en"), self.channel)

    def sent(self, act) -> str:
        with self.captureOnCommitCallbacks(execute=True):
            act()
        layer = get_channel_layer()
        return async_to_sync(asyncio.wait_for)(layer.receive(self.channel), 5)["html"]

    def test_an_incident_a_departure_and_a_check_in_move_their_figures(self):
        html = self.sent(
            lambda: security.incident_report(
                site=self.site, kind="other", severity="low", description="门未关", by=self.guard
            )
        )
        self.assertIn('data-counter="open-incidents">1<', html)
        self.assertIn('id="incidents"', html)
        self.assertNotIn('id="figures-food"', html)

        with frozen(8):
            html = self.sent(lambda: services.stay_check_in(person=self.person, room=self.room, by=self.clerk))
        self.assertIn('id="figures-food"', html)
        self.assertNotIn('id="figures-environment"', html)

        stay = Stay.objects.get(person=self.person)
        Stay.objects.filter(pk=stay.pk).update(ends_on=stay.started_at.date())
        satisfy_protocol(stay)
        with frozen(10):
            html = self.sent(lambda: services.stay_release(person=self.person, by=self.clerk))
        # The room left is to be disinfected: the backlog counts its task.
        self.assertIn('data-counter="disinfection-backlog">1<', html)
        self.assertIn('id="figures-food"', html)
        self.assertNotIn('id="figures-gate"', html)
