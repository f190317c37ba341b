"""The medical services: protocol schedules, sampling, results, positives, health rounds, release."""

from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from groups.medical import services as medical
from groups.medical.models import (
    Alert,
    HealthCheck,
    ProtocolDay,
    Sample,
    SampleResult,
    SamplingPlan,
    TestProtocol,
)
from groups.medical.services import common
from groups.transfers.models import Transfer
from rooms import services
from rooms.models import AuditEvent, Person, Room, Stay
from rooms.requests import request_resolve
from rooms.roles import NotInGroup
from site_ops.models import BoardSequence
from tests.base import SiteTestCase
from tests.factories import log_request, make_person, national_id, satisfy_protocol

TODAY = timezone.localdate


def set_protocol(site, length=7, negatives=2, days=((1, "pcr"), (2, "pcr"), (3, "antigen"), (5, "pcr"), (7, "pcr"))):
    protocol, _ = TestProtocol.objects.update_or_create(
        site=site, defaults={"length_days": length, "required_negatives": negatives}
    )
    protocol.days.all().delete()
    ProtocolDay.objects.bulk_create([ProtocolDay(protocol=protocol, day=day, kind=kind) for day, kind in days])
    return protocol


class MedicalTestCase(SiteTestCase):
    def check_in(self, person=None, room=None, days_ago=0) -> Stay:
        stay = services.stay_check_in(person=person or self.person, room=room or self.room, by=self.clerk)
        if days_ago:
            started = stay.started_at - timedelta(days=days_ago)
            Stay.objects.filter(pk=stay.pk).update(started_at=started, ends_on=stay.ends_on - timedelta(days=days_ago))
            for sample in Sample.objects.filter(stay=stay):
                Sample.objects.filter(pk=sample.pk).update(scheduled_on=sample.scheduled_on - timedelta(days=days_ago))
            stay.refresh_from_db()
        return stay

    def sample(self, stay, day=1) -> Sample:
        return Sample.objects.get(stay=stay, day=day, reason=Sample.Reason.PROTOCOL)

    def collected(self, stay, day=1, **kwargs) -> Sample:
        return medical.sample_collect(sample=self.sample(stay, day), by=self.nurse, **kwargs)


class ProtocolScheduleTests(MedicalTestCase):
    def test_check_in_schedules_the_usual_protocol_when_none_is_set_up(self):
        stay = self.check_in()
        samples = list(Sample.objects.filter(stay=stay).order_by("day"))
        self.assertEqual([s.day for s in samples], [1, 2, 3, 5, 7])
        self.assertEqual(samples[0].scheduled_on, TODAY())
        self.assertEqual(samples[-1].scheduled_on, TODAY() + timedelta(days=6))
        self.assertEqual({s.status for s in samples}, {Sample.Status.SCHEDULED})
        self.assertEqual(stay.sampling_plan.required_negatives, 2)
        self.assertTrue(AuditEvent.objects.filter(action="sample.plan", person=self.person).exists())

    def test_the_site_protocol_sets_days_kinds_and_the_quarantine_length(self):
        set_protocol(self.site, length=10, negatives=3, days=((1, "pcr"), (4, "antigen"), (9, "pcr")))
        stay = self.check_in()
        self.assertEqual(stay.ends_on, TODAY() + timedelta(days=10))
        self.assertEqual(
            list(Sample.objects.filter(stay=stay).values_list("day", "kind")),
            [(1, "pcr"), (4, "antigen"), (9, "pcr")],
        )
        self.assertEqual(SamplingPlan.objects.get(stay=stay).required_negatives, 3)

    def test_a_protocol_change_applies_to_people_who_arrive_after_it(self):
        first = self.check_in()
        set_protocol(self.site, length=14, negatives=3, days=((1, "pcr"), (14, "pcr")))
        second = self.check_in(person=make_person(self.site), room=self.rooms[1])
        self.assertEqual(self.fresh(first).ends_on, TODAY() + timedelta(days=7))
        self.assertEqual(Sample.objects.filter(stay=first).count(), 5)
        self.assertEqual(second.ends_on, TODAY() + timedelta(days=14))
        self.assertEqual(Sample.objects.filter(stay=second).count(), 2)

    def test_replanning_takes_the_current_protocol_and_extends_but_never_shortens(self):
        stay = self.check_in(days_ago=2)
        satisfy_day1 = self.sample(stay, 1)
        Sample.objects.filter(pk=satisfy_day1.pk).update(
            status=Sample.Status.RESULTED, result="negative", collected_at=timezone.now() - timedelta(days=2)
        )
        set_protocol(self.site, length=10, negatives=3, days=((1, "pcr"), (4, "pcr"), (8, "pcr"), (10, "pcr")))

        medical.sampling_replan(stay=stay, by=self.nurse)

        stay.refresh_from_db()
        self.assertEqual(stay.ends_on, timezone.localdate(stay.started_at) + timedelta(days=10))
        open_days = set(Sample.objects.filter(stay=stay, status="scheduled").values_list("day", flat=True))
        # Yesterday's sample stays overdue until handled; from today on the new days count.
        self.assertEqual(open_days, {2, 4, 8, 10})
        self.assertEqual(self.fresh(satisfy_day1).status, Sample.Status.RESULTED)
        self.assertEqual(SamplingPlan.objects.get(stay=stay).required_negatives, 3)

        set_protocol(self.site, length=5, negatives=1, days=((1, "pcr"), (5, "pcr")))
        medical.sampling_replan(stay=stay, by=self.nurse)
        self.assertEqual(self.fresh(stay).ends_on, timezone.localdate(stay.started_at) + timedelta(days=10))

    def test_extension_moves_the_end_and_reschedules_the_release_samples(self):
        stay = self.check_in()
        until = stay.ends_on + timedelta(days=3)

        medical.stay_extend(stay=stay, until=until, reason="密接者阳性", by=self.nurse, version=stay.version)

        stay.refresh_from_db()
        self.assertEqual(stay.ends_on, until)
        extra = Sample.objects.filter(stay=stay, reason=Sample.Reason.EXTENSION)
        self.assertEqual(sorted(extra.values_list("day", flat=True)), [8, 10])
        self.assertEqual(max(extra.values_list("scheduled_on", flat=True)), until - timedelta(days=1))
        event = AuditEvent.objects.get(action="stay.extend")
        self.assertEqual((event.note, event.after["ends_on"]), ("密接者阳性", until.isoformat()))

    def test_an_extension_never_shortens_and_needs_a_reason(self):
        stay = self.check_in()
        for until, reason, message in (
            (stay.ends_on - timedelta(days=1), "理由", "never shortened"),
            (stay.ends_on, "理由", "never shortened"),
            (stay.ends_on + timedelta(days=2), " ", "Say why"),
        ):
            with self.subTest(until=until), self.assertRaisesMessage(services.ServiceError, message):
                medical.stay_extend(stay=stay, until=until, reason=reason, by=self.nurse)
        self.assertEqual(self.fresh(stay).ends_on, stay.ends_on)

    def test_a_stale_extension_is_a_conflict(self):
        stay = self.check_in()
        medical.stay_extend(stay=stay, until=stay.ends_on + timedelta(days=1), reason="延长", by=self.head)
        with self.assertRaisesMessage(services.Conflict, "周宁"):
            medical.stay_extend(
                stay=stay, until=stay.ends_on + timedelta(days=5), reason="延长", by=self.nurse, version=stay.version
            )


