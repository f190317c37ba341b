"""The medical screens and actions: who may use them, what they answer, what they change."""

import io
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from groups.medical import services as medical
from groups.medical.models import Alert, HealthCheck, LabImport, Sample, SampleResult
from rooms import services
from rooms.models import AuditEvent, Request, Stay
from rooms.roles import Role
from tests.base import SiteTestCase, ViewAccessMixin
from tests.factories import make_person, make_rooms, make_site, make_user, satisfy_protocol


class MedicalViewTestCase(SiteTestCase):
    def setUp(self):
        self.stay = services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        self.sample = Sample.objects.get(stay=self.stay, day=1)

    def htmx(self, url, data, target=None):
        headers = {"HX-Request": "true"}
        if target:
            headers["HX-Target"] = target
        return self.client.post(url, data, headers=headers)


class AccessTests(ViewAccessMixin, MedicalViewTestCase):
    """Every medical view: allowed, forbidden (other group), anonymous, wrong method."""

    def urls(self):
        person, sample = self.person.pk, self.sample.pk
        alert = Alert.objects.create(site=self.site, kind=Alert.Kind.FEVER, person=self.person, room=self.room)
        imported = LabImport.objects.create(site=self.site, filename="a.csv", digest="x", uploaded_by=self.nurse)
        medical_users = [self.head, self.nurse]
        return {
            "board": (reverse("medical-board"), "get", medical_users),
            "health-round": (reverse("health-round"), "get", medical_users),
            "floor-collected": (reverse("floor-collected", args=[1]), "post", medical_users),
            "collect": (reverse("sample-collect", args=[sample]), "post", medical_users),
            "result": (reverse("sample-result", args=[sample]), "post", medical_users),
            "correct": (reverse("sample-correct", args=[sample]), "post", medical_users),
            "cancel": (reverse("sample-cancel", args=[sample]), "post", medical_users),
            "acknowledge": (reverse("alert-acknowledge", args=[alert.pk]), "post", medical_users),
            "person": (reverse("person-medical", args=[person]), "get", medical_users),
            "extend": (reverse("stay-extend", args=[person]), "post", medical_users),
            "replan": (reverse("stay-replan", args=[person]), "post", medical_users),
            "need": (reverse("medicine-need-add", args=[person]), "post", medical_users),
            "import": (reverse("lab-import"), "get", medical_users),
            "import-preview": (reverse("lab-import-preview", args=[imported.pk]), "get", medical_users),
            "import-apply": (reverse("lab-import-apply", args=[imported.pk]), "post", medical_users),
            "certificate": (reverse("release-certificate", args=[person]), "get", [self.head, self.clerk, self.nurse]),
        }

    def setUp(self):
        super().setUp()

    def everyone(self):
        return [*super().everyone(), self.guard, self.cleaner]

    def test_records_of_another_site_are_not_found(self):
        other = make_site(name="别处")
        stranger = make_person(other)
        clerk = make_user("far-clerk", other, Role.GENERAL)
        stay = services.stay_check_in(person=stranger, room=make_rooms(other, floors=1, per_floor=1)[0], by=clerk)
        sample = Sample.objects.filter(stay=stay).first()
        self.client.force_login(self.nurse)
        self.assertEqual(self.client.get(reverse("person-medical", args=[stranger.pk])).status_code, 404)
        self.assertEqual(self.client.post(reverse("sample-collect", args=[sample.pk]), {"version": 1}).status_code, 404)
        self.assertEqual(Sample.objects.get(pk=sample.pk).status, Sample.Status.SCHEDULED)

    def test_medical_users_land_on_their_board(self):
        self.client.force_login(self.nurse)
        self.assertRedirects(self.client.get("/"), reverse("medical-board"), fetch_redirect_response=False)


