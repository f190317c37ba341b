"""The group boards' sockets against the real ASGI application."""

from asgiref.sync import sync_to_async
from django.test import Client
from django.utils import timezone

from groups.catering import services as meals
from groups.catering.models import MealSlot
from rooms import services
from rooms.models import Stay
from tests.base import LiveTestCase, open_socket
from tests.clock import frozen, local


class GroupBoardSocketTests(LiveTestCase):
    def setUp(self):
        super().setUp()

    async def connect(self, path, user):
        client = Client()
        await sync_to_async(client.force_login)(user)
        headers = [
            (b"origin", b"http://127.0.0.1:8000"),
            (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
        ]
        communicator, connected, _code = await open_socket(path, headers)
        self.assertTrue(connected)
        return communicator

    async def test_each_group_opens_its_own_board_only(self):
        for user, mine in ((self.cook, "catering"), (self.cleaner, "disinfection"), (self.guard, "security")):
            for board in ("catering", "disinfection", "security"):
                communicator = await self.connect(f"/ws/boards/{board}/?lang=en", user)
                with self.subTest(user=user.username, board=board):
                    if board == mine:
                        self.assertIn('id="board-body"', await communicator.receive_from())
                    else:
                        self.assertEqual((await communicator.receive_output())["code"], 4403)
                await communicator.disconnect()

    async def test_a_delivery_reaches_the_catering_board_and_the_control_screen(self):
        with frozen(12):
            await self.deliver_lunch_on_floor_one()

    async def deliver_lunch_on_floor_one(self):
        def arrive_and_lunch():
            services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
            # Checked in before lunch time, so the room is in the round.
            Stay.objects.filter(person=self.person).update(started_at=local(8))
            return MealSlot.objects.get(site=self.site, kind="lunch")

        lunch = await sync_to_async(arrive_and_lunch)()
        catering = await self.connect("/ws/boards/catering/?lang=en", self.cook)
        control = await self.connect("/ws/boards/control/?lang=en", self.head)
        security = await self.connect("/ws/boards/security/?lang=en", self.guard)
        for communicator in (catering, control, security):
            await communicator.receive_from()

        await sync_to_async(meals.meal_floor_deliver)(
            site=self.site, slot=lunch, day=timezone.localdate(), floor=1, by=self.cook
        )

        catering_html = await catering.receive_from()
        self.assertIn('id="floor-1" class="meal-floor" data-pending="0"', catering_html)
        self.assertIn('data-counter="round-done">1/1<', catering_html)
        control_html = await control.receive_from()
        self.assertIn('data-counter="meal-round">1/1<', control_html)
        self.assertIn('data-badge="food" data-state="delivered"', control_html)
        self.assertTrue(await security.receive_nothing(timeout=0.3))
        for communicator in (catering, control, security):
            await communicator.disconnect()