class SamplingTests(MedicalTestCase):
    def test_collecting_records_the_collector_the_time_and_the_tube(self):
        stay = self.check_in()
        sample = self.collected(stay, barcode=" T0001 ")
        sample.refresh_from_db()
        self.assertEqual((sample.status, sample.collected_by, sample.tube_barcode), ("collected", self.nurse, "T0001"))
        self.assertAlmostEqual(sample.collected_at, timezone.now(), delta=timedelta(seconds=5))
        self.assertTrue(AuditEvent.objects.filter(action="sample.collect", person=self.person).exists())

    def test_a_sample_is_not_collected_before_its_day(self):
        stay = self.check_in()
        with self.assertRaisesMessage(services.ServiceError, "collect it on that day"):
            self.collected(stay, day=3)
        self.assertEqual(self.sample(stay, 3).status, Sample.Status.SCHEDULED)

    def test_a_tube_barcode_is_used_once(self):
        stay = self.check_in()
        other = self.check_in(person=make_person(self.site), room=self.rooms[1])
        self.collected(stay, barcode="T1")
        with self.assertRaisesMessage(services.ServiceError, "already used"):
            self.collected(other, barcode="T1")
        self.assertEqual(self.sample(other).status, Sample.Status.SCHEDULED)

    def test_a_double_tap_collects_once(self):
        stay = self.check_in()
        self.collected(stay, token="tap")
        with self.assertRaises(services.AlreadySubmitted):
            self.collected(stay, token="tap")
        self.assertEqual(AuditEvent.objects.filter(action="sample.collect").count(), 1)

    def test_a_floor_round_collects_what_is_due_there_today(self):
        upstairs = self.rooms[5]
        here = [self.check_in(), self.check_in(person=make_person(self.site), room=self.rooms[1])]
        there = self.check_in(person=make_person(self.site), room=upstairs)

        count = medical.samples_collect_floor(site=self.site, floor=1, by=self.nurse)

        self.assertEqual(count, 2)
        for stay in here:
            sample = self.sample(stay)
            self.assertEqual((sample.status, sample.collected_by), (Sample.Status.COLLECTED, self.nurse))
        self.assertEqual(self.sample(there).status, Sample.Status.SCHEDULED)
        self.assertEqual(self.sample(here[0], 2).status, Sample.Status.SCHEDULED)
        with self.assertRaisesMessage(services.ServiceError, "No sample is waiting on floor 1"):
            medical.samples_collect_floor(site=self.site, floor=1, by=self.nurse)

    def test_a_sample_not_collected_on_its_day_becomes_missed_and_stays_until_handled(self):
        stay = self.check_in(days_ago=2)
        swept = medical.samples_mark_missed(site=self.site)

        self.assertEqual(swept, 2)  # days 1 and 2
        missed = self.sample(stay, 1)
        self.assertEqual(missed.status, Sample.Status.MISSED)
        self.assertTrue(missed.is_overdue)
        event = AuditEvent.objects.filter(action="sample.missed").first()
        self.assertEqual((event.actor, event.actor_name), (None, "system"))
        self.assertEqual(self.sample(stay, 3).status, Sample.Status.SCHEDULED)  # today's

        medical.sample_collect(sample=missed, by=self.nurse)
        self.assertEqual(self.fresh(missed).status, Sample.Status.COLLECTED)
        medical.sample_cancel(sample=self.sample(stay, 2), reason="本人拒绝，已报医生", by=self.nurse)
        self.assertEqual(self.sample(stay, 2).status, Sample.Status.CANCELLED)
        self.assertFalse(Sample.objects.filter(stay=stay, status=Sample.Status.MISSED).exists())

    def test_moves_not_in_the_table_are_refused(self):
        stay = self.check_in()
        scheduled = self.sample(stay)
        with self.assertRaisesMessage(services.ServiceError, "cannot become resulted"):
            medical.sample_record_result(sample=scheduled, result="negative", by=self.nurse)
        with self.assertRaisesMessage(services.ServiceError, "Only a result can be corrected"):
            medical.sample_correct_result(sample=scheduled, result="negative", reason="错了", by=self.nurse)
        collected = self.collected(stay)
        with self.assertRaisesMessage(services.ServiceError, "cannot become collected"):
            medical.sample_collect(sample=collected, by=self.nurse)
        with self.assertRaisesMessage(services.ServiceError, "cannot become cancelled"):
            medical.sample_cancel(sample=collected, reason="不要了", by=self.nurse)
        self.assertEqual(self.fresh(collected).status, Sample.Status.COLLECTED)

    def test_a_collection_recorded_by_mistake_is_taken_back_before_a_result(self):
        """The floor's button counted a refusal at the door as collected: taken back, it waits again, audited."""
        stay = self.check_in()
        sample = self.collected(stay, barcode="HX-9")
        with self.assertRaisesMessage(services.ServiceError, "Say why"):
            medical.sample_uncollect(sample=sample, reason=" ", by=self.nurse)
        medical.sample_uncollect(sample=self.fresh(sample), reason="本人拒绝，楼层按钮误记", by=self.nurse)
        sample = self.fresh(sample)
        self.assertEqual((sample.status, sample.collected_at, sample.tube_barcode), (Sample.Status.SCHEDULED, None, ""))
        event = AuditEvent.objects.get(action="sample.uncollect")
        self.assertEqual((event.before["tube_barcode"], event.note), ("HX-9", "本人拒绝，楼层按钮误记"))
        # Then recorded as not taken, today.
        medical.sample_cancel(sample=sample, reason="本人拒绝", by=self.nurse)
        self.assertEqual(self.fresh(sample).status, Sample.Status.CANCELLED)
        # A result stands: corrected, never taken back.
        resulted = self.collected(self.check_in(person=make_person(self.site, name="付莉"), room=self.rooms[2]))
        medical.sample_record_result(sample=resulted, result="negative", by=self.nurse)
        with self.assertRaisesMessage(services.ServiceError, "cannot become scheduled"):
            medical.sample_uncollect(sample=self.fresh(resulted), reason="错了", by=self.nurse)

    def test_todays_sample_can_be_recorded_as_not_taken_from_the_persons_page(self):
        stay = self.check_in()
        self.client.force_login(self.nurse)
        page = self.client.get(reverse("person-medical", args=[stay.person_id]))
        self.assertContains(page, reverse("sample-cancel", args=[self.sample(stay).pk]))
        collected = self.collected(stay)
        page = self.client.get(reverse("person-medical", args=[stay.person_id]))
        self.assertContains(page, reverse("sample-uncollect", args=[collected.pk]))
        response = self.client.post(
            reverse("sample-uncollect", args=[collected.pk]), {"reason": "记错人了", "version": collected.version}
        )
        self.assertIn(response.status_code, (200, 302))
        self.assertEqual(self.fresh(collected).status, Sample.Status.SCHEDULED)

    def test_leaving_cancels_the_samples_still_to_take_and_keeps_the_collected_one(self):
        stay = self.check_in()
        collected = self.collected(stay)
        Stay.objects.filter(pk=stay.pk).update(ends_on=TODAY())
        with transaction.atomic():
            services.end_stay(stay=self.fresh(stay), person=self.fresh(self.person), reason="transferred", by=self.head)
        statuses = dict(Sample.objects.filter(stay=stay).values_list("day", "status"))
        self.assertEqual(statuses, {1: "collected", 2: "cancelled", 3: "cancelled", 5: "cancelled", 7: "cancelled"})
        # The result of the sample taken before leaving still arrives.
        medical.sample_record_result(sample=collected, result="negative", by=self.nurse)
        self.assertEqual(self.fresh(collected).result, "negative")


