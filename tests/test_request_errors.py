"""A request the server refuses or fails: a page in the user's language with
a way back, and for a tablet's htmx request (which swaps nothing in on an
error) words the board's banner shows, never the login page inside a board."""

from django.contrib.auth.models import Group
from django.test import Client, override_settings
from django.urls import path

from rooms.models import Person
from site_ops import urls as site_urls
from tests.base import SiteTestCase

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/general/?floor=1"}


def boom(request):
    raise RuntimeError("a fault in a view")


# The project's URLs and error handlers, and one view that fails.
urlpatterns = [path("boom/", boom), *site_urls.urlpatterns]
handler400, handler403, handler404, handler500 = (
    site_urls.handler400,
    site_urls.handler403,
    site_urls.handler404,
    site_urls.handler500,
)


def chinese(client: Client) -> Client:
    """The users' language (the tests' default is English)."""
    client.cookies["django_language"] = "zh-hans"
    return client


class ChineseTestCase(SiteTestCase):
    def setUp(self):
        super().setUp()
        chinese(self.client)


class NotFoundTests(ChineseTestCase):
    def test_a_missing_record_is_a_page_in_chinese_with_the_top_bar_and_a_way_back(self):
        self.client.force_login(self.clerk)
        response = self.client.get("/people/999999/", HTTP_REFERER="http://testserver/general/?floor=2")
        self.assertEqual(response.status_code, 404)
        body = response.content.decode()
        self.assertIn("这个地址下没有内容", body)
        self.assertIn('href="/general/?floor=2"', body)  # back where the link was
        self.assertIn("综合组看板", body)  # the top bar: the user's own boards
        self.assertNotIn("Not Found", body)
        self.assertNotIn("The requested resource", body)

    def test_a_person_of_another_site_is_not_found_either(self):
        self.client.force_login(self.clerk)
        from tests.factories import make_person, make_site

        elsewhere = make_person(make_site(name="巴国城隔离点"))
        response = self.client.get(f"/people/{elsewhere.pk}/")
        self.assertEqual(response.status_code, 404)
        self.assertNotIn(elsewhere.name, response.content.decode())

    def test_an_address_nobody_knows_speaks_the_readers_language(self):
        self.client.force_login(self.clerk)
        self.client.cookies["django_language"] = "en"
        body = self.client.get("/no-such-page/").content.decode()
        self.assertIn("There is nothing at this address", body)
        self.assertIn('lang="en"', body)

    def test_a_referer_from_another_host_is_not_offered_as_the_way_back(self):
        self.client.force_login(self.clerk)
        body = self.client.get("/people/999999/", HTTP_REFERER="https://evil.example/general/").content.decode()
        self.assertNotIn("evil.example", body)
        self.assertNotIn(">返回<", body)

    def test_a_tablets_request_for_a_gone_record_names_it_for_the_banner(self):
        self.client.force_login(self.clerk)
        response = self.client.get("/people/999999/no-show/", headers=HTMX)
        self.assertEqual(response.status_code, 404)
        self.assertIn("data-request-error>这个地址下没有内容<", response.content.decode())


class SignedOutTests(ChineseTestCase):
    def test_a_tablets_request_after_the_login_ended_is_401_with_a_way_to_log_in_again(self):
        response = self.client.post(f"/people/{self.person.pk}/no-show/", {"reason": "电话联系不上"}, headers=HTMX)
        self.assertEqual(response.status_code, 401)
        body = response.content.decode()
        self.assertIn("data-request-error>您的登录已结束<", body)
        # Back to the board the request came from, not to the action's address.
        self.assertIn('href="/login/?next=%2Fgeneral%2F%3Ffloor%3D1" data-request-error-action', body)
        self.assertNotIn('name="password"', body)
        self.assertEqual(Person.objects.get(pk=self.person.pk).status, Person.Status.EXPECTED)

    def test_a_board_on_another_host_is_not_where_the_login_leads(self):
        headers = {**HTMX, "HX-Current-URL": "https://evil.example/general/"}
        body = self.client.get(f"/people/{self.person.pk}/no-show/", headers=headers).content.decode()
        self.assertIn('href="/login/?next=%2F"', body)
        self.assertNotIn("evil.example", body)

    def test_a_page_without_htmx_still_goes_to_the_login(self):
        response = self.client.get("/general/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response.url.startswith("/login/"))


class RefusedTests(ChineseTestCase):
    def test_a_form_from_a_page_older_than_the_login_says_reload_in_chinese(self):
        client = chinese(Client(enforce_csrf_checks=True))
        client.force_login(self.clerk)
        response = client.post(
            f"/people/{self.person.pk}/no-show/",
            {"reason": "电话联系不上"},
            HTTP_REFERER=f"http://testserver/people/{self.person.pk}/",
        )
        self.assertEqual(response.status_code, 403)
        body = response.content.decode()
        self.assertIn("data-request-error>这个页面已过期<", body)
        self.assertIn(f'href="/people/{self.person.pk}/" data-request-error-action>刷新页面<', body)
        self.assertNotIn("CSRF", body)
        self.assertEqual(Person.objects.get(pk=self.person.pk).status, Person.Status.EXPECTED)

    def test_the_login_form_left_open_in_a_second_tab_says_reload_too(self):
        client = chinese(Client(enforce_csrf_checks=True))
        body = client.post("/login/", {"username": "zhanglu", "password": "x"}).content.decode()
        self.assertIn("这个页面已过期", body)
        self.assertNotIn("Forbidden", body)

    def test_a_tablets_request_from_outside_the_group_names_it_for_the_banner(self):
        self.clerk.groups.remove(Group.objects.get(name="general"))
        self.client.force_login(self.clerk)
        response = self.client.post(f"/people/{self.person.pk}/no-show/", {"reason": "电话联系不上"}, headers=HTMX)
        self.assertEqual(response.status_code, 403)
        self.assertIn("data-request-error>您不在该组<", response.content.decode())
        self.assertIn("此页面仅限：综合组、点长。", response.content.decode())

    def test_an_actions_address_opened_as_a_page_says_so_with_a_way_back(self):
        # Where a login that ran out while a plain form was sent leads back to.
        self.client.force_login(self.clerk)
        response = self.client.get(f"/rooms/{self.room.pk}/move/")
        self.assertEqual(response.status_code, 405)
        self.assertEqual(response["Allow"], "POST")
        body = response.content.decode()
        self.assertIn("data-request-error>这个地址是一个操作，不是页面<", body)
        self.assertIn('href="/"', body)

    def test_a_body_the_server_cannot_read_is_a_400_page_in_chinese(self):
        self.client.force_login(self.clerk)
        with override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=5):
            response = self.client.post("/general/", {f"f{n}": "x" for n in range(10)})
        self.assertEqual(response.status_code, 400)
        body = response.content.decode()
        self.assertIn("data-request-error>服务器无法读取发送的内容<", body)
        self.assertNotIn("Bad Request", body)


@override_settings(ROOT_URLCONF=__name__)
class ServerErrorTests(ChineseTestCase):
    def test_a_fault_is_a_page_in_chinese_that_does_not_claim_nothing_was_recorded(self):
        self.client.raise_request_exception = False
        self.client.force_login(self.clerk)
        response = self.client.get("/boom/")
        self.assertEqual(response.status_code, 500)
        body = response.content.decode()
        self.assertIn("data-request-error>服务器未能处理这次请求<", body)
        self.assertIn("可能没有记录下来", body)
        self.assertIn('href="/"', body)
        self.assertNotIn("a fault in a view", body)
        self.assertNotIn("Server Error (500)", body)
