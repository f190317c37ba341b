"""The publish path: sequence numbers in the transaction, broadcast after commit only."""

import asyncio
import os
import threading
import time
from unittest import mock

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from rooms import services
from rooms.models import Stay
from site_ops import live
from site_ops.models import BoardSequence
from tests.base import LiveTestCase, SiteTestCase
from tests.factories import make_site


class PublishTests(SiteTestCase):
    def listen(self, key, language="en"):
        layer = get_channel_layer()
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(live.broadcast_group(self.site.pk, key, language), channel)
        return layer, channel

    def receive(self, layer, channel):
        # A message that never comes fails the test rather than hanging it.
        return async_to_sync(asyncio.wait_for)(layer.receive(channel), 5)

    def test_it_broadcasts_each_affected_board_once_after_commit(self):
        layers = {key: self.listen(key) for key in ("control", "general", f"room-{self.room.pk}")}
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        self.assertEqual(len(callbacks), 1)
        for key, (layer, channel) in layers.items():
            message = self.receive(layer, channel)
            with self.subTest(board=key):
                self.assertEqual(message["type"], "board.html")
                self.assertIn('data-seq="1"', message["html"])

    def test_it_bumps_sequence_numbers_in_the_writing_transaction(self):
        services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        seqs = dict(BoardSequence.objects.values_list("board", "seq"))
        # A check-in changes a meal round; the disinfection board shows no
        # occupied rooms, so it is left alone.
        # The care ledger lists who is in the rooms (added deliberately).
        expected = {"control": 1, "general": 1, "medical": 1, "catering": 1, "care": 1}
        expected.update({f"room-{self.room.pk}": 1, f"person-{self.person.pk}": 1, f"medperson-{self.person.pk}": 1})
        # Both health rounds of the room's floor show who checked in.
        expected.update({f"health-round-am-{self.room.floor}": 1, f"health-round-pm-{self.room.floor}": 1})
        self.assertEqual(seqs, expected)

    def test_a_boards_number_is_read_as_bumped_and_zero_before_any_change(self):
        self.assertEqual(live.current_seq(self.site.pk, "control"), 0)
        live.bump(self.site.pk, ["control", "general"])
        live.bump(self.site.pk, ["control"])
        self.assertEqual(live.current_seq(self.site.pk, "control"), 2)
        self.assertEqual(live.current_seq(self.site.pk, "general"), 1)
        self.assertEqual(live.current_seq(self.site.pk + 1, "control"), 0)

    def test_the_numbers_come_back_in_the_boards_order_whatever_the_tables(self):
        # The rows made one by one in another order than the boards' (a table's order, as PostgreSQL reads it).
        for key in ("room-1", "medical", "general", "control"):
            live.bump(self.site.pk, [key])
        seqs = live.bump(self.site.pk, ["control", "general", "medical", "room-1", "room-2"])
        self.assertEqual(list(seqs), ["control", "general", "medical", "room-1", "room-2"])
        self.assertEqual(list(seqs.values()), [2, 2, 2, 2, 1])

    def test_boards_never_changed_are_numbered_from_one_beside_those_that_were(self):
        # The rows of boards never changed are made by the same bump, in one
        # statement, beside the rows that are counted on.
        self.assertEqual(live.bump(self.site.pk, ["control"]), {"control": 1})
        BoardSequence.objects.create(site=self.site, board="room-2", seq=4)
        seqs = live.bump(self.site.pk, ["control", "room-1", "room-2"])
        self.assertEqual(seqs, {"control": 2, "room-1": 1, "room-2": 5})
        self.assertEqual(live.bump(self.site.pk, ["room-1"]), {"room-1": 2})
        across = live.bump(live.NO_SITE, ["district-1", "district-2"])
        self.assertEqual(across, {"district-1": 1, "district-2": 1})
        self.assertEqual(live.bump(live.NO_SITE, ["district-1"]), {"district-1": 2})
        self.assertEqual(live.current_seq(live.NO_SITE, "district-1"), 2)
        self.assertEqual(BoardSequence.objects.filter(board="district-1").count(), 1)

    def test_a_failed_broadcast_is_logged_and_the_write_stands(self):
        # Redis down: the change is committed; the boards catch up by heartbeat.
        self.listen("control")
        layer = type(get_channel_layer())
        failing = mock.patch.object(layer, "group_send", side_effect=ConnectionError("Redis is down"))
        with failing, self.assertLogs(level="ERROR") as logs:
            with self.captureOnCommitCallbacks(execute=True):
                services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
            live.sender.wait()  # a Redis layer is sent to off the request path
        self.assertIn("Redis is down", logs.output[0])
        self.assertEqual(self.fresh(self.room).occupant_count, 1)

    def test_nothing_is_sent_or_bumped_for_a_refused_change(self):
        with self.captureOnCommitCallbacks(execute=True) as callbacks, self.assertRaises(services.ServiceError):
            services.stay_release(person=self.person, by=self.clerk)
        self.assertEqual(callbacks, [])
        self.assertFalse(BoardSequence.objects.exists())

    def test_broadcast_fragments_carry_no_unmasked_personal_data(self):
        layer, channel = self.listen(f"person-{self.person.pk}")
        with self.captureOnCommitCallbacks(execute=True):
            services.person_reveal(person=self.person, field="national_id", reason="核对", by=self.clerk)
        html = self.receive(layer, channel)["html"]
        self.assertIn(self.person.national_id_masked, html)
        self.assertNotIn(self.person.national_id, html)
        self.assertNotIn(self.person.phone, html)


