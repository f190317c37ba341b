"""The real browser: a nurse marks a result positive on a tablet, and the site
head's control screen shows the alert and the sealed room without a reload."""

from playwright.sync_api import expect

from groups.medical import services as medical
from groups.medical.models import Alert, Sample
from rooms import services
from rooms.models import Room
from tests.browser.test_live_boards import TABLET, WALL, BrowserTestCase


class PositiveResultLiveTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        stay = self.elsewhere(services.stay_check_in, person=self.person, room=self.room, by=self.clerk)
        sample = Sample.objects.get(stay=stay, day=1)
        self.sample = self.elsewhere(medical.sample_collect, sample=sample, by=self.nurse, barcode="HX0001")

    def test_a_positive_on_the_tablet_alerts_the_control_screen_and_seals_the_room(self):
        control = self.open_as(self.head, "/control/", WALL)
        cell = control.locator(f"#room-{self.room.pk}")
        self.assertEqual(cell.get_attribute("data-status"), "occupied")
        # The site head mutes the alarm sound; the choice is kept in this browser.
        control.locator("[data-alert-mute]").click()
        self.assertEqual(control.evaluate("localStorage.getItem('site-ops.alert-sound')"), "muted")

        tablet = self.open_as(self.nurse, "/medical/?floor=1", TABLET)
        row = tablet.locator(f"#sample-{self.sample.pk}")
        self.assertIn("HX0001", row.inner_text())
        tablet.once("dialog", lambda dialog: dialog.accept())
        row.get_by_role("button", name="阳性").click()
        tablet.wait_for_selector(f"#med-room-{self.room.pk}[data-status=sealed]")
        tablet.wait_for_selector("#alerts [data-alert-urgent]")
        self.screenshot(tablet, "medical-board-positive-tablet")

        control.wait_for_selector(f"#room-{self.room.pk}[data-status=sealed]")
        control.wait_for_selector(f"#room-{self.room.pk} [data-test=positive]")
        alert = control.locator("#alerts [data-alert-urgent]")
        alert.wait_for()
        self.assertIn("李秀英", alert.inner_text())
        control.wait_for_selector("body[data-alarm=on][data-alert-sound=muted]")
        expect(control.locator("[data-counter=positives-today]")).to_have_text("1")
        self.assert_not_reloaded(control)
        self.assert_not_reloaded(tablet)
        self.screenshot(control, "control-screen-positive-wall")

        # The site head acknowledges: the alarm stops on both screens.
        alert.get_by_role("button", name="确认").click()
        control.wait_for_selector("body[data-alarm=off]")
        tablet.wait_for_selector("body[data-alarm=off]")
        self.assertEqual(Alert.objects.get().acknowledged_by, self.head)
        self.assertEqual(Room.objects.get(pk=self.room.pk).status, Room.Status.SEALED)
        self.assert_not_reloaded(control)


class SampleRowTests(BrowserTestCase):
    def test_a_tube_barcode_and_the_days_show_whole_on_a_tablet(self):
        self.elsewhere(services.stay_check_in, person=self.person, room=self.room, by=self.clerk)
        for viewport in (TABLET, {"width": 768, "height": 1024}):
            page = self.open_as(self.nurse, f"/medical/people/{self.person.pk}/", viewport, live=False)
            field = page.locator("input.barcode")
            field.fill("HXS2212040312")  # 13 characters, as a lab's labels print them
            self.assertEqual(*field.evaluate("e => [e.scrollWidth, e.clientWidth]"))
            # Dates never break at their hyphen ("12-" above "04").
            for when in page.locator(".samples-table .when").all():
                self.assertLess(when.evaluate("e => e.getClientRects().length"), 2, when.inner_text())
                self.assertLess(when.bounding_box()["height"], 30, when.inner_text())
        page.get_by_role("button", name="登记采样").click()
        expect(page.locator(".samples-table")).to_contain_text("HXS2212040312")
