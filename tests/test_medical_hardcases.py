"""A real site's hard cases for the medical group: release that checks health,
welfare alerts for checks nobody answers, urgent medicines, the Ct threshold,
antigen positives as suspected results, and other groups' reports on the board."""

import asyncio
from datetime import timedelta
from decimal import Decimal

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.urls import reverse
from django.utils import timezone

from groups.catering import services as meals
from groups.catering.models import MealDelivery, MealSlot
from groups.control.board import control_screen
from groups.medical import services as medical
from groups.medical.board import medical_board
from groups.medical.models import Alert, HealthCheck, Sample, SampleResult, TestProtocol
from groups.medical.reads import attach_badges, medical_counters
from groups.security import services as security
from groups.security.models import Incident
from groups.transfers.models import Transfer
from rooms import services
from rooms.models import AuditEvent, Person, Request, Room
from rooms.requests import request_resolve
from site_ops import live
from tests.clock import frozen
from tests.factories import log_request, make_person, satisfy_protocol
from tests.test_medical_services import MedicalTestCase, set_protocol

TODAY = timezone.localdate


class ListenMixin:
    """Listen to a board's broadcast group (English) and read what it was sent."""

    def listen(self, key):
        layer = get_channel_layer()
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(live.broadcast_group(self.site.pk, key, "en"), channel)
        return layer, channel

    def received(self, layer, channel, count=1) -> str:
        async def take():
            return "".join([(await asyncio.wait_for(layer.receive(channel), 5))["html"] for _ in range(count)])

        return async_to_sync(take)()


def set_numbers(site, **numbers) -> TestProtocol:
    """The site's protocol with some of its numbers changed (the admin's part)."""
    protocol = TestProtocol.objects.filter(site=site).first() or set_protocol(site)
    for name, value in numbers.items():
        setattr(protocol, name, value)
    protocol.save()
    return protocol


# --- 1. release that checks health -------------------------------------------


