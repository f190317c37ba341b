"""The admin works under the site's Content-Security-Policy (site set-up and staff accounts)."""

from django.contrib.auth.models import User
from playwright.sync_api import expect

from tests.browser.test_live_boards import WALL, BrowserTestCase


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