class OneBroadcastTests(SiteTestCase):
    """Changes published inside ``live.one_broadcast`` go out as one, when it ends."""

    def test_what_is_published_inside_goes_out_once_with_every_part(self):
        other_site = make_site(name="第二隔离点")
        gathered = live.one_broadcast()
        with self.captureOnCommitCallbacks(execute=False) as callbacks, transaction.atomic(), gathered:
            live.publish(site=self.site, rooms=[self.rooms[0].pk], topics=["medical"])
            with live.one_broadcast():  # nested: the outermost publishes
                live.publish(site=self.site, persons=[self.person.pk], sealed=[self.rooms[1].pk])
            live.publish(site=other_site, topics=["catering"])
            self.assertFalse(BoardSequence.objects.exists())  # nothing numbered before the end
        changes = {callback.change.site_id: callback.change for callback in callbacks}
        self.assertEqual(sorted(changes), sorted([self.site.pk, other_site.pk]))
        mine = changes[self.site.pk]
        self.assertEqual(mine.rooms, {self.rooms[0].pk, self.rooms[1].pk})
        self.assertEqual((mine.persons, mine.sealed, mine.topics), ({self.person.pk}, {self.rooms[1].pk}, {"medical"}))
        self.assertEqual(BoardSequence.objects.get(site=self.site, board="control").seq, 1)

    def test_left_by_an_error_it_publishes_nothing(self):
        refused, gathered = self.assertRaises(RuntimeError), live.one_broadcast()
        with self.captureOnCommitCallbacks(execute=True) as callbacks, refused, transaction.atomic(), gathered:
            live.publish(site=self.site, rooms=[self.room.pk])
            raise RuntimeError("refused")
        self.assertEqual(callbacks, [])
        self.assertFalse(BoardSequence.objects.exists())
        # And the next publish is not gathered into it.
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            live.publish(site=self.site, rooms=[self.room.pk])
        self.assertEqual(len(callbacks), 1)