class ResultTests(MedicalTestCase):
    def setUp(self):
        set_protocol(self.site, days=((1, "pcr"), (5, "pcr"), (7, "pcr")))
        self.stay = self.check_in()
        self.sample_1 = self.collected(self.stay)

    def test_a_result_is_recorded_with_its_ct_values(self):
        medical.sample_record_result(
            sample=self.sample_1, result="negative", ct_orf1ab="38.5", ct_n=None, by=self.nurse
        )
        sample = self.fresh(self.sample_1)
        self.assertEqual((sample.status, sample.result), ("resulted", "negative"))
        entry = SampleResult.objects.get(sample=sample)
        self.assertEqual((entry.ct_orf1ab, entry.ct_n, entry.entered_by), (Decimal("38.5"), None, self.nurse))

    def test_an_invalid_result_schedules_a_retest_the_next_day(self):
        medical.sample_record_result(sample=self.sample_1, result="invalid", by=self.nurse)
        retest = Sample.objects.get(stay=self.stay, reason=Sample.Reason.RETEST)
        self.assertEqual((retest.scheduled_on, retest.day, retest.kind), (TODAY() + timedelta(days=1), 2, "pcr"))

    def test_an_invalid_result_uses_a_sample_already_due_the_next_day(self):
        # A sample already due tomorrow serves as the re-test.
        common._new_sample(self.stay, day=2, kind="pcr", reason="protocol", by=self.nurse).save()
        medical.sample_record_result(sample=self.sample_1, result="invalid", by=self.nurse)
        self.assertEqual(Sample.objects.filter(stay=self.stay, scheduled_on=TODAY() + timedelta(days=1)).count(), 1)

    def test_a_result_is_never_entered_twice(self):
        medical.sample_record_result(sample=self.sample_1, result="negative", by=self.nurse)
        with self.assertRaisesMessage(services.ServiceError, "correct it if it is wrong"):
            medical.sample_record_result(sample=self.sample_1, result="positive", by=self.nurse)
        self.assertEqual(SampleResult.objects.count(), 1)

    def test_a_correction_keeps_both_results_with_who_why_and_when(self):
        medical.sample_record_result(sample=self.sample_1, result="negative", ct_orf1ab="36", by=self.nurse)
        first = SampleResult.objects.get()
        medical.sample_correct_result(
            sample=self.sample_1, result="invalid", reason="实验室复核：样本溶血", by=self.head
        )
        first.refresh_from_db()
        self.assertEqual((first.result, first.ct_orf1ab), ("negative", Decimal("36.0")))
        correction = SampleResult.objects.exclude(pk=first.pk).get()
        self.assertEqual(
            (correction.result, correction.corrects, correction.entered_by, correction.reason),
            ("invalid", first, self.head, "实验室复核：样本溶血"),
        )
        self.assertEqual(self.fresh(self.sample_1).result, "invalid")
        event = AuditEvent.objects.get(action="sample.correct")
        self.assertEqual(
            (event.before, event.after, event.note),
            ({"result": "negative"}, {"result": "invalid"}, "实验室复核：样本溶血"),
        )

    def test_a_correction_needs_a_reason_and_a_change(self):
        medical.sample_record_result(sample=self.sample_1, result="negative", by=self.nurse)
        with self.assertRaisesMessage(services.ServiceError, "Say why"):
            medical.sample_correct_result(sample=self.sample_1, result="positive", reason="", by=self.nurse)
        with self.assertRaisesMessage(services.ServiceError, "changes nothing"):
            medical.sample_correct_result(sample=self.sample_1, result="negative", reason="再看看", by=self.nurse)
        self.assertEqual(SampleResult.objects.count(), 1)

    def test_taking_back_a_positive_tells_the_site_head_and_keeps_the_room_sealed(self):
        medical.sample_record_result(sample=self.sample_1, result="positive", by=self.nurse)
        medical.sample_correct_result(sample=self.sample_1, result="negative", reason="录入错误", by=self.nurse)
        alert = Alert.objects.get(kind=Alert.Kind.CORRECTED)
        self.assertTrue(alert.for_site_head)
        self.assertEqual(self.fresh(self.room).status, Room.Status.SEALED)


