"""The real browser, in Chinese: the site head opens the day's report from the control screen and submits it."""

from playwright.sync_api import expect

from groups.control.models import DailyReport
from rooms import services
from tests.browser.test_live_boards import TABLET, WALL, BrowserTestCase


class DailyReportBrowserTests(BrowserTestCase):
    def other_person(self):
        from tests.factories import make_person

        return make_person(self.site, name="王桂兰")

    def test_the_site_head_reads_and_submits_todays_report(self):
        self.elsewhere(services.stay_check_in, person=self.person, room=self.room, by=self.clerk)
        page = self.open_as(self.head, "/control/", WALL)
        page.get_by_role("link", name="日报").click()
        expect(page.locator("#report-people")).to_contain_text("在隔离人员")
        expect(page.locator("#report-people")).to_contain_text("合计")
        self.screenshot(page, "daily-report-wall")
        page.set_viewport_size(TABLET)
        self.screenshot(page, "daily-report-tablet")
        page.get_by_role("button", name="上报隔离办").click()
        expect(page.locator("[data-submitted]")).to_contain_text("已由")
        self.assertEqual(DailyReport.objects.get().submitted_by, self.head)
        # Later in the day (the office asked for the figures at 16:00): sent again, the first kept.
        self.elsewhere(services.stay_check_in, person=self.other_person(), room=self.rooms[1], by=self.clerk)
        page.reload()
        page.get_by_role("button", name="按当前数据重新上报").click()
        expect(page.locator("[data-submitted]")).to_contain_text("第 2 次上报")
        self.screenshot(page, "daily-report-submitted-again-tablet")
        self.assertEqual(list(DailyReport.objects.order_by("version").values_list("version", flat=True)), [1, 2])
