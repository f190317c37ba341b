"""Board sockets against the real ASGI application: routing, origin, auth, live path."""

import asyncio
import contextvars
import json

from asgiref.sync import async_to_sync, sync_to_async
from django.test import SimpleTestCase
from django.utils import translation

from rooms import services
from rooms.models import Person
from site_ops.consumers import apart
from site_ops.models import BoardSequence
from tests.base import LiveTestCase, SocketMixin


class BoardSocketTests(SocketMixin, LiveTestCase):
    async def test_a_foreign_origin_is_rejected(self):
        communicator, connected, _code = await self.connect(
            "/ws/boards/control/", self.head, origin=b"http://evil.example"
        )
        self.assertFalse(connected)

    async def test_an_anonymous_socket_is_closed(self):
        communicator, connected, _code = await self.connect("/ws/boards/control/")
        self.assertTrue(connected)
        self.assertEqual((await communicator.receive_output())["code"], 4403)

    async def test_another_group_cannot_open_the_board(self):
        for path in ("/ws/boards/general/", "/ws/boards/control/", f"/ws/rooms/{self.room.pk}/"):
            with self.subTest(path=path):
                communicator, connected, _code = await self.connect(path, self.cook)
                self.assertEqual((await communicator.receive_output())["code"], 4403)
        communicator, connected, _code = await self.connect("/ws/boards/control/", self.clerk)
        self.assertEqual((await communicator.receive_output())["code"], 4403)

    async def test_it_sends_a_snapshot_on_connect(self):
        communicator, connected, _code = await self.connect("/ws/boards/general/?lang=en", self.clerk)
        self.assertTrue(connected)
        snapshot = await communicator.receive_from()
        self.assertIn('id="board-body"', snapshot)
        self.assertIn("李秀英", snapshot)
        self.assertIn('id="live-seq" data-seq="0"', snapshot)
        await communicator.disconnect()

    async def test_a_committed_change_reaches_every_board_it_shows_on(self):
        control, *_ = await self.connect("/ws/boards/control/?lang=en", self.head)
        general, *_ = await self.connect("/ws/boards/general/?lang=en", self.clerk)
        room_page, *_ = await self.connect(f"/ws/rooms/{self.room.pk}/?lang=en", self.clerk)
        for communicator in (control, general, room_page):
            await communicator.receive_from()  # snapshot

        await sync_to_async(services.stay_check_in)(person=self.person, room=self.room, by=self.clerk)

        control_html = await control.receive_from()
        self.assertIn(f'id="room-{self.room.pk}"', control_html)
        self.assertIn('data-status="occupied"', control_html)
        self.assertIn('data-seq="1"', control_html)
        general_html = await general.receive_from()
        self.assertIn('id="arrivals"', general_html)
        self.assertNotIn("李秀英", general_html.split('id="releases"')[0].split('id="arrivals"')[1])
        room_html = await room_page.receive_from()
        self.assertIn("李秀英", room_html)
        for communicator in (control, general, room_page):
            await communicator.disconnect()

    async def test_the_other_language_gets_its_own_render(self):
        zh, *_ = await self.connect("/ws/boards/control/?lang=zh-hans", self.head)
        en, *_ = await self.connect("/ws/boards/control/?lang=en", self.head)
        await zh.receive_from()
        await en.receive_from()
        await sync_to_async(services.stay_check_in)(person=self.person, room=self.room, by=self.clerk)
        self.assertIn("in isolation", await en.receive_from())
        self.assertIn("隔离中", await zh.receive_from())
        await zh.disconnect()
        await en.disconnect()

    async def test_a_refused_change_sends_nothing(self):
        control, *_ = await self.connect("/ws/boards/control/", self.head)
        await control.receive_from()
        with self.assertRaises(services.ServiceError):
            await sync_to_async(services.stay_release)(person=self.person, by=self.clerk)
        self.assertTrue(await control.receive_nothing(timeout=0.3))
        await control.disconnect()

    async def test_the_heartbeat_resends_the_board_to_a_client_that_fell_behind(self):
        control, *_ = await self.connect("/ws/boards/control/", self.head)
        await control.receive_from()
        # A change whose broadcast was lost: the sequence moved on, no message came.
        await sync_to_async(BoardSequence.objects.create)(site=self.site, board="control", seq=5)

        await control.send_to(text_data=json.dumps({"type": "heartbeat", "seq": 0}))
        resent = await control.receive_from()
        self.assertIn('id="board-body"', resent)
        self.assertIn('data-seq="5"', resent)

        await control.send_to(text_data=json.dumps({"type": "heartbeat", "seq": 5}))
        self.assertEqual(await control.receive_from(), '<div id="live-ack" hidden></div>')
        await control.disconnect()

    async def test_logging_out_closes_the_sessions_sockets(self):
        communicator, client = await self.open_logged_in("/ws/boards/general/", self.clerk)

        await sync_to_async(client.post)("/logout/")

        self.assertEqual((await communicator.receive_output(timeout=2))["code"], 4401)

    async def test_a_page_for_a_person_of_another_site_is_refused(self):
        from tests.factories import make_person, make_site

        stranger = await sync_to_async(lambda: make_person(make_site(name="别处")))()
        communicator, *_ = await self.connect(f"/ws/people/{stranger.pk}/", self.clerk)
        self.assertEqual((await communicator.receive_output())["code"], 4403)
        self.assertEqual(await sync_to_async(Person.objects.count)(), 2)


class ApartTests(SimpleTestCase):
    """A socket's task lives as long as the socket: what Django's thread
    leaves in asgiref's context-local storage must not stay with it."""

    def grows(self, read) -> int:
        async def socket_task():
            before = len(contextvars.copy_context())
            await read(sync_to_async(translation.activate)("en"))
            return len(contextvars.copy_context()) - before

        async def run():
            # A task on an empty context, as a new socket's.
            return await asyncio.create_task(socket_task(), context=contextvars.Context())

        return async_to_sync(run)()

    def test_a_read_apart_leaves_the_sockets_context_as_it_was(self):
        async def awaited(coroutine):
            return await coroutine

        self.assertGreater(self.grows(awaited), 0)  # what apart keeps away

        async def read_apart(coroutine):
            return await apart(coroutine)

        self.assertEqual(self.grows(read_apart), 0)