class ReleaseHealthTests(MedicalTestCase):
    def setUp(self):
        set_protocol(self.site, length=7, negatives=2, days=((1, "pcr"), (5, "pcr"), (7, "pcr")))
        self.stay = self.check_in(days_ago=7)
        satisfy_protocol(self.stay)

    def temperature(self, value, hours_ago=1, acknowledge=True):
        """A health check with this reading ``hours_ago``; its fever alert acknowledged unless told not to."""
        day = timezone.localdate(timezone.now() - timedelta(hours=hours_ago))
        medical.health_round_record(
            site=self.site, day=day, round="am", entries=[{"person": self.person, "temperature": value}], by=self.nurse
        )
        HealthCheck.objects.filter(person=self.person, day=day).update(
            recorded_at=timezone.now() - timedelta(hours=hours_ago)
        )
        if acknowledge:
            for alert in Alert.objects.filter(acknowledged_at__isnull=True):
                medical.alert_acknowledge(alert=alert, by=self.nurse)

    def reasons(self):
        return medical.release_eligibility(self.fresh(self.stay)).reasons

    def test_no_fever_and_no_open_alert_is_eligible(self):
        self.temperature("36.6")
        self.assertEqual(self.reasons(), [])

    def test_a_fever_in_the_last_24_hours_holds_the_release(self):
        self.temperature("37.3", hours_ago=3)
        reasons = self.reasons()
        self.assertEqual(len(reasons), 1)
        self.assertIn("Fever of 37.3 °C", reasons[0])
        self.assertIn("24 hours without fever", reasons[0])

    def test_a_fever_longer_ago_than_the_window_does_not(self):
        self.temperature("38.0", hours_ago=25)
        self.assertEqual(self.reasons(), [])

    def test_the_protocol_sets_the_fever_threshold_and_the_window(self):
        self.temperature("37.4", hours_ago=30)
        set_numbers(self.site, no_fever_hours=48)
        self.assertIn("48 hours without fever", self.reasons()[0])
        set_numbers(self.site, fever_from=Decimal("37.5"))
        self.assertEqual(self.reasons(), [])

    def test_an_open_health_alert_holds_the_release_until_acknowledged(self):
        self.temperature("36.5", acknowledge=False)
        medical.health_round_record(
            site=self.site,
            day=TODAY(),
            round="pm",
            entries=[{"person": self.person, "temperature": "36.5", "mood": "distressed"}],
            by=self.nurse,
        )
        reasons = self.reasons()
        self.assertEqual(len(reasons), 1)
        self.assertIn("Health alert “distressed”", reasons[0])
        self.assertIn("not yet acknowledged", reasons[0])
        medical.alert_acknowledge(alert=Alert.objects.get(), by=self.nurse)
        self.assertEqual(self.reasons(), [])

    def test_an_anxious_person_shows_on_the_room_without_an_alert(self):
        medical.health_round_record(
            site=self.site,
            day=TODAY(),
            round="pm",
            entries=[{"person": self.person, "temperature": "36.5", "mood": "anxious"}],
            by=self.nurse,
        )
        (room,) = attach_badges(self.site, [self.fresh(self.stay.room)], only=True)
        self.assertEqual(room.health_badges, ["anxious"])
        self.assertFalse(Alert.objects.exists())

    def test_alerts_about_someone_else_or_a_whole_room_do_not_hold_it(self):
        other = make_person(self.site)
        self.check_in(person=other, room=self.rooms[1])
        Alert.objects.create(site=self.site, kind=Alert.Kind.FEVER, person=other, room=self.rooms[1])
        Alert.objects.create(site=self.site, kind=Alert.Kind.MEAL_REFUSED, room=self.room)
        self.assertEqual(self.reasons(), [])

    def test_release_is_refused_with_the_health_reason_and_changes_nothing(self):
        self.temperature("38.2", acknowledge=False)
        refusal = "cannot be released yet: Fever of 38.2 °C"
        with (
            self.captureOnCommitCallbacks(execute=True) as callbacks,
            self.assertRaisesMessage(services.ServiceError, refusal),
        ):
            services.stay_release(person=self.fresh(self.person), by=self.clerk)
        self.assertEqual(callbacks, [])
        self.assertEqual(self.fresh(self.person).status, Person.Status.IN_ISOLATION)
        self.assertFalse(AuditEvent.objects.filter(action="stay.release").exists())

    def test_once_well_the_person_is_released(self):
        self.temperature("38.2", hours_ago=30)
        services.stay_release(person=self.fresh(self.person), by=self.clerk)
        self.assertEqual(self.fresh(self.person).status, Person.Status.RELEASED)

    def test_the_general_board_says_why_in_words(self):
        self.temperature("37.8", acknowledge=False)
        self.client.force_login(self.clerk)
        response = self.client.get(reverse("general-board"), headers={"accept-language": "en"})
        self.assertContains(response, 'data-eligible="no"')
        self.assertContains(response, "Fever of 37.8 °C")
        self.assertContains(response, "Health alert “fever”")


# --- 2. welfare alerts and the refused check's word -------------------------------


