"""The real browser, in Chinese: two nurses hand over a shift (交接班).

The outgoing nurse hands over on her tablet with a note; the site head's
control screen shows the medical group handed over without a reload; the
incoming nurse, on her own tablet, sees the handover with the note and the
open list and acknowledges it, and the control screen follows.
"""

from datetime import datetime, timedelta

from django.utils import timezone
from playwright.sync_api import expect

from groups.medical.models import Alert
from rooms import services
from rooms.models import Handover, Shift, Stay
from rooms.roles import Role
from tests.browser.test_live_boards import TABLET, WALL, BrowserTestCase
from tests.factories import log_request, make_user

NOTE = "302 房老人夜间血压偏高，22:00 再量一次；硝苯地平已向药房申请。"


class ShiftHandoverTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        self.incoming = make_user(
            "nurse2", self.site, Role.MEDICAL, first_name="敏", last_name="黄", password=self.password
        )
        self.elsewhere(services.stay_check_in, person=self.person, room=self.room, by=self.clerk)
        stay = Stay.objects.get(person=self.person)
        Alert.objects.create(site=self.site, kind=Alert.Kind.FEVER, person=self.person, room=self.room)
        log_request(stay.person, self.nurse, "硝苯地平")
        # The server runs on the real clock: the medical shifts change in half an hour, so that the
        # handover given now may be acknowledged (from an hour before the change).
        soon = timezone.localtime() + timedelta(minutes=30)
        starts = soon.time().replace(second=0, microsecond=0)
        later = (datetime.combine(soon.date(), starts) + timedelta(hours=12)).time()
        Shift.objects.filter(site=self.site, group=Role.MEDICAL).delete()
        Shift.objects.create(site=self.site, group=Role.MEDICAL, name="夜班", starts=starts, ends=later)
        Shift.objects.create(site=self.site, group=Role.MEDICAL, name="白班", starts=later, ends=starts)

    def test_a_nurse_hands_over_and_the_next_one_acknowledges(self):
        control = self.open_as(self.head, "/control/", WALL)
        medical_row = control.locator("#handovers li[data-group=medical]")
        expect(medical_row).to_have_attribute("data-state", "open")

        outgoing = self.open_as(self.nurse, "/medical/", TABLET)
        outgoing.locator("#handover-medical a.button").click()
        panel = outgoing.locator("#panel")
        panel.locator("textarea[name=notes]").fill(NOTE)
        # The list the next shift gets, as it is now: the fever alert and the medicine.
        expect(panel.locator(".handover-lists")).to_contain_text("硝苯地平")
        self.screenshot(outgoing, "handover-form-tablet")
        panel.locator("button[type=submit]").click()
        panel.locator(".done").wait_for()

        # The control screen shows the medical group handed over, without a reload.
        expect(medical_row).to_have_attribute("data-state", "handed-over")
        expect(control.locator("#handovers li[data-group=general]")).to_have_attribute("data-state", "open")
        self.assert_not_reloaded(control)
        # With the medical group's longer line, the groups still read one a line, in their order.
        # Measured in the page in one step: a live swap of the list between listing the rows and
        # measuring each would leave a row detached, with no box.
        tops = control.locator("#handovers li[data-group]").evaluate_all(
            "rows => rows.map(row => row.getBoundingClientRect().top)"
        )
        self.assertEqual(len(tops), 5)
        self.assertEqual(tops, sorted(set(tops)), "a group's handover sits beside another's, out of order")
        self.screenshot(control, "handover-control-wall")
        # The outgoing nurse's own board shows it waiting.
        expect(outgoing.locator("#handover-medical .handover-item")).to_have_attribute("data-state", "waiting")
        # Another member of the group acknowledges it: the nurse is not offered her own.
        expect(outgoing.locator("#handover-medical form button[type=submit]")).to_be_hidden()
        self.screenshot(outgoing, "handover-waiting-tablet")

        incoming = self.open_as(self.incoming, "/medical/", TABLET)
        section = incoming.locator("#handover-medical")
        expect(section.locator(".handover-notes")).to_contain_text("22:00 再量一次")
        expect(section.locator(".handover-lists")).to_contain_text("硝苯地平")
        self.screenshot(incoming, "handover-incoming-tablet")
        # She reads to the end and takes over with the button at the bottom of her screen; the section,
        # shrunk to its result, is in view. (The form asks htmx to show its top, for tablets whose browser does
        # not anchor the scroll as Chromium does; Chromium keeps it in view either way, so this cannot tell.)
        button = section.locator("form button[type=submit]")
        button.evaluate("button => button.scrollIntoView({block: 'end'})")
        button.click()
        expect(incoming.locator("#handover-medical .handover-item")).to_have_attribute("data-state", "acknowledged")
        self.wait_until(
            incoming,
            "(() => { const top = document.querySelector('#handover-medical').getBoundingClientRect().top;"
            " return top >= 0 && top < innerHeight; })()",
        )

        expect(medical_row).to_have_attribute("data-state", "acknowledged")
        expect(outgoing.locator("#handover-medical .handover-item")).to_have_attribute("data-state", "acknowledged")
        self.screenshot(control, "handover-acknowledged-wall")
        for page in (control, outgoing, incoming):
            self.assert_not_reloaded(page)

        handover = Handover.objects.get(group=Role.MEDICAL)
        self.assertEqual((handover.handed_over_by, handover.acknowledged_by), (self.nurse, self.incoming))
        self.assertEqual(handover.notes, NOTE)
