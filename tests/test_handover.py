"""Shift handover (交接班): shift changes, what each group leaves open, giving and acknowledging, live, views."""

import asyncio
from datetime import time, timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from groups.catering.models import MealDelivery, MealSlot
from groups.disinfection.models import DisinfectionTask
from groups.medical.models import Alert, Sample
from groups.security.models import CheckpointEntry, Incident
from groups.transfers import services as transfers
from rooms import handover as handovers
from rooms import services
from rooms.models import AuditEvent, Handover, Room, Shift, Stay
from rooms.requests import request_resolve
from rooms.roles import NotInGroup, Role
from site_ops import live
from site_ops.boards import Change, board_for_key
from site_ops.models import BoardSequence
from tests.base import SiteTestCase, ViewAccessMixin
from tests.clock import frozen, local
from tests.factories import log_request, make_person, make_site, make_user


def texts(items: list[dict]) -> list[str]:
    return [item["text"] for item in items]


class ShiftChangeTests(SiteTestCase):
    def change_at(self, hour, minute=0, days=0, group=Role.MEDICAL):
        return handovers.current_change(self.site, group, local(hour, minute, days))

    def test_a_new_site_has_a_day_and_a_night_shift_for_every_group(self):
        shifts = Shift.objects.filter(site=self.site)
        self.assertEqual(shifts.count(), 10)
        self.assertEqual(
            set(shifts.filter(group=Role.SECURITY).values_list("starts", "ends")),
            {(time(8), time(20)), (time(20), time(8))},
        )

    def test_the_change_is_the_coming_one_or_the_last_for_a_while_after_it(self):
        self.assertEqual(self.change_at(19, 40).at, local(20))
        self.assertEqual(self.change_at(20, 30).at, local(20))
        self.assertEqual(self.change_at(21, 59).at, local(20))
        self.assertEqual(self.change_at(22, 0).at, local(8, days=1))
        self.assertEqual(self.change_at(7, 0).at, local(8))
        change = self.change_at(19, 40)
        self.assertEqual((change.outgoing.starts, change.incoming.starts), (time(8), time(20)))
        self.assertEqual(change.since, local(8))
        self.assertEqual(self.change_at(20, 30).since, local(20))

    def test_a_night_shift_crosses_midnight(self):
        # At 21:00 the day shift may still hand over the 20:00 change.
        change = self.change_at(21, 0)
        self.assertEqual(change.at, local(20))
        self.assertEqual((change.incoming.starts, change.incoming.ends), (time(20), time(8)))
        # At 01:55 a handover is the night shift's, for 08:00 this morning when it goes
        # (it used to be filed against the 20:00 change behind it, the nearest).
        for hour, minute in ((1, 55), (1, 0), (5, 0)):
            change = self.change_at(hour, minute)
            self.assertEqual(change.at, local(8))
            self.assertEqual(change.outgoing.starts, time(20))
            self.assertEqual(change.since, local(20, days=-1))

    def test_mid_shift_the_coming_change_is_handed_over(self):
        self.assertEqual(self.change_at(14, 0).at, local(20))
        self.assertEqual(self.change_at(10, 30).at, local(20))

    def test_shifts_are_per_group_site_data(self):
        Shift.objects.filter(site=self.site, group=Role.CATERING).delete()
        Shift.objects.bulk_create(
            [
                Shift(site=self.site, group=Role.CATERING, starts=time(6), ends=time(14)),
                Shift(site=self.site, group=Role.CATERING, starts=time(14), ends=time(22)),
                Shift(site=self.site, group=Role.CATERING, starts=time(22), ends=time(6)),
            ]
        )
        self.assertEqual(self.change_at(13, 0, group=Role.CATERING).at, local(14))
        self.assertEqual(self.change_at(15, 0, group=Role.CATERING).at, local(14))
        # Shifts of two hours: a change is handed over late for an hour at most, half the shift.
        Shift.objects.filter(site=self.site, group=Role.SECURITY).delete()
        Shift.objects.bulk_create(
            Shift(site=self.site, group=Role.SECURITY, starts=time(h), ends=time((h + 2) % 24)) for h in range(0, 24, 2)
        )
        self.assertEqual(self.change_at(10, 59, group=Role.SECURITY).at, local(10))
        self.assertEqual(self.change_at(11, 0, group=Role.SECURITY).at, local(12))
        self.assertEqual(self.change_at(9, 0, group=Role.MEDICAL).at, local(8))
        self.assertEqual(self.change_at(13, 0, group=Role.MEDICAL).at, local(20))

    def test_a_group_without_shifts_falls_back_to_the_defaults(self):
        Shift.objects.filter(site=self.site, group=Role.GENERAL).delete()
        self.assertEqual(self.change_at(19, 0, group=Role.GENERAL).at, local(20))


