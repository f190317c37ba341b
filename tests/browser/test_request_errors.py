"""A tablet's request that fails, in the real browser: the network gone, the
login ended, a page older than the login, the right gone, a proxy's error and
no answer at all. Each says so on the board, keeps what was typed and changes
nothing; once the cause is gone, sending again works."""

import re

from django.contrib.auth.models import Group

from rooms.models import AuditEvent, Person
from tests.browser.test_live_boards import TABLET, WALL, BrowserTestCase

REASON = "电话联系不上，家属说已去外地"


class RequestFailedTests(BrowserTestCase):
    def open_no_show(self):
        """The general board on a tablet, the not-arrived panel open for the expected person, a reason typed."""
        page = self.open_as(self.clerk, "/general/", TABLET)
        page.locator(f"#arrival-{self.person.pk}").get_by_role("link", name="未到").click()
        page.fill("#panel textarea, #panel input[name=reason]", REASON)
        return page

    def send(self, page):
        page.locator("#panel").get_by_role("button", name="登记为未到").click()

    def assert_failed(self, page, words, name):
        banner = page.locator("#request-failed")
        banner.wait_for()
        self.assertIn(words, banner.inner_text())
        self.screenshot(page, f"request-failed-{name}-tablet")
        # Nothing swapped in, what was typed still there, the button usable again, nothing recorded.
        self.assertEqual(page.locator("#panel input[name=reason], #panel textarea").input_value(), REASON)
        self.assertEqual(page.locator("#panel #id_username").count(), 0)
        self.assertTrue(page.locator("#panel").get_by_role("button", name="登记为未到").is_enabled())
        self.assertEqual(Person.objects.get(pk=self.person.pk).status, Person.Status.EXPECTED)
        self.assert_not_reloaded(page)
        return banner

    def assert_sent(self, page):
        page.locator("#panel .done").wait_for()
        self.assertTrue(page.locator("#request-failed").is_hidden())
        self.assertEqual(Person.objects.get(pk=self.person.pk).status, Person.Status.NO_SHOW)

    def test_without_network_it_says_not_sent_and_sends_once_the_network_is_back(self):
        page = self.open_no_show()
        page.context.set_offline(True)
        self.send(page)
        self.assert_failed(page, "连不上服务器：这次没有发送出去", "network")
        page.context.set_offline(False)
        self.send(page)
        self.assert_sent(page)

    def assert_typed_words_back(self, page, name):
        """The panel the words were typed in is open again, with them, saying so; sending them records them."""
        page.locator("#panel .draft-restored").wait_for()
        self.assertIn("这是登录结束前您输入但尚未提交的内容", page.locator("#panel").inner_text())
        self.assertEqual(page.locator("#panel input[name=reason], #panel textarea").input_value(), REASON)
        self.screenshot(page, f"typed-words-back-{name}-tablet")
        page.set_viewport_size(WALL)
        self.screenshot(page, f"typed-words-back-{name}-wall")
        page.set_viewport_size(TABLET)
        self.send(page)
        self.assert_sent(page)
        self.assertEqual(AuditEvent.objects.get(action="person.no_show").note, REASON)
        # Used once: the next visit opens no panel.
        page.reload()
        self.wait_live(page)
        self.assertEqual(page.locator("#panel form").count(), 0)

    def test_after_the_login_ended_it_offers_the_login_and_comes_back_to_the_board_with_the_typed_words(self):
        page = self.open_no_show()
        page.context.clear_cookies(name="sessionid")  # the browser drops it when the shift's login expires
        self.send(page)
        banner = self.assert_failed(page, "您的登录已结束", "signed-out")
        banner.get_by_role("link", name="重新登录").click()
        page.wait_for_url(re.compile(r"/login/\?next=%2Fgeneral%2F$"))
        self.assertIn("您输入但尚未提交的内容已保留在这台平板上", page.locator("#drafts-kept").inner_text())
        self.log_in(page, self.clerk, r"/general/$")
        self.assertIn("李秀英", page.locator(f"#arrival-{self.person.pk}").inner_text())
        self.assert_typed_words_back(page, "signed-out")

    def test_a_log_out_elsewhere_keeps_the_typed_words_for_the_same_person_only(self):
        page = self.open_no_show()
        self.log_out_elsewhere(page, "/general/")
        # The socket ends with the login: to the login, which says the words are kept.
        page.wait_for_url(re.compile(r"/login/\?ended=1&next=%2Fgeneral%2F$"))
        page.locator("#drafts-kept").wait_for()
        self.screenshot(page, "login-ended-words-kept-tablet")
        page.set_viewport_size(WALL)
        self.screenshot(page, "login-ended-words-kept-wall")
        # Someone else logs in on this tablet: they are not shown, and are gone.
        self.log_in(page, self.head, r"/general/$")
        self.wait_live(page)
        self.assertEqual(page.locator("#panel form").count(), 0)
        self.assertNotIn(REASON, page.content())
        self.assertIsNone(page.evaluate("sessionStorage.getItem('site-ops-drafts')"))

    def test_words_kept_for_over_an_hour_are_dropped_even_with_nobody_logging_in(self):
        page = self.open_no_show()
        self.log_out_elsewhere(page, "/general/")
        page.locator("#drafts-kept").wait_for()
        page.evaluate(
            "(() => { const saved = JSON.parse(sessionStorage.getItem('site-ops-drafts'));"
            " saved.at -= 61 * 60 * 1000; sessionStorage.setItem('site-ops-drafts', JSON.stringify(saved)); })()"
        )
        page.reload()
        self.assertTrue(page.locator("#drafts-kept").is_hidden())
        self.assertIsNone(page.evaluate("sessionStorage.getItem('site-ops-drafts')"))

    def test_the_same_person_back_after_a_log_out_elsewhere_gets_them_and_a_log_out_drops_any_left(self):
        page = self.open_no_show()
        self.log_out_elsewhere(page, "/general/")
        page.wait_for_url(re.compile(r"/login/\?ended=1&next=%2Fgeneral%2F$"))
        self.log_in(page, self.clerk, r"/general/$")
        self.assert_typed_words_back(page, "logged-out-elsewhere")
        # Words left over from another page are dropped by a deliberate log out.
        page.evaluate(
            "sessionStorage.setItem('site-ops-drafts', JSON.stringify({user: document.body.dataset.user, "
            "at: Date.now(), page: '/medical/', drafts: [{key: '/x/', panel: '', fields: []}]}))"
        )
        page.locator("form[action='/logout/'] button").click()
        page.wait_for_url(re.compile(r"/login/$"))
        self.assertIsNone(page.evaluate("sessionStorage.getItem('site-ops-drafts')"))

    def test_a_page_older_than_the_login_says_reload(self):
        page = self.open_no_show()
        page.context.clear_cookies(name="csrftoken")  # a login in another tab renews it
        self.send(page)
        banner = self.assert_failed(page, "这个页面已过期", "out-of-date")
        self.assertEqual(banner.get_by_role("link", name="刷新页面").get_attribute("href"), "/general/")

    def test_a_user_taken_out_of_the_group_is_told_so(self):
        page = self.open_no_show()
        self.clerk.groups.remove(Group.objects.get(name="general"))
        self.send(page)
        self.assert_failed(page, "您不在该组", "not-in-group")

    def test_a_proxys_error_page_says_it_may_not_have_been_recorded(self):
        page = self.open_no_show()
        bad_gateway = {"status": 502, "content_type": "text/html", "body": "<h1>502 Bad Gateway</h1>"}
        page.route("**/no-show/", lambda route: route.fulfill(**bad_gateway))
        self.send(page)
        self.assert_failed(page, "服务器出错：这次操作可能没有记录下来", "server")
        page.unroute("**/no-show/")
        self.send(page)
        self.assert_sent(page)

    def test_no_answer_in_time_says_it_may_not_have_been_recorded(self):
        page = self.open_no_show()
        page.evaluate("htmx.config.timeout = 300")  # 30 s on the site
        page.route("**/no-show/", lambda route: None)  # held: never answered
        self.send(page)
        self.assert_failed(page, "服务器 30 秒内没有答复", "timeout")
        page.unroute("**/no-show/")
        page.locator("#request-failed").get_by_role("button", name="关闭").click()
        self.assertTrue(page.locator("#request-failed").is_hidden())


class SessionEndingTests(BrowserTestCase):
    """A login lasts a shift: the tablet says so ten minutes before it ends, while what is typed can be saved."""

    def test_the_board_warns_ten_minutes_before_the_login_ends(self):
        from datetime import timedelta

        from django.contrib.sessions.models import Session
        from django.utils import timezone
        from playwright.sync_api import expect

        page = self.open_as(self.clerk, "/general/", TABLET)
        note = page.locator("#session-ending")
        expect(note).to_be_hidden()
        ends = timezone.now() + timedelta(minutes=8)
        self.elsewhere(lambda: Session.objects.update(expire_date=ends))
        page.reload()
        self.wait_live(page)
        expect(note).to_be_visible()
        expect(note).to_contain_text(f"您的登录将于 {timezone.localtime(ends):%H:%M} 随班次结束")
        self.screenshot(page, "session-ending-tablet")
        page.set_viewport_size({"width": 1920, "height": 1080})
        self.screenshot(page, "session-ending-wall")