class InTurnTests(SiteTestCase):
    """Changes published inside ``live.in_turn`` reach each board in turn, board by board, in one broadcast."""

    def listen(self, *keys, language="en"):
        """One channel in the boards' groups: what it gets comes in the order it was sent."""
        layer = get_channel_layer()
        channel = async_to_sync(layer.new_channel)()
        for key in keys:
            async_to_sync(layer.group_add)(live.broadcast_group(self.site.pk, key, language), channel)
        return layer, channel

    def received(self, layer, channel, count):
        return [async_to_sync(asyncio.wait_for)(layer.receive(channel), 5)["html"] for _ in range(count)]

    def publish_two(self):
        """Two changes in turn, each naming a room (the medical board and the control screen show both)."""
        with self.captureOnCommitCallbacks(execute=True) as callbacks, transaction.atomic(), live.in_turn():
            live.publish(site=self.site, rooms=[self.rooms[0].pk], topics=["medical"])
            live.publish(site=self.site, rooms=[self.rooms[1].pk], topics=["medical"])
        self.assertEqual(len(callbacks), 1)  # one broadcast
        live.sender.wait()  # a Redis layer is sent to off the request path

    def test_each_board_gets_every_change_in_order_with_its_own_number(self):
        first, second = self.rooms[0], self.rooms[1]
        listening = {key: self.listen(key) for key in ("control", "medical")}
        self.publish_two()
        for key, (layer, channel) in listening.items():
            htmls = self.received(layer, channel, 2)
            with self.subTest(board=key):
                numbers = [int(html.rsplit('data-seq="', 1)[1].split('"', 1)[0]) for html in htmls]
                self.assertEqual(numbers, [1, 2])
                self.assertIn(f'id="{"med-" if key == "medical" else ""}room-{first.pk}"', htmls[0])
                self.assertNotIn(f'room-{second.pk}"', htmls[0])
                self.assertIn(f'room-{second.pk}"', htmls[1])
        self.assertEqual(BoardSequence.objects.get(site=self.site, board="control").seq, 2)

    def test_a_later_change_leaves_out_what_the_boards_earlier_message_carried(self):
        # Both changes are read after the same commit: the medical counters of the first message are the
        # second's too, and are drawn once; each message still has its own room.
        first, second = self.rooms[0], self.rooms[1]
        layer, channel = self.listen("medical")
        self.publish_two()
        htmls = self.received(layer, channel, 2)
        self.assertIn('id="medical-counters"', htmls[0])
        self.assertNotIn('id="medical-counters"', htmls[1])
        self.assertIn(f'id="med-room-{first.pk}"', htmls[0])
        self.assertIn(f'id="med-room-{second.pk}"', htmls[1])
        # Apart, each change's message carries the counters.
        with self.captureOnCommitCallbacks(execute=True), transaction.atomic():
            live.publish(site=self.site, rooms=[second.pk], topics=["medical"])
        live.sender.wait()
        (html,) = self.received(layer, channel, 1)
        self.assertIn('id="medical-counters"', html)

    def rendered_boards(self, actor=None):
        """The boards in the order their messages were rendered (each language's render counted once)."""
        self.listen("control", "medical")
        rendered, render = [], live.render_parts

        boards = {"control/screen.html#room-cells": "control", "medical/board.html#med-rooms": "medical"}

        def spy(parts):
            # The two boards' rooms (other boards and pages render too where the layer cannot tell who listens).
            for name, context in parts:
                if name in boards and (not rendered or rendered[-1] != (boards[name], context["rooms"][0].pk)):
                    rendered.append((boards[name], context["rooms"][0].pk))
            return render(parts)

        token = live.actor_request.set(mock.Mock(user=actor) if actor else None)
        try:
            with mock.patch.object(live, "render_parts", spy):
                self.publish_two()
        finally:
            live.actor_request.reset(token)
        return rendered

    def test_each_board_is_sent_every_change_before_the_next_board_is_sent_any(self):
        first, second = self.rooms[0].pk, self.rooms[1].pk
        expected = [("control", first), ("control", second), ("medical", first), ("medical", second)]
        self.assertEqual(self.rendered_boards(), expected)

    def test_the_acting_users_boards_go_first_each_with_every_change(self):
        first, second = self.rooms[0].pk, self.rooms[1].pk
        expected = [("medical", first), ("medical", second), ("control", first), ("control", second)]
        self.assertEqual(self.rendered_boards(actor=self.nurse), expected)

    def test_a_board_that_shows_one_change_only_gets_that_one(self):
        layer, channel = self.listen("catering")
        with self.captureOnCommitCallbacks(execute=True), transaction.atomic(), live.in_turn():
            live.publish(site=self.site, rooms=[self.rooms[0].pk], sealed=[self.rooms[0].pk])
            live.publish(site=self.site, rooms=[self.rooms[1].pk], topics=["medical"])
        (html,) = self.received(layer, channel, 1)
        self.assertIn('data-seq="1"', html)
        with self.assertRaises(asyncio.TimeoutError):
            async_to_sync(asyncio.wait_for)(layer.receive(channel), 0.2)

    def test_left_by_an_error_it_publishes_nothing_and_inside_one_broadcast_that_one_decides(self):
        refused = self.assertRaises(RuntimeError)
        with self.captureOnCommitCallbacks(execute=True) as callbacks, refused, transaction.atomic(), live.in_turn():
            live.publish(site=self.site, rooms=[self.room.pk])
            raise RuntimeError("refused")
        self.assertEqual(callbacks, [])
        self.assertFalse(BoardSequence.objects.exists())
        gathered = live.one_broadcast()
        with self.captureOnCommitCallbacks(execute=False) as callbacks, transaction.atomic(), gathered, live.in_turn():
            live.publish(site=self.site, rooms=[self.rooms[0].pk])
            live.publish(site=self.site, rooms=[self.rooms[1].pk])
        ((callback,),) = [callbacks]
        self.assertEqual((callback.change.rooms, callback.change.leads), ({self.rooms[0].pk, self.rooms[1].pk}, ()))

    def test_merged_with_a_change_waiting_behind_it_the_first_still_goes_first(self):
        first = live.Change(site_id=self.site.pk, rooms=frozenset({self.rooms[0].pk}))
        last = live.Change(
            site_id=self.site.pk, rooms=frozenset({self.rooms[1].pk}), leads=((first, (("control", 1),)),)
        )
        waiting = live.Change(site_id=self.site.pk, rooms=frozenset({self.rooms[2].pk}))
        ((_namespace, change, seqs, _site, _actor),) = live.merge_changes(
            [
                (self.site.pk, last, {"control": 2}, self.site, None),
                (self.site.pk, waiting, {"control": 3}, self.site, None),
            ]
        )
        self.assertEqual(change.leads, ((first, (("control", 1),)),))
        self.assertEqual((change.rooms, seqs), ({self.rooms[1].pk, self.rooms[2].pk}, {"control": 3}))