class PositiveTests(MedicalTestCase):
    def setUp(self):
        self.family_room = Room.objects.create(site=self.site, number="120", floor=1, capacity=3)
        self.mother = make_person(self.site, name="王芳", household="王家")
        self.son = make_person(self.site, name="王小明", household="王家")
        self.stay = self.check_in(person=self.mother, room=self.family_room)
        self.son_stay = self.check_in(person=self.son, room=self.family_room)
        self.positive = self.collected(self.stay)

    def record_positive(self):
        return medical.sample_record_result(
            sample=self.positive, result="positive", ct_orf1ab="24.1", ct_n="22.3", by=self.nurse
        )

    def test_it_seals_room_on_positive(self):
        self.record_positive()
        room = self.fresh(self.family_room)
        self.assertEqual(room.status, Room.Status.SEALED)
        event = AuditEvent.objects.get(action="room.move", room=room)
        self.assertEqual((event.before, event.after), ({"status": "occupied"}, {"status": "sealed"}))

    def test_it_alerts_the_site_head_and_the_medical_group(self):
        self.record_positive()
        alert = Alert.objects.get(kind=Alert.Kind.POSITIVE)
        self.assertEqual(
            (alert.person, alert.room, alert.sample, alert.urgent, alert.for_site_head),
            (self.mother, self.family_room, self.positive, True, True),
        )

    def test_it_flags_the_person_and_blocks_their_release(self):
        self.record_positive()
        found = medical.release_eligibility(self.fresh(self.stay))
        self.assertIn("Positive result", " ".join(map(str, found.reasons)))

    def test_the_room_mates_get_an_extra_sample_today(self):
        self.record_positive()
        extra = Sample.objects.get(stay=self.son_stay, reason=Sample.Reason.CONTACT, scheduled_on=TODAY())
        self.assertEqual((extra.scheduled_on, extra.status), (TODAY(), Sample.Status.SCHEDULED))
        self.assertFalse(Sample.objects.filter(stay=self.stay, reason=Sample.Reason.CONTACT).exists())

    def test_the_case_s_own_round_samples_no_longer_wait(self):
        """A confirmed case is tested by the hospital: the protocol's samples still to take are cancelled, audited."""
        self.record_positive()
        waiting = Sample.objects.filter(stay=self.stay, status__in=[Sample.Status.SCHEDULED, Sample.Status.MISSED])
        self.assertFalse(waiting.exists())
        cancelled = Sample.objects.filter(stay=self.stay, status=Sample.Status.CANCELLED)
        self.assertTrue(cancelled.exists())
        self.assertIn("tested by the hospital", cancelled.first().note)
        self.assertEqual(
            AuditEvent.objects.filter(action="sample.cancel", person=self.mother).count(), cancelled.count()
        )
        # The room-mates' samples stand.
        self.assertTrue(Sample.objects.filter(stay=self.son_stay, status=Sample.Status.SCHEDULED).exists())

    def test_the_case_s_round_samples_are_cancelled_in_statements_that_do_not_grow_with_them(self):
        from groups.medical.services.results import _cancel_rounds_of_a_case

        waiting = Sample.objects.filter(stay=self.stay, status=Sample.Status.SCHEDULED, reason=Sample.Reason.PROTOCOL)
        self.assertGreater(waiting.count(), 2)
        stay = Stay.objects.select_related("person", "room", "site").get(pk=self.stay.pk)
        # The samples waiting, their update, their audit events: no read of the person for each event's label.
        with self.assertNumQueries(3):
            _cancel_rounds_of_a_case(stay, self.positive, by=self.nurse)
        self.assertFalse(waiting.exists())

    def test_a_positive_taken_back_puts_the_cancelled_samples_back(self):
        before = dict(Sample.objects.filter(stay=self.stay).values_list("pk", "status"))
        self.assertIn(Sample.Status.SCHEDULED, before.values())
        positive = self.record_positive()
        self.assertTrue(Sample.objects.filter(stay=self.stay, status=Sample.Status.CANCELLED).exists())
        with self.captureOnCommitCallbacks(execute=True):
            medical.sample_correct_result(
                sample=positive,
                result="negative",
                reason="实验室更正：样本标签错误",
                by=self.nurse,
                version=positive.version,
            )
        after = dict(Sample.objects.filter(stay=self.stay).values_list("pk", "status"))
        # Every sample is as it was before the positive, the corrected one now negative.
        self.assertEqual(
            {pk: status for pk, status in after.items() if pk != positive.pk},
            {pk: status for pk, status in before.items() if pk != positive.pk},
        )
        restored = AuditEvent.objects.filter(action="sample.restore", person=self.mother)
        self.assertEqual(
            restored.count(), AuditEvent.objects.filter(action="sample.cancel", person=self.mother).count()
        )
        self.assertIn("taken back", Sample.objects.filter(pk__in=restored.values("object_id")).first().note)

    def test_a_positive_taken_back_after_a_re_plan_adds_no_second_sample(self):
        positive = self.record_positive()
        # The nurse re-planned meanwhile (the old way): the days it planned are not planned twice.
        medical.sampling_replan(stay=self.fresh(self.stay), by=self.nurse)
        planned = Sample.objects.filter(stay=self.stay).exclude(status=Sample.Status.CANCELLED).count()
        medical.sample_correct_result(
            sample=self.fresh(positive), result="negative", reason="实验室更正", by=self.nurse
        )
        self.assertEqual(Sample.objects.filter(stay=self.stay).exclude(status=Sample.Status.CANCELLED).count(), planned)

    def test_it_drafts_an_urgent_transfer_to_the_designated_hospital(self):
        from groups.transfers.models import Transfer

        self.record_positive()
        transfer = Transfer.objects.get(person=self.mother)
        self.assertEqual(transfer.state, Transfer.State.REQUESTED)
        self.assertEqual(transfer.urgency, Transfer.Urgency.URGENT)
        self.assertEqual(transfer.destination_type, Transfer.Destination.DESIGNATED_HOSPITAL)
        self.assertEqual(transfer.destination_name, self.site.designated_hospital)
        self.assertFalse(Transfer.objects.filter(person=self.son).exists())

    def test_a_failed_transfer_draft_undoes_the_positive(self):
        from groups.transfers import services as transfers

        with (
            mock.patch.object(transfers, "transfer_request", side_effect=RuntimeError("transfer store down")),
            self.assertRaises(RuntimeError),
        ):
            self.record_positive()
        self.assertEqual(self.fresh(self.positive).status, Sample.Status.COLLECTED)
        self.assertEqual(self.fresh(self.family_room).status, Room.Status.OCCUPIED)
        self.assertFalse(Alert.objects.exists())

    def test_it_is_all_or_nothing(self):
        events = AuditEvent.objects.count()
        with (
            self.captureOnCommitCallbacks(execute=True) as callbacks,
            mock.patch.object(Alert.objects, "create", side_effect=RuntimeError("alert store down")),
            self.assertRaises(RuntimeError),
        ):
            self.record_positive()
        self.assertEqual(callbacks, [])
        self.assertEqual(self.fresh(self.positive).status, Sample.Status.COLLECTED)
        self.assertEqual(self.fresh(self.family_room).status, Room.Status.OCCUPIED)
        self.assertFalse(SampleResult.objects.exists())
        self.assertFalse(Sample.objects.filter(reason=Sample.Reason.CONTACT).exists())
        from groups.transfers.models import Transfer

        self.assertFalse(Transfer.objects.exists())
        self.assertEqual(AuditEvent.objects.count(), events)

    def test_a_second_positive_in_a_sealed_room_keeps_it_sealed_and_alerts_again(self):
        self.record_positive()
        son_sample = medical.sample_collect(sample=self.sample(self.son_stay), by=self.nurse)
        medical.sample_record_result(sample=son_sample, result="positive", by=self.nurse)
        self.assertEqual(self.fresh(self.family_room).status, Room.Status.SEALED)
        self.assertEqual(Alert.objects.filter(kind=Alert.Kind.POSITIVE).count(), 2)
        self.assertEqual(AuditEvent.objects.filter(action="room.move", room=self.family_room).count(), 1)

    def test_a_positive_after_leaving_alerts_without_sealing(self):
        Stay.objects.filter(pk=self.stay.pk).update(ends_on=TODAY())
        with transaction.atomic():
            services.end_stay(
                stay=self.fresh(self.stay), person=self.fresh(self.mother), reason="transferred", by=self.head
            )
        self.record_positive()
        self.assertEqual(self.fresh(self.family_room).status, Room.Status.OCCUPIED)
        self.assertTrue(Alert.objects.filter(kind=Alert.Kind.POSITIVE, person=self.mother).exists())
        from groups.transfers.models import Transfer

        # She has left: no transfer is drafted for her.
        self.assertFalse(Transfer.objects.exists())

    def test_it_publishes_the_room_and_everyone_in_it(self):
        BoardSequence.objects.all().delete()
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            self.record_positive()
        # The result's change and the urgent transfer it drafted go out as one broadcast, each
        # board numbered once (they were two, every board read, rendered and sent twice).
        self.assertEqual(len(callbacks), 1)
        self.assertEqual(callbacks[0].change.transfers, {Transfer.objects.get(person=self.mother).pk})
        seqs = dict(BoardSequence.objects.values_list("board", "seq"))
        self.assertEqual(set(seqs.values()), {1})
        # The disinfection board shows sealed rooms; the catering board shows
        # a sealed room's meals as contactless; the security board guards its door.
        keys = ["control", "general", "medical", "disinfection", "catering", "security", f"room-{self.family_room.pk}"]
        keys += [f"person-{self.mother.pk}", f"person-{self.son.pk}", "transfers"]
        keys += [f"medperson-{self.mother.pk}", f"medperson-{self.son.pk}"]
        keys += [f"health-round-{round_}-{self.family_room.floor}" for round_ in ("am", "pm")]
        transfer = Transfer.objects.get(person=self.mother)
        keys += [f"transfer-{transfer.pk}", f"escort-{transfer.pk}"]
        self.assertEqual(sorted(seqs), sorted(keys))


