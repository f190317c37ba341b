"""What a new site head met setting a site up: each refusal in words next to its field, never a rule's key."""

import io
from datetime import time

from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.forms import modelform_factory
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from groups.disinfection.models import DisinfectionTask, RoutineSchedule, parse_times
from groups.medical.models import TestProtocol
from rooms import requests, services
from rooms.admin import RoomAdminForm
from rooms.models import Request, Room, Shift
from rooms.roles import Role
from rooms.sheets import text_width
from tests.base import SiteTestCase
from tests.factories import make_person

PROTOCOL = {
    "length_days": "7",
    "required_negatives": "2",
    "fever_from": "37.3",
    "no_fever_hours": "24",
    "ct_negative_from": "35",
    "welfare_after_missed": "2",
    "home_monitoring_days": "3",
}


def errors_of(form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


class SetUpRefusalsTests(SiteTestCase):
    def protocol_form(self, **fields):
        form_class = modelform_factory(TestProtocol, fields=["site", *PROTOCOL])
        return form_class({"site": str(self.site.pk), **PROTOCOL, **fields})

    def test_a_protocol_of_no_days_or_no_negatives_is_refused_at_its_fields_in_chinese(self):
        with translation.override("zh-hans"):
            form = self.protocol_form(length_days="0", required_negatives="0")
            self.assertFalse(form.is_valid())
            self.assertEqual(set(form.errors), {"length_days", "required_negatives"})
            self.assertIn("大于或等于1", str(form.errors["length_days"]))
            self.assertNotIn("约束", errors_of(form))
            self.assertNotIn("protocol_", errors_of(form))
        self.assertTrue(self.protocol_form().is_valid())

    def test_every_rule_of_the_database_has_words_of_its_own(self):
        """A rule the form cannot check field by field still reads as words (its name is a key)."""
        from django.apps import apps
        from django.db.models import CheckConstraint

        for model in apps.get_models():
            for constraint in model._meta.constraints:
                if isinstance(constraint, CheckConstraint) and model._meta.app_label in (
                    "rooms",
                    "medical",
                    "disinfection",
                    "security",
                ):
                    with self.subTest(constraint=constraint.name):
                        message = str(constraint.get_violation_error_message())
                        self.assertNotIn(constraint.name, message)

    def test_a_room_keeps_a_bed_for_everyone_in_it(self):
        room = Room.objects.filter(site=self.site, capacity=1).first()
        room.capacity = 2
        room.save()
        services.stay_check_in(person=self.person, room=room, by=self.clerk)
        room.refresh_from_db()
        data = {"site": str(self.site.pk), "number": room.number, "floor": str(room.floor), "note": ""}
        empty = self.rooms[-1]
        data_empty = {**data, "number": empty.number, "floor": str(empty.floor)}
        with translation.override("zh-hans"):
            form = RoomAdminForm({**data_empty, "capacity": "0"}, instance=empty)
            self.assertIn("大于或等于1", str(form.errors["capacity"]))
            form = RoomAdminForm({**data_empty, "capacity": "9"}, instance=empty)
            self.assertIn("小于或等于8", str(form.errors["capacity"]))
        room.occupant_count = 1
        form = RoomAdminForm({**data, "capacity": "1"}, instance=room)
        self.assertTrue(form.is_valid(), form.errors)
        room.occupant_count = 2
        with translation.override("zh-hans"):
            form = RoomAdminForm({**data, "capacity": "1"}, instance=room)
            self.assertEqual(form.errors["capacity"], ["房间内现有 2 人：床位数不能少于 2。"])

    def shift_form(self, instance=None, **fields):
        form_class = modelform_factory(Shift, fields=["site", "group", "name", "starts", "ends"])
        data = {"site": str(self.site.pk), "group": Role.MEDICAL, "name": "白班", **fields}
        return form_class(data, instance=instance)

    def test_a_shift_of_no_length_or_overlapping_another_is_refused(self):
        day = Shift.objects.get(site=self.site, group=Role.MEDICAL, starts=time(8))
        with translation.override("zh-hans"):
            form = self.shift_form(day, starts="08:00", ends="08:00")
            self.assertEqual(form.errors["ends"], ["班次的结束时间不能与开始时间相同。"])
            # The night shift is 20:00-08:00: a day shift to 21:00 overlaps it.
            form = self.shift_form(day, starts="09:00", ends="21:00")
            self.assertIn("时间重叠", errors_of(form))
            self.assertIn("20:00-08:00", errors_of(form))
            # One past midnight overlapping the night shift's morning.
            form = self.shift_form(starts="06:00", ends="07:00", name="早班")
            self.assertIn("时间重叠", errors_of(form))
        # Shorter, leaving a gap, is the site's choice.
        self.assertTrue(self.shift_form(day, starts="08:00", ends="18:00").is_valid())
        # Another group's hours are its own: catering with no night shift.
        Shift.objects.filter(site=self.site, group=Role.CATERING).delete()
        self.assertTrue(self.shift_form(starts="06:00", ends="07:00", group=Role.CATERING, name="早餐").is_valid())

    def test_routine_times_typed_on_a_chinese_keyboard_are_read(self):
        self.assertEqual(parse_times("09：00、15：00"), [time(9), time(15)])
        self.assertEqual(parse_times("９：３０，14:00；18:00"), [time(9, 30), time(14), time(18)])
        form_class = modelform_factory(RoutineSchedule, fields=["site", "area", "per_floor", "times"])
        form = form_class({"site": str(self.site.pk), "area": "电梯厅", "times": "08：00、20：00"})
        self.assertTrue(form.is_valid(), form.errors)

    def test_a_stopped_account_is_told_so_when_it_gives_its_own_password(self):
        self.nurse.set_password("x-Nurse-pass-2026")
        self.nurse.is_active = False
        self.nurse.save()
        client = Client(headers={"accept-language": "zh-hans"})
        with self.settings(LANGUAGE_CODE="zh-hans"):
            page = client.post(reverse("login"), {"username": "nurse", "password": "x-Nurse-pass-2026"})
            self.assertContains(page, "此账号已停用，请联系点长。")
            page = client.post(reverse("login"), {"username": "nurse", "password": "not-it"})
            self.assertNotContains(page, "此账号已停用")
            self.assertContains(page, "请输入一个正确的用户名和密码")

    def test_a_request_for_a_room_of_one_names_its_resident(self):
        room = self.rooms[1]
        services.stay_check_in(person=self.person, room=room, by=self.clerk)
        request = requests.request_log(
            site=self.site, room=room, kind="supplies", urgency="today", what="一床厚被子", by=self.clerk
        )
        self.assertEqual(request.person, self.person)
        # A shared room's request stays the room's: which of them asked is not known.
        family = self.rooms[2]
        Room.objects.filter(pk=family.pk).update(capacity=2)
        family.refresh_from_db()
        for name in ("王芳芳", "王小明"):
            person = make_person(self.site, name=name, household="王家")
            services.stay_check_in(person=person, room=family, by=self.clerk)
        request = requests.request_log(
            site=self.site, room=family, kind="supplies", urgency="today", what="热水壶", by=self.clerk
        )
        self.assertIsNone(request.person)
        self.assertEqual(Request.objects.filter(site=self.site).count(), 2)

    def test_the_medical_board_says_when_the_site_samples_by_the_national_protocol(self):
        self.client.force_login(self.nurse)
        zh = {"accept-language": "zh-hans"}
        page = self.client.get(reverse("medical-board"), headers=zh)
        self.assertContains(page, "本隔离点尚未设置自己的检测方案")
        self.assertContains(page, "隔离 7 天，第 1、2、3、5、7 天核酸")
        TestProtocol.objects.create(site=self.site)
        self.assertNotContains(self.client.get(reverse("medical-board"), headers=zh), 'id="default-protocol"')

    def test_a_routine_task_is_daily_not_a_transfers_routine(self):
        with translation.override("zh-hans"):
            self.assertEqual(str(DisinfectionTask.Kind.ROUTINE.label), "日常")


class EmptyChoicesTests(SiteTestCase):
    def test_no_select_shows_djangos_dashes(self):
        """An empty choice says "choose…" (or "nobody in particular"), on every form a board opens."""
        services.stay_check_in(person=make_person(self.site, name="王桂兰"), room=self.rooms[3], by=self.clerk)
        pages = [
            (self.clerk, reverse("person-new")),
            (self.clerk, reverse("household-new")),
            (self.clerk, reverse("person-check-in", args=[self.person.pk])),
            (self.clerk, reverse("transfer-new")),
            (self.head, reverse("care-plan", args=[self.person.pk])),
        ]
        for user, url in pages:
            with self.subTest(url=url):
                self.client.force_login(user)
                page = self.client.get(url, headers={"accept-language": "zh-hans"})
                self.assertEqual(page.status_code, 200)
                html = page.content.decode()
                self.assertNotIn("---------", html)
                self.assertTrue("请选择" in html or "不指定" in html, url)


class SiteHeadsRolesTests(SiteTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        call_command("migrate", verbosity=0)  # the site-head role's permissions (rooms.apps)
        User.objects.filter(pk=cls.head.pk).update(is_staff=True)

    def test_a_site_head_cannot_make_an_account_the_district_office(self):
        self.client.force_login(self.head)
        url = reverse("admin:auth_user_change", args=[self.clerk.pk])
        page = self.client.get(url, headers={"accept-language": "zh-hans"}).content.decode()
        self.assertIn("综合组", page)
        self.assertNotIn("区隔离办", page)
        district = Group.objects.get(name=Role.DISTRICT)
        form = self.client.get(url).context["adminform"].form
        self.assertNotIn(district, form.fields["groups"].queryset)


class ExportWidthsTests(SiteTestCase):
    def test_every_column_is_as_wide_as_what_it_holds(self):
        services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        self.client.force_login(self.head)
        response = self.client.post(
            reverse("export-download", args=["people"]),
            {"first": "2026-01-01", "last": "2026-12-31"},
        )
        content = b"".join(response.streaming_content) if response.streaming else response.content
        sheet = load_workbook(io.BytesIO(content)).active
        widths = {letter: dimension.width for letter, dimension in sheet.column_dimensions.items()}
        self.assertTrue(widths)
        for column in sheet.iter_cols(max_row=sheet.max_row):
            letter = column[0].column_letter
            with self.subTest(column=column[0].value):
                # A date reads back as a date and time: it shows as its format.
                shown = max(len(cell.number_format) if cell.is_date else text_width(cell.value) for cell in column)
                self.assertGreaterEqual(widths.get(letter, 0), shown)

    def test_a_chinese_character_takes_two_of_excels_characters(self):
        self.assertEqual(text_width("隔离点"), 6)
        self.assertEqual(text_width("A1"), 2)