class MergedBroadcastTests(SiteTestCase):
    """Changes committed while another is being broadcast go out together."""

    def change(self, room, topic="rooms"):
        return live.Change(site_id=self.site.pk, rooms=frozenset({room}), topics=frozenset({topic}))

    def test_changes_waiting_behind_a_broadcast_are_sent_as_one_at_the_highest_numbers(self):
        broadcasts = live.Broadcasts()
        sent, first_started, go_on = [], threading.Event(), threading.Event()

        def send_change(change, seqs, site=None, namespace=None, actor=None):
            sent.append((change, seqs, actor))
            if len(sent) == 1:
                first_started.set()
                go_on.wait(5)

        def commit(room, seqs, actor):
            broadcasts.send([(self.site.pk, self.change(room), seqs, self.site, actor)])

        with mock.patch.object(live, "send_change", send_change):
            first = threading.Thread(target=commit, args=(1, {"control": 1}, self.head))
            first.start()
            self.assertTrue(first_started.wait(5))
            behind = [
                threading.Thread(target=commit, args=(2, {"control": 3, "general": 2}, self.head)),
                threading.Thread(target=commit, args=(3, {"control": 2}, self.clerk)),
            ]
            for thread in behind:
                thread.start()
            deadline = time.monotonic() + 5
            while len(broadcasts.waiting) < 2 and time.monotonic() < deadline:
                time.sleep(0.001)  # both committed and waiting
            go_on.set()
            for thread in [first, *behind]:
                thread.join(5)
        self.assertEqual(len(sent), 2)
        self.assertEqual(sent[0], (self.change(1), {"control": 1}, self.head))
        change, seqs, actor = sent[1]
        self.assertEqual((change.rooms, change.topics), (frozenset({2, 3}), frozenset({"rooms"})))
        self.assertEqual(seqs, {"control": 3, "general": 2})
        self.assertIsNone(actor)  # two people's changes: nobody's boards first
        self.assertEqual(broadcasts.merged, 1)

    def test_merged_changes_keep_which_of_their_rooms_were_sealed(self):
        sealing = live.Change(
            site_id=self.site.pk, rooms=frozenset({2, 5}), topics=frozenset({"sealed"}), sealed=frozenset({5})
        )
        items = [
            (self.site.pk, self.change(1), {"control": 1}, self.site, None),
            (self.site.pk, sealing, {"control": 2}, self.site, None),
        ]
        ((_namespace, change, _seqs, _site, _actor),) = live.merge_changes(items)
        self.assertEqual((change.rooms, change.sealed), (frozenset({1, 2, 5}), frozenset({5})))

    def test_one_change_fails_alone_and_the_others_merged_with_it_still_go(self):
        broadcasts = live.Broadcasts()
        sent = []

        def send_change(change, seqs, site=None, namespace=None, actor=None):
            if namespace == live.NO_SITE:
                raise RuntimeError("layer down")
            sent.append(namespace)

        items = [
            (live.NO_SITE, self.change(1), {"district": 1}, None, None),
            (self.site.pk, self.change(1), {"control": 1}, self.site, None),
        ]
        with mock.patch.object(live, "send_change", send_change), self.assertRaisesMessage(RuntimeError, "layer down"):
            broadcasts.send(items)
        self.assertEqual(sent, [self.site.pk])
        self.assertEqual(broadcasts.waiting, [])

    def test_changes_committed_while_a_broadcast_is_being_sent_go_out_merged_after_it(self):
        broadcasts = live.Broadcasts()
        sent, sending, go_on = [], threading.Event(), threading.Event()

        def send_change(change, seqs, site=None, namespace=None, actor=None):
            sent.append(change.rooms)

        def wait_handed_over():
            if len(sent) == 1:  # the first broadcast's sockets are being sent
                sending.set()
                go_on.wait(5)

        def commit(room):
            broadcasts.send([(self.site.pk, self.change(room), {"control": room}, self.site, None)])

        with (
            mock.patch.object(live, "send_change", send_change),
            mock.patch.object(live, "wait_handed_over", wait_handed_over),
        ):
            first = threading.Thread(target=commit, args=(1,))
            first.start()
            self.assertTrue(sending.wait(5))
            behind = [threading.Thread(target=commit, args=(room,)) for room in (2, 3)]
            for thread in behind:
                thread.start()
            deadline = time.monotonic() + 5
            while len(broadcasts.waiting) < 2 and len(sent) == 1 and time.monotonic() < deadline:
                time.sleep(0.001)  # until both committed and wait (or, wrongly, went ahead)
            self.assertEqual(sent, [frozenset({1})])  # nothing rendered while the sends go on
            go_on.set()
            for thread in [first, *behind]:
                thread.join(5)
        self.assertEqual(sent, [frozenset({1}), frozenset({2, 3})])

    def test_each_broadcast_gives_a_due_full_collection_its_turn_after_it_failed_or_not(self):
        broadcasts = live.Broadcasts()
        item = (self.site.pk, self.change(1), {"control": 1}, self.site, None)
        with mock.patch.object(live.collector, "after_broadcast") as after:
            with mock.patch.object(live, "send_change"):
                broadcasts.send([item])
            failing = mock.patch.object(live, "send_change", side_effect=RuntimeError("render failed"))
            with failing, self.assertRaises(RuntimeError):
                broadcasts.send([item])
        self.assertEqual(after.call_count, 2)


