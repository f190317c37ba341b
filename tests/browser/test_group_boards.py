"""The real browser on the group boards: a catering tablet and the site head's control screen."""

from datetime import timedelta

from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from groups.catering.models import MealDelivery, MealSlot
from rooms import services
from rooms.models import Room, Stay
from tests.browser.test_live_boards import TABLET, WALL, BrowserTestCase
from tests.factories import make_person


# The site's language is Chinese, as shipped: what a batch writes into the history is in Chinese.
@override_settings(LANGUAGE_CODE="zh-hans")
class MealRoundLiveTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        # Lunch is the site's only slot, so it is the round on the boards at
        # whatever time the test runs; everyone arrived yesterday, in time for it.
        # Its delivery time is now, so that its round is open (an hour before).
        MealSlot.objects.filter(site=self.site).exclude(kind=MealSlot.Kind.LUNCH).delete()
        MealSlot.objects.filter(site=self.site).update(
            delivery_time=timezone.localtime().time().replace(second=0, microsecond=0)
        )
        self.floor3 = Room.objects.bulk_create([Room(site=self.site, floor=3, number=f"30{n}") for n in range(1, 5)])
        for room in [*self.floor3[:3], self.room]:
            self.elsewhere(services.stay_check_in, person=make_person(self.site), room=room, by=self.clerk)
        Stay.objects.update(started_at=timezone.now() - timedelta(days=1))

    def test_a_floor_delivered_on_a_tablet_moves_the_round_on_the_control_screen(self):
        control = self.open_as(self.head, "/control/", WALL)
        progress = control.locator("[data-counter=meal-round]")
        self.assertEqual(progress.inner_text(), "0/4")
        self.assertEqual(
            control.locator(f"#room-{self.floor3[0].pk} [data-badge=food]").get_attribute("data-state"), "pending"
        )

        tablet = self.open_as(self.cook, "/catering/?floor=3", TABLET)
        self.assertEqual(tablet.locator("#floor-3").get_attribute("data-pending"), "3")
        self.screenshot(tablet, "catering-floor-3-tablet")
        tablet.get_by_role("button", name="3层午餐全部送达").click()

        tablet.wait_for_selector("#floor-3[data-pending='0']")
        expect(control.locator("[data-counter=meal-round]")).to_have_text("3/4")
        control.wait_for_selector(f"#room-{self.floor3[0].pk} [data-badge=food][data-state=delivered]")
        self.assertIn("3层午餐，3间", control.locator("#feed").inner_text())
        self.assert_not_reloaded(control)
        self.assert_not_reloaded(tablet)
        self.assertEqual(MealDelivery.objects.filter(status="delivered").count(), 3)
        # The room on floor 1 is still to do; the empty room on floor 3 was never due.
        self.assertEqual(tablet.locator(f"#meal-room-{self.floor3[3].pk}").count(), 0)
        self.screenshot(tablet, "catering-floor-3-delivered-tablet")
        self.screenshot(control, "control-screen-meal-round-wall")


@override_settings(LANGUAGE_CODE="zh-hans")
class SecurityBoardLiveTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        # Eight floors: the patrol cards take two lines on a tablet.
        Room.objects.bulk_create([Room(site=self.site, floor=floor, number=f"{floor}01") for floor in range(3, 9)])
        self.elsewhere(services.stay_check_in, person=self.person, room=self.room, by=self.clerk)

    def test_a_sealed_room_reaches_the_guards_patrol_cards_and_the_cards_keep_apart(self):
        tablet = self.open_as(self.guard, "/security/", TABLET)
        cards = tablet.locator(".patrol")
        self.assertGreater(cards.count(), 6)
        boxes = [cards.nth(i).bounding_box() for i in range(cards.count())]
        first_line = [box for box in boxes if box["y"] == boxes[0]["y"]]
        later = [box for box in boxes if box["y"] > boxes[0]["y"]]
        self.assertTrue(later, "the cards take two lines")
        # The next line starts below the first line's cards (a link rule once pulled them over each other).
        self.assertGreaterEqual(min(box["y"] for box in later), max(box["y"] + box["height"] for box in first_line))
        self.assertEqual(tablet.locator("[data-counter=sealed-rooms]").inner_text(), "0")

        self.elsewhere(services.room_move, room=self.room, to=Room.Status.SEALED, by=self.head)
        expect(tablet.locator("[data-counter=sealed-rooms]")).to_have_text("1")
        expect(tablet.locator(f"#patrol-floor-{self.room.floor} .sealed")).to_have_text(f"已封控 {self.room.number}")
        self.assert_not_reloaded(tablet)
        self.screenshot(tablet, "security-sealed-room-tablet")
