"""The day's report: every figure from the records and the audit log, the same whenever it is produced."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from unittest import mock
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone

from groups.control import report
from groups.control.models import DailyReport
from groups.disinfection import services as disinfection
from groups.medical import services as medical
from groups.medical.models import Sample
from groups.security import services as security
from rooms import services
from rooms.models import AuditEvent, Person, Room, Site, Stay
from rooms.roles import NotInGroup
from tests.factories import make_person, satisfy_protocol
from tests.test_medical_services import MedicalTestCase

TODAY = timezone.localdate


def figures(site, day) -> dict:
    """{section key: {row label: [numbers]}}."""
    return {s.key: {row[0]: row[1:] for row in s.rows} for s in report.daily_report(site, day)}


class DailyReportTests(MedicalTestCase):
    """A day with known events: yesterday, built by moving the clock."""

    def setUp(self):
        self.day = TODAY() - timedelta(days=1)
        noon = timezone.make_aware(timezone.datetime.combine(self.day, timezone.datetime.min.time())) + timedelta(
            hours=12
        )
        self.inbound = make_person(self.site, name="周游", category=Person.Category.INBOUND)
        self.leaver = make_person(self.site, name="吴离")
        with mock.patch("django.utils.timezone.now", return_value=noon - timedelta(days=3)):
            self.leaver_stay = services.stay_check_in(person=self.leaver, room=self.rooms[2], by=self.clerk)
        with mock.patch("django.utils.timezone.now", return_value=noon):
            services.stay_check_in(person=self.person, room=self.rooms[0], by=self.clerk)
            services.stay_check_in(person=self.inbound, room=self.rooms[1], by=self.clerk)
            Stay.objects.filter(pk=self.leaver_stay.pk).update(ends_on=self.day)
            satisfy_protocol(self.leaver_stay)
            services.stay_release(person=self.leaver, by=self.clerk)
            sample = Sample.objects.filter(person=self.person, day=1, reason=Sample.Reason.PROTOCOL).first()
            Sample.objects.filter(pk=sample.pk).update(scheduled_on=self.day)
            sample = medical.sample_collect(sample=Sample.objects.get(pk=sample.pk), by=self.nurse)
            medical.sample_record_result(sample=sample, result="negative", by=self.nurse)
            disinfection.waste_collect(site=self.site, floor=1, bags=3, weight_kg=Decimal("4.5"), by=self.cleaner)
            security.incident_report(
                site=self.site, kind="conflict", severity="low", description="争吵", room=self.rooms[0], by=self.guard
            )

    def test_the_waste_weighs_in_tenths_of_a_kilogram_on_the_page(self):
        noon = timezone.make_aware(timezone.datetime.combine(self.day, timezone.datetime.min.time())) + timedelta(
            hours=12
        )
        with mock.patch("django.utils.timezone.now", return_value=noon):
            for kg in ("0.1", "0.2"):
                disinfection.waste_collect(site=self.site, floor=1, bags=1, weight_kg=Decimal(kg), by=self.cleaner)
        # 4.5 + 0.1 + 0.2 in floats, as SQLite sums them, is 4.799999999999999.
        self.assertEqual(str(figures(self.site, self.day)["waste"]["collected"][1]), "4.8")
        self.client.force_login(self.head)
        page = self.client.get(reverse("daily-report") + f"?day={self.day.isoformat()}")
        self.assertContains(page, "<td>4.8</td>", html=False)

    def test_every_figure_of_a_known_day(self):
        got = figures(self.site, self.day)
        self.assertEqual(got["people"]["close contact"], [1, 1])
        self.assertEqual(got["people"]["inbound traveller"], [0, 1])
        self.assertEqual(got["people"]["total"], [1, 2])
        self.assertEqual(got["movement"]["arrivals"], [2])
        self.assertEqual(got["movement"]["released"], [1])
        # The leaver's five protocol samples (taken for the release) and one more.
        self.assertEqual(got["samples"]["taken"], [6])
        # Day 1 of both arrivals; the inbound traveller's was not taken.
        self.assertEqual(got["samples"]["due"], [2])
        self.assertEqual(got["samples"]["not taken"], [1])
        self.assertEqual(got["samples"]["negative"], [1])
        self.assertEqual(got["waste"]["collected"], [3, Decimal("4.5")])
        self.assertEqual(got["incidents"]["conflict"], [1, 1])
        self.assertEqual(got["rooms"]["occupied"], [2])
        self.assertEqual(got["rooms"]["awaiting disinfection"], [1])
        # The general group, a nurse, the disinfection group and security acted that day.
        self.assertEqual(got["staff"]["total"], [4])

    def test_a_change_made_the_next_day_does_not_alter_it(self):
        before = figures(self.site, self.day)
        # Today: a category corrected, a release, the room sealed, the incident resolved.
        inbound = self.fresh(self.inbound)
        services.person_update(
            person=inbound, by=self.clerk, data={"category": Person.Category.CLOSE_CONTACT}, version=inbound.version
        )
        services.room_move(room=self.fresh(self.rooms[0]), to=Room.Status.SEALED, by=self.head)
        incident = security.Incident.objects.get()
        security.incident_resolve(incident=incident, resolution="已调解", by=self.guard)
        self.assertEqual(figures(self.site, self.day), before)

    def test_the_site_head_submits_it_once_and_it_shows_as_submitted(self):
        url = reverse("daily-report")
        self.client.force_login(self.head)
        page = self.client.get(url, {"day": self.day.isoformat()})
        self.assertContains(page, "not submitted")
        response = self.client.post(reverse("daily-report-submit"), {"day": self.day.isoformat(), "token": "r1"})
        self.assertEqual(response.status_code, 302)
        sent = DailyReport.objects.get(site=self.site, day=self.day)
        self.assertEqual(sent.submitted_by, self.head)
        self.assertTrue(AuditEvent.objects.filter(action="report.submit").exists())
        self.assertContains(self.client.get(url, {"day": self.day.isoformat()}), "submitted by 周宁")
        with self.assertRaises(services.ServiceError):
            report.report_submit(site=self.site, day=self.day, by=self.head)
        with self.assertRaises(services.ServiceError):
            report.report_submit(site=self.site, day=TODAY() + timedelta(days=1), by=self.head)

    def test_todays_figures_are_as_of_now_not_the_end_of_the_day(self):
        today = figures(self.site, TODAY())
        labels = {label for rows in today.values() for label in rows}
        self.assertIn("not taken yet", labels)
        self.assertIn("awaiting a result now", labels)
        self.assertFalse([label for label in labels if "end of the day" in label])
        self.assertIn("not taken", figures(self.site, self.day)["samples"])

    def test_in_the_small_hours_it_opens_on_the_day_just_over_and_today_says_so_far(self):
        from tests.clock import frozen

        Site.objects.filter(pk=self.site.pk).update(opened_on=self.day)
        self.client.force_login(self.head)
        with frozen(2, 0):
            page = self.client.get(reverse("daily-report"))
        self.assertEqual(page.context["day"], self.day)
        self.assertContains(page, "Submit to the district office")
        with frozen(9, 30):
            page = self.client.get(reverse("daily-report"))
        self.assertEqual(page.context["day"], TODAY())
        # Today's figures are the day so far: the button says up to when.
        self.assertContains(page, "Submit the day so far (to 09:30) to the district office")
        # A site opened today has no day before: today, even at 02:00.
        Site.objects.filter(pk=self.site.pk).update(opened_on=TODAY())
        with frozen(2, 0):
            self.assertEqual(self.client.get(reverse("daily-report")).context["day"], TODAY())

    def test_sent_again_it_is_a_new_submission_and_a_stale_page_sends_nothing(self):
        url = reverse("daily-report")
        day = {"day": self.day.isoformat()}
        self.client.force_login(self.head)
        self.client.post(reverse("daily-report-submit"), {**day, "token": "s1"})
        page = self.client.get(url, day)
        self.assertContains(page, 'name="replaces" value="1"')
        self.assertContains(page, "Submit again with these figures")
        response = self.client.post(reverse("daily-report-submit"), {**day, "token": "s2", "replaces": "1"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(list(DailyReport.objects.order_by("version").values_list("version", flat=True)), [1, 2])
        self.assertTrue(AuditEvent.objects.filter(action="report.resubmit", after__version=2).exists())
        self.assertContains(self.client.get(url, day), "submission 2")
        # A page still showing the first submission sends nothing over the second.
        page = self.client.post(reverse("daily-report-submit"), {**day, "token": "s3", "replaces": "1"}, follow=True)
        self.assertContains(page, "was already submitted by 周宁")
        # Nor does a second tap of the same form.
        self.client.post(reverse("daily-report-submit"), {**day, "token": "s2", "replaces": "2"})
        self.assertEqual(DailyReport.objects.count(), 2)

    def test_only_the_site_head_sees_or_submits_it(self):
        for user in (self.clerk, self.nurse, self.guard):
            self.client.force_login(user)
            self.assertEqual(self.client.get(reverse("daily-report")).status_code, 403)
            self.assertEqual(self.client.post(reverse("daily-report-submit"), {"token": "x"}).status_code, 403)
        with self.assertRaises(NotInGroup):
            report.report_submit(site=self.site, day=self.day, by=self.clerk)
        self.assertFalse(DailyReport.objects.exists())

    def test_a_bad_day_is_refused_without_an_error_page(self):
        self.client.force_login(self.head)
        for day in ("2026-13-40", "tomorrow", (TODAY() + timedelta(days=2)).isoformat()):
            with self.subTest(day=day):
                self.assertEqual(self.client.get(reverse("daily-report"), {"day": day}).url, reverse("daily-report"))

    def test_a_day_before_the_site_opened_is_refused_and_nothing_is_sent(self):
        Site.objects.filter(pk=self.site.pk).update(opened_on=TODAY())
        self.site.refresh_from_db()
        self.client.force_login(self.head)
        day = {"day": self.day.isoformat()}
        for response in (
            self.client.get(reverse("daily-report"), day, follow=True),
            self.client.get(reverse("daily-report-xlsx"), day, follow=True),
            self.client.post(reverse("daily-report-submit"), {**day, "token": "t1"}, follow=True),
        ):
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, f"the day the site opened ({TODAY().isoformat()})")
        with self.assertRaisesMessage(services.ServiceError, "there is no report before it"):
            report.report_submit(site=self.site, day=self.day, by=self.head)
        self.assertFalse(DailyReport.objects.exists())
        # The day it opened is a report's first day, and the picker offers no earlier one.
        response = self.client.get(reverse("daily-report"))
        self.assertContains(response, f'min="{TODAY().isoformat()}"')
        self.client.cookies["django_language"] = "zh-hans"
        self.assertContains(
            self.client.get(reverse("daily-report"), day, follow=True), f"从隔离点开放之日（{TODAY().isoformat()}）"
        )

    def test_a_site_that_existed_before_opened_on_its_first_record(self):
        from importlib import import_module

        from django.apps import apps

        migration = import_module("rooms.migrations.0018_site_opened_on")
        first = AuditEvent.objects.filter(site=self.site).order_by("at").first()
        self.assertEqual(timezone.localdate(first.at), self.day - timedelta(days=3))
        empty = Site.objects.create(name="新隔离点", opened_on=TODAY() - timedelta(days=30))
        Site.objects.update(opened_on=TODAY() - timedelta(days=30))
        migration.opened_when_first_recorded(apps, None)
        self.site.refresh_from_db()
        empty.refresh_from_db()
        self.assertEqual(self.site.opened_on, self.day - timedelta(days=3))
        # A site with no record keeps the day it was given.
        self.assertEqual(empty.opened_on, TODAY() - timedelta(days=30))

    def test_the_excel_file_has_a_sheet_per_section_with_real_numbers_and_dates(self):
        from openpyxl import load_workbook

        self.client.force_login(self.head)
        response = self.client.get(reverse("daily-report-xlsx"), {"day": self.day.isoformat()})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Disposition"], f'attachment; filename="daily_report-{self.day:%Y%m%d}.xlsx"')
        # A Chinese reader's file is named in Chinese (RFC 6266's filename*).
        self.client.cookies["django_language"] = "zh-hans"
        named = self.client.get(reverse("daily-report-xlsx"), {"day": self.day.isoformat()})
        self.assertEqual(
            named["Content-Disposition"], f"attachment; filename*=utf-8''{quote('日报')}-{self.day:%Y%m%d}.xlsx"
        )
        book = load_workbook(BytesIO(response.content))
        self.assertEqual(len(book.sheetnames), 1 + len(report.daily_report(self.site, self.day)))
        cover = book.worksheets[0]
        self.assertEqual(cover["B2"].value.date(), self.day)
        people = book.worksheets[1]
        total = [row for row in people.iter_rows(values_only=True) if row[0] == "total"][0]
        self.assertEqual(total[1:], (1, 2))
        waste = [ws for ws in book.worksheets if ws.title == "Medical waste"][0]
        self.assertEqual(list(waste.iter_rows(values_only=True))[1], ("collected", 3, 4.5))

    def test_names_set_in_the_admin_stay_text_on_the_cover_never_a_formula(self):
        from openpyxl import load_workbook

        Site.objects.filter(pk=self.site.pk).update(name="=1+2")
        type(self.head).objects.filter(pk=self.head.pk).update(
            first_name='=HYPERLINK("http://evil.example")', last_name=""
        )
        report.report_submit(site=self.site, day=self.day, by=self.head)
        self.client.force_login(self.head)
        cover = load_workbook(
            BytesIO(self.client.get(reverse("daily-report-xlsx"), {"day": self.day.isoformat()}).content)
        ).worksheets[0]
        self.assertEqual((cover["B1"].data_type, cover["B1"].value), ("s", "=1+2"))
        self.assertEqual((cover["B3"].data_type, cover["B3"].value), ("s", '=HYPERLINK("http://evil.example")'))

    def test_the_control_screen_leads_to_it(self):
        self.client.force_login(self.head)
        self.assertContains(self.client.get(reverse("control-screen")), reverse("daily-report"))

    def test_its_queries_do_not_grow_with_the_site(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        def count():
            with CaptureQueriesContext(connection) as captured:
                report.daily_report(self.site, self.day)
            return len(captured)

        small = count()
        for n in range(20):
            room = Room.objects.create(site=self.site, number=f"9{n:02d}", floor=9)
            services.stay_check_in(person=make_person(self.site), room=room, by=self.clerk)
        self.assertEqual(count(), small)