class WelfareTests(MedicalTestCase, ListenMixin):
    def setUp(self):
        self.stay = self.check_in(days_ago=2)

    def record(self, outcome, day=0, round="am", version=None, person=None, **entry):
        entry = {"person": person or self.person, "outcome": outcome, "version": version, **entry}
        return medical.health_round_record(
            site=self.site, day=TODAY() - timedelta(days=day), round=round, entries=[entry], by=self.nurse
        )

    def welfare(self):
        return list(Alert.objects.filter(kind=Alert.Kind.WELFARE))

    def test_the_second_check_in_a_row_not_done_raises_a_welfare_alert(self):
        self.record("missed", round="am")
        self.assertEqual(self.welfare(), [])
        with self.captureOnCommitCallbacks(execute=True):
            self.record("refused", round="pm")
        (alert,) = self.welfare()
        check = HealthCheck.objects.get(round="pm")
        self.assertEqual((alert.person, alert.room, alert.health_check), (self.person, self.room, check))
        self.assertFalse(alert.for_site_head)
        self.assertEqual(AuditEvent.objects.filter(action="health.record").count(), 2)

    def test_the_row_runs_across_midnight(self):
        self.record("missed", day=1, round="pm")
        self.record("missed", day=0, round="am")
        self.assertEqual(len(self.welfare()), 1)

    def test_a_check_done_in_between_breaks_the_row(self):
        self.record("missed", day=1, round="am")
        self.record("checked", day=1, round="pm", temperature="36.5")
        self.record("missed", day=0, round="am")
        self.assertEqual(self.welfare(), [])

    def test_an_open_welfare_alert_is_not_raised_twice_but_an_acknowledged_one_is(self):
        self.record("missed", day=1, round="am")
        self.record("missed", day=1, round="pm")
        self.record("refused", day=0, round="am")
        self.assertEqual(len(self.welfare()), 1)
        medical.alert_acknowledge(alert=self.welfare()[0], by=self.nurse)
        self.record("missed", day=0, round="pm")
        self.assertEqual(len(self.welfare()), 2)

    def test_the_protocol_sets_how_many_in_a_row(self):
        set_numbers(self.site, welfare_after_missed=3)
        self.record("missed", day=1, round="am")
        self.record("missed", day=1, round="pm")
        self.assertEqual(self.welfare(), [])
        self.record("missed", day=0, round="am")
        self.assertEqual(len(self.welfare()), 1)

    def test_only_a_check_that_becomes_not_done_counts(self):
        self.record("missed", round="am")
        self.record("checked", round="pm", temperature="36.4")
        check = HealthCheck.objects.get(round="pm")
        # The afternoon corrected: nobody answered after all.
        self.record("refused", round="pm", version=check.version)
        self.assertEqual(len(self.welfare()), 1)
        # Missed becoming refused is the same round, not another one.
        medical.alert_acknowledge(alert=self.welfare()[0], by=self.nurse)
        self.record("missed", round="pm", version=check.version + 1)
        self.assertEqual(len(self.welfare()), 1)

    def test_it_is_per_person(self):
        other = make_person(self.site)
        self.check_in(person=other, room=self.rooms[1])
        self.record("missed", round="am")
        self.record("missed", round="pm", person=other)
        self.assertEqual(self.welfare(), [])

    def test_it_reaches_the_medical_board_live_and_not_the_site_head(self):
        self.record("missed", round="am")
        board, control = self.listen("medical"), self.listen("control")
        with self.captureOnCommitCallbacks(execute=True):
            self.record("missed", round="pm")
        html = self.received(*board)
        alert = self.welfare()[0]
        self.assertIn(f'id="alert-{alert.pk}"', html)
        self.assertIn("k-welfare", html)
        self.assertIn("go to the door", html)
        self.assertNotIn(f'id="alert-{alert.pk}"', self.received(*control))

    def test_a_welfare_alert_holds_the_release(self):
        self.record("missed", round="am")
        self.record("missed", round="pm")
        self.assertTrue(any("welfare check" in reason for reason in medical.release_eligibility(self.stay).reasons))

    def test_a_refused_check_reads_refused_check_not_a_refused_meal(self):
        self.assertEqual(str(HealthCheck.Outcome.REFUSED.label), "refused check")
        self.assertNotEqual(str(HealthCheck.Outcome.REFUSED.label), str(MealDelivery.Status.REFUSED.label))
        self.record("refused", round="am")
        self.client.force_login(self.nurse)
        page = self.client.get(reverse("health-round"), {"floor": 1, "round": "pm"})
        self.assertContains(page, "refused check")
        page = self.client.get(reverse("person-medical", args=[self.person.pk]))
        self.assertContains(page, "<b>refused check</b>", html=True)


# --- 3. medicine requests with an urgency --------------------------------------------


