"""The admin works under the site's Content-Security-Policy (site set-up and staff accounts)."""

from django.contrib.auth.models import User

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
