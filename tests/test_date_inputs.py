"""Date pickers in Chinese: their values are ISO, or the browser drops them.

A browser keeps an <input type=date> value only in the form YYYY-MM-DD; in
zh-Hans Django's own date format (2026/12/02) made every arrival form look
empty and unsendable.
"""

import re
from datetime import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from groups.general.forms import FamilyFormSet, PersonEditForm, PersonForm
from groups.medical.forms import ExtendForm
from rooms import services
from rooms.forms import DateTimeLocalInput
from rooms.models import Person
from rooms.services import failed_constraint
from tests.base import SiteTestCase

DATE_VALUE = re.compile(r'<input type="(date|datetime-local|time)"[^>]*?value="([^"]*)"')
ISO = {
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "datetime-local": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$"),
    "time": re.compile(r"^\d{2}:\d{2}(:\d{2})?$"),
}


class DateInputTests(SiteTestCase):
    def assert_iso_values(self, html, expected_inputs):
        found = DATE_VALUE.findall(html)
        self.assertGreaterEqual(len(found), expected_inputs, html)
        for kind, value in found:
            with self.subTest(kind=kind, value=value):
                self.assertRegex(value, ISO[kind])

    def test_every_date_input_renders_iso_in_chinese_and_english(self):
        for language in ("zh-hans", "en"):
            with self.subTest(language=language), translation.override(language):
                self.assert_iso_values(str(PersonForm(instance=self.person)), 2)
                self.assert_iso_values(str(PersonEditForm(instance=self.person)), 2)
                formset = FamilyFormSet(initial=[{"expected_on": self.person.expected_on}] * 2)
                self.assert_iso_values(str(formset), 2)
                self.assert_iso_values(str(ExtendForm(initial={"until": self.person.expected_on})), 1)

    def test_the_pages_show_iso_dates_in_chinese(self):
        self.client.force_login(self.clerk)
        chinese = {"accept-language": "zh-CN,zh;q=0.9"}
        for url in (reverse("person-new"), reverse("household-new"), reverse("person-edit", args=[self.person.pk])):
            response = self.client.get(url, headers=chinese)
            with self.subTest(url=url):
                self.assertContains(response, 'lang="zh-hans"')
                self.assert_iso_values(response.content.decode(), 1)

    def test_a_datetime_picker_renders_iso(self):
        with translation.override("zh-hans"):
            html = DateTimeLocalInput().render("at", datetime(2026, 12, 2, 14, 30))
        self.assertIn('value="2026-12-02T14:30"', html)


class PersonEditInChineseTests(SiteTestCase):
    def test_an_edit_with_the_birth_date_left_empty_keeps_it_from_the_stored_id(self):
        self.client.force_login(self.clerk)
        url = reverse("person-edit", args=[self.person.pk])
        response = self.client.post(
            url,
            {
                "name": self.person.name,
                "sex": self.person.sex,
                "birth_date": "",
                "category": "close_contact",
                "diet": "soft",
                "expected_on": self.person.expected_on.isoformat(),
                "version": 1,
                "token": "zh-edit-1",
            },
            headers={"HX-Request": "true", "accept-language": "zh-CN,zh;q=0.9"},
        )
        self.assertContains(response, "已保存")
        person = self.fresh(self.person)
        self.assertEqual(person.diet, "soft")
        self.assertEqual(person.birth_date, self.person.birth_date)

    def test_a_missing_value_is_named_not_called_a_duplicate_id(self):
        with translation.override("en"), self.assertRaises(services.ServiceError) as caught:
            services.person_update(person=self.person, by=self.clerk, data={"birth_date": None}, version=1)
        self.assertEqual(caught.exception.message, "Birth date is required.")
        self.assertNotIn("national ID", caught.exception.message)
        self.assertEqual(self.fresh(self.person).version, 1)

    def test_a_real_duplicate_id_is_still_called_one(self):
        other = Person.objects.create(
            site=self.site,
            name="王强",
            national_id="110101199001011237",
            sex=Person.Sex.MALE,
            birth_date=self.person.birth_date,
            expected_on=self.person.expected_on,
        )
        with translation.override("en"), self.assertRaises(services.ServiceError) as caught:
            services.person_update(
                person=other, by=self.clerk, data={"national_id": self.person.national_id}, version=1
            )
        self.assertIn("already has this national ID", caught.exception.message)

    def test_failed_constraint_reads_the_database_error(self):
        with self.assertRaises(IntegrityError) as caught, transaction.atomic():
            Person.objects.filter(pk=self.person.pk).update(birth_date=None)
        self.assertEqual(failed_constraint(caught.exception), ("not_null", "birth_date"))
