"""The seed's transfer story in the real browser, on three screens side by side.

A general-group member asks on a tablet for a woman to be moved to her
relative's hospital; the site head approves it on the control screen; it is
arranged on the tablet and the escort marks it departed on the security
board. The control screen shows the room awaiting disinfection and every step
in the transfer log, and no screen is ever reloaded.
"""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from groups.transfers.models import Transfer
from rooms import services
from rooms.models import Room
from tests.browser import test_live_boards as live

pytestmark = live.pytestmark


class TransferStoryTests(live.BrowserTestCase):
    def test_a_transfer_from_request_to_departure_is_logged_live_on_the_control_screen(self):
        self.elsewhere(services.stay_check_in, person=self.person, room=self.room, by=self.clerk)
        control = self.open_as(self.head, "/control/", live.WALL)
        tablet = self.open_as(self.clerk, "/transfers/", live.TABLET)
        escort = self.open_as(self.guard, "/transfers/escorts/", live.TABLET)
        # The guards' own board: each step reaches its escorts section (the part alone).
        guards = self.open_as(self.guard, "/security/", live.TABLET)

        # 1. The request, on the general group's tablet.
        tablet.get_by_role("link", name="申请转运").click()
        form = tablet.locator("#panel form")
        form.wait_for()
        form.locator("select[name=person]").select_option(str(self.person.pk))
        form.get_by_label("亲属所在医院").check()
        form.locator("input[name=destination_name]").fill("女儿所在方舱医院")
        form.locator("input[name=destination_contact]").fill("区隔离办")
        form.locator("textarea[name=reason]").fill("女儿是聋哑人,独自在方舱医院;希望转去照顾她")
        self.screenshot(tablet, "transfer-request-tablet")
        form.get_by_role("button", name="提交转运申请").click()
        tablet.locator("#panel .done").wait_for()
        transfer = Transfer.objects.get()
        tablet.locator(f"#column-requested #transfer-{transfer.pk}").wait_for()

        # 2. It reaches the site head at once, who approves it in place.
        approval = control.locator(f"#approval-{transfer.pk}")
        approval.wait_for()
        self.screenshot(control, "transfer-approval-wall")
        approval.get_by_role("button", name="批准").click()
        control.locator("#panel .done").wait_for()
        control.locator("#panel [data-close-panel]").click()
        # ...and the approval reaches the requester's tablet at once, and leaves
        # the site head's list. Each screen has its own socket and message: the
        # tablet's arriving first says nothing of when the control screen's does.
        tablet.locator(f"#column-approved #transfer-{transfer.pk}").wait_for()
        expect(control.locator(f"#approval-{transfer.pk}")).to_have_count(0, timeout=10_000)

        # 3. Arranged on the tablet: the bed confirmed, the vehicle and escort booked.
        tablet.locator("#panel [data-close-panel]").click()
        tablet.locator(f"#transfer-{transfer.pk}").get_by_role("link", name="安排转运").click()
        form = tablet.locator("#panel form")
        form.wait_for()
        form.locator("input[name=confirmed_with]").fill("区隔离办 周韬")
        form.locator("input[name=vehicle_plate]").fill("渝AD1234")
        form.locator("input[name=driver_name]").fill("刘师傅")
        form.locator("input[name=driver_phone]").fill("17000005678")
        form.locator("input[name=escort]").fill("吴刚")
        leaves = timezone.localtime() + timedelta(minutes=30)
        form.locator("input[name=planned_departure_at]").fill(leaves.strftime("%Y-%m-%dT%H:%M"))
        form.get_by_role("button", name="安排转运").click()
        tablet.locator("#panel .done").wait_for()

        # 4. The escort sees it to escort and marks it departed.
        card = escort.locator(f"#column-arranged #transfer-{transfer.pk}")
        card.wait_for()
        self.screenshot(escort, "transfer-escorts-tablet")
        card.get_by_role("link", name="登记出发").click()
        form = escort.locator("#panel form")
        form.wait_for()
        form.get_by_role("button", name="登记出发").click()
        escort.locator("#panel .done").wait_for()

        # 5. The control screen: the room awaits disinfection, the log has every step.
        control.wait_for_selector(f"#room-{self.room.pk}[data-status=awaiting_disinfection]")
        expect(control.locator("#transfer-log li[data-action]")).to_have_count(4)
        steps = control.locator("#transfer-log li[data-action]").evaluate_all("els => els.map(e => e.dataset.action)")
        self.assertEqual(steps, ["transfer.departed", "transfer.arranged", "transfer.approved", "transfer.requested"])
        log = control.locator("#transfer-log").inner_text()
        for who in ("张露匀", "周宁", "吴刚"):
            self.assertIn(who, log)
        self.assertEqual(Room.objects.get(pk=self.room.pk).status, Room.Status.AWAITING_DISINFECTION)
        tablet.locator(f"#column-departed #transfer-{transfer.pk}").wait_for()
        guards.locator("#escorts .status-pill.tr-departed").wait_for()
        expect(guards.locator("#escorts h2 small")).to_have_text("1")
        self.assertIn("渝AD1234", guards.locator("#escorts").inner_text())
        for page in (control, tablet, escort, guards):
            self.assert_not_reloaded(page)
        self.screenshot(control, "transfer-log-wall")
        self.screenshot(tablet, "transfer-board-tablet")


class TransferPageLinkTests(live.BrowserTestCase):
    def test_the_nurse_opens_the_persons_medical_page_and_is_not_shown_the_room_page(self):
        """The transfer page is one page for the site head, the general and the
        medical group; its links to the person and the room are theirs: the
        nurse's goes to the person's medical page, and the room page, which
        the medical group may not open, is not a link for them."""
        transfer = self.transfer_requested("复查")
        for user, person_href, room_linked in (
            (self.nurse, f"/medical/people/{self.person.pk}/", False),
            (self.clerk, f"/people/{self.person.pk}/", True),
        ):
            with self.subTest(user.username):
                page = self.open_as(user, f"/transfers/{transfer.pk}/", live.TABLET)
                facts = page.locator("#transfer-body .facts")
                name = facts.get_by_role("link", name=self.person.name)
                expect(name).to_have_count(1)
                expect(name).to_have_attribute("href", person_href)
                expect(facts.get_by_role("link", name=self.room.number)).to_have_count(1 if room_linked else 0)
                # The number is shown either way, once.
                expect(facts.get_by_text(self.room.number, exact=True).locator("visible=true")).to_have_count(1)
                if user == self.nurse:
                    name.click()
                    page.wait_for_url(f"**{person_href}")
                    expect(page.get_by_role("heading", name=self.person.name).first).to_be_visible()
