"""A day of requests in the real browser, in Chinese: a phone call from a room
becomes an urgent medicine request on a general-group tablet, the medical
board shows it at the top without a reload, a nurse resolves it with what
was handed over, and the control screen's resolved count goes up."""

from playwright.sync_api import expect

from rooms import requests as ledger
from rooms import services
from rooms.models import Request
from tests.browser import test_live_boards as live

pytestmark = live.pytestmark


class RequestStoryTests(live.BrowserTestCase):
    def test_an_urgent_medicine_request_from_a_phone_call_to_its_resolution(self):
        self.elsewhere(services.stay_check_in, person=self.person, room=self.room, by=self.clerk)
        # A request already open for the medical group, for today: the urgent one goes above it.
        self.elsewhere(
            ledger.request_log, site=self.site, room=self.room, by=self.clerk, kind="medicine", what="维生素C"
        )
        control = self.open_as(self.head, "/control/", live.WALL)
        medical = self.open_as(self.nurse, "/medical/?floor=1", live.TABLET)
        tablet = self.open_as(self.clerk, "/general/", live.TABLET)
        expect(control.locator("[data-counter=requests-resolved]")).to_have_text("0")

        # 1. The phone rings: room 101 needs her blood-pressure medicine now.
        tablet.get_by_role("link", name="登记诉求").first.click()
        form = tablet.locator("#panel form")
        form.wait_for()
        form.get_by_role("combobox", name="房间").fill(self.room.number)
        form.get_by_label("具体内容").fill("硝苯地平缓释片，降压药吃完了")
        form.get_by_text("药品", exact=True).click()
        form.get_by_text("紧急", exact=True).click()
        self.screenshot(tablet, "request-log-tablet")
        form.get_by_role("button", name="登记").click()
        expect(tablet.locator("#panel .done")).to_contain_text("医疗组")
        request = Request.objects.get(what__startswith="硝苯地平")
        self.assertEqual((request.group, request.urgency), ("medical", "urgent"))

        # 2. The medical board has it at the top at once; the control screen flags it.
        rows = medical.locator("#requests-medical li[data-urgency]")
        expect(rows.first).to_contain_text("硝苯地平缓释片")
        expect(rows).to_have_count(2)
        expect(control.locator("#pressing-requests")).to_contain_text("硝苯地平缓释片")
        self.screenshot(medical, "request-medical-board-tablet")

        # 3. A nurse resolves it with what was handed over.
        rows.first.get_by_role("link", name="办结").click()
        form = medical.locator("#panel form")
        form.wait_for()
        form.get_by_label("办理结果").fill("跑了三家药店买到，已送到房门口")
        form.get_by_text("药店购买", exact=True).click()
        form.get_by_label("金额（元）").fill("46")
        form.get_by_label("物品 1").fill("硝苯地平缓释片")
        form.locator("input[name=quantity_1]").fill("2")
        form.locator("input[name=unit_1]").fill("盒")
        self.screenshot(medical, "request-resolve-tablet")
        form.get_by_role("button", name="办结").click()
        medical.locator("#panel .done").wait_for()
        expect(rows).to_have_count(1)

        # 4. The control screen's figures move without a reload.
        expect(control.locator("[data-counter=requests-resolved]")).to_have_text("1")
        expect(control.locator("#pressing-requests")).not_to_contain_text("硝苯地平缓释片")
        self.screenshot(control, "request-control-wall")
        for page in (control, medical, tablet):
            self.assert_not_reloaded(page)
            self.assert_no_csp_violation(page)

        # 5. The day's ledger, reached from the general board, has it with its cost.
        tablet.locator("#panel [data-close-panel]").click()
        tablet.get_by_role("link", name="诉求台账").click()
        expect(tablet.locator("#ledger-kinds tr[data-kind=medicine]")).to_contain_text("46.00")
        expect(tablet.locator("#ledger-requests")).to_contain_text("2盒")
        self.screenshot(tablet, "request-ledger-tablet")
        tablet.set_viewport_size(live.WALL)
        self.screenshot(tablet, "request-ledger-wall")

    def test_the_ledger_in_english(self):
        page = self.open_as(self.clerk, "/requests/", live.TABLET, locale="en-GB", live=False)
        expect(page.locator("h1")).to_contain_text("Requests ledger")
        expect(page.locator("#ledger-kinds")).to_contain_text("daily supplies")
