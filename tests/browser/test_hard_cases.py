"""The real browser, in Chinese: a positive among two room-mates.

The nurse enters the positive on a tablet; the control screen shows the room
sealed, the catering board shows it sealed (contactless), the room-mate's
quarantine end moves on the general board, and the site head moves the
room-mate to a room of their own through room change. Nobody reloads.
"""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from groups.medical import services as medical
from groups.medical.models import Sample
from rooms import services
from rooms.models import Person, Room, Stay
from tests.browser.test_live_boards import TABLET, WALL, BrowserTestCase
from tests.factories import make_person


class PositiveRoomMateTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        self.family_room = Room.objects.create(site=self.site, number="119", floor=1, capacity=2)
        self.mother = make_person(self.site, name="王芳", household="王家", sex=Person.Sex.FEMALE)
        self.son = make_person(self.site, name="王小明", household="王家")
        stay = self.elsewhere(services.stay_check_in, person=self.mother, room=self.family_room, by=self.clerk)
        self.son_stay = self.elsewhere(services.stay_check_in, person=self.son, room=self.family_room, by=self.clerk)
        sample = Sample.objects.get(stay=stay, day=1)
        self.sample = self.elsewhere(medical.sample_collect, sample=sample, by=self.nurse, barcode="HX0119")

    def test_a_positive_seals_the_room_everywhere_and_the_room_mate_is_moved_out(self):
        control = self.open_as(self.head, "/control/", WALL)
        catering = self.open_as(self.cook, "/catering/", TABLET)
        general = self.open_as(self.clerk, "/general/", TABLET)
        nurse = self.open_as(self.nurse, "/medical/?floor=1", TABLET)

        nurse.once("dialog", lambda dialog: dialog.accept())
        nurse.locator(f"#sample-{self.sample.pk}").get_by_role("button", name="阳性").click()

        control.wait_for_selector(f"#room-{self.family_room.pk}[data-status=sealed]")
        # The catering board shows the sealed room, when a meal round is under way.
        meal = catering.locator(f"#meal-room-{self.family_room.pk}")
        if meal.count():
            expect(meal).to_contain_text("已封控")
        sealed = general.locator("#sealed")
        expect(sealed).to_contain_text("王小明")
        ends = (timezone.localdate() + timedelta(days=self.protocol_length())).strftime("%Y-%m-%d")
        expect(sealed).to_contain_text(ends)
        self.screenshot(general, "general-board-sealed-room-mate-tablet")
        self.screenshot(control, "control-screen-sealed-wall")

        # The site head decides: the room-mate moves to a room of their own.
        head = self.open_as(self.head, f"/rooms/{self.family_room.pk}/", TABLET)
        head.get_by_role("link", name="移至单人房间").first.click()
        panel = head.locator("#panel")
        expect(panel).to_contain_text("建议房间")
        self.screenshot(head, "room-change-exposure-tablet")
        panel.get_by_role("button", name="移至此房间").click()
        expect(panel).to_contain_text("王小明 已从 119 房换至")

        stay = Stay.objects.get(pk=self.son_stay.pk)
        self.assertNotEqual(stay.room_id, self.family_room.pk)
        control.wait_for_selector(f"#room-{stay.room_id}[data-status=occupied]")
        expect(general.locator("#sealed")).not_to_contain_text("王小明")
        for page in (control, catering, general, nurse):
            self.assert_not_reloaded(page)

    def protocol_length(self) -> int:
        from groups.medical.models import TestProtocol

        return TestProtocol.for_site(self.site).length_days


class FamilyMovesTogetherTests(BrowserTestCase):
    """A mother and her baby change room in one step, from the room's page on a tablet."""

    def setUp(self):
        super().setUp()
        self.family_room = Room.objects.create(site=self.site, number="121", floor=1, capacity=2)
        self.away = Room.objects.create(site=self.site, number="122", floor=1, capacity=2)
        self.mother = make_person(self.site, name="张佳", household="张家", sex=Person.Sex.FEMALE)
        baby_born = timezone.localdate() - timedelta(days=200)
        self.baby = make_person(self.site, name="张浩宇", household="张家", birth_date=baby_born)
        for person in (self.mother, self.baby):
            self.elsewhere(services.stay_check_in, person=person, room=self.family_room, by=self.clerk)

    def test_the_clerk_moves_the_family_together_and_the_boards_follow(self):
        control = self.open_as(self.head, "/control/", WALL)
        clerk = self.open_as(self.clerk, f"/rooms/{self.family_room.pk}/", TABLET)
        clerk.locator("li", has_text="张浩宇").get_by_role("link", name="换房").click()
        panel = clerk.locator("#panel")
        together = panel.get_by_label("同房家人一起换房")
        expect(together).to_be_checked()
        expect(panel).to_contain_text("张佳 同时换到同一房间")
        expect(panel).to_contain_text("可容纳 2 人家庭的空房间")
        self.screenshot(clerk, "room-change-family-tablet")
        clerk.set_viewport_size(WALL)
        self.screenshot(clerk, "room-change-family-wall")
        panel.get_by_label("房间").select_option(str(self.away.pk))
        panel.get_by_label("原因").select_option("repair")
        panel.get_by_role("button", name="移至此房间").click()
        expect(panel).to_contain_text("张浩宇、张佳 已一起从 121 房换至 122 房")

        self.assertEqual(
            set(Stay.objects.filter(ended_at=None, person__household="张家").values_list("room_id", flat=True)),
            {self.away.pk},
        )
        control.wait_for_selector(f"#room-{self.away.pk}[data-status=occupied]")
        control.wait_for_selector(f"#room-{self.family_room.pk}[data-status=awaiting_disinfection]")
        self.screenshot(control, "control-screen-family-moved-wall")
        self.assert_not_reloaded(control)