class BroadcastFailureTests(LiveTestCase):
    """With real commits: the on_commit hooks run as in production."""

    def test_a_failed_broadcast_is_logged_and_the_committed_change_stands(self):
        with (
            mock.patch("site_ops.live.send_change", side_effect=ConnectionError("redis is down")),
            self.assertLogs("django.db.backends.base", "ERROR") as logs,
        ):
            stay = services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        self.assertIn("redis is down", "\n".join(logs.output))
        self.assertTrue(Stay.objects.open().filter(pk=stay.pk).exists())


class FlakyLayer:
    """A channel layer that talks to a server: its first sends fail or hang as told."""

    def __init__(self, *, failures=0, hang=False):
        self.failures, self.hang = failures, hang
        self.sent, self.flushed = [], 0
        self.done = asyncio.Event()
        layer = self

        class LoopLayer:
            async def flush(self):
                layer.flushed += 1

        self._layers = mock.Mock(get=lambda loop: LoopLayer())

    async def group_send(self, group, message):
        if self.hang:
            await asyncio.Event().wait()
        if self.failures:
            self.failures -= 1
            raise ConnectionError("Connection closed by server.")
        self.sent.append((group, message))


class SenderTests(SiteTestCase):
    """A layer that talks to a server is sent to off the request path (tests/scaleout has it with a real Redis)."""

    def deliver(self, layer, messages):
        sender = live.Sender()
        sender.send(layer, messages)
        sender.wait()
        self.assertEqual(sender.backlog, 0)
        return sender

    def test_a_message_that_met_a_stale_connection_is_sent_again_on_a_fresh_one(self):
        layer = FlakyLayer(failures=1)
        messages = [("site-1.control.en", {"type": "board.html", "html": "a"}), ("site-1.general.en", {"type": "x"})]
        self.deliver(layer, messages)
        self.assertEqual(layer.flushed, 1)
        # Each message once: the one that went through is not sent twice.
        self.assertCountEqual(layer.sent, messages)

    def test_a_hung_layer_is_given_up_in_one_log_line(self):
        layer = FlakyLayer(hang=True)
        with (
            mock.patch("site_ops.live.BROADCAST_TIMEOUT_SECONDS", 0.05),
            self.assertLogs("site_ops.live", "ERROR") as logs,
        ):
            self.deliver(layer, [("site-1.control.en", {"type": "board.html", "html": "a"})])
        self.assertEqual(len(logs.output), 1)
        self.assertIn("catch up by heartbeat", logs.output[0])
        self.assertEqual(layer.sent, [])

    def test_a_backlog_past_its_bound_is_dropped_not_kept(self):
        sender = live.Sender()
        sender.pid = os.getpid()
        sender.backlog = live.BROADCAST_BACKLOG
        with self.assertLogs("site_ops.live", "ERROR") as logs:
            sender.send(FlakyLayer(), [("site-1.control.en", {"type": "board.html", "html": "a"})])
        self.assertIn("dropped", logs.output[0])
        self.assertIsNone(sender.loop)

    def test_a_forked_process_starts_a_sender_of_its_own(self):
        # A test's live server is forked from a process whose sender had a
        # loop: the child has the loop but not the thread that runs it.
        layer, messages = FlakyLayer(), [("site-1.control.en", {"type": "board.html", "html": "a"})]
        sender = self.deliver(layer, messages)
        inherited = sender.loop
        sender.pid = -1  # as seen from a child process
        sender.send(layer, messages)
        sender.wait()
        self.assertIsNot(sender.loop, inherited)
        self.assertEqual(len(layer.sent), 2)