class EligibilityTests(MedicalTestCase):
    def setUp(self):
        set_protocol(self.site, length=7, negatives=2, days=((1, "pcr"), (5, "pcr"), (7, "pcr")))
        self.stay = self.check_in(days_ago=7)

    def result(self, day, result, hours_ago):
        sample = self.sample(self.stay, day)
        Sample.objects.filter(pk=sample.pk).update(
            status="resulted", result=result, collected_at=timezone.now() - timedelta(hours=hours_ago)
        )

    def reasons(self):
        return medical.release_eligibility(self.fresh(self.stay)).reasons

    def test_two_negatives_in_a_row_with_nothing_open_is_eligible(self):
        self.result(1, "negative", 150)
        self.result(5, "negative", 50)
        self.result(7, "negative", 5)
        self.assertEqual(self.reasons(), [])

    def test_a_missing_result_says_how_many_negatives_are_in_hand(self):
        self.result(1, "negative", 150)
        self.result(5, "invalid", 50)
        reasons = self.reasons()
        self.assertIn("2 negative results in a row needed; 1 so far.", reasons)
        self.assertTrue(any("not collected" in reason for reason in reasons))

    def test_invalid_results_do_not_break_or_count_towards_the_run(self):
        self.result(1, "negative", 150)
        self.result(5, "negative", 50)
        self.result(7, "invalid", 5)
        self.assertEqual(self.reasons(), [])

    def test_a_positive_is_never_released_by_later_negatives(self):
        self.result(1, "positive", 150)
        self.result(5, "negative", 50)
        self.result(7, "negative", 5)
        self.assertEqual(len(self.reasons()), 1)
        self.assertIn("Positive result", self.reasons()[0])

    def test_a_result_pending_blocks_release(self):
        self.result(1, "negative", 150)
        self.result(5, "negative", 50)
        Sample.objects.filter(pk=self.sample(self.stay, 7).pk).update(status="collected", collected_at=timezone.now())
        self.assertTrue(any("Result pending" in reason for reason in self.reasons()))

    def test_two_samples_due_today_are_one_reason(self):
        self.result(1, "negative", 150)
        self.result(5, "negative", 50)
        Sample.objects.filter(pk=self.sample(self.stay, 7).pk).update(scheduled_on=TODAY())
        extra = Sample.objects.get(pk=self.sample(self.stay, 7).pk)
        extra.pk, extra.reason = None, Sample.Reason.CONTACT
        extra.save()
        self.assertEqual([str(reason) for reason in self.reasons()].count("Today's sample not collected yet."), 1)

    def test_a_sealed_room_blocks_release(self):
        for day, hours in ((1, 150), (5, 50), (7, 5)):
            self.result(day, "negative", hours)
        Room.objects.filter(pk=self.room.pk).update(status=Room.Status.SEALED)
        self.assertEqual(self.reasons(), ["Room 101 is sealed."])

    def test_release_is_refused_with_the_reason_and_changes_nothing(self):
        self.result(1, "negative", 150)
        with self.assertRaisesMessage(services.ServiceError, "cannot be released yet: Sample due"):
            services.stay_release(person=self.person, by=self.clerk)
        self.assertEqual(self.fresh(self.person).status, Person.Status.IN_ISOLATION)
        self.assertFalse(AuditEvent.objects.filter(action="stay.release").exists())

    def test_an_eligible_person_is_released(self):
        satisfy_protocol(self.stay)
        services.stay_release(person=self.person, by=self.clerk)
        self.assertEqual(self.fresh(self.person).status, Person.Status.RELEASED)


class HealthRoundTests(MedicalTestCase):
    def setUp(self):
        self.stay = self.check_in()
        self.other = make_person(self.site, name="赵敏", special_needs=["pregnant"])
        self.check_in(person=self.other, room=self.rooms[1])

    def record(self, *entries, round="am", by=None, day=None):
        return medical.health_round_record(
            site=self.site, day=day or TODAY(), round=round, entries=list(entries), by=by or self.nurse
        )

    def test_a_round_records_a_row_per_person(self):
        saved = self.record(
            {"person": self.person, "temperature": "36.6", "mood": "stable"},
            {"person": self.other, "outcome": "refused"},
        )
        self.assertEqual(len(saved), 2)
        normal = HealthCheck.objects.get(person=self.person)
        self.assertEqual((normal.temperature, normal.mood, normal.recorded_by), (Decimal("36.6"), "stable", self.nurse))
        refused = HealthCheck.objects.get(person=self.other)
        self.assertEqual((refused.outcome, refused.temperature), ("refused", None))
        self.assertFalse(Alert.objects.exists())

    def test_fever_symptoms_and_distress_alert_the_medical_group(self):
        self.record(
            {"person": self.person, "temperature": "37.3"},
            {"person": self.other, "temperature": "36.5", "symptoms": ["cough"], "mood": "distressed"},
        )
        kinds = dict(Alert.objects.values_list("person__name", "kind"))
        self.assertEqual(kinds, {"李秀英": "fever", "赵敏": "symptoms"})
        self.assertFalse(Alert.objects.filter(for_site_head=True).exists())

    def test_a_corrected_reading_updates_the_check_and_alerts_once(self):
        self.record({"person": self.person, "temperature": "36.8"})
        check = HealthCheck.objects.get()
        self.record({"person": self.person, "temperature": "38.1", "version": check.version})
        self.record({"person": self.person, "temperature": "38.4", "version": check.version + 1})
        check.refresh_from_db()
        self.assertEqual((check.temperature, check.version), (Decimal("38.4"), 3))
        self.assertEqual(Alert.objects.count(), 1)
        self.assertEqual(AuditEvent.objects.filter(action="health.record").count(), 3)

    def test_a_fever_corrected_to_no_fever_closes_its_alert_saying_what_it_was(self):
        """38.2 typed for 36.2: the fever alert no longer shows 36.2 as a fever, nor waits on the handover."""
        self.record({"person": self.person, "temperature": "38.2"})
        check = HealthCheck.objects.get()
        alert = Alert.objects.get(kind=Alert.Kind.FEVER)
        self.record({"person": self.person, "temperature": "36.2", "version": check.version})
        alert.refresh_from_db()
        self.assertFalse(alert.is_open)
        self.assertEqual((alert.acknowledged_by, alert.note), (self.nurse, "corrected by nurse: was 38.2 °C"))
        event = AuditEvent.objects.filter(action="health.record").order_by("-pk").first()
        self.assertEqual((event.before["temperature"], event.after["temperature"]), ("38.2", "36.2"))
        self.client.force_login(self.nurse)
        page = self.client.get(reverse("medical-board"))
        self.assertContains(page, "corrected by nurse: was 38.2 °C")
        self.assertNotContains(page, "36.2 °C (morning)")

    def test_a_stale_row_is_a_conflict(self):
        self.record({"person": self.person, "temperature": "36.8"}, by=self.head)
        with self.assertRaisesMessage(services.Conflict, "周宁"):
            self.record({"person": self.person, "temperature": "37.0", "version": 0})

    def test_impossible_readings_and_missing_temperatures_are_refused(self):
        for entry, message in (
            ({"person": self.person, "temperature": "3.7"}, "cannot be right"),
            ({"person": self.person, "outcome": "checked"}, "temperature of 李秀英 is missing"),
            ({"person": self.person, "temperature": "36.5", "symptoms": ["hiccups"]}, "Unknown symptom"),
        ):
            with self.subTest(entry=entry), self.assertRaisesMessage(services.ServiceError, message):
                self.record(entry)
        self.assertFalse(HealthCheck.objects.exists())

    def test_only_people_in_isolation_here_and_no_future_rounds(self):
        with self.assertRaisesMessage(services.ServiceError, "not in isolation"):
            self.record({"person": make_person(self.site), "temperature": "36.5"})
        with self.assertRaisesMessage(services.ServiceError, "still to come"):
            self.record({"person": self.person, "temperature": "36.5"}, day=TODAY() + timedelta(days=1))