class BoardActionTests(MedicalViewTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.nurse)
        self.target = f"med-room-{self.room.pk}"

    def test_the_board_shows_the_floor_round(self):
        response = self.client.get(reverse("medical-board"), {"floor": 1})
        self.assertContains(response, f'id="{self.target}"')
        self.assertContains(response, f'id="sample-{self.sample.pk}"')
        self.assertContains(response, "Floor 1 collected")
        self.assertNotContains(response, self.person.national_id)

    def test_one_tap_collect_answers_with_the_room(self):
        url = reverse("sample-collect", args=[self.sample.pk])
        response = self.htmx(url, {"version": 1, "token": "t1", "barcode": "T77"}, target=self.target)
        self.assertContains(response, f'id="{self.target}"')
        self.assertContains(response, "T77")
        sample = Sample.objects.get(pk=self.sample.pk)
        self.assertEqual((sample.status, sample.collected_by), (Sample.Status.COLLECTED, self.nurse))

    def test_a_refused_tap_goes_to_the_panel_and_leaves_the_room_alone(self):
        medical.sample_collect(sample=self.sample, by=self.head)
        url = reverse("sample-collect", args=[self.sample.pk])
        response = self.htmx(url, {"version": 1, "token": "t2"}, target=self.target)
        self.assertContains(response, "was changed by 周宁", status_code=409)
        self.assertEqual(response["HX-Retarget"], "#panel")
        self.assertEqual(response["HX-Reswap"], "innerHTML")

    def test_a_result_is_entered_from_the_board(self):
        medical.sample_collect(sample=self.sample, by=self.nurse)
        url = reverse("sample-result", args=[self.sample.pk])
        response = self.htmx(url, {"version": 2, "token": "r", "result": "negative", "ct_orf1ab": "37.2"}, self.target)
        self.assertContains(response, "negative")
        self.assertEqual(SampleResult.objects.get().ct_orf1ab, Decimal("37.2"))

    def test_a_result_form_with_a_bad_ct_changes_nothing(self):
        medical.sample_collect(sample=self.sample, by=self.nurse)
        url = reverse("sample-result", args=[self.sample.pk])
        response = self.htmx(url, {"version": 2, "result": "negative", "ct_orf1ab": "abc"}, self.target)
        self.assertEqual(response.status_code, 422)
        # The refusal names the box: two Ct boxes are labelled by their placeholders, gone once typed in.
        self.assertContains(response, "Ct ORF1ab: ", status_code=422)
        self.assertFalse(SampleResult.objects.exists())

    def test_plain_requests_are_redirected_back(self):
        response = self.client.post(reverse("sample-collect", args=[self.sample.pk]), {"version": 1})
        self.assertRedirects(response, reverse("medical-board"), fetch_redirect_response=False)

    def test_floor_collected_records_the_round(self):
        response = self.htmx(reverse("floor-collected", args=[1]), {"token": "f1"})
        self.assertContains(response, "1 samples collected")
        self.assertEqual(Sample.objects.get(pk=self.sample.pk).status, Sample.Status.COLLECTED)

    def test_acknowledging_an_alert_answers_no_content_to_htmx(self):
        alert = Alert.objects.create(site=self.site, kind=Alert.Kind.FEVER, person=self.person, room=self.room)
        response = self.htmx(reverse("alert-acknowledge", args=[alert.pk]), {})
        self.assertEqual(response.status_code, 204)
        self.assertEqual(Alert.objects.get().acknowledged_by, self.nurse)


