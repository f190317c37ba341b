"""Excel exports: by date range, for the groups whose records they hold, masked by default, audited."""

from datetime import timedelta
from io import BytesIO
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from groups.control import exports
from groups.disinfection import services as disinfection
from groups.medical import services as medical
from groups.medical.models import Sample
from groups.security import services as security
from rooms.models import AuditEvent
from tests.test_medical_services import MedicalTestCase

TODAY = timezone.localdate


class ExportTests(MedicalTestCase):
    def setUp(self):
        self.stay = self.check_in()
        sample = medical.sample_collect(
            sample=Sample.objects.get(stay=self.stay, day=1, reason=Sample.Reason.PROTOCOL), by=self.nurse
        )
        medical.sample_record_result(sample=sample, result="negative", ct_orf1ab="36.2", ct_n="37.0", by=self.nurse)
        from decimal import Decimal

        disinfection.waste_collect(site=self.site, floor=1, bags=2, weight_kg=Decimal("3.5"), by=self.cleaner)
        security.checkpoint_log_in(site=self.site, kind="person", name="送货员", purpose="送物资", by=self.guard)

    def download(self, user, key, **data):
        self.client.force_login(user)
        data.setdefault("first", TODAY().isoformat())
        data.setdefault("last", TODAY().isoformat())
        return self.client.post(reverse("export-download", args=[key]), data)

    def rows(self, response):
        book = load_workbook(BytesIO(b"".join(response.streaming_content)))
        return list(book.worksheets[0].iter_rows(values_only=True))

    async def test_under_asgi_the_file_is_sent_as_it_is_read_not_gathered_first(self):
        await self.async_client.aforce_login(self.nurse)
        data = {"first": TODAY().isoformat(), "last": TODAY().isoformat()}
        response = await self.async_client.post(reverse("export-download", args=["results"]), data)
        self.assertEqual(response.status_code, 200)
        # An asynchronous iterator: Django sends each block as it is read
        # (a synchronous one it reads whole into memory first).
        self.assertTrue(response.is_async)
        content = b"".join([block async for block in response.streaming_content])
        self.assertEqual(len(content), int(response["Content-Length"]))
        rows = list(load_workbook(BytesIO(content)).worksheets[0].iter_rows(values_only=True))
        self.assertEqual(len(rows), 2)

    def test_the_cdc_gets_results_with_ct_values_as_numbers_and_masked_ids(self):
        response = self.download(self.nurse, "results")
        self.assertEqual(response.status_code, 200)
        header, row = self.rows(response)
        self.assertEqual(row[0], "李秀英")
        self.assertNotEqual(row[1], self.person.national_id)
        self.assertIn("*", row[1])
        self.assertEqual((row[8], row[9]), (36.2, 37.0))
        self.assertEqual(row[5].date(), TODAY())  # a real date cell
        event = AuditEvent.objects.get(action="export")
        self.assertEqual(
            (event.after["export"], event.after["rows"], event.after["id_printed"]), ("results", 1, "masked")
        )

    def test_full_ids_only_for_those_who_may_reveal(self):
        response = self.download(self.nurse, "results", full_id="1")
        self.assertEqual(response.status_code, 302)
        self.assertFalse(AuditEvent.objects.filter(action="export").exists())
        response = self.download(self.head, "people", full_id="1")
        header, row = self.rows(response)
        self.assertEqual(row[3], self.person.national_id)
        self.assertEqual(AuditEvent.objects.get(action="export").after["id_printed"], "full")

    def test_each_group_takes_its_own_exports_only(self):
        self.assertEqual(self.download(self.cook, "waste").status_code, 403)
        self.assertEqual(self.download(self.guard, "results").status_code, 403)
        self.assertEqual(self.download(self.cleaner, "waste").status_code, 200)
        self.assertEqual(self.download(self.guard, "checkpoint").status_code, 200)
        self.client.force_login(self.guard)
        page = self.client.get(reverse("exports")).content.decode()
        self.assertIn("Checkpoint log", page)
        self.assertNotIn("Sample results", page)

    def test_bad_ranges_are_refused_with_a_message(self):
        for data in ({"first": "x"}, {"last": (TODAY() - timedelta(days=3)).isoformat()}, {"first": "2020-01-01"}):
            with self.subTest(**data):
                self.assertEqual(self.download(self.head, "people", **data).status_code, 302)
        self.assertEqual(self.download(self.head, "nothing").status_code, 302)
        self.assertFalse(AuditEvent.objects.filter(action="export").exists())

    def test_every_export_opens_with_its_header(self):
        for key, export in exports.EXPORTS.items():
            with self.subTest(key):
                rows = self.rows(self.download(self.head, key))
                self.assertEqual(len(rows[0]), len(export.columns))

    def test_the_waste_is_collected_not_sampled_in_chinese(self):
        self.client.cookies["django_language"] = "zh-hans"
        response = self.download(self.head, "waste")
        header = self.rows(response)[0]
        self.assertEqual(header[0], "收集时间")
        # The file is named by its title in the reader's language, with its days.
        day = f"{TODAY():%Y%m%d}"
        name = f"attachment; filename*=utf-8''{quote('医疗废物交接链')}-{day}-{day}.xlsx"
        self.assertEqual(response["Content-Disposition"], name)
        self.assertEqual(self.rows(self.download(self.head, "results"))[0][6], "已采样")

    def test_the_menu_leads_to_it(self):
        self.client.force_login(self.clerk)
        self.assertContains(self.client.get(reverse("general-board")), reverse("exports"))

    def test_what_staff_typed_stays_text_never_a_formula(self):
        security.checkpoint_log_in(
            site=self.site, kind="person", name='=HYPERLINK("http://x")', purpose="+1+2", by=self.guard
        )
        response = self.download(self.guard, "checkpoint")
        found = {row[1]: row[2] for row in self.rows(response)[1:]}
        self.assertEqual(found['=HYPERLINK("http://x")'], "+1+2")
        book = load_workbook(BytesIO(b"".join(self.download(self.guard, "checkpoint").streaming_content)))
        cell = next(c for c in book.worksheets[0]["B"] if c.value == '=HYPERLINK("http://x")')
        self.assertEqual(cell.data_type, "s")