class MedicineUrgencyTests(MedicalTestCase, ListenMixin):
    def setUp(self):
        self.stay = self.check_in()

    def add(self, item, **kwargs):
        return log_request(self.person, self.nurse, item, **kwargs)

    def test_a_request_is_for_today_unless_said_otherwise_and_audited(self):
        request = self.add("布洛芬")
        self.assertEqual(request.urgency, Request.Urgency.TODAY)
        self.add("硝酸甘油", urgency="urgent")
        event = AuditEvent.objects.filter(action="request.log").order_by("pk").last()
        self.assertEqual(event.after, {"kind": "medicine", "urgency": "urgent", "group": "medical"})

    def test_urgent_ones_come_first_on_the_medical_board(self):
        self.add("维生素C", urgency="when_possible")
        self.add("布洛芬")
        self.add("硝酸甘油", urgency="urgent")
        self.add("沙丁胺醇气雾剂", urgency="urgent")
        items = [request.what for request in medical_board(self.site, floor=1)["requests"]]
        self.assertEqual(items, ["硝酸甘油", "沙丁胺醇气雾剂", "布洛芬", "维生素C"])

    def test_an_unknown_urgency_is_refused_and_nothing_is_recorded(self):
        with self.assertRaisesMessage(services.ServiceError, "Choose how urgent"):
            self.add("布洛芬", urgency="asap")
        self.assertFalse(Request.objects.exists())

    def test_the_control_screen_flags_open_urgent_requests_live(self):
        self.add("布洛芬")
        control = self.listen("control")
        with self.captureOnCommitCallbacks(execute=True):
            urgent = self.add("硝酸甘油", urgency="urgent")
        html = self.received(*control).split('id="pressing-requests"')[1]
        self.assertIn("硝酸甘油", html)
        self.assertNotIn("布洛芬", html)
        self.assertEqual([r.what for r in control_screen(self.site)["pressing"]], ["硝酸甘油"])
        with self.captureOnCommitCallbacks(execute=True):
            request_resolve(request=urgent, by=self.nurse, outcome="已送到房门口")
        html = self.received(*control).split('id="pressing-requests"')[1]
        self.assertNotIn("硝酸甘油", html)

    def test_the_boards_of_other_groups_never_hear_of_it(self):
        catering = self.listen("catering")
        with self.captureOnCommitCallbacks(execute=True):
            self.add("硝酸甘油", urgency="urgent")
        layer, channel = catering
        with self.assertRaises(asyncio.TimeoutError):

            async def take():
                return await asyncio.wait_for(layer.receive(channel), 0.2)

            async_to_sync(take)()