class HealthRoundViewTests(MedicalViewTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.nurse)
        self.url = reverse("health-round") + "?floor=1&round=am"

    def post(self, **row):
        data = {
            "floor": 1,
            "day": timezone.localdate().isoformat(),
            "round": "am",
            "token": "h1",
            f"hc-{self.person.pk}-person": self.person.pk,
            f"hc-{self.person.pk}-outcome": "checked",
            f"hc-{self.person.pk}-mood": "stable",
        }
        data.update({f"hc-{self.person.pk}-{key}": value for key, value in row.items()})
        return self.client.post(self.url, data)

    def test_the_round_lists_everyone_on_the_floor_with_special_needs(self):
        elder = make_person(self.site, name="周建国", special_needs=["elderly"])
        services.stay_check_in(person=elder, room=self.rooms[1], by=self.clerk)
        response = self.client.get(self.url)
        self.assertContains(response, "李秀英")
        self.assertContains(response, "周建国")
        self.assertContains(response, "elderly")

    def test_a_row_is_recorded_and_a_fever_alerts(self):
        response = self.post(temperature="38.0", symptoms="cough")
        self.assertRedirects(response, reverse("medical-board") + "?floor=1", fetch_redirect_response=False)
        check = HealthCheck.objects.get()
        self.assertEqual((str(check.temperature), check.symptoms), ("38.0", ["cough"]))
        self.assertEqual(Alert.objects.get().kind, Alert.Kind.FEVER)

    def test_a_reading_that_cannot_be_right_marks_its_row_and_field_and_records_nothing(self):
        for reading in ("45", "33.9"):
            with self.subTest(reading=reading):
                response = self.post(temperature=reading)
                self.assertEqual(response.status_code, 422)
                page = response.content.decode()
                self.assertIn(f'id="hr-{self.person.pk}" class="hr-row invalid"', page)
                field = rf'name="hc-{self.person.pk}-temperature" value="{reading}"[^>]*aria-invalid="true"'
                self.assertRegex(page, field)
                self.assertIn("°C cannot be right: check the reading.", page)
        self.assertFalse(HealthCheck.objects.exists())

    def test_an_empty_row_is_not_recorded(self):
        response = self.post()
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "Nothing to record", status_code=422)
        self.assertFalse(HealthCheck.objects.exists())


class PersonPageTests(MedicalViewTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.nurse)

    def test_the_page_shows_every_result_and_its_correction(self):
        medical.sample_collect(sample=self.sample, by=self.nurse)
        medical.sample_record_result(sample=self.sample, result="negative", ct_orf1ab="35.1", by=self.nurse)
        url = reverse("sample-correct", args=[self.sample.pk])
        self.client.post(url, {"version": 3, "token": "k", "result": "invalid", "reason": "样本溶血"})
        response = self.client.get(reverse("person-medical", args=[self.person.pk]))
        self.assertContains(response, "35.1")
        self.assertContains(response, "样本溶血")
        self.assertContains(response, 'class="superseded"')
        self.assertNotContains(response, self.person.national_id)

    def test_extending_from_the_page(self):
        until = self.stay.ends_on + timedelta(days=2)
        response = self.client.post(
            reverse("stay-extend", args=[self.person.pk]),
            {"version": self.stay.version, "token": "e", "until": until.isoformat(), "reason": "同住人阳性"},
        )
        self.assertRedirects(response, reverse("person-medical", args=[self.person.pk]), fetch_redirect_response=False)
        self.assertEqual(Stay.objects.get().ends_on, until)

    def test_the_extension_date_picker_starts_on_the_first_day_the_service_takes(self):
        page = self.client.get(reverse("person-medical", args=[self.person.pk])).content.decode()
        first = self.stay.ends_on + timedelta(days=1)
        self.assertIn(f'name="until" required min="{first.isoformat()}"', page)
        url = reverse("stay-extend", args=[self.person.pk])
        for until, status in ((self.stay.ends_on, 422), (first, 200)):
            with self.subTest(until=until):
                data = {"version": Stay.objects.get().version, "token": f"m{status}", "until": until.isoformat()}
                response = self.client.post(url, {**data, "reason": "同住人阳性"}, headers={"hx-request": "true"})
                self.assertEqual(response.status_code, status)
        self.assertEqual(Stay.objects.get().ends_on, first)

    def test_the_pages_forms_answer_in_its_panel_so_a_refusal_keeps_what_was_typed(self):
        page = self.client.get(reverse("person-medical", args=[self.person.pk])).content.decode()
        for name in ("stay-extend", "stay-replan", "medicine-need-add"):
            url = reverse(name, args=[self.person.pk])
            self.assertIn(f'hx-post="{url}" hx-target="#panel"', page)
        url = reverse("stay-extend", args=[self.person.pk])
        data = {"version": self.stay.version, "token": "e2", "until": "2020-01-01", "reason": "同住人阳性"}
        refused = self.client.post(url, data, headers={"hx-request": "true"})
        self.assertEqual(refused.status_code, 422)
        self.assertEqual(refused["HX-Retarget"], "#panel")
        self.assertEqual(Stay.objects.get().ends_on, self.stay.ends_on)
        # Sent twice (a double tap), it is recorded once and answers in the panel, never with a redirect
        # (which htmx would follow and put the whole page in the panel).
        data["until"] = (self.stay.ends_on + timedelta(days=2)).isoformat()
        for _ in range(2):
            response = self.client.post(url, data, headers={"hx-request": "true"})
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, 'class="panel-inner done"')
        self.assertEqual(AuditEvent.objects.filter(action="stay.extend").count(), 1)

    def test_medicines_from_the_page(self):
        self.client.post(reverse("medicine-need-add", args=[self.person.pk]), {"name": "二甲双胍片", "dose": "0.5g"})
        self.client.post(
            reverse("request-new"),
            {"room": self.room.number, "person": self.person.pk, "kind": "medicine", "what": "布洛芬", "token": "m"}
            | {"urgency": "today", "via": "phone"},
        )
        response = self.client.get(reverse("person-medical", args=[self.person.pk]))
        self.assertContains(response, "二甲双胍片")
        self.assertContains(response, "布洛芬")
        self.assertEqual(Request.objects.get().status, "open")


