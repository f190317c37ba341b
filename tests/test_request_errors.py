"""A request the server refuses or fails: a page in the user's language with
a way back, and for a tablet's htmx request (which swaps nothing in on an
error) words the board's banner shows, never the login page inside a board."""

from django.contrib.auth.models import Group, User
from django.db import connection
from django.forms.models import model_to_dict
from django.test import Client, override_settings
from django.urls import path, reverse

from rooms.models import Person, Site
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


HUGE = "99999999999999999999"  # more than a 64-bit column holds


class HostileInputTests(ChineseTestCase):
    """What a fuzzer sent that answered 500: each is now a clear refusal or a page."""

    def setUp(self):
        super().setUp()
        self.client.force_login(self.head)

    def test_a_record_number_too_long_for_the_database_is_not_found(self):
        for method, address in [
            ("get", f"/people/{HUGE}/"),
            ("get", f"/rooms/{HUGE}/"),
            ("post", f"/rooms/{HUGE}/move/"),
            ("post", f"/people/{HUGE}/no-show/"),
            ("get", f"/medical/people/{HUGE}/"),
            ("post", f"/disinfection/tasks/{HUGE}/done/"),
        ]:
            with self.subTest(address):
                self.assertEqual(getattr(self.client, method)(address).status_code, 404)

    def test_the_admins_list_filters_with_numbers_out_of_range_are_a_page_not_a_fault(self):
        User.objects.filter(pk=self.head.pk).update(is_staff=True, is_superuser=True)
        # A year the calendar cannot hold is refused on every database.
        response = self.client.get("/admin/axes/accesslog/", {"attempt_time__year": "9" * 30})
        self.assertEqual(response.status_code, 400)
        self.assertIn("data-request-error>服务器无法读取发送的内容<", response.content.decode())
        # A record number past 64 bits: SQLite cannot take it (refused, 400);
        # PostgreSQL compares it and finds nothing (the empty list).
        refused = connection.vendor == "sqlite"
        for address, params in [
            ("/admin/rooms/room/", {"pk__in": HUGE}),
            ("/admin/rooms/auditevent/", {"id__in": f"1,{HUGE}"}),
        ]:
            with self.subTest(address):
                response = self.client.get(address, params)
                self.assertEqual(response.status_code, 400 if refused else 200)
                if refused:
                    self.assertIn("data-request-error>服务器无法读取发送的内容<", response.content.decode())
        # A year of 0 or 10000, which the calendar refuses in words of its own.
        for address, params in [
            ("/admin/rooms/auditevent/", {"at__year": "0"}),
            ("/admin/rooms/auditevent/", {"at__year__gte": "-1"}),
            ("/admin/rooms/stay/", {"started_at__year": "10000"}),
            ("/admin/rooms/person/", {"birth_date__year": "0"}),
            ("/admin/auth/user/", {"date_joined__iso_year": "-5"}),
        ]:
            with self.subTest(address, params=params):
                response = self.client.get(address, params)
                self.assertEqual(response.status_code, 400)
                self.assertIn("data-request-error>服务器无法读取发送的内容<", response.content.decode())
        # The same lists with ordinary filters still answer.
        self.assertEqual(self.client.get("/admin/rooms/room/", {"pk__in": self.room.pk}).status_code, 200)
        self.assertEqual(self.client.get("/admin/axes/accesslog/", {"attempt_time__year": "2026"}).status_code, 200)

    def test_a_form_in_a_character_set_that_is_no_text_encoding_is_refused(self):
        body = b'--xx\r\nContent-Disposition: form-data; name="a"\r\n\r\nabc\r\n--xx--\r\n'
        self.client.logout()
        for charset in ("rot13", "base64", "zlib_codec"):
            for address in ("/login/", "/healthz", reverse("person-new")):
                with self.subTest(charset=charset, address=address):
                    response = self.client.generic(
                        "POST", address, body, content_type=f"multipart/form-data; boundary=xx; charset={charset}"
                    )
                    self.assertEqual(response.status_code, 400)

    def test_an_admin_action_for_records_that_are_not_numbers_is_a_400_page(self):
        User.objects.filter(pk=self.head.pk).update(is_staff=True, is_superuser=True)
        for address in ["/admin/auth/user/", "/admin/axes/accesslog/", "/admin/rooms/shift/"]:
            for selected in (["abc"], [str(self.clerk.pk), "1;"], ["٣"]):
                with self.subTest(address, selected=selected):
                    data = {"action": "delete_selected", "index": 0, "_selected_action": selected}
                    response = self.client.post(address, data)
                    self.assertEqual(response.status_code, 400)
                    self.assertIn("data-request-error>服务器无法读取发送的内容<", response.content.decode())
        self.assertTrue(User.objects.filter(pk=self.clerk.pk).exists())
        # Record numbers still reach the action (its confirmation page).
        data = {"action": "delete_selected", "index": 0, "_selected_action": [self.clerk.pk]}
        self.assertContains(self.client.post("/admin/auth/user/", data), self.clerk.username)

    def test_people_are_never_deleted_in_the_admin(self):
        User.objects.filter(pk=self.head.pk).update(is_staff=True, is_superuser=True)
        self.assertNotContains(self.client.get("/admin/rooms/person/"), "delete_selected")
        response = self.client.post(f"/admin/rooms/person/{self.person.pk}/delete/", {"post": "yes"})
        self.assertEqual(response.status_code, 403)
        self.assertTrue(Person.objects.filter(pk=self.person.pk).exists())

    def test_a_sites_settings_beyond_what_a_site_could_mean_are_refused_in_the_admin(self):
        User.objects.filter(pk=self.head.pk).update(is_staff=True, is_superuser=True)
        address = reverse("admin:rooms_site_change", args=[self.site.pk])
        form = {key: ("" if value is None else value) for key, value in model_to_dict(self.site).items()}
        for field, value in [
            ("elderly_age", 2026),
            ("ventilation_minutes", 2147483647),
            ("transfer_stale_minutes", 5000000000),
            ("patrol_interval_minutes", 0),
        ]:
            with self.subTest(field):
                response = self.client.post(address, {**form, field: value})
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "errorlist")
        self.assertEqual(Site.objects.get(pk=self.site.pk).elderly_age, 60)
        response = self.client.post(address, {**form, "elderly_age": 65})
        self.assertEqual(response.status_code, 302)

    def test_an_age_past_the_calendar_stored_before_the_bounds_still_shows_the_boards(self):
        Site.objects.filter(pk=self.site.pk).update(elderly_age=3000)
        for address in ["/control/", "/medical/", "/medical/care/"]:
            with self.subTest(address):
                self.assertEqual(self.client.get(address).status_code, 200)

    def test_a_floor_that_is_not_a_plain_number_shows_every_floor(self):
        for floor in ["²", "--1", "9" * 5000, "１", "abc", "-1"]:
            with self.subTest(floor=floor[:10]):
                self.assertEqual(self.client.get("/general/", {"floor": floor}).status_code, 200)
                self.assertEqual(self.client.get("/medical/health-round/", {"floor": floor}).status_code, 200)

    def test_a_next_that_is_not_an_address_goes_back_to_the_board(self):
        data = {"reason": "电话联系不上", "version": self.person.version, "next": "abc"}
        response = self.client.post(f"/people/{self.person.pk}/no-show/", data)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response.url, "/general/")
        self.assertEqual(Person.objects.get(pk=self.person.pk).status, Person.Status.NO_SHOW)

    def test_days_at_the_ends_of_the_calendar_are_refused_not_overflowed(self):
        for day in ["0001-01-01", "9999-12-31", "1999-12-31"]:
            with self.subTest(day=day):
                self.assertLess(self.client.get("/control/report/", {"day": day}).status_code, 500)
                ledger = self.client.get("/requests/", {"first": day, "last": day})
                self.assertEqual(ledger.status_code, 200)
                self.assertIn('class="errorlist" role="alert">从: 确保该值', ledger.content.decode())
                self.assertLess(self.client.get("/requests/ledger.xlsx", {"first": day, "last": day}).status_code, 500)
                releases = self.client.post("/general/releases/", {"day": day}, follow=True)
                self.assertIn("确保该值", releases.content.decode())
                export = self.client.post("/exports/people/", {"first": day, "last": "2026-12-01"}, follow=True)
                self.assertIn("请填写起止日期，须在2000-01-01至2099-12-31之间。", export.content.decode())

    def test_a_quarantine_cannot_be_extended_to_the_end_of_the_calendar(self):
        from rooms import services

        services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        person = Person.objects.get(pk=self.person.pk)
        response = self.client.post(
            f"/medical/people/{person.pk}/extend/",
            {"until": "9999-12-31", "reason": "密接复核", "version": person.version},
            headers=HTMX,
        )
        self.assertEqual(response.status_code, 422)
        self.assertIn("2099-12-31", response.content.decode())

    def test_a_next_on_another_host_is_not_followed(self):
        response = self.client.post(
            "/requests/new/?next=https://evil.example/",
            {"room": self.room.number, "kind": "supplies", "content": "需要一箱矿泉水"},
        )
        self.assertLess(response.status_code, 500)
        self.assertNotIn("evil.example", response.get("Location", ""))

    def test_ids_phones_and_times_read_only_plain_digits_on_real_days(self):
        from django.core.exceptions import ValidationError

        from rooms.forms import MomentField
        from rooms.masking import validate_national_id, validate_phone

        for national_id in ["11010119900307123²", "１１０１０１１９９００３０７１２３４", "110101189003071235"]:
            with self.subTest(national_id=national_id), self.assertRaises(ValidationError):
                validate_national_id(national_id)
        with self.assertRaises(ValidationError):
            validate_phone("１３８１２３４１２３４")
        for moment in ["0001-01-01T00:00", "9999-12-31T23:59"]:
            with self.subTest(moment=moment), self.assertRaises(ValidationError):
                MomentField().clean(moment)
        self.assertEqual(MomentField().clean("2026-12-04T08:00").hour, 8)

    def test_a_meal_floor_beyond_any_building_is_refused(self):
        from groups.catering.models import MealSlot

        self.client.force_login(self.cook)
        slot = MealSlot.objects.filter(site=self.site).first()
        data = {"slot": slot.pk, "day": "2026-12-04", "floor": HUGE, "token": "t"}
        self.assertEqual(self.client.post("/catering/floor/", data, headers=HTMX).status_code, 422)

    def test_a_search_longer_than_any_name_still_answers(self):
        response = self.client.get("/general/", {"q": "a" * 60_000})
        self.assertEqual(response.status_code, 200)
        self.assertIn('maxlength="100"', response.content.decode())

    def test_a_regular_medicine_sent_twice_is_recorded_once(self):
        from groups.medical.models import MedicineNeed

        self.client.force_login(self.nurse)
        data = {"name": "二甲双胍", "dose": "每日两次", "token": "once"}
        for _ in range(2):
            self.assertEqual(self.client.post(f"/medical/people/{self.person.pk}/medicines/", data).status_code, 302)
        self.assertEqual(MedicineNeed.objects.filter(person=self.person).count(), 1)


@override_settings(ROOT_URLCONF=__name__)
class LogTests(ChineseTestCase):
    def test_a_refusal_logs_one_line_and_a_server_error_its_traceback(self):
        self.client.raise_request_exception = False
        self.client.force_login(self.cook)
        with self.assertLogs("django.request", "WARNING") as logs:
            self.client.get("/general/")  # another group's board: 403
            self.client.get("/boom/")
        refused, failed = logs.records
        self.assertEqual((refused.status_code, refused.exc_info), (403, None))
        self.assertEqual(failed.status_code, 500)
        self.assertIsNotNone(failed.exc_info)
