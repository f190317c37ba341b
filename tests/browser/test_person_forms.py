"""The person forms in Chinese, as a general-group clerk fills them on a tablet.

In zh-Hans the date pickers once carried 2026/12/02, which a browser drops:
"预计到达" looked empty and no arrival could be added.
"""

from datetime import date

from django.utils import timezone
from playwright.sync_api import expect

from rooms.models import Person, Room, Stay
from tests.browser.test_live_boards import TABLET, BrowserTestCase
from tests.factories import national_id


class PersonFormsInChineseTests(BrowserTestCase):
    def open_panel(self, page, link):
        page.get_by_role("link", name=link).click()
        form = page.locator("#panel form")
        form.wait_for()
        return form

    def test_a_clerk_adds_an_arrival_and_a_family_and_corrects_a_person(self):
        today = timezone.localdate().isoformat()
        tablet = self.open_as(self.clerk, "/general/", TABLET)
        self.assertEqual(tablet.locator("html").get_attribute("lang"), "zh-hans")

        # One arrival: the expected date is filled in, and the browser keeps it.
        form = self.open_panel(tablet, "添加待入住人员")
        self.assertEqual(form.locator("input[name=expected_on]").input_value(), today)
        form.locator("input[name=name]").fill("陈建国")
        form.locator("input[name=national_id]").fill(national_id(date(1961, 3, 9)))
        form.locator("select[name=sex]").select_option(Person.Sex.MALE)
        self.screenshot(tablet, "person-new-zh-tablet")
        form.get_by_role("button", name="加入待入住名单").click()
        tablet.locator("#panel .done").wait_for()
        arrival = Person.objects.get(name="陈建国")
        self.assertEqual((arrival.birth_date, arrival.expected_on.isoformat()), (date(1961, 3, 9), today))
        tablet.locator(f"#arrival-{arrival.pk}").wait_for()
        tablet.locator("#panel [data-close-panel]").click()

        # A family of two arriving together.
        form = self.open_panel(tablet, "添加家庭")
        form.locator("input[name=household]").fill("王家 幸福路3号")
        for index, (name, birth, sex) in enumerate(
            [("王丽", date(1993, 5, 20), Person.Sex.FEMALE), ("王小宝", date(2025, 8, 1), Person.Sex.MALE)]
        ):
            self.assertEqual(form.locator(f"input[name=member-{index}-expected_on]").input_value(), today)
            form.locator(f"input[name=member-{index}-name]").fill(name)
            form.locator(f"input[name=member-{index}-national_id]").fill(
                national_id(birth, male=sex == Person.Sex.MALE)
            )
            form.locator(f"select[name=member-{index}-sex]").select_option(sex)
        form.get_by_role("button", name="将家庭加入待入住名单").click()
        tablet.locator("#panel .done").wait_for()
        family = Person.objects.filter(household="王家 幸福路3号").order_by("birth_date")
        self.assertEqual([person.name for person in family], ["王丽", "王小宝"])

        # The family checks in together, to one room, from the arrivals list.
        family_room = Room.objects.create(site=self.site, number="120", floor=1, capacity=2)
        tablet.locator("#panel [data-close-panel]").click()
        baby = family[1]
        tablet.locator(f"#arrival-{baby.pk}").get_by_role("link", name="入住", exact=True).click()
        panel = tablet.locator("#panel")
        expect(panel.get_by_label("家人一起入住")).to_be_checked()
        expect(panel).to_contain_text("王丽 同时入住同一房间")
        expect(panel).to_contain_text("建议房间 120")
        self.screenshot(tablet, "check-in-family-tablet")
        tablet.set_viewport_size({"width": 1920, "height": 1080})
        self.screenshot(tablet, "check-in-family-wall")
        tablet.set_viewport_size(TABLET)
        panel.get_by_role("button", name="入住", exact=True).click()
        expect(panel).to_contain_text("王小宝、王丽已一起入住120房间")
        self.assertEqual(
            set(Stay.objects.filter(person__in=family, ended_at=None).values_list("room_id", flat=True)),
            {family_room.pk},
        )
        expect(tablet.locator(f"#arrival-{baby.pk}")).to_have_count(0)

        # Correcting a person: the dates are shown, and a save keeps them.
        tablet.goto(f"{self.live_server_url}/people/{self.person.pk}/")
        form = self.open_panel(tablet, "更正信息")
        self.assertEqual(form.locator("input[name=birth_date]").input_value(), self.person.birth_date.isoformat())
        form.locator("select[name=diet]").select_option(Person.Diet.SOFT)
        self.screenshot(tablet, "person-edit-zh-tablet")
        form.get_by_role("button", name="保存").click()
        tablet.locator("#panel .done").wait_for()
        self.assertIn("已保存", tablet.locator("#panel .done").inner_text())
        person = Person.objects.get(pk=self.person.pk)
        self.assertEqual((person.diet, person.birth_date), (Person.Diet.SOFT, self.person.birth_date))


class RoomListOfAHotelTests(BrowserTestCase):
    def test_typing_a_room_number_narrows_a_long_list_of_rooms(self):
        """A site of a few hundred rooms: the check-in's list of rooms gets a box; "5" keeps floor 5's rooms."""
        Room.objects.bulk_create(
            Room(site=self.site, floor=floor, number=f"{floor}{n:02d}", capacity=1)
            for floor in range(3, 9)
            for n in range(1, 31)
        )
        tablet = self.open_as(self.clerk, "/general/", TABLET)
        tablet.locator(f"#arrival-{self.person.pk}").get_by_role("link", name="入住").click()
        form = tablet.locator("#panel form")
        form.wait_for()
        box = form.locator("input.select-filter")
        expect(box).to_have_attribute("placeholder", "输入房号筛选")
        rooms = form.locator("select[name=room] option[value]:not([value=''])")
        self.assertGreater(rooms.count(), 150)
        box.fill("5")
        expect(rooms).to_have_count(30)
        self.assertTrue(all(text.startswith("5") for text in rooms.all_inner_texts()))
        box.fill("517")
        expect(rooms).to_have_count(1)
        room = Room.objects.get(site=self.site, number="517")
        self.assertEqual(form.locator("select[name=room]").input_value(), str(room.pk))
        self.screenshot(tablet, "check-in-room-typed-tablet")
        form.get_by_role("button", name="入住").click()
        tablet.locator("#panel .done").wait_for()
        self.assertEqual(Stay.objects.get(person=self.person).room, room)
