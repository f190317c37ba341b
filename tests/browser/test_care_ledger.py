"""The real browser, in Chinese: a nurse opens the care ledger from the medical
board on a tablet and records a follow-up in a couple of taps; the site head's
control screen counts one follow-up fewer without a reload."""

from django.utils import timezone
from playwright.sync_api import expect

from groups.medical import services as medical
from groups.medical.care_models import CareFollowUp, years_before
from rooms import services
from tests.browser.test_live_boards import TABLET, WALL, BrowserTestCase
from tests.factories import make_person


class CareLedgerBrowserTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        self.old = make_person(
            self.site, name="王秀珍", birth_date=years_before(timezone.localdate(), 78), special_needs=["hearing"]
        )
        self.elsewhere(services.stay_check_in, person=self.old, room=self.room, by=self.clerk)
        self.elsewhere(
            medical.care_plan_save,
            person=self.old,
            by=self.nurse,
            data={"how_to_talk": "听障：写字交流，不要喊话", "door_note": "敲门后稍等", "responsible": self.nurse},
        )

    def test_a_nurse_records_a_follow_up_from_the_ledger_reached_from_the_medical_board(self):
        control = self.open_as(self.head, "/control/", WALL)
        expect(control.locator("[data-counter=care-due-today]")).to_have_text("1")

        tablet = self.open_as(self.nurse, "/medical/?floor=1", TABLET)
        self.assertEqual(tablet.locator("html").get_attribute("lang"), "zh-hans")
        tablet.locator("#care-ledger-link").click()
        tablet.wait_for_url("**/medical/care/")
        self.wait_live(tablet)
        row = tablet.locator(f"#care-row-{self.old.pk}")
        expect(row).to_have_attribute("data-due", "1")
        self.assertIn("王秀珍", row.inner_text())
        self.assertIn("听障：写字交流，不要喊话", row.inner_text())

        # 一测二问三看: the temperature, one question, and "not eating" unticked.
        tablet.fill(f"#care-temp-{self.old.pk}", "36.7")
        tablet.fill(f"#care-asked-{self.old.pk}", "饭菜合口味吗")
        row.locator("input[name=fed]").uncheck()
        row.locator("form.care-follow-up button[type=submit]").click()
        tablet.wait_for_selector(f"#care-row-{self.old.pk}[data-due='0']")
        # The form is empty again: what was sent is not offered a second time.
        expect(tablet.locator(f"#care-temp-{self.old.pk}")).to_have_value("")
        expect(row.locator("input[name=fed]")).to_be_checked()
        self.screenshot(tablet, "care-ledger-follow-up-tablet")

        (follow_up,) = CareFollowUp.objects.all()
        self.assertEqual((str(follow_up.temperature), follow_up.fed, follow_up.warm), ("36.7", False, True))
        self.assertEqual(follow_up.by, self.nurse)
        self.assertEqual(follow_up.day, timezone.localdate())
        expect(control.locator("[data-counter=care-due-today]")).to_have_text("0")
        self.assert_not_reloaded(control)