class MedicineAndAlertTests(MedicalTestCase):
    def test_a_medicine_request_is_open_until_resolved(self):
        self.check_in()
        medical.medicine_need_add(person=self.person, by=self.nurse, name="硝苯地平缓释片", dose="每日一次 10mg")
        request = log_request(self.person, self.nurse, "布洛芬")
        self.assertEqual((request.status, request.group), ("open", "medical"))
        request_resolve(request=request, by=self.nurse, outcome="已送达")
        request.refresh_from_db()
        self.assertEqual((request.status, request.closed_by), ("resolved", self.nurse))
        with self.assertRaisesMessage(services.ServiceError, "already resolved"):
            request_resolve(request=request, by=self.nurse, outcome="again")

    def test_acknowledging_an_alert_records_who_and_when_once(self):
        stay = self.check_in()
        medical.sample_record_result(sample=self.collected(stay), result="positive", by=self.nurse)
        alert = Alert.objects.get()
        medical.alert_acknowledge(alert=alert, by=self.head)
        medical.alert_acknowledge(alert=alert, by=self.nurse)
        alert.refresh_from_db()
        self.assertEqual(alert.acknowledged_by, self.head)
        self.assertEqual(AuditEvent.objects.filter(action="alert.acknowledge").count(), 1)


class PermissionTests(MedicalTestCase):
    def test_only_the_medical_group_and_the_site_head_record_medical_data(self):
        stay = self.check_in()
        sample = self.sample(stay)
        security = self.guard
        cleaner = self.cleaner
        calls = {
            "collect": lambda by: medical.sample_collect(sample=sample, by=by),
            "floor": lambda by: medical.samples_collect_floor(site=self.site, floor=1, by=by),
            "result": lambda by: medical.sample_record_result(sample=sample, result="negative", by=by),
            "health": lambda by: medical.health_round_record(
                site=self.site, day=TODAY(), round="am", entries=[{"person": self.person, "temperature": 36}], by=by
            ),
            "extend": lambda by: medical.stay_extend(
                stay=stay, until=stay.ends_on + timedelta(days=1), reason="x", by=by
            ),
            "import": lambda by: medical.lab_import_preview(site=self.site, by=by, filename="a.csv", content=b""),
        }
        for name, call in calls.items():
            for user in (self.clerk, self.cook, security, cleaner, self.outsider):
                with self.subTest(call=name, user=user.username), self.assertRaises(NotInGroup):
                    call(user)
        self.assertEqual(self.fresh(sample).status, Sample.Status.SCHEDULED)
        self.assertFalse(HealthCheck.objects.exists())


