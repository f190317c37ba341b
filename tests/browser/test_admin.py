"""The admin works under the site's Content-Security-Policy (site set-up and staff accounts)."""

from django.contrib.auth.models import User
from playwright.sync_api import expect

from tests.browser.test_live_boards import TABLET, WALL, BrowserTestCase


class AdminUnderCSPTests(BrowserTestCase):
    def test_the_admins_set_up_pages_run_with_no_policy_violation(self):
        User.objects.filter(pk=self.head.pk).update(is_staff=True, is_superuser=True)
        page = self.open_as(self.head, "/control/", WALL)
        for path in (
            "/admin/",
            "/admin/rooms/room/",
            "/admin/rooms/room/add/",
            f"/admin/auth/user/{self.clerk.pk}/change/",
            "/admin/medical/testprotocol/add/",
        ):
            with self.subTest(path=path):
                response = page.goto(self.live_server_url + path)
                self.assertEqual(response.status, 200)
                page.wait_for_load_state("load")
                self.assertEqual(page.evaluate("window.__csp"), [])

    def test_the_staff_page_reads_in_chinese_its_two_box_selectors_included(self):
        """A login's roles and permissions: the selectors' words come from the
        JavaScript catalogue (locale/zh_Hans/LC_MESSAGES/djangojs.po), the
        roles and permissions in words, not keys (rooms/admin.py)."""
        User.objects.filter(pk=self.head.pk).update(is_staff=True, is_superuser=True)
        page = self.open_as(self.head, "/control/", WALL)
        page.goto(f"{self.live_server_url}/admin/auth/user/{self.clerk.pk}/change/")
        chosen = page.locator("#id_groups_to")
        chosen.wait_for()
        expect(chosen.locator("option")).to_have_text(["综合组"])
        expect(page.locator(".selector-chooseall")).to_have_count(2)
        expect(page.locator(".selector-chooseall").first).to_contain_text("全选")
        body = page.locator("#content").inner_text()
        for english in ("Choose all", "by selecting them", "Can view", "general"):
            self.assertNotIn(english, body)


class RoomsFloorByFloorTests(BrowserTestCase):
    def test_the_site_head_adds_three_floors_and_the_open_control_screen_shows_them(self):
        """From the control screen's "admin" link: the rooms list, "add rooms floor by
        floor", a preview, then the rooms, on the wall display left open, not reloaded."""
        User.objects.filter(pk=self.head.pk).update(is_staff=True, is_superuser=True)
        wall = self.open_as(self.head, "/control/", WALL)
        self.assertEqual(wall.locator("#room-grid [data-status]").count(), 10)
        page = self.open_as(self.head, "/control/", TABLET)
        page.get_by_role("link", name="管理后台").click()
        page.locator("#rooms-room a").click()
        page.get_by_role("link", name="按楼层批量添加房间").click()
        floors = (("floor_from", "3"), ("floor_to", "5"), ("last", "12"), ("skip", "304"))
        for field, value in (*floors, ("capacity", "2")):
            page.fill(f"#id_{field}", value)
        page.get_by_role("button", name="预览").click()
        expect(page.locator("#rooms-preview h2")).to_have_text("将添加 35 间房 · 每间 2 张床 · 测试隔离点")
        expect(page.locator("#rooms-preview tbody tr").first).to_contain_text("301-303、305-312")
        expect(page.locator("#rooms-skipped")).to_have_text("跳过：304")
        self.screenshot(page, "admin-rooms-preview-tablet")
        page.get_by_role("button", name="添加这 35 间房").click()
        expect(page.locator(".messagelist")).to_contain_text("已在 3 至 5 层添加 35 间房")
        expect(wall.locator("#room-grid [data-status]")).to_have_count(45)
        expect(wall.locator("#room-grid")).to_contain_text("512")
        self.assert_not_reloaded(wall)
        self.screenshot(wall, "control-after-rooms-added-wall")
        # The same floors again add nothing, and say why.
        page.get_by_role("link", name="按楼层批量添加房间").click()
        for field, value in floors:
            page.fill(f"#id_{field}", value)
        page.get_by_role("button", name="预览").click()
        expect(page.locator(".errornote")).to_contain_text("未添加任何房间")
        expect(page.locator(".errorlist")).to_contain_text("其中 35 间房已经存在")
        self.screenshot(page, "admin-rooms-refused-tablet")
