"""A site's rooms added floor by floor from the admin: a preview, then one step, audited, on every open board."""

import asyncio
from contextlib import suppress

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from rooms.models import AuditEvent, Room, Site
from rooms.roles import Role
from rooms.setup import ADDED_BY_FLOOR, AddRoomsForm, add_rooms, room_number, runs
from site_ops import live
from site_ops.models import BoardSequence
from tests.base import LiveTestCase, SiteTestCase, SocketMixin
from tests.factories import make_rooms, make_site, make_user

URL = reverse("admin:rooms_room_add_many")


def ranges(**fields) -> dict:
    return {"floor_from": "3", "floor_to": "5", "first": "1", "last": "25", "capacity": "1", "skip": "", **fields}


class AddRoomsTests(SiteTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        call_command("migrate", verbosity=0)  # the site-head role's permissions (rooms.apps)
        User.objects.filter(pk=cls.head.pk).update(is_staff=True)
        cls.other = make_site(name="巴国城隔离点")
        make_rooms(cls.other, floors=4, per_floor=2)

    def setUp(self):
        self.client.force_login(self.head)

    def post(self, **fields):
        data = ranges(site=str(self.site.pk), **fields)
        return self.client.post(URL, data)

    def confirm(self, **fields):
        preview = self.post(**fields)
        return self.post(confirm="1", previewed=preview.context["preview"]["fingerprint"], **fields)

    def test_the_rooms_list_offers_it_beside_add_room(self):
        page = self.client.get(reverse("admin:rooms_room_changelist"), headers={"accept-language": "zh-hans"})
        self.assertContains(page, f'href="{URL}"')

    def test_a_preview_names_each_floor_and_adds_nothing(self):
        before = Room.objects.count()
        page = self.post(skip="304, 314，425")
        self.assertEqual(page.status_code, 200)
        preview = page.context["preview"]
        self.assertEqual(preview["total"], 72)
        self.assertEqual(
            [(line["floor"], line["numbers"], line["count"]) for line in preview["floors"]],
            [(3, "301-303、305-313、315-325", 23), (4, "401-424", 24), (5, "501-525", 25)],
        )
        self.assertContains(page, "Add these 72 rooms")
        self.assertEqual(Room.objects.count(), before)

    def test_confirmed_the_rooms_are_added_each_audited(self):
        response = self.confirm(capacity="3")
        self.assertRedirects(response, reverse("admin:rooms_room_changelist"))
        added = Room.objects.filter(site=self.site, floor__gte=3)
        self.assertEqual(added.count(), 75)
        self.assertEqual(set(added.values_list("capacity", flat=True)), {3})
        self.assertEqual(added.get(number="418").floor, 4)
        events = AuditEvent.objects.filter(site=self.site, action=ADDED_BY_FLOOR)
        self.assertEqual(events.count(), 75)
        # The feed has the step once, not a line a room.
        from groups.control.board import feed

        lines = [(event.action, event.label) for event in feed(self.site)]
        self.assertIn(("rooms.added", "75 rooms on floors 3 to 5"), lines)
        self.assertNotIn(ADDED_BY_FLOOR, [action for action, _label in lines])
        event = events.get(room__number="501")
        self.assertEqual((event.actor, event.after["capacity"]), (self.head, "3"))
        self.assertEqual(Room.objects.filter(site=self.other).count(), 8)

    def test_rooms_already_set_up_are_refused_and_nothing_is_added(self):
        before = Room.objects.count()
        # The site's own rooms are 101-105 and 201-205.
        page = self.post(floor_from="1", floor_to="2", last="6")
        self.assertContains(page, "10 of these rooms are already set up")
        self.assertContains(page, "101-105、201-205")
        self.assertIsNone(page.context["preview"])
        self.assertEqual(Room.objects.count(), before)
        # Leaving them out works (the other site's own 101 is no hindrance).
        page = self.post(floor_from="1", floor_to="2", first="6", last="8")
        self.assertEqual(page.context["preview"]["total"], 6)

    def test_a_second_submit_of_the_same_rooms_adds_nothing_twice(self):
        fields = {"floor_from": "6", "floor_to": "6", "last": "3"}
        previewed = self.post(**fields).context["preview"]["fingerprint"]
        self.post(confirm="1", previewed=previewed, **fields)
        page = self.post(confirm="1", previewed=previewed, **fields)  # the same POST again
        self.assertContains(page, "3 of these rooms are already set up")
        self.assertEqual(Room.objects.filter(site=self.site, floor=6).count(), 3)

    def test_a_range_changed_after_the_preview_is_previewed_again_not_added(self):
        previewed = self.post(floor_from="7", floor_to="7", last="5").context["preview"]["fingerprint"]
        page = self.post(floor_from="7", floor_to="8", last="5", confirm="1", previewed=previewed)
        self.assertEqual(page.status_code, 200)
        self.assertEqual(page.context["preview"]["total"], 10)
        self.assertFalse(Room.objects.filter(site=self.site, floor=7).exists())

    def test_bad_ranges_say_why_in_chinese_and_add_nothing(self):
        before = Room.objects.count()
        cases = [
            (ranges(floor_from="5", floor_to="3"), "结束楼层应不低于起始楼层"),
            (ranges(first="30", last="25"), "最后一间房号应不小于第一间"),
            (ranges(capacity="9"), "小于或等于8"),
            (ranges(skip="3<0>4"), "不是房号"),
            (ranges(floor_from="1", floor_to="100", last="99"), "一次最多添加 2000 间"),
            (ranges(floor_from="3", floor_to="3", first="1", last="2", skip="301 302"), "没有可添加的房间"),
            (ranges(last=""), "这个字段是必填项"),
        ]
        for data, words in cases:
            with self.subTest(data=data), self.settings(LANGUAGE_CODE="zh-hans"):
                page = self.client.post(URL, {**data, "site": str(self.site.pk)})
                self.assertEqual(page.status_code, 200)
                self.assertContains(page, "未添加任何房间")
                self.assertContains(page, words)
        self.assertEqual(Room.objects.count(), before)

    def test_a_site_head_cannot_add_rooms_to_another_site(self):
        data = {**ranges(floor_from="9", floor_to="9"), "site": str(self.other.pk)}
        page = self.client.post(URL, {**data, "confirm": "1", "previewed": "x"})
        self.assertEqual(page.status_code, 200)
        self.assertIn("site", page.context["adminform"].form.errors)
        self.assertFalse(Room.objects.filter(floor=9).exists())
        self.assertNotContains(self.client.get(URL), "巴国城隔离点")

    def test_only_who_may_add_rooms_opens_it(self):
        staff_clerk = make_user("clerk2", self.site, Role.GENERAL, is_staff=True)
        for user, status in ((self.clerk, 302), (staff_clerk, 403)):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                self.assertEqual(self.client.get(URL).status_code, status)
                self.assertEqual(self.client.post(URL, ranges(site=str(self.site.pk), confirm="1")).status_code, status)
        self.assertFalse(Room.objects.filter(site=self.site, floor=3).exists())

    def test_the_queries_do_not_grow_with_the_rooms(self):
        add_rooms(by=self.head, site=self.site, numbers=[(11, "1101")], capacity=1)  # the boards' numbers exist
        numbers = [(12, room_number(12, n, 2)) for n in range(1, 6)]
        # The rooms, the audit rows, the site's districts, the boards' numbers (bumped once).
        with self.assertNumQueries(6):
            add_rooms(by=self.head, site=self.site, numbers=numbers, capacity=1)
        # The same statements for sixty rooms (the database takes so many rows in one).
        numbers = [(floor, room_number(floor, n, 2)) for floor in (13, 14, 15) for n in range(1, 21)]
        with self.assertNumQueries(6):
            add_rooms(by=self.head, site=self.site, numbers=numbers, capacity=1)

    def test_the_open_boards_get_their_whole_board_and_no_fragment_it_replaces(self):
        layer = get_channel_layer()
        async_to_sync(layer.flush)()
        channel = async_to_sync(layer.new_channel)()
        for key in ("control", "general"):
            async_to_sync(layer.group_add)(live.broadcast_group(self.site.pk, key, "zh-hans"), channel)
        before = dict(BoardSequence.objects.filter(site=self.site).values_list("board", "seq"))
        with self.captureOnCommitCallbacks(execute=True):
            add_rooms(by=self.head, site=self.site, numbers=[(12, "1201"), (12, "1202")], capacity=1)
        received = []
        with suppress(asyncio.TimeoutError):
            while True:
                received.append(async_to_sync(asyncio.wait_for)(layer.receive(channel), 0.2))
        # Each board once, to fetch its whole board: no counters sent before it.
        self.assertEqual([message["type"] for message in received], ["board.resync", "board.resync"])
        after = dict(BoardSequence.objects.filter(site=self.site).values_list("board", "seq"))
        self.assertEqual(
            {key: after[key] - before.get(key, 0) for key in ("control", "general")}, {"control": 1, "general": 1}
        )

    def test_a_room_added_or_moved_one_at_a_time_also_reaches_the_open_boards(self):
        form = {"site": str(self.site.pk), "number": "808", "floor": "8", "capacity": "2", "note": ""}
        seq = lambda: BoardSequence.objects.filter(site=self.site, board="control").values_list("seq", flat=True)  # noqa: E731
        before = seq().first() or 0
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            response = self.client.post(reverse("admin:rooms_room_add"), form)
        self.assertEqual(response.status_code, 302)
        self.assertIn("resync", [callback.__name__ for callback in callbacks])
        # The whole board once: no fragment numbered before it.
        self.assertEqual(seq().first(), before + 1)
        room = Room.objects.get(site=self.site, number="808")
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            self.client.post(reverse("admin:rooms_room_change", args=[room.pk]), {**form, "note": "朝南"})
        self.assertNotIn("resync", [callback.__name__ for callback in callbacks])  # a note: its cell is enough
        moved = {**form, "floor": "9", "number": "908"}
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            self.client.post(reverse("admin:rooms_room_change", args=[room.pk]), moved)
        self.assertIn("resync", [callback.__name__ for callback in callbacks])

    def test_numbers_read_as_on_the_doors(self):
        self.assertEqual(
            [room_number(3, 7, 2), room_number(12, 1, 2), room_number(2, 105, 3), room_number(-1, 7, 2)],
            ["307", "1201", "2105", "B1-07"],
        )
        self.assertEqual(
            runs([(3, "301"), (3, "302"), (3, "303"), (3, "305"), (4, "401"), (4, "402"), (-1, "B1-07")]),
            "301-303、305、401-402、B1-07",
        )

    def form(self, **fields):
        return AddRoomsForm({"site": str(self.site.pk), **ranges(**fields)}, sites=Site.objects.filter(pk=self.site.pk))

    def test_runs_of_numbers_are_left_out_and_a_number_outside_the_ranges_is_refused(self):
        form = self.form(floor_from="21", floor_to="21", last="10", skip="2101-2103，2105～2106 2108 至 2108")
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual([number for _f, number in form.cleaned_data["numbers"]], ["2104", "2107", "2109", "2110"])
        for skip, words in (
            ("2099", "2099 is not among the rooms of these ranges"),
            ("2103-2101", "write the lower number first"),
            ("2101-21030", "write the lower number first"),
        ):
            with self.subTest(skip=skip):
                form = self.form(floor_from="21", floor_to="21", last="10", skip=skip)
                self.assertFalse(form.is_valid())
                self.assertIn(words, str(form.errors["skip"]))

    def test_floor_zero_is_explained_and_the_preview_names_what_is_added(self):
        form = self.form(floor_from="0", floor_to="0")
        self.assertIn("There is no floor 0", str(form.errors["floor_from"]))
        page = self.post(floor_from="3", floor_to="3", last="6", capacity="2", skip="304")
        self.assertContains(page, "5 rooms to add · 2 beds each · 测试隔离点")
        self.assertContains(page, "<td>301-303、305-306</td>")
        self.assertContains(page, "Left out: 304")
        # Confirmed with another number of beds than previewed: previewed again, saying so.
        previewed = page.context["preview"]["fingerprint"]
        page = self.post(
            floor_from="3", floor_to="3", last="6", capacity="3", skip="304", confirm="1", previewed=previewed
        )
        self.assertContains(page, 'id="changed-since-preview"')
        self.assertFalse(Room.objects.filter(site=self.site, floor=3).exists())

    def test_rooms_already_set_up_are_named_as_runs(self):
        page = self.post(floor_from="1", floor_to="2", last="6")
        self.assertContains(page, "(101-105、201-205)")


class RoomsAddedReachOpenBoards(SocketMixin, LiveTestCase):
    async def test_every_open_board_gets_its_whole_board_with_the_new_rooms(self):
        control, _client = await self.open_logged_in("/ws/boards/control/?lang=en", self.head)
        general, _client = await self.open_logged_in("/ws/boards/general/?lang=en", self.clerk)
        numbers = [(7, room_number(7, n, 2)) for n in range(1, 4)]
        await sync_to_async(add_rooms)(by=self.head, site=self.site, numbers=numbers, capacity=2)
        for communicator in (control, general):
            received = []
            while not any("board-body" in html and "703" in html for html in received):
                received.append(await communicator.receive_from(timeout=3))
            await communicator.disconnect()
