"""The real browser: two nurses on the same floor's health round. One records
a check; the other's page shows it without a reload, and what she was typing
in another row (a half-typed temperature, ticked symptoms) stays as it was."""

import re

from django.utils import timezone
from playwright.sync_api import expect

from groups.medical import services as medical
from groups.medical.models import HealthCheck
from rooms import services
from rooms.roles import Role
from tests.browser.test_live_boards import TABLET, BrowserTestCase
from tests.factories import make_person, make_user

ROUND = "/medical/health-round/?floor=1&round=am"


class HealthRoundLiveTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        self.second_nurse = make_user(
            "nurse2", self.site, Role.MEDICAL, first_name="丽", last_name="王", password=self.password
        )
        self.neighbour = make_person(self.site, name="周建国")
        self.elsewhere(services.stay_check_in, person=self.person, room=self.room, by=self.clerk)
        self.elsewhere(services.stay_check_in, person=self.neighbour, room=self.rooms[1], by=self.clerk)

    def chip(self, page, person, value):
        return page.locator(f"#hr-{person.pk} label.chip", has=page.locator(f"input[value={value}]"))

    def assert_kept(self, page, person):
        """What nurse B had typed and ticked in her row is there, and she is still typing in it."""
        row = f"#hr-{person.pk}"
        expect(page.locator(f"{row} input[name$=temperature]")).to_have_value("37.")
        expect(page.locator(f"{row} input[value=cough]")).to_be_checked()
        expect(page.locator(f"{row} input[value=fatigue]")).to_be_checked()
        expect(page.locator(f"{row} input[value=sore_throat]")).not_to_be_checked()
        self.assertEqual(page.evaluate("document.activeElement.id"), f"id_hc-{person.pk}-temperature")

    def test_a_check_recorded_by_one_nurse_shows_on_the_others_round_while_her_typing_stays(self):
        nurse_a = self.open_as(self.nurse, ROUND, TABLET)
        nurse_b = self.open_as(self.second_nurse, ROUND, TABLET)
        expect(nurse_b.locator("h1")).to_contain_text("健康监测")

        # Nurse B is in the middle of 周建国's row: two symptoms ticked, the temperature half typed.
        self.chip(nurse_b, self.neighbour, "cough").click()
        self.chip(nurse_b, self.neighbour, "fatigue").click()
        nurse_b.locator(f"#id_hc-{self.neighbour.pk}-temperature").click()
        nurse_b.keyboard.type("37.")

        # Nurse A records 李秀英 on her tablet.
        nurse_a.fill(f"#id_hc-{self.person.pk}-temperature", "38.5")
        self.chip(nurse_a, self.person, "sore_throat").click()
        nurse_a.get_by_role("button", name="保存1层监测").click()
        nurse_a.wait_for_url("**/medical/?floor=1")

        # Nurse B sees it without a reload, and her row is as she left it.
        row = nurse_b.locator(f"#hr-{self.person.pk}")
        expect(row.locator(".tag.recorded")).to_contain_text("已记录")
        expect(row.locator("input[name$=temperature]")).to_have_value("38.5")
        expect(row.locator("input[value=sore_throat]")).to_be_checked()
        self.assert_kept(nurse_b, self.neighbour)
        self.assert_not_reloaded(nurse_b)

        # Someone checks in on the floor: a new row appears, and her row stays too.
        arrival = make_person(self.site, name="王芳")
        self.elsewhere(services.stay_check_in, person=arrival, room=self.rooms[2], by=self.clerk)
        expect(nurse_b.locator(f"#hr-{arrival.pk}")).to_contain_text("王芳")
        self.assert_kept(nurse_b, self.neighbour)
        self.screenshot(nurse_b, "health-round-live-zh-tablet")

        # She finishes the temperature and saves: her row is recorded as she typed it, and nobody else's changes.
        nurse_b.keyboard.type("2")
        nurse_b.get_by_role("button", name="保存1层监测").click()
        nurse_b.wait_for_url("**/medical/?floor=1")
        theirs = HealthCheck.objects.get(person=self.neighbour, day=timezone.localdate(), round="am")
        self.assertEqual((str(theirs.temperature), theirs.symptoms), ("37.2", ["cough", "fatigue"]))
        self.assertEqual(theirs.recorded_by, self.second_nurse)
        ours = HealthCheck.objects.get(person=self.person, round="am")
        self.assertEqual((str(ours.temperature), ours.recorded_by), ("38.5", self.nurse))
        self.assertFalse(HealthCheck.objects.filter(person=arrival).exists())

    def test_a_row_recorded_elsewhere_while_she_fills_it_in_says_so_and_is_not_overwritten(self):
        nurse_b = self.open_as(self.second_nurse, ROUND, TABLET)
        nurse_b.locator(f"#id_hc-{self.person.pk}-temperature").fill("36.6")
        self.elsewhere(
            medical.health_round_record,
            site=self.site,
            day=timezone.localdate(),
            round="am",
            entries=[{"person": self.person, "temperature": "38.1"}],
            by=self.nurse,
        )
        row = nurse_b.locator(f"#hr-{self.person.pk}")
        expect(row.locator("[data-changed-note]")).to_be_visible()
        expect(row.locator("input[name$=temperature]")).to_have_value("36.6")
        self.screenshot(nurse_b, "health-round-changed-elsewhere-zh-tablet")
        nurse_b.get_by_role("button", name="保存1层监测").click()
        expect(nurse_b.locator("main [role=alert]").first).to_be_visible()  # the refusal, in the form
        self.assertEqual(str(HealthCheck.objects.get(person=self.person).temperature), "38.1")

    def test_a_refused_save_keeps_every_row_typed_once_the_page_is_live_again(self):
        page = self.open_as(self.nurse, ROUND, TABLET)
        page.fill(f"#id_hc-{self.person.pk}-temperature", "38.4")
        self.chip(page, self.person, "cough").click()
        page.fill(f"#id_hc-{self.neighbour.pk}-temperature", "3.65")  # two decimals: refused
        page.get_by_role("button", name="保存1层监测").click()
        page.locator(f"#hr-{self.neighbour.pk}.invalid").wait_for()
        # The page after the refusal opens its socket, and its snapshot comes in: the rows stay as typed.
        self.wait_live(page)
        page.wait_for_timeout(1500)  # a heartbeat (1 s here) and its answer
        expect(page.locator(f"#id_hc-{self.person.pk}-temperature")).to_have_value("38.4")
        expect(page.locator(f"#hr-{self.person.pk} input[value=cough]")).to_be_checked()
        expect(page.locator(f"#id_hc-{self.neighbour.pk}-temperature")).to_have_value("3.65")
        expect(page.locator(f"#hr-{self.neighbour.pk} .error")).to_be_visible()
        self.screenshot(page, "health-round-refused-tablet")
        self.assertFalse(HealthCheck.objects.exists())
        # Corrected, the whole floor is recorded: the fever too.
        page.fill(f"#id_hc-{self.neighbour.pk}-temperature", "36.5")
        page.get_by_role("button", name="保存1层监测").click()
        page.wait_for_url("**/medical/?floor=1")
        self.assertEqual(HealthCheck.objects.count(), 2)
        self.assertEqual(str(HealthCheck.objects.get(person=self.person).temperature), "38.4")

    def typed_when_the_login_ends(self):
        """She types 李秀英's row, her login ends (a log out in another tab), the login says the round is kept."""
        page = self.open_as(self.nurse, ROUND, TABLET)
        page.fill(f"#id_hc-{self.person.pk}-temperature", "38.2")
        self.chip(page, self.person, "cough").click()
        self.log_out_elsewhere(page, "/medical/")
        expect(page.locator("#drafts-kept")).to_be_visible()
        return page

    def log_in_again(self, page):
        self.log_in(page, self.nurse, re.escape(ROUND) + "$")
        self.wait_live(page)
        expect(page.locator("form.health-round .draft-restored")).to_contain_text("登录结束前您输入但尚未提交")

    def test_a_round_typed_when_the_login_ends_comes_back_after_logging_in_again(self):
        page = self.typed_when_the_login_ends()
        self.log_in_again(page)
        # The row is as she left it, and a snapshot that follows leaves it alone.
        page.wait_for_timeout(1500)  # a heartbeat (1 s here) and its answer
        expect(page.locator(f"#id_hc-{self.person.pk}-temperature")).to_have_value("38.2")
        expect(page.locator(f"#hr-{self.person.pk} input[value=cough]")).to_be_checked()
        expect(page.locator(f"#id_hc-{self.neighbour.pk}-temperature")).to_have_value("")
        self.screenshot(page, "health-round-typed-words-back-tablet")
        page.get_by_role("button", name="保存1层监测").click()
        page.wait_for_url("**/medical/?floor=1")
        check = HealthCheck.objects.get(person=self.person, round="am")
        self.assertEqual((str(check.temperature), check.symptoms, check.recorded_by), ("38.2", ["cough"], self.nurse))
        self.assertFalse(HealthCheck.objects.filter(person=self.neighbour).exists())

    def test_words_kept_over_a_login_do_not_overwrite_a_row_recorded_meanwhile(self):
        page = self.typed_when_the_login_ends()
        self.elsewhere(
            medical.health_round_record,
            site=self.site,
            day=timezone.localdate(),
            round="am",
            entries=[{"person": self.person, "temperature": "36.4"}],
            by=self.second_nurse,
        )
        self.log_in_again(page)
        # Her words are back with the version she typed them on: saving is refused, not an overwrite.
        expect(page.locator(f"#id_hc-{self.person.pk}-temperature")).to_have_value("38.2")
        page.get_by_role("button", name="保存1层监测").click()
        expect(page.locator("main [role=alert]").first).to_be_visible()
        check = HealthCheck.objects.get(person=self.person, round="am")
        self.assertEqual((str(check.temperature), check.recorded_by), ("36.4", self.second_nurse))