class LabImportViewTests(MedicalViewTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.nurse)
        medical.sample_collect(sample=self.sample, by=self.nurse, barcode="HX001")

    def upload(self, name, content):
        return self.client.post(reverse("lab-import"), {"sheet": SimpleUploadedFile(name, content)})

    def test_upload_previews_and_nothing_is_applied_until_confirmed(self):
        response = self.upload("lab.csv", "条码,结果,ORF1ab,N\nHX001,阴性,,\nHX999,阳性,20,21\n".encode())
        imported = LabImport.objects.get()
        self.assertRedirects(response, reverse("lab-import-preview", args=[imported.pk]), fetch_redirect_response=False)
        preview = self.client.get(reverse("lab-import-preview", args=[imported.pk]))
        self.assertContains(preview, "matches a sample awaiting its result")
        self.assertContains(preview, "no sample has tube barcode HX999")
        self.assertFalse(SampleResult.objects.exists())

        self.client.post(reverse("lab-import-apply", args=[imported.pk]), {"token": "a"})
        self.assertEqual(Sample.objects.get(pk=self.sample.pk).result, "negative")

    def test_an_unreadable_file_is_refused_with_a_reason(self):
        response = self.upload("lab.txt", b"hello")
        self.assertContains(response, "as a .csv or .xlsx file", status_code=422)
        self.assertFalse(LabImport.objects.exists())

    def test_an_excel_sheet_is_read(self):
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.append(["身份证号", "检测结果", "报告时间"])
        sheet.append([self.person.national_id, "阴性", timezone.localtime().replace(tzinfo=None)])
        content = io.BytesIO()
        book.save(content)
        self.upload("lab.xlsx", content.getvalue())
        imported = LabImport.objects.get()
        self.assertEqual([line["code"] for line in imported.rows], ["apply"])
        self.assertNotIn(self.person.national_id, str(imported.rows))


class CertificateTests(MedicalViewTestCase):
    def setUp(self):
        super().setUp()
        Stay.objects.update(ends_on=timezone.localdate())
        self.url = reverse("release-certificate", args=[self.person.pk])

    def test_it_is_refused_with_the_reason_until_the_protocol_is_satisfied(self):
        self.client.force_login(self.clerk)
        response = self.client.get(self.url)
        self.assertContains(response, "negative results in a row needed")
        self.assertNotContains(response, 'class="certificate"')
        self.assertEqual(self.client.post(self.url, {"full_id": "on"}).status_code, 302)
        self.assertFalse(AuditEvent.objects.filter(action="certificate.print").exists())

    def test_the_preview_is_masked_and_a_print_is_audited_with_the_full_id_for_a_revealer(self):
        satisfy_protocol(self.stay)
        self.client.force_login(self.clerk)
        preview = self.client.get(self.url)
        self.assertContains(preview, self.person.national_id_masked)
        self.assertNotContains(preview, self.person.national_id)
        # The full ID is offered, not chosen: the print is masked unless the clerk ticks it.
        self.assertContains(preview, 'name="full_id"')
        self.assertNotContains(preview, 'name="full_id" checked')
        self.assertNotRegex(preview.content.decode(), r'<input[^>]*name="full_id"[^>]*checked')

        printed = self.client.post(self.url, {"full_id": "on"})
        self.assertContains(printed, self.person.national_id)
        self.assertContains(printed, "data-autoprint")
        event = AuditEvent.objects.get(action="certificate.print")
        self.assertEqual((event.actor, event.after), (self.clerk, {"id_printed": "full"}))

    def test_a_nurse_prints_it_with_the_id_masked(self):
        satisfy_protocol(self.stay)
        self.client.force_login(self.nurse)
        printed = self.client.post(self.url, {"full_id": "on"})
        self.assertNotContains(printed, self.person.national_id, status_code=422)
        self.assertFalse(AuditEvent.objects.filter(action="certificate.print").exists())
        printed = self.client.post(self.url, {})
        self.assertContains(printed, self.person.national_id_masked)
        self.assertEqual(AuditEvent.objects.get(action="certificate.print").after, {"id_printed": "masked"})

    def test_it_is_laid_out_for_a4(self):
        from pathlib import Path

        from django.contrib.staticfiles import finders

        css = Path(finders.find("site_ops/site.css")).read_text()
        self.assertIn("@page { size: A4", css)
        self.client.force_login(self.clerk)
        self.assertContains(self.client.get(self.url), 'class="toolbar no-print"')