class EveningMixin:
    """The clock at 19:40, twenty minutes before the 20:00 shift change: a handover given now may be
    acknowledged (from 19:00). A test sets another time inside it with ``frozen``."""

    def setUp(self):
        super().setUp()
        evening = frozen(19, 40)
        evening.__enter__()
        self.addCleanup(evening.__exit__, None, None, None)


class HandoverServiceTests(EveningMixin, SiteTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.nurse2 = make_user("nurse2", cls.site, Role.MEDICAL, first_name="敏", last_name="黄")

    def give(self, by=None, **kwargs):
        kwargs.setdefault("notes", "302 夜里发热, 请复测体温")
        return services.handover_give(site=self.site, group=Role.MEDICAL, by=by or self.nurse, **kwargs)

    def test_the_outgoing_member_hands_over_with_notes_and_the_list(self):
        with frozen(19, 40):
            handover = self.give()
        self.assertEqual(handover.change_at, local(20))
        self.assertEqual(handover.handed_over_by, self.nurse)
        self.assertEqual(handover.notes, "302 夜里发热, 请复测体温")
        self.assertEqual(
            [section["key"] for section in handover.open_items],
            ["requests", "overdue_samples", "open_alerts", "results_awaited", "transfers", "care_due"],
        )
        self.assertFalse(handover.is_acknowledged)
        self.assertIn("08:00-20:00", handover.outgoing)

    def test_the_list_is_kept_as_it_was_at_hand_over(self):
        services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        Stay.objects.get(person=self.person)
        alert = Alert.objects.create(site=self.site, kind=Alert.Kind.FEVER, person=self.person, room=self.room)
        handover = self.give()
        Alert.objects.filter(pk=alert.pk).update(acknowledged_at=timezone.now())
        log_request(self.person, self.nurse, "布洛芬")
        kept = {section["key"]: section["items"] for section in self.fresh(handover).open_items}
        self.assertEqual(len(kept["open_alerts"]), 1)
        self.assertEqual(kept["requests"], [])

    def test_an_incoming_member_acknowledges(self):
        handover = self.give()
        services.handover_acknowledge(handover=handover, by=self.nurse2, version=handover.version)
        handover = self.fresh(handover)
        self.assertEqual(handover.acknowledged_by, self.nurse2)
        self.assertTrue(handover.is_acknowledged)
        self.assertEqual(handover.version, 2)

    def test_both_steps_are_audited(self):
        handover = self.give()
        services.handover_acknowledge(handover=handover, by=self.nurse2, version=handover.version)
        events = list(AuditEvent.objects.filter(object_type="handover").order_by("pk"))
        self.assertEqual([event.action for event in events], ["handover.give", "handover.acknowledge"])
        self.assertEqual([event.actor for event in events], [self.nurse, self.nurse2])
        self.assertEqual(events[0].note, "302 夜里发热, 请复测体温")
        self.assertEqual(events[0].after["open"], 0)
        self.assertEqual(str(events[0].action_label), "shift handed over")

    def test_acknowledging_your_own_handover_is_refused(self):
        handover = self.give()
        with self.assertRaisesMessage(services.ServiceError, "another member of the group acknowledges it"):
            services.handover_acknowledge(handover=handover, by=self.nurse, version=handover.version)
        self.assertFalse(self.fresh(handover).is_acknowledged)

    def test_the_incoming_shift_acknowledges_from_an_hour_before_the_change(self):
        # 17:05: the day nurse hands over the 20:00 change early; a colleague of her shift cannot take it over.
        with frozen(17, 5):
            handover = self.give()
        with frozen(17, 10), self.assertRaisesMessage(services.ServiceError, "acknowledges this handover from 19:00"):
            services.handover_acknowledge(handover=handover, by=self.nurse2, version=handover.version)
        self.assertFalse(self.fresh(handover).is_acknowledged)
        self.assertFalse(AuditEvent.objects.filter(action="handover.acknowledge").exists())
        # The board says from when, and offers no button until then.
        section = handovers.group_handover(self.site, Role.MEDICAL, local(17, 10))
        html = render_to_string("rooms/handover.html#handover", {"handover": section})
        self.assertIn("The incoming shift acknowledges it from 19:00", html)
        self.assertNotIn("handover-acknowledge", html.replace("handover-item", ""))
        self.assertNotIn("/acknowledge/", html)
        section = handovers.group_handover(self.site, Role.MEDICAL, local(19, 0))
        self.assertIn("/acknowledge/", render_to_string("rooms/handover.html#handover", {"handover": section}))
        # From 19:00 the incoming nurse, arriving early, takes over.
        with frozen(19, 0):
            services.handover_acknowledge(handover=handover, by=self.nurse2, version=handover.version)
        self.assertTrue(self.fresh(handover).is_acknowledged)

    def test_acknowledging_twice_is_refused_and_says_who_did(self):
        handover = self.give()
        services.handover_acknowledge(handover=handover, by=self.nurse2, version=1)
        third = make_user("nurse3", self.site, Role.MEDICAL)
        with self.assertRaisesMessage(services.ServiceError, "already acknowledged by 黄敏"):
            services.handover_acknowledge(handover=handover, by=third, version=1)
        self.assertEqual(AuditEvent.objects.filter(action="handover.acknowledge").count(), 1)

    def test_a_member_of_another_group_may_not_acknowledge_or_hand_over(self):
        handover = self.give()
        for user in (self.clerk, self.head, self.outsider):
            with self.subTest(user=user.username), self.assertRaises(NotInGroup):
                services.handover_acknowledge(handover=handover, by=user, version=1)
            with self.subTest(user=user.username), self.assertRaises(NotInGroup):
                services.handover_give(site=self.site, group=Role.MEDICAL, by=user)

    def test_a_double_submit_counts_once(self):
        handover = self.give(token="t-1")
        with self.assertRaises(services.AlreadySubmitted):
            self.give(token="t-1")
        services.handover_acknowledge(handover=handover, by=self.nurse2, version=1, token="a-1")
        with self.assertRaises(services.AlreadySubmitted):
            services.handover_acknowledge(handover=handover, by=self.nurse2, version=1, token="a-1")
        self.assertEqual(Handover.objects.count(), 1)

    def test_handing_over_the_same_shift_twice_is_refused(self):
        with frozen(19, 40):
            self.give()
            with self.assertRaisesMessage(services.ServiceError, "already handed over by"):
                self.give(by=self.nurse2)
        self.assertEqual(Handover.objects.count(), 1)

    def test_a_form_opened_for_another_shift_change_is_refused_as_stale(self):
        with frozen(21, 50):
            opened_for = handovers.current_change(self.site, Role.MEDICAL).at
        with frozen(22, 10), self.assertRaises(services.Conflict):
            self.give(change_at=opened_for)
        self.assertFalse(Handover.objects.exists())

    def test_a_stale_version_is_refused(self):
        handover = self.give()
        Handover.objects.filter(pk=handover.pk).update(version=2)
        with self.assertRaises(services.Conflict):
            services.handover_acknowledge(handover=handover, by=self.nurse2, version=1)

    def test_the_next_shift_change_gets_a_handover_of_its_own(self):
        with frozen(19, 40):
            self.give()
        with frozen(7, 50, days=1):
            handover = self.give(by=self.nurse2)
        self.assertEqual(handover.change_at, local(8, days=1))

    def test_the_night_shift_hands_over_the_night_after_the_day_shift_did(self):
        with frozen(19, 50):
            evening = self.give()
        with frozen(20, 10):
            services.handover_acknowledge(handover=evening, by=self.nurse2, version=evening.version)
        # 01:55: a night nurse leaving early hands over the night shift, not refused as the 20:00 one.
        with frozen(1, 55, days=1):
            night = self.give(by=self.nurse2, notes="305 凌晨胸闷, 已吸氧")
        self.assertEqual(night.change_at, local(8, days=1))
        self.assertEqual((night.outgoing, night.incoming), (str(evening.incoming), str(evening.outgoing)))

    def test_the_board_keeps_the_handover_the_shift_on_duty_took_over(self):
        with frozen(7, 50):
            morning = self.give()
        with frozen(8, 5):
            services.handover_acknowledge(handover=morning, by=self.nurse2, version=morning.version)
        # At 13:00 the coming change is 20:00, not handed over yet; the morning's stays to read again.
        section = handovers.group_handover(self.site, Role.MEDICAL, local(13))
        self.assertEqual(section["change"].at, local(20))
        self.assertFalse(section["handed_over"])
        self.assertEqual(section["handovers"], [morning])
        # Taken over, it is no warning: a plain tag says which change it was.
        html = render_to_string("rooms/handover.html#handover", {"handover": section})
        self.assertIn('<span class="tag">shift change 08:00</span>', html)
        self.assertNotIn("tag warn", html)
        # The next morning it is gone: the night shift took over another one (or none).
        self.assertEqual(handovers.group_handover(self.site, Role.MEDICAL, local(3, days=1))["handovers"], [])

    def test_the_control_screen_names_a_handover_on_duty_not_acknowledged(self):
        with frozen(7, 50):
            morning = self.give()
        rows = {row["group"]: row for row in handovers.control_handovers(self.site, local(13))}
        self.assertEqual(rows["medical"]["change"].at, local(20))
        self.assertIsNone(rows["medical"]["handover"])
        self.assertEqual(rows["medical"]["unacknowledged"], morning)
        self.assertIsNone(rows["catering"]["unacknowledged"])
        # Within the late hours the change on duty is the current one: it is not named twice.
        rows = {row["group"]: row for row in handovers.control_handovers(self.site, local(9))}
        self.assertEqual(rows["medical"]["handover"], morning)
        self.assertIsNone(rows["medical"]["unacknowledged"])
        self.client.force_login(self.head)
        with frozen(13), self.settings(LANGUAGE_CODE="zh-hans"):
            page = self.client.get(reverse("control-screen")).content.decode()
        self.assertIn("交接班 08:00：", page)


class LiveTests(EveningMixin, SiteTestCase):
    def listen(self, key, language="en"):
        layer = get_channel_layer()
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(live.broadcast_group(self.site.pk, key, language), channel)
        return layer, channel

    def receive(self, layer, channel):
        return async_to_sync(asyncio.wait_for)(layer.receive(channel), 5)

    def test_handing_over_bumps_the_groups_board_and_the_control_screen_only(self):
        services.handover_give(site=self.site, group=Role.MEDICAL, by=self.nurse)
        seqs = dict(BoardSequence.objects.values_list("board", "seq"))
        # The general board follows every change (as before); the other groups' boards are left alone.
        self.assertEqual(seqs, {"control": 1, "medical": 1, "general": 1})

    def test_the_board_and_the_control_screen_receive_the_handover(self):
        board = self.listen("medical")
        control = self.listen("control")
        with self.captureOnCommitCallbacks(execute=True):
            services.handover_give(site=self.site, group=Role.MEDICAL, by=self.nurse, notes="交班备注")
        html = self.receive(*board)["html"]
        self.assertIn('id="handover-medical"', html)
        self.assertIn("交班备注", html)
        html = self.receive(*control)["html"]
        self.assertIn('id="handovers"', html)
        self.assertIn('data-group="medical" data-state="handed-over"', html)

    def test_acknowledging_reaches_the_control_screen(self):
        other = make_user("nurse2", self.site, Role.MEDICAL)
        handover = services.handover_give(site=self.site, group=Role.MEDICAL, by=self.nurse)
        control = self.listen("control")
        with self.captureOnCommitCallbacks(execute=True):
            services.handover_acknowledge(handover=handover, by=other, version=1)
        self.assertIn('data-group="medical" data-state="acknowledged"', self.receive(*control)["html"])

    def test_a_refused_move_publishes_nothing(self):
        handover = services.handover_give(site=self.site, group=Role.MEDICAL, by=self.nurse)
        before = dict(BoardSequence.objects.values_list("board", "seq"))
        with self.captureOnCommitCallbacks(execute=True) as callbacks, self.assertRaises(services.ServiceError):
            services.handover_acknowledge(handover=handover, by=self.nurse, version=1)
        self.assertEqual(callbacks, [])
        self.assertEqual(dict(BoardSequence.objects.values_list("board", "seq")), before)

    def test_each_groups_board_shows_its_handover(self):
        for group in handovers.GROUPS:
            with self.subTest(group=group):
                board = board_for_key(group)
                change = Change(site_id=self.site.pk, topics=frozenset({handovers.handover_topic(group)}))
                self.assertTrue(board.affected_by(change))
                self.assertIn(f'id="handover-{group}"', board.render_change(change))


class OpenListTests(SiteTestCase):
    """Each group's list with known data."""

    def lists(self, group, now=None):
        return {
            section["key"]: section["items"] for section in handovers.snapshot(self.site, group, now or timezone.now())
        }

    def check_in(self, room=None, **kwargs):
        person = make_person(self.site, **kwargs)
        services.stay_check_in(person=person, room=room or self.rooms[1], by=self.clerk)
        return Stay.objects.get(person=person)

    def test_medical_care_follow_ups_due(self):
        from datetime import date

        elderly = self.check_in(name="赵奶奶", birth_date=date(1948, 5, 1))
        self.check_in(room=self.rooms[2], name="钱六")
        self.assertEqual(texts(self.lists(Role.MEDICAL)["care_due"]), [f"{elderly.room.number} 赵奶奶"])

    def test_medical(self):
        stay = self.check_in(name="王五")
        Sample.objects.filter(stay=stay).update(scheduled_on=timezone.localdate() - timedelta(days=1))
        Alert.objects.create(site=self.site, kind=Alert.Kind.FEVER, person=stay.person, room=stay.room)
        Alert.objects.create(
            site=self.site, kind=Alert.Kind.DISTRESSED, person=stay.person, acknowledged_at=timezone.now()
        )
        log_request(stay.person, self.nurse, "硝苯地平")
        done = log_request(stay.person, self.nurse, "已送")
        request_resolve(request=done, by=self.nurse, outcome="已送达")
        # Another group's request is that group's to hand over.
        log_request(stay.person, self.nurse, "拖鞋", kind="supplies")
        found = self.lists(Role.MEDICAL)
        self.assertTrue(found["overdue_samples"])
        self.assertTrue(all(item["text"].startswith("102 王五 · ") for item in found["overdue_samples"]))
        self.assertEqual([item["tag"] for item in found["open_alerts"]], ["fever"])
        self.assertEqual(texts(found["requests"]), ["102 王五 · 硝苯地平"])
        self.assertEqual(texts(self.lists(Role.GENERAL)["requests"]), ["102 王五 · 拖鞋"])
        self.assertEqual(found["results_awaited"], [])
        self.assertEqual(found["transfers"], [])

    def test_medical_results_awaited_transfers_and_an_alert_of_nobody(self):
        from groups.medical.services import sample_collect
        from groups.transfers import services as transfers
        from groups.transfers.models import Transfer

        stay = self.check_in(name="王五")
        sample = Sample.objects.filter(stay=stay).order_by("scheduled_on").first()
        Sample.objects.filter(pk=sample.pk).update(scheduled_on=timezone.localdate())
        sample_collect(sample=self.fresh(sample), by=self.nurse, barcode="HX-77")
        transfers.transfer_request(
            person=stay.person,
            by=self.nurse,
            reason="透析",
            destination_type=Transfer.Destination.HOSPITAL_VISIT,
            destination_name="区人民医院",
        )
        Alert.objects.create(
            site=self.site,
            kind=Alert.Kind.UNRECORDED_POSITIVE,
            urgent=True,
            note="结果表 lab.csv 第3行：阳性结果未能录入",
        )
        found = self.lists(Role.MEDICAL)
        self.assertEqual([item["tag"] for item in found["results_awaited"]], [sample.kind])
        self.assertTrue(found["results_awaited"][0]["text"].startswith("102 王五 · "))
        self.assertEqual(texts(found["transfers"]), ["102 王五 → 区人民医院"])
        self.assertTrue(found["open_alerts"][0]["text"].startswith("结果表 lab.csv 第3行"))

    def test_general(self):
        stay = self.check_in(name="赵六")
        transfers.transfer_request(
            person=stay.person,
            by=self.clerk,
            reason="就医",
            destination_type="designated_hospital",
            destination_name="市定点医院",
        )
        Room.objects.filter(pk=self.rooms[4].pk).update(status=Room.Status.VENTILATING)
        make_person(self.site, name="明天来", expected_on=timezone.localdate() + timedelta(days=1))
        found = self.lists(Role.GENERAL)
        self.assertEqual([text.split(" · ")[0] for text in texts(found["expected_arrivals"])], ["李秀英"])
        self.assertEqual(texts(found["transfers"]), ["102 赵六 → 市定点医院"])
        self.assertEqual(found["transfers"][0]["tag"], "requested")
        self.assertEqual(texts(found["rooms_to_inspect"]), ["105"])

    def test_disinfection(self):
        Room.objects.filter(pk=self.rooms[2].pk).update(status=Room.Status.AWAITING_DISINFECTION)
        Room.objects.filter(pk=self.rooms[3].pk).update(status=Room.Status.VENTILATING)
        with frozen(12) as now:
            DisinfectionTask.objects.create(
                site=self.site, kind="spot", where="大堂", due_at=now - timedelta(hours=1), created_by=self.head
            )
            DisinfectionTask.objects.create(
                site=self.site, kind="spot", where="电梯", due_at=now + timedelta(hours=1), created_by=self.head
            )
            found = self.lists(Role.DISINFECTION, now)
        self.assertEqual(
            [(item["text"], item["tag"]) for item in found["rooms_waiting"]],
            [("103", "awaiting_disinfection"), ("104", "ventilating")],
        )
        spots = [item["text"] for item in found["overdue_tasks"] if item["tag"] == "spot"]
        self.assertEqual(spots, ["大堂 · " + timezone.localtime(now - timedelta(hours=1)).strftime("%m-%d %H:%M")])
        # The routine areas whose 08:00 or 09:00 round is missed by noon.
        self.assertTrue([item for item in found["overdue_tasks"] if item["tag"] == "routine"])
        # What is due and not yet late is the incoming shift's too (a terminal after a positive, spot tasks).
        due = [(item["text"], item["tag"]) for item in found["tasks_due"]]
        in_an_hour = timezone.localtime(now + timedelta(hours=1)).strftime("%m-%d %H:%M")
        self.assertEqual(due, [(f"电梯 · {in_an_hour}", "spot")])

    def test_security(self):
        Incident.objects.create(
            site=self.site, kind="door_opened", room=self.rooms[0], description="门开了", reported_by=self.guard
        )
        Incident.objects.create(
            site=self.site,
            kind="other",
            description="已处理",
            reported_by=self.guard,
            status="resolved",
            resolved_at=timezone.now(),
            resolution="已处理完",
        )
        CheckpointEntry.objects.create(
            site=self.site, kind="vehicle", name="渝A12345", purpose="送物资", entered_by=self.guard
        )
        CheckpointEntry.objects.create(
            site=self.site, name="离开的人", purpose="维修", entered_by=self.guard, left_at=timezone.now()
        )
        stay = self.check_in(name="钱七")
        transfer = transfers.transfer_request(
            person=stay.person,
            by=self.clerk,
            reason="转运",
            destination_type="designated_hospital",
            destination_name="市定点医院",
        )
        transfers.transfer_approve(transfer=transfer, by=self.head)
        found = self.lists(Role.SECURITY)
        self.assertEqual([item["tag"] for item in found["incidents"]], ["door_opened"])
        self.assertTrue(found["incidents"][0]["text"].endswith("门开了"))
        self.assertEqual([item["tag"] for item in found["inside"]], ["vehicle"])
        self.assertEqual(texts(found["escorts"]), ["102 · 市定点医院"])
        # Rooms and destinations only: no names on the security group's list.
        self.assertNotIn("钱七", str(found))

    def test_catering(self):
        with frozen(9):
            first = self.check_in(room=self.rooms[0])
            self.check_in(room=self.rooms[1])
        slot = MealSlot.objects.get(site=self.site, kind="lunch")
        with frozen(12) as now:
            MealDelivery.objects.create(
                site=self.site,
                slot=slot,
                day=timezone.localdate(),
                room=first.room,
                status="delivered",
                recorded_by=self.cook,
                feedback="complaint",
                feedback_note="饭是凉的",
            )
            found = self.lists(Role.CATERING, now)
        self.assertEqual([(item["text"], item["tag"]) for item in found["pending_meals"]], [("102", "lunch")])
        self.assertEqual(texts(found["complaints"]), ["101 · 饭是凉的"])
        self.assertNotIn(first.person.name, str(found))


class HandoverViewTests(EveningMixin, ViewAccessMixin, SiteTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.nurse2 = make_user("nurse2", cls.site, Role.MEDICAL)
        with frozen(19, 40):
            cls.handover = services.handover_give(site=cls.site, group=Role.MEDICAL, by=cls.nurse2)

    def urls(self):
        return {
            "give": (reverse("handover-give", args=["medical"]), "get", [self.nurse]),
            "acknowledge": (reverse("handover-acknowledge", args=[self.handover.pk]), "post", [self.nurse]),
        }

    def test_the_board_shows_the_handover_waiting_and_the_control_screen_lists_it(self):
        self.client.force_login(self.nurse)
        page = self.client.get(reverse("medical-board")).content.decode()
        self.assertIn('id="handover-medical"', page)
        self.assertIn('data-state="waiting"', page)
        self.client.force_login(self.head)
        page = self.client.get(reverse("control-screen")).content.decode()
        self.assertIn('data-group="medical" data-state="handed-over"', page)
        self.assertIn('data-group="catering" data-state="open"', page)

    def test_the_form_previews_the_list_and_hands_over(self):
        self.client.force_login(self.cook)
        response = self.client.get(reverse("handover-give", args=["catering"]), headers={"HX-Request": "true"})
        self.assertContains(response, "Meal round: rooms still waiting")
        change = response.context["form"].initial["change"]
        response = self.client.post(
            reverse("handover-give", args=["catering"]),
            {"notes": "三楼少一份清真", "change": change, "token": "x"},
            headers={"HX-Request": "true"},
        )
        self.assertContains(response, "Shift handed over")
        self.assertEqual(Handover.objects.get(group="catering").notes, "三楼少一份清真")

    def test_the_form_names_the_shifts_it_hands_over_between(self):
        self.client.force_login(self.nurse)
        with frozen(1, 55):
            response = self.client.get(reverse("handover-give", args=["medical"]), headers={"HX-Request": "true"})
        self.assertContains(response, "night shift → day shift · 08:00")
        self.assertContains(response, "on the incoming shift, acknowledges it from 07:00")
        # In the late hours after a change, when it may be acknowledged at once, no time to wait for.
        with frozen(8, 40):
            response = self.client.get(reverse("handover-give", args=["medical"]), headers={"HX-Request": "true"})
        self.assertContains(response, "another member of your group acknowledges it.")
        self.assertNotContains(response, "acknowledges it from")

    def test_acknowledging_answers_with_the_boards_section(self):
        self.client.force_login(self.nurse)
        response = self.client.post(
            reverse("handover-acknowledge", args=[self.handover.pk]),
            {"version": 1, "token": "ack"},
            headers={"HX-Request": "true"},
        )
        self.assertContains(response, 'id="handover-medical"')
        self.assertContains(response, 'data-state="acknowledged"')
        # What was handed over can be read again during the shift.
        self.assertContains(response, '<details class="handover-again">')
        self.assertContains(response, "Read the handover again")

    def test_acknowledging_your_own_says_why_in_the_panel(self):
        self.client.force_login(self.nurse2)
        response = self.client.post(
            reverse("handover-acknowledge", args=[self.handover.pk]),
            {"version": 1, "token": "own"},
            headers={"HX-Request": "true"},
        )
        self.assertContains(response, "another member of the group acknowledges it", status_code=422)

    def test_a_stale_button_and_a_second_acknowledgement_are_refused_clearly(self):
        services.handover_acknowledge(handover=self.handover, by=self.nurse, version=1)
        third = make_user("nurse3", self.site, Role.MEDICAL)
        self.client.force_login(third)
        response = self.client.post(
            reverse("handover-acknowledge", args=[self.handover.pk]), {"version": 1, "token": "late"}
        )
        self.assertEqual(response.status_code, 302)
        messages = [str(m) for m in response.wsgi_request._messages]
        self.assertIn("already acknowledged", messages[0])
        response = self.client.post(
            reverse("handover-acknowledge", args=[self.handover.pk]),
            {"version": "x"},
            headers={"HX-Request": "true"},
        )
        self.assertEqual(response.status_code, 422)

    def test_a_stale_form_is_refused_with_a_conflict(self):
        self.client.force_login(self.cook)
        response = self.client.post(
            reverse("handover-give", args=["catering"]),
            {"change": 1, "token": "old"},
            headers={"HX-Request": "true"},
        )
        self.assertContains(response, "moved on since you opened the form", status_code=409)
        response = self.client.post(
            reverse("handover-give", args=["catering"]), {"change": 10**12}, headers={"HX-Request": "true"}
        )
        self.assertEqual(response.status_code, 422)

    def test_another_group_and_an_unknown_group_are_refused(self):
        self.client.force_login(self.cook)
        response = self.client.post(reverse("handover-give", args=["medical"]), {"change": 1})
        self.assertContains(response, "You are not in this group", status_code=403)
        self.assertEqual(self.client.get(reverse("handover-give", args=["nosuch"])).status_code, 404)
        response = self.client.post(reverse("handover-acknowledge", args=[self.handover.pk]), {"version": 1})
        self.assertContains(response, "You are not in this group", status_code=403)

    def test_another_sites_handover_is_not_found(self):
        other = make_site(name="另一个点")
        stranger = make_user("stranger", other, Role.MEDICAL)
        self.client.force_login(stranger)
        response = self.client.post(reverse("handover-acknowledge", args=[self.handover.pk]), {"version": 1})
        self.assertEqual(response.status_code, 404)