class LabImportTests(MedicalTestCase):
    def setUp(self):
        self.stay = self.check_in()
        self.other = make_person(self.site, name="陈杰")
        self.other_stay = self.check_in(person=self.other, room=self.rooms[1])
        self.tube = self.collected(self.stay, barcode="HX-1")
        self.by_id = self.collected(self.other_stay)

    def sheet(self, *lines, header="条码,身份证号,结果,ORF1ab,N,报告时间"):
        return ("\n".join([header, *lines]) + "\n").encode("utf-8-sig")

    def preview(self, content, filename="lab.csv"):
        return medical.lab_import_preview(site=self.site, by=self.nurse, filename=filename, content=content)

    def codes(self, imported):
        return [(row["line"], row["code"]) for row in imported.rows]

    def test_the_preview_says_line_by_line_what_matched_and_applies_nothing(self):
        imported = self.preview(
            self.sheet(
                f"HX-1,,阴性,,,{timezone.localtime():%Y-%m-%d %H:%M}",
                f",{self.other.national_id},positive,23.5,24.1,",
                "HX-404,,阴性,,,",
                "HX-1,,阴性,,,",
                ",500990199001011234,阴性,,,",
                ",,阴性,,,",
                "HX-2,,maybe,,,",
                "HX-3,,阴性,abc,,",
                "HX-4,,阴性,,,yesterday",
            )
        )
        self.assertEqual(
            self.codes(imported),
            [
                (2, "apply"),
                (3, "apply"),
                (4, "no_barcode"),
                (5, "duplicate"),
                (6, "bad_id"),
                (7, "no_key"),
                (8, "bad_result"),
                (9, "bad_ct"),
                (10, "bad_time"),
            ],
        )
        lines = imported.lines()
        self.assertEqual(lines[3]["message"], "the same sample as line 2")
        self.assertEqual(lines[6]["message"], "result not understood: “maybe”")
        self.assertEqual(lines[1]["national_id"], self.other.national_id_masked)
        self.assertNotIn(self.other.national_id, str(imported.rows))
        self.assertFalse(SampleResult.objects.exists())
        self.assertEqual(self.fresh(self.tube).status, Sample.Status.COLLECTED)

    def test_a_line_naming_someone_else_is_not_recorded(self):
        """The lab's name column against the person the tube is: a wrong label never puts a result on them."""
        name = self.person.name
        masked = name[0] + "*" * (len(name) - 1)
        imported = self.preview(
            self.sheet(
                "HX-1,陈杰,,阳性,25,27",
                f", {self.other.name} ,{self.other.national_id},阴性,,",
                header="条码,姓名,身份证号,结果,ORF1ab,N",
            )
        )
        self.assertEqual(self.codes(imported), [(2, "name_differs"), (3, "apply")])
        self.assertEqual(
            imported.lines()[0]["message"],
            "the sheet names 陈杰, not the person this tube is: check the tube with the lab",
        )
        self.assertEqual(medical.lab_import_apply(lab_import=imported, by=self.nurse), 1)
        self.assertEqual(self.fresh(self.tube).status, Sample.Status.COLLECTED)
        # A lab's masked name, or full-width and spaced, is the person's.
        imported = self.preview(self.sheet(f"HX-1,{masked},阴性,,", header="条码,受检者姓名,结果,ORF1ab,N"))
        self.assertEqual(self.codes(imported), [(2, "apply")])

    def test_a_positive_line_that_cannot_be_recorded_alerts_at_once(self):
        """A mistyped barcode on a positive: nothing else in the sheet to record, and still the alert."""
        from groups.medical.models import Alert

        sheet = self.sheet("HX-9,,阳性,21,22,", "HX-1,,阴性,,,", ",500990199001011234,阳性,,,")
        with self.captureOnCommitCallbacks(execute=True):
            imported = self.preview(sheet)
        alert = Alert.objects.get(kind=Alert.Kind.UNRECORDED_POSITIVE)
        self.assertEqual(
            (alert.urgent, alert.for_site_head, alert.person, alert.raised_by), (True, True, None, self.nurse)
        )
        self.assertIn("line 2: a positive (HX-9) was not recorded: no sample has tube barcode HX-9", alert.note)
        # A line that cannot be read as an ID names nobody's full number; a negative raises nothing.
        self.assertEqual(Alert.objects.count(), 1)
        # Previewed again: no second alert while the first is open.
        self.preview(sheet)
        self.assertEqual(Alert.objects.count(), 1)
        self.client.force_login(self.nurse)
        page = self.client.get(reverse("lab-import-preview", args=[imported.pk]))
        self.assertContains(page, "1 positive line cannot be recorded")
        self.assertContains(self.client.get(reverse("medical-board")), "a positive (HX-9) was not recorded")

    def test_two_lines_that_disagree_on_one_tube_record_neither(self):
        """A negative on line 2 and a positive on line 3 for the same tube: the positive was dropped before."""
        imported = self.preview(self.sheet("HX-1,,阴性,,,", "HX-1,,阳性,25,27,"))
        self.assertEqual(self.codes(imported), [(2, "conflicting"), (3, "conflicting")])
        self.assertEqual(imported.count("apply"), 0)
        self.assertIn("lines 2、3 give this sample different results", imported.lines()[0]["message"])
        self.assertEqual(medical.lab_import_apply(lab_import=imported, by=self.nurse), 0)
        self.assertEqual(self.fresh(self.tube).status, Sample.Status.COLLECTED)

    def test_a_tube_is_one_code_whatever_its_case_or_spaces(self):
        stay = self.check_in(person=make_person(self.site, name="万佳"), room=self.rooms[2])
        sample = self.collected(stay, barcode=" hxs 12070005 ")
        self.assertEqual(self.fresh(sample).tube_barcode, "HXS12070005")
        imported = self.preview(self.sheet("HXS12070005,,阴性（-）,>40,≥40,", "hx-1,,Negative (NEG),,,"))
        self.assertEqual(self.codes(imported), [(2, "apply"), (3, "apply")])

    def test_tubes_typed_before_in_lower_case_are_made_capitals_unless_another_holds_the_code(self):
        import importlib

        from django.apps import apps

        migration = importlib.import_module("groups.medical.migrations.0012_tube_codes_in_capitals")
        Sample.objects.filter(pk=self.tube.pk).update(tube_barcode="hx-1")
        stay = self.check_in(person=make_person(self.site, name="万佳"), room=self.rooms[2])
        clash = self.collected(stay, barcode="HX-2")
        other = Sample.objects.filter(stay=stay).exclude(pk=clash.pk).first()
        Sample.objects.filter(pk=other.pk).update(tube_barcode="hx-2 ")
        migration.normalise(apps, None)
        self.assertEqual(self.fresh(self.tube).tube_barcode, "HX-1")
        self.assertEqual(self.fresh(other).tube_barcode, "hx-2 ")  # HX-2 is another tube's: left, not lost
        imported = self.preview(self.sheet("HX-1,,阴性,,,"))
        self.assertEqual(self.codes(imported), [(2, "apply")])

    def test_ct_values_on_an_antigen_tube_are_the_wrong_tube(self):
        stay = self.check_in(person=make_person(self.site, name="徐宏伟"), room=self.rooms[3])
        antigen = Sample.objects.filter(stay=stay).first()
        Sample.objects.filter(pk=antigen.pk).update(kind=Sample.Kind.ANTIGEN)
        self.collected(stay, barcode="AG-1")
        imported = self.preview(self.sheet("AG-1,,阴性,36,37,"))
        self.assertEqual(self.codes(imported), [(2, "ct_for_antigen")])
        self.assertIn("the tube is an antigen test", imported.lines()[0]["message"])

    def test_a_report_time_still_to_come_or_before_the_sample_was_taken_is_not_applied(self):
        now = timezone.localtime()
        imported = self.preview(
            self.sheet(
                f"HX-1,,阴性,,,{now + timedelta(days=1):%Y-%m-%d %H:%M}",
                f",{self.other.national_id},阴性,,,{now - timedelta(days=1):%Y-%m-%d %H:%M}",
            )
        )
        self.assertEqual(self.codes(imported), [(2, "future_time"), (3, "before_collection")])
        self.assertIn("before the sample was taken", imported.lines()[1]["message"])
        self.assertEqual(medical.lab_import_apply(lab_import=imported, by=self.nurse), 0)
        self.assertFalse(SampleResult.objects.exists())
        # A lab's clock a few minutes ahead, or a report time to the minute, is no error.
        imported = self.preview(self.sheet(f"HX-1,,阴性,,,{now + timedelta(minutes=2):%Y-%m-%d %H:%M}"))
        self.assertEqual(self.codes(imported), [(2, "apply")])

    def test_applying_records_the_results_and_escalates_a_positive(self):
        imported = self.preview(self.sheet("HX-1,,阴性,,,", f",{self.other.national_id},阳性,23.5,24.1,"))
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            count = medical.lab_import_apply(lab_import=imported, by=self.nurse)
        # One broadcast: the positive first, with its seal and the urgent transfer it drafted, and the
        # sheet's negatives after it, each with its own numbers.
        self.assertEqual((count, len(callbacks)), (2, 1))
        negatives_change = callbacks[0].change
        ((positive_change, numbers),) = negatives_change.leads
        self.assertIn("medical", dict(numbers))
        self.assertEqual(len(positive_change.transfers), 1)
        self.assertEqual(positive_change.sealed, {self.rooms[1].pk})
        self.assertEqual(negatives_change.rooms, {self.fresh(self.tube).stay.room_id})
        self.assertEqual(negatives_change.transfers, set())
        self.assertEqual(self.fresh(self.tube).result, "negative")
        positive = SampleResult.objects.get(sample=self.by_id)
        self.assertEqual((positive.result, positive.source, positive.lab_import), ("positive", "import", imported))
        self.assertEqual(positive.ct_n, Decimal("24.1"))
        self.assertEqual(self.fresh(self.rooms[1]).status, Room.Status.SEALED)

    def test_a_sheet_of_negatives_is_written_in_statements_that_do_not_grow_with_it(self):
        def apply(count, first):
            tubes = []
            for index in range(count):
                person = make_person(self.site, name=f"周{first + index}")
                stay = self.check_in(person=person, room=self.rooms[first + index])
                tubes.append(self.collected(stay, barcode=f"NB-{first + index}"))
            lines = [f"{tube.tube_barcode},,阴性,36.5,37,{timezone.localtime():%Y-%m-%d %H:%M}" for tube in tubes]
            imported = self.preview(self.sheet(*lines))
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(medical.lab_import_apply(lab_import=imported, by=self.nurse), count)
            return tubes, imported, len(queries)

        _, _, two = apply(2, 2)
        tubes, imported, six = apply(6, 4)
        self.assertEqual(two, six)
        for tube in tubes:
            was = tube.version
            fresh = self.fresh(tube)
            self.assertEqual((fresh.status, fresh.result, fresh.version), ("resulted", "negative", was + 1))
            self.assertEqual(fresh.updated_by, self.nurse)
            result = fresh.results.get()
            self.assertEqual((result.source, result.lab_import, result.ct_n), ("import", imported, Decimal("37")))
            event = AuditEvent.objects.get(action="sample.result", object_id=tube.pk)
            after = {"result": "negative", "ct_orf1ab": "36.5", "ct_n": "37.0"}
            self.assertEqual((event.room_id, event.after), (tube.stay.room_id, after))

    def test_a_negative_its_ct_values_contradict_stops_the_sheet(self):
        imported = self.preview(self.sheet("HX-1,,阴性,,,"))
        imported.rows[0]["ct_n"] = "20"  # changed behind the preview's back
        imported.save()
        with self.assertRaisesMessage(services.ServiceError, "By the protocol"):
            medical.lab_import_apply(lab_import=imported, by=self.nurse)
        self.assertEqual(self.fresh(self.tube).status, Sample.Status.COLLECTED)
        self.assertFalse(SampleResult.objects.exists())

    def test_a_sheet_imported_again_records_nothing_twice(self):
        reported = f"{timezone.localtime():%Y-%m-%d %H:%M}"
        content = self.sheet(f"HX-1,,阴性,,,{reported}", f",{self.other.national_id},阴性,,,{reported}")
        medical.lab_import_apply(lab_import=self.preview(content), by=self.nurse)
        again = self.preview(content)
        self.assertEqual(self.codes(again), [(2, "already"), (3, "already")])
        self.assertEqual(medical.lab_import_apply(lab_import=again, by=self.nurse), 0)
        self.assertEqual(SampleResult.objects.count(), 2)

    def test_a_sheet_that_disagrees_with_a_recorded_result_is_not_applied(self):
        medical.sample_record_result(sample=self.tube, result="negative", by=self.nurse)
        imported = self.preview(self.sheet("HX-1,,阳性,,,"))
        self.assertEqual(self.codes(imported), [(2, "differs")])
        self.assertIn("the recorded result is negative", imported.lines()[0]["message"])

    def test_a_preview_is_applied_once_and_rechecked(self):
        imported = self.preview(self.sheet("HX-1,,阴性,,,"))
        medical.sample_record_result(sample=self.tube, result="negative", by=self.head)
        self.assertEqual(medical.lab_import_apply(lab_import=imported, by=self.nurse), 0)
        self.assertEqual(self.fresh(imported).rows[0]["code"], "changed")
        with self.assertRaisesMessage(services.ServiceError, "already applied"):
            medical.lab_import_apply(lab_import=imported, by=self.nurse)
        self.assertEqual(SampleResult.objects.count(), 1)

    def test_a_person_with_no_sample_awaiting_a_result_is_reported(self):
        imported = self.preview(self.sheet(f",{self.person.national_id},阴性,,,"))
        # The person's collected sample matches; once resulted, a different result finds none waiting.
        self.assertEqual(self.codes(imported), [(2, "apply")])
        medical.lab_import_apply(lab_import=imported, by=self.nurse)
        imported = self.preview(self.sheet(f",{self.person.national_id},阳性,,,"))
        self.assertEqual(self.codes(imported), [(2, "no_sample")])

    def test_lines_by_id_number_are_matched_in_the_same_queries_however_many(self):
        """A morning's sheet names a hundred people: their people, samples and results are read once for
        the sheet, not two or three queries a line."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        def queries(content):
            with CaptureQueriesContext(connection) as captured:
                imported = self.preview(content)
            return len(captured), imported

        one, _imported = queries(self.sheet(f",{self.other.national_id},阴性,,,"))
        more = [make_person(self.site) for _ in range(4)]
        for person, room in zip(more, self.rooms[2:6], strict=True):
            self.collected(self.check_in(person=person, room=room))
        lines = [f",{person.national_id},阴性,,," for person in [self.other, *more]]
        nobody = national_id(date(1990, 1, 1))  # well formed, and nobody's here
        many, imported = queries(self.sheet(*lines, f",{nobody},阴性,,,"))
        self.assertEqual(many, one)
        self.assertEqual(self.codes(imported), [*((line, "apply") for line in range(2, 7)), (7, "no_person")])

    def test_a_sheet_without_the_needed_columns_is_refused(self):
        with self.assertRaisesMessage(services.ServiceError, "needs a result column"):
            self.preview(self.sheet("1,2", header="姓名,电话"))
        with self.assertRaisesMessage(services.ServiceError, "as a .csv or .xlsx file"):
            self.preview(b"x", filename="lab.pdf")

    def test_a_gb18030_csv_from_excel_is_read(self):
        imported = self.preview("条码,结果\nHX-1,阴性\n".encode("gb18030"))
        self.assertEqual(self.codes(imported), [(2, "apply")])


class MarkMissedCommandTests(MedicalTestCase):
    def test_the_command_marks_every_sites_overdue_samples(self):
        from io import StringIO

        from django.core.management import call_command

        stay = self.check_in(days_ago=1)
        out = StringIO()
        with self.settings(LANGUAGE_CODE="zh-hans"):
            call_command("mark_missed_samples", stdout=out)
        self.assertIn("1 samples missed", out.getvalue())
        self.assertEqual(self.sample(stay, 1).status, Sample.Status.MISSED)
        self.assertEqual(AuditEvent.objects.get(action="sample.missed").actor_name, "系统")


class DemoTests(MedicalTestCase):
    def test_the_demo_site_tells_the_medical_groups_day_and_keeps_the_invariants(self):
        from io import StringIO

        from django.core.management import call_command

        from groups.general.board import general_board
        from rooms.models import Site

        # seed_demo loads only into an empty database; this one has the test site.
        with mock.patch.object(Site.objects, "exists", return_value=False):
            call_command("seed_demo", stdout=StringIO())
        demo = Site.objects.get(name="合信石隔离点")
        self.assertEqual(TestProtocol.objects.get(site=demo).required_negatives, 2)
        resulted = Sample.objects.filter(site=demo, status=Sample.Status.RESULTED)
        self.assertEqual(resulted.count(), SampleResult.objects.filter(sample__site=demo).count())
        sealed = Room.objects.get(site=demo, status=Room.Status.SEALED)
        alert = Alert.objects.get(site=demo, kind=Alert.Kind.POSITIVE)
        self.assertEqual((alert.room, alert.acknowledged_at), (sealed, None))
        releases = [stay for stay in general_board(demo)["releases"] if stay.ends_on <= TODAY()]
        self.assertTrue(any(stay.eligibility.ok for stay in releases))
        self.assertTrue(any(not stay.eligibility.ok for stay in releases))
        self.assertFalse(Sample.objects.filter(site=demo, stay__ended_at__isnull=False, status="scheduled").exists())