class GeneralBoardEligibilityTests(MedicalViewTestCase):
    def test_the_releases_list_says_why_a_person_is_not_eligible(self):
        Stay.objects.update(ends_on=timezone.localdate())
        self.client.force_login(self.clerk)
        response = self.client.get(reverse("general-board"))
        self.assertContains(response, 'data-eligible="no"')
        self.assertContains(response, "2 negative results in a row needed; 0 so far.")
        self.assertNotContains(response, f'action="{reverse("person-release", args=[self.person.pk])}"')

    def test_an_eligible_person_can_be_released_from_the_list(self):
        Stay.objects.update(ends_on=timezone.localdate())
        satisfy_protocol(self.stay)
        self.client.force_login(self.clerk)
        response = self.client.get(reverse("general-board"))
        self.assertContains(response, 'data-eligible="yes"')
        self.assertContains(response, f'action="{reverse("person-release", args=[self.person.pk])}"')
        self.assertContains(response, reverse("release-certificate", args=[self.person.pk]))

    def test_an_ineligible_release_is_refused_with_the_reason(self):
        Stay.objects.update(ends_on=timezone.localdate())
        self.client.force_login(self.clerk)
        response = self.htmx(reverse("person-release", args=[self.person.pk]), {"version": 2, "token": "r"})
        self.assertContains(response, "cannot be released yet", status_code=422)