class MedicineUrgencyViewTests(MedicalTestCase):
    def setUp(self):
        self.stay = self.check_in()
        self.client.force_login(self.nurse)

    def test_the_request_form_is_reached_from_the_board(self):
        board = self.client.get(reverse("medical-board"), {"floor": 1})
        page_url = reverse("person-medical", args=[self.person.pk])
        self.assertContains(board, f'href="{page_url}"')
        page = self.client.get(page_url)
        form_url = f"{reverse('request-new')}?room=101&amp;person={self.person.pk}&amp;kind=medicine"
        self.assertContains(page, f'hx-get="{form_url}"')
        form = self.client.get(form_url.replace("&amp;", "&"), headers={"HX-Request": "true"})
        self.assertContains(form, 'name="urgency" value="urgent"')
        self.assertContains(form, 'name="urgency" value="today"')
        self.assertContains(form, 'value="medicine" id="id_kind_0" required checked')

    def test_an_urgent_request_from_the_page(self):
        url = reverse("request-new")
        data = {"room": "101", "person": self.person.pk, "kind": "medicine", "via": "phone"}
        response = self.client.post(url, {**data, "what": "硝酸甘油", "urgency": "urgent", "token": "u1"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Request.objects.get().urgency, "urgent")
        board = self.client.get(reverse("medical-board"), {"floor": 1})
        self.assertContains(board, 'data-urgency="urgent"')

    def test_a_bad_urgency_is_a_clear_refusal_and_changes_nothing(self):
        data = {"room": "101", "person": self.person.pk, "kind": "medicine", "via": "phone", "what": "布洛芬"}
        response = self.client.post(
            reverse("request-new"), {**data, "urgency": "asap", "token": "u2"}, headers={"HX-Request": "true"}
        )
        self.assertContains(response, "Select a valid choice", status_code=422)
        self.assertFalse(Request.objects.exists())


# --- 4. the Ct threshold and antigen positives -----------------------------------------


class CtThresholdTests(MedicalTestCase):
    def setUp(self):
        set_protocol(self.site, days=((1, "pcr"), (5, "pcr"), (7, "pcr")))
        self.stay = self.check_in()
        self.sample_1 = self.collected(self.stay)

    def test_the_protocol_reads_ct_values_as_the_ninth_edition_says(self):
        protocol = TestProtocol.for_site(self.site)
        self.assertEqual(protocol.ct_negative_from, Decimal("35.0"))
        self.assertEqual(TestProtocol().ct_negative_from, Decimal("35.0"))
        for orf1ab, n, reading in (
            ("35", "35", "negative"),
            ("38.2", "36", "negative"),
            ("34.9", "38", "positive"),
            ("38", "30", "positive"),
            (None, "28", "positive"),
            ("", None, ""),
        ):
            with self.subTest(orf1ab=orf1ab, n=n):
                self.assertEqual(protocol.read_ct(orf1ab, n), reading)

    def test_a_result_its_ct_values_contradict_is_refused_and_changes_nothing(self):
        for result, orf1ab, n in (("negative", "30", "36"), ("positive", "36", "37")):
            with self.subTest(result=result), self.assertRaisesMessage(services.ServiceError, "negative from Ct 35.0"):
                medical.sample_record_result(
                    sample=self.sample_1, result=result, ct_orf1ab=orf1ab, ct_n=n, by=self.nurse
                )
        sample = self.fresh(self.sample_1)
        self.assertEqual((sample.status, sample.result), (Sample.Status.COLLECTED, ""))
        self.assertFalse(SampleResult.objects.exists())
        self.assertFalse(AuditEvent.objects.filter(action="sample.result").exists())

    def test_a_result_that_agrees_is_recorded_with_its_ct_values(self):
        medical.sample_record_result(
            sample=self.sample_1, result="negative", ct_orf1ab="36.5", ct_n="37", by=self.nurse
        )
        entry = SampleResult.objects.get()
        self.assertEqual((entry.result, entry.ct_orf1ab, entry.ct_n), ("negative", Decimal("36.5"), Decimal("37.0")))

    def test_the_site_sets_its_own_threshold(self):
        set_numbers(self.site, ct_negative_from=Decimal("38"))
        with self.assertRaisesMessage(services.ServiceError, "negative from Ct 38.0"):
            medical.sample_record_result(
                sample=self.sample_1, result="negative", ct_orf1ab="36", ct_n="37", by=self.nurse
            )
        medical.sample_record_result(sample=self.sample_1, result="positive", ct_orf1ab="36", ct_n="37", by=self.nurse)
        self.assertEqual(self.fresh(self.room).status, Room.Status.SEALED)

    def test_a_correction_is_read_against_the_threshold_too(self):
        medical.sample_record_result(sample=self.sample_1, result="negative", by=self.nurse)
        with self.assertRaisesMessage(services.ServiceError, "read positive"):
            medical.sample_correct_result(
                sample=self.sample_1, result="negative", ct_orf1ab="25", reason="补录Ct值", by=self.nurse
            )
        self.assertEqual(SampleResult.objects.count(), 1)

    def test_an_invalid_result_and_no_ct_values_are_not_read(self):
        medical.sample_record_result(sample=self.sample_1, result="invalid", ct_orf1ab="20", by=self.nurse)
        self.assertEqual(self.fresh(self.sample_1).result, "invalid")

    def test_a_lab_line_its_ct_values_contradict_is_not_applied(self):
        self.fresh(self.sample_1)
        Sample.objects.filter(pk=self.sample_1.pk).update(tube_barcode="HX-9")
        content = "条码,结果,ORF1ab,N\nHX-9,阴性,31.2,36\n".encode("utf-8-sig")
        imported = medical.lab_import_preview(site=self.site, by=self.nurse, filename="lab.csv", content=content)
        (line,) = imported.lines()
        self.assertEqual((line["action"], line["code"]), ("error", "ct_disagrees"))
        self.assertIn("read positive by the protocol (negative from Ct 35.0", line["message"])
        self.assertEqual(medical.lab_import_apply(lab_import=imported, by=self.nurse), 0)
        self.assertEqual(self.fresh(self.sample_1).status, Sample.Status.COLLECTED)

    def test_the_result_form_refuses_it_in_the_panel(self):
        self.client.force_login(self.nurse)
        url = reverse("sample-result", args=[self.sample_1.pk])
        data = {"version": self.fresh(self.sample_1).version, "token": "r", "result": "negative", "ct_n": "22"}
        response = self.client.post(url, data, headers={"HX-Request": "true", "HX-Target": f"med-room-{self.room.pk}"})
        self.assertContains(response, "read positive", status_code=422)
        self.assertEqual(response["HX-Retarget"], "#panel")
        self.assertFalse(SampleResult.objects.exists())


class AntigenPositiveTests(MedicalTestCase, ListenMixin):
    def setUp(self):
        set_protocol(self.site, days=((1, "antigen"), (3, "pcr"), (5, "pcr"), (7, "pcr")))
        self.stay = self.check_in()
        self.antigen = self.collected(self.stay)

    def positive(self, **kwargs):
        return medical.sample_record_result(sample=self.antigen, result="positive", by=self.nurse, **kwargs)

    def retests(self):
        return list(Sample.objects.filter(stay=self.stay, reason=Sample.Reason.CONFIRM))

    def test_it_is_suspected_it_seals_nothing_and_drafts_no_transfer(self):
        self.positive()
        self.assertEqual(self.fresh(self.room).status, Room.Status.OCCUPIED)
        self.assertFalse(Transfer.objects.exists())
        self.assertFalse(Alert.objects.filter(kind=Alert.Kind.POSITIVE).exists())

    def test_it_alerts_the_medical_group_and_schedules_a_pcr_today(self):
        self.positive()
        alert = Alert.objects.get()
        self.assertEqual((alert.kind, alert.urgent, alert.for_site_head), ("suspected", True, False))
        self.assertEqual((alert.person, alert.sample), (self.person, self.antigen))
        (retest,) = self.retests()
        self.assertEqual((retest.kind, retest.scheduled_on, retest.status), ("pcr", TODAY(), "scheduled"))
        self.assertEqual(
            sorted(AuditEvent.objects.filter(person=self.person).values_list("action", flat=True)),
            ["sample.collect", "sample.extra", "sample.plan", "sample.result", "stay.check_in"],
        )

    def test_a_second_antigen_positive_the_same_day_adds_no_second_retest(self):
        self.positive()
        medical.sample_correct_result(sample=self.antigen, result="negative", reason="录入错误", by=self.nurse)
        medical.sample_correct_result(sample=self.antigen, result="positive", reason="复核仍阳性", by=self.nurse)
        self.assertEqual(len(self.retests()), 1)
        # Taking back an antigen positive says nothing about a sealed room: none was sealed.
        self.assertFalse(Alert.objects.filter(kind=Alert.Kind.CORRECTED).exists())

    def test_it_holds_the_release_until_a_pcr_is_negative(self):
        self.positive()
        reasons = medical.release_eligibility(self.fresh(self.stay)).reasons
        self.assertTrue(any("suspected until a PCR re-test is negative" in reason for reason in reasons))
        retest = medical.sample_collect(sample=self.retests()[0], by=self.nurse)
        medical.sample_record_result(sample=retest, result="negative", ct_orf1ab="38", ct_n="39", by=self.nurse)
        reasons = medical.release_eligibility(self.fresh(self.stay)).reasons
        self.assertFalse(any("suspected" in reason for reason in reasons))

    def test_a_positive_pcr_retest_confirms_it(self):
        self.positive()
        retest = medical.sample_collect(sample=self.retests()[0], by=self.nurse)
        medical.sample_record_result(sample=retest, result="positive", ct_orf1ab="24", ct_n="25", by=self.nurse)
        self.assertEqual(self.fresh(self.room).status, Room.Status.SEALED)
        self.assertTrue(Transfer.objects.filter(person=self.person).exists())
        self.assertTrue(Alert.objects.filter(kind=Alert.Kind.POSITIVE, for_site_head=True).exists())

    def test_after_leaving_it_alerts_without_a_retest(self):
        Sample.objects.filter(stay=self.stay).exclude(pk=self.antigen.pk).update(status="cancelled")
        self.stay.ended_at = timezone.now()
        self.stay.save(update_fields=["ended_at"])
        self.positive()
        self.assertEqual(self.retests(), [])
        self.assertTrue(Alert.objects.filter(kind=Alert.Kind.SUSPECTED).exists())

    def test_ct_values_are_not_read_on_an_antigen_test(self):
        self.positive(ct_orf1ab="38", ct_n="39")
        self.assertEqual(self.fresh(self.antigen).result, "positive")

    def test_the_boards_show_it_as_suspected(self):
        board, control = self.listen("medical"), self.listen("control")
        with self.captureOnCommitCallbacks(execute=True):
            self.positive()
        html = self.received(*board)
        self.assertIn("data-suspected", html)
        self.assertNotIn(">POSITIVE<", html)
        self.assertIn("k-suspected", html)
        self.assertIn("data-alert-urgent", html)
        html = self.received(*control)
        self.assertIn('data-test="suspected"', html)
        self.assertNotIn('data-status="sealed"', html)
        counters = medical_counters(self.site)
        self.assertEqual((counters["positives_today"], counters["suspected_today"]), (0, 1))

    def test_a_negative_pcr_clears_the_badge(self):
        self.positive()
        retest = medical.sample_collect(sample=self.retests()[0], by=self.nurse)
        medical.sample_record_result(sample=retest, result="negative", by=self.nurse)
        (room,) = attach_badges(self.site, [self.fresh(self.room)], only=True)
        self.assertNotEqual(room.test_badge, "suspected")
        (room,) = medical_board(self.site, floor=1)["rooms"][:1]
        self.assertFalse(room.open_stays[0].suspected)

    def test_the_board_asks_before_an_antigen_positive_in_its_own_words(self):
        self.client.force_login(self.nurse)
        board = self.client.get(reverse("medical-board"), {"floor": 1}, headers={"accept-language": "en"})
        self.assertContains(board, "It is a suspected result")


# --- 5. other groups' reports on the medical board ------------------------------------


class OtherGroupsReportsTests(MedicalTestCase, ListenMixin):
    def setUp(self):
        with frozen(9):
            self.stay = self.check_in()

    def test_a_refused_meal_and_a_medical_emergency_reach_the_board_live_and_are_acknowledged(self):
        board = self.listen("medical")
        lunch = MealSlot.objects.get(site=self.site, kind=MealSlot.Kind.LUNCH)
        with self.captureOnCommitCallbacks(execute=True), frozen(12):
            meals.meal_record(
                site=self.site, slot=lunch, day=TODAY(), room=self.room, status="refused", note="没胃口", by=self.cook
            )
        refused = Alert.objects.get(kind=Alert.Kind.MEAL_REFUSED)
        html = self.received(*board)
        self.assertIn(f'id="alert-{refused.pk}"', html)
        self.assertIn(reverse("alert-acknowledge", args=[refused.pk]), html)
        with self.captureOnCommitCallbacks(execute=True):
            security.incident_report(
                site=self.site,
                kind=Incident.Kind.MEDICAL_EMERGENCY,
                severity="high",
                description="住户晕倒",
                room=self.room,
                by=self.guard,
            )
        emergency = Alert.objects.get(kind=Alert.Kind.MEDICAL_EMERGENCY)
        html = self.received(*board)
        self.assertIn(f'id="alert-{emergency.pk}"', html)
        self.assertIn("data-alert-urgent", html)

        self.client.force_login(self.nurse)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("alert-acknowledge", args=[emergency.pk]), headers={"HX-Request": "true"}
            )
        self.assertEqual(response.status_code, 204)
        emergency.refresh_from_db()
        self.assertEqual(emergency.acknowledged_by, self.nurse)
        self.assertTrue(AuditEvent.objects.filter(action="alert.acknowledge", object_id=emergency.pk).exists())
        html = self.received(*board)
        self.assertNotIn("data-alert-urgent", html.split(f'id="alert-{emergency.pk}"')[1].split("</li>")[0])
        self.assertIn("seen by", html)
