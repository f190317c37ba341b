"""The district isolation office in the browser, in Chinese: two sites live, a
transfer between them confirmed, and the receiving site's general board shows
the arrival without a reload."""

from playwright.sync_api import expect

from groups.transfers import services as transfer_services
from groups.transfers.models import Transfer
from rooms import services
from rooms.models import Person
from tests.browser.test_live_boards import TABLET, WALL, BrowserTestCase
from tests.test_district import make_district
from tests.test_transfers import move_arguments


class DistrictBrowserTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        make_district(self)
        self.officer.set_password(self.password)
        self.officer.save()
        self.other_clerk.set_password(self.password)
        self.other_clerk.save()
        services.stay_check_in(person=self.person, room=self.room, by=self.clerk)

    def test_the_office_watches_two_sites_and_confirms_a_transfer_the_receiving_site_sees_live(self):
        overview = self.open_as(self.officer, "/district/", WALL)
        here = overview.locator(f"#district-site-{self.site.pk}")
        there = overview.locator(f"#district-site-{self.other.pk}")
        self.assertEqual(here.locator("[data-figure=in-isolation]").inner_text(), "1")
        self.assertEqual(there.locator("[data-figure=expected]").inner_text(), "0")
        office = self.open_as(self.officer, "/district/transfers/", WALL)
        receiving = self.open_as(self.other_clerk, "/general/", TABLET)
        sending = self.open_as(self.clerk, "/transfers/", TABLET)

        # The sending site asks for the transfer: it reaches the office's board and the overview as it is requested.
        transfer = self.elsewhere(
            transfer_services.transfer_request,
            person=Person.objects.get(pk=self.person.pk),
            by=self.clerk,
            reason="家属在第二隔离点，申请同住照顾",
            destination_type=Transfer.Destination.OTHER_SITE,
        )
        card = office.locator(f"#office-transfer-{transfer.pk}")
        card.wait_for()
        self.assertIn("李秀英", card.inner_text())
        self.assertNotIn(self.person.national_id, card.inner_text())
        overview.wait_for_selector(f"#district-site-{self.site.pk} [data-figure=office-transfers]")
        self.screenshot(overview, "district-overview-wall")
        self.screenshot(office, "district-transfers-wall")

        # The office confirms the room at the other site.
        card.locator(f"a[href='/district/transfers/{transfer.pk}/confirm/']").click()
        form = office.locator("#panel form")
        form.wait_for()
        form.locator("select[name=receiving_room]").select_option(str(self.other_rooms[0].pk))
        form.locator("button[type=submit]").click()
        office.locator("#panel .done").wait_for()
        office.wait_for_selector(f"#office-confirmed #office-transfer-{transfer.pk}")

        # The sending site's transfer board follows live.
        sending.wait_for_selector(f"#transfer-{transfer.pk} [data-office=confirmed]")
        self.assert_not_reloaded(sending)

        # The receiving site's general board lists the arrival, with no reload.
        arrival = Person.objects.get(site=self.other, status=Person.Status.EXPECTED)
        receiving.wait_for_selector(f"#arrival-{arrival.pk}")
        self.assertIn("李秀英", receiving.locator(f"#arrival-{arrival.pk}").inner_text())
        self.assert_not_reloaded(receiving)
        # And the overview's row of the receiving site moved on live.
        overview.wait_for_selector(f"#district-site-{self.other.pk} [data-figure=expected]:text('1')")
        self.assert_not_reloaded(overview)
        self.assert_not_reloaded(office)
        self.screenshot(receiving, "district-arrival-general-tablet")

        # The sending site sends them off; the receiving clerk checks them in from the board.
        transfer = Transfer.objects.get(pk=transfer.pk)
        transfer = self.elsewhere(transfer_services.transfer_approve, transfer=transfer, by=self.head)
        transfer = self.elsewhere(
            transfer_services.transfer_arrange,
            transfer=transfer,
            by=self.clerk,
            **move_arguments(Transfer.State.ARRANGED),
        )
        self.elsewhere(transfer_services.transfer_depart, transfer=transfer, by=self.guard)
        receiving.locator(f"#arrival-{arrival.pk}").get_by_role("link", name="入住", exact=True).click()
        panel = receiving.locator("#panel")
        panel.get_by_label("房间").select_option(str(self.other_rooms[0].pk))
        panel.get_by_role("button", name="入住", exact=True).click()
        expect(panel).to_contain_text("李秀英")
        # The sending site's transfer board shows the arrival there at once, naming the receiver.
        received = sending.locator(f"#transfer-{transfer.pk} [data-received]")
        expect(received).to_contain_text("已在接收隔离点入住")
        expect(received).to_contain_text("第二隔离点")
        expect(office.locator(f"#office-transfer-{transfer.pk} [data-received]")).to_contain_text("王芳")
        self.assert_not_reloaded(sending)
        self.assert_not_reloaded(office)
        self.screenshot(sending, "transfer-received-tablet")
        sending.set_viewport_size(WALL)
        self.screenshot(sending, "transfer-received-wall")
        self.screenshot(office, "district-transfers-received-wall")

    def serious(self, page) -> list[str]:
        """axe-core's serious and critical findings on the page (as tests/browser/test_accessibility.py)."""
        from axe_playwright_python.sync_playwright import Axe

        found = Axe().run(page).response["violations"]
        return [
            f"{v['id']} ({v['impact']}): {node['target']}"
            for v in found
            if v["impact"] in ("serious", "critical")
            for node in v["nodes"]
        ]

    def test_the_office_pages_on_a_tablet_and_their_accessibility(self):
        transfer_services.transfer_request(
            person=Person.objects.get(pk=self.person.pk),
            by=self.clerk,
            reason="女儿在市第九人民医院工作，申请转往该院",
            destination_type=Transfer.Destination.RELATIVES_HOSPITAL,
            destination_name="重庆市第九人民医院",
        )
        overview = self.open_as(self.officer, "/district/", TABLET)
        self.screenshot(overview, "district-overview-tablet")
        office = self.open_as(self.officer, "/district/transfers/", TABLET)
        self.screenshot(office, "district-transfers-tablet")
        office.locator("#office-waiting a.button").click()
        office.locator("#panel form").wait_for()
        self.screenshot(office, "district-confirm-form-tablet")
        beds = self.open_as(self.officer, "/district/beds/?beds=3&elderly=on", WALL, live=False)
        self.screenshot(beds, "district-beds-wall")
        site = self.open_as(self.officer, f"/district/sites/{self.site.pk}/", WALL, live=False)
        self.assertEqual(site.locator("#room-grid form").count(), 0)
        self.screenshot(site, "district-site-read-only-wall")
        # The day's report the site head submitted: from the office's own screens to the report as sent.
        from django.utils import timezone

        from groups.control import report

        with self.settings(LANGUAGE_CODE="zh-hans"):  # a site in Chinese: its report is kept in Chinese
            first = report.report_submit(site=self.site, day=timezone.localdate(), by=self.head)
            # Sent again later in the day: the office reads the second, and may open the first.
            report.report_submit(site=self.site, day=first.day, by=self.head, replaces=first.version)
        reports = self.open_as(self.officer, "/district/", TABLET, live=False)
        reports.locator(".topbar").get_by_role("link", name="各隔离点日报").click()
        reports.locator(f"td[data-site='{self.site.pk}'] a").first.click()
        expect(reports.locator("h1")).to_contain_text(f"{self.site.name} · 日报")
        expect(reports.locator("[data-submitted]")).to_contain_text("周宁")
        expect(reports.locator("[data-submitted]")).to_contain_text("第 2 次上报")
        expect(reports.locator("nav.submissions")).to_contain_text("第 1 次")
        self.screenshot(reports, "district-report-tablet")
        reports.set_viewport_size(WALL)
        self.screenshot(reports, "district-report-wall")
        listing = self.open_as(self.officer, "/district/reports/", WALL, live=False)
        self.screenshot(listing, "district-reports-wall")
        problems = []
        for page in (overview, office, beds, site, reports, listing):
            problems += [f"{page.url}: {problem}" for problem in self.serious(page)]
        self.assertEqual(problems, [])