class ProtocolAdminTests(SiteTestCase):
    def setUp(self):
        from django.contrib.auth.models import User

        self.admin = User.objects.get(pk=self.head.pk)
        self.admin.is_staff = self.admin.is_superuser = True
        self.admin.save()
        self.client.force_login(self.admin)

    def form(self, days, length=10, negatives=2, rows=(), protocol=None) -> dict:
        """The protocol's form as the admin sends it: the national defaults the
        add form comes prefilled with, and ``days`` (the first ``rows`` existing)."""
        data = {
            "site": self.site.pk,
            "length_days": length,
            "required_negatives": negatives,
            "fever_from": "37.3",
            "no_fever_hours": 24,
            "ct_negative_from": "35.0",
            "welfare_after_missed": 2,
            "home_monitoring_days": 3,
            "days-TOTAL_FORMS": len(days),
            "days-INITIAL_FORMS": len(rows),
            "days-MIN_NUM_FORMS": 0,
            "days-MAX_NUM_FORMS": 1000,
        }
        for i, (day, kind) in enumerate(days):
            data.update({f"days-{i}-day": day, f"days-{i}-kind": kind})
            if protocol is not None:
                data[f"days-{i}-protocol"] = protocol.pk
            if i < len(rows):
                data[f"days-{i}-id"] = rows[i].pk
        return data

    def post(self, days, length=10, negatives=2):
        return self.client.post(reverse("admin:medical_testprotocol_add"), self.form(days, length, negatives))

    def test_the_protocol_is_set_up_in_the_admin_audited_and_used_at_check_in(self):
        from groups.medical.models import TestProtocol

        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            response = self.post([(1, "pcr"), (4, "antigen"), (9, "pcr")])
        self.assertEqual(response.status_code, 302)
        protocol = TestProtocol.objects.get(site=self.site)
        self.assertEqual(protocol.schedule(), [(1, "pcr"), (4, "antigen"), (9, "pcr")])
        event = AuditEvent.objects.get(action="test_protocol.set_up")
        self.assertEqual((event.actor, event.after["length_days"]), (self.admin, 10))
        self.assertEqual(len(callbacks), 1)
        stay = services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        self.assertEqual(stay.ends_on, timezone.localdate() + timedelta(days=10))

    def test_sampling_days_outside_the_quarantine_are_refused(self):
        from groups.medical.models import TestProtocol

        response = self.post([(1, "pcr"), (12, "pcr")])
        self.assertContains(response, "Sampling days must fall within the quarantine (10 days): 12.")
        response = self.post([(1, "pcr")], negatives=2)
        self.assertContains(response, "cannot need more negative results than there are sampling days")
        self.assertFalse(TestProtocol.objects.exists())

    def change(self, days, initial=True):
        """The change form as the admin renders it, the sampling days set to ``days`` (row by row);
        ``initial=False``: every row sent as new."""
        from groups.medical.models import TestProtocol

        protocol = TestProtocol.objects.get(site=self.site)
        rows = list(protocol.days.order_by("day")) if initial else []
        data = self.form(days, protocol.length_days, protocol.required_negatives, rows, protocol)
        return self.client.post(reverse("admin:medical_testprotocol_change", args=[protocol.pk]), data)

    def test_days_exchanged_or_all_moved_on_are_saved_not_refused_by_the_database(self):
        from groups.medical.models import TestProtocol

        self.post([(2, "pcr"), (3, "antigen"), (5, "pcr")])
        for days in (
            [(3, "pcr"), (2, "antigen"), (5, "pcr")],  # the first two exchanged
            [(3, "pcr"), (5, "antigen"), (7, "pcr")],  # each moved on to the next's day
            [(3, "antigen"), (5, "antigen"), (9, "pcr")],  # a kind changed, a day moved
        ):
            with self.subTest(days=days):
                response = self.change(days)
                self.assertEqual(response.status_code, 302, response.content.decode()[:3000])
                self.assertEqual(TestProtocol.objects.get(site=self.site).schedule(), sorted(days))
        self.assertEqual(AuditEvent.objects.filter(action="test_protocol.admin_change").count(), 3)
        # The admin's history names what changed, by day.
        history = self.client.get(
            reverse("admin:medical_testprotocol_history", args=[TestProtocol.objects.get(site=self.site).pk])
        )
        self.assertContains(history, "Added")

    def test_rows_sent_as_new_that_the_protocol_already_has_replace_them(self):
        from groups.medical.models import TestProtocol

        self.post([(2, "pcr"), (3, "antigen")])
        # A form whose count of existing rows was altered: every row comes as new.
        response = self.change([(2, "pcr"), (3, "pcr")], initial=False)
        self.assertEqual(response.status_code, 302, response.content.decode()[:3000])
        self.assertEqual(TestProtocol.objects.get(site=self.site).schedule(), [(2, "pcr"), (3, "pcr")])


class LinksTests(MedicalViewTestCase):
    def test_the_room_page_links_each_occupant_to_their_tests_for_the_site_head(self):
        self.client.force_login(self.head)
        response = self.client.get(reverse("room-detail", args=[self.room.pk]))
        self.assertContains(response, reverse("person-medical", args=[self.person.pk]))

    def test_a_released_persons_page_offers_the_certificate(self):
        Stay.objects.update(ends_on=timezone.localdate())
        satisfy_protocol(self.stay)
        services.stay_release(person=self.person, by=self.clerk)
        self.client.force_login(self.clerk)
        response = self.client.get(reverse("person-detail", args=[self.person.pk]))
        self.assertContains(response, reverse("release-certificate", args=[self.person.pk]))
        certificate = self.client.get(reverse("release-certificate", args=[self.person.pk]))
        self.assertContains(certificate, 'class="certificate"')
