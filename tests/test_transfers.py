"""Closed-loop transfers: the moves table per role, the effects on stays and rooms, the screens."""

import asyncio
from datetime import timedelta
from unittest import mock

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from groups.transfers import services as transfer_services
from groups.transfers.forms import STEPS
from groups.transfers.models import Transfer
from rooms import services
from rooms.models import AuditEvent, Person, Room, Stay
from rooms.roles import NotInGroup, Role, roles_of
from site_ops import live
from site_ops.models import BoardSequence
from tests.base import LiveTestCase, SiteTestCase, SocketMixin
from tests.factories import make_person, make_rooms, make_site, make_user

S = Transfer.State
D = Transfer.Destination

# What each move needs to be valid, so that only the table decides.
MOVE_SERVICES = {to: step.service for to, step in STEPS.items()}


def move_arguments(to: str) -> dict:
    return {
        S.REJECTED: {"reason": "床位已满"},
        S.ARRANGED: {
            "confirmed_with": "区隔离办 周韬",
            "vehicle_plate": "渝ad1234",
            "driver_name": "刘师傅",
            "driver_phone": "17000005678",
            "escort": "吴刚",
            "planned_departure_at": timezone.now() + timedelta(minutes=30),
        },
        S.COMPLETED: {"handed_over_to": "接收护士 王敏", "vehicle_disinfected": True},
        S.CANCELLED: {"reason": "家属改变主意"},
    }.get(to, {})


class TransferTestCase(SiteTestCase):
    """A person in isolation in room 101, and helpers to walk a transfer along."""

    def setUp(self):
        services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        self.person = self.fresh(self.person)

    def request(self, person=None, by=None, **overrides):
        values = {
            "reason": "女儿是聋哑人,希望转到女儿所在医院照顾她",
            "destination_type": D.RELATIVES_HOSPITAL,
            "destination_name": "重庆国际博览中心方舱医院",
            "destination_contact": "区隔离办",
        }
        values.update(overrides)
        return transfer_services.transfer_request(person=person or self.person, by=by or self.clerk, **values)

    def move(self, transfer, to, by, **overrides):
        return MOVE_SERVICES[to](transfer=transfer, by=by, **{**move_arguments(to), **overrides})

    def walk(self, transfer, *states):
        """Move a transfer along with whoever may make each move."""
        movers = {
            S.APPROVED: self.head,
            S.REJECTED: self.head,
            S.ARRANGED: self.clerk,
            S.DEPARTED: self.guard,
            S.COMPLETED: self.guard,
            S.RETURNED: self.guard,
            S.CANCELLED: self.clerk,
        }
        for state in states:
            transfer = self.move(transfer, state, movers[state])
        return transfer

    def force(self, transfer, state):
        Transfer.objects.filter(pk=transfer.pk).update(state=state)
        return Transfer.objects.get(pk=transfer.pk)


class MovesTableTests(TransferTestCase):
    def staff(self):
        return [self.head, self.clerk, self.nurse, self.guard, self.cook, self.outsider]

    def test_every_move_in_the_table_is_allowed_to_its_roles_and_refused_to_the_others(self):
        # A round trip, so that every move of the table is possible for it.
        transfer = self.request(destination_type=D.HOSPITAL_VISIT)
        for (frm, to), allowed in transfer_services.TRANSFER_MOVES.items():
            if not frm:
                continue
            for user in self.staff():
                may = bool(roles_of(user) & set(allowed))
                with self.subTest(frm=frm, to=to, user=user.username, may=may), transaction.atomic():
                    transfer = self.force(transfer, frm)
                    # The move's own step; its effects (a terminal disinfection
                    # task when a stay ends) are audited by their services.
                    steps = AuditEvent.objects.filter(action__startswith="transfer.")
                    events, total = steps.count(), AuditEvent.objects.count()
                    if may:
                        moved = self.move(transfer, to, user)
                        self.assertEqual(self.fresh(moved).state, to)
                        self.assertEqual(steps.count(), events + 1)
                    else:
                        with self.assertRaises(NotInGroup):
                            self.move(transfer, to, user)
                        self.assertEqual(self.fresh(transfer).state, frm)
                        self.assertEqual(AuditEvent.objects.count(), total)
                    transaction.set_rollback(True)

    def test_any_group_member_may_request_and_nobody_else(self):
        for user in self.staff():
            with self.subTest(user=user.username), transaction.atomic():
                if roles_of(user):
                    self.assertEqual(self.request(by=user).state, S.REQUESTED)
                else:
                    with self.assertRaises(NotInGroup):
                        self.request(by=user)
                    self.assertFalse(Transfer.objects.exists())
                transaction.set_rollback(True)

    def test_moves_not_in_the_table_are_refused_and_change_nothing(self):
        transfer = self.request(destination_type=D.HOSPITAL_VISIT)
        for frm in S.values:
            for to in MOVE_SERVICES:
                if (frm, to) in transfer_services.TRANSFER_MOVES:
                    continue
                with self.subTest(frm=frm, to=to), transaction.atomic():
                    transfer = self.force(transfer, frm)
                    with self.assertRaisesMessage(services.ServiceError, "cannot become"):
                        self.move(transfer, to, self.head)
                    after = self.fresh(transfer)
                    self.assertEqual((after.state, after.version), (frm, transfer.version))
                    transaction.set_rollback(True)
        self.assertEqual(AuditEvent.objects.filter(action__startswith="transfer.").count(), 1)

    def test_terminal_states_are_final(self):
        transfer = self.request(destination_type=D.HOSPITAL_VISIT)
        for frm in (S.COMPLETED, S.RETURNED, S.REJECTED, S.CANCELLED):
            transfer = self.force(transfer, frm)
            for to in MOVE_SERVICES:
                with self.subTest(frm=frm, to=to), self.assertRaisesMessage(services.ServiceError, "it is closed"):
                    self.move(transfer, to, self.head)

    def test_only_a_round_trip_returns(self):
        transfer = self.walk(self.request(), S.APPROVED, S.ARRANGED, S.DEPARTED)
        with self.assertRaisesMessage(services.ServiceError, "cannot become returned"):
            self.move(transfer, S.RETURNED, self.guard)
        self.assertEqual(self.fresh(transfer).state, S.DEPARTED)

    def test_a_cancellation_comes_before_departure_and_needs_a_reason(self):
        transfer = self.walk(self.request(), S.APPROVED)
        with self.assertRaisesMessage(services.ServiceError, "reason"):
            self.move(transfer, S.CANCELLED, self.clerk, reason="  ")
        transfer = self.walk(transfer, S.ARRANGED, S.DEPARTED)
        with self.assertRaisesMessage(services.ServiceError, "cannot become cancelled"):
            self.move(transfer, S.CANCELLED, self.head)

    def test_a_rejection_needs_a_reason_which_is_kept(self):
        transfer = self.request()
        with self.assertRaisesMessage(services.ServiceError, "reason"):
            self.move(transfer, S.REJECTED, self.head, reason="")
        self.assertEqual(self.fresh(transfer).state, S.REQUESTED)
        self.move(transfer, S.REJECTED, self.head, reason="目的地医院无床位")
        transfer = self.fresh(transfer)
        self.assertEqual((transfer.state, transfer.closing_reason), (S.REJECTED, "目的地医院无床位"))
        self.assertIsNotNone(transfer.closed_at)

    def test_an_arrangement_needs_the_vehicle_and_escort_and_records_them(self):
        transfer = self.walk(self.request(), S.APPROVED)
        with self.assertRaisesMessage(services.ServiceError, "escort"):
            self.move(transfer, S.ARRANGED, self.clerk, escort="")
        transfer = self.move(transfer, S.ARRANGED, self.guard, destination_name="九龙坡区人民医院")
        transfer = self.fresh(transfer)
        self.assertEqual(
            (transfer.vehicle_plate, transfer.escort, transfer.destination_name),
            ("渝AD1234", "吴刚", "九龙坡区人民医院"),
        )

    def test_the_handover_needs_the_receiver_and_a_disinfected_vehicle(self):
        transfer = self.walk(self.request(), S.APPROVED, S.ARRANGED, S.DEPARTED)
        with self.assertRaisesMessage(services.ServiceError, "vehicle is disinfected"):
            self.move(transfer, S.COMPLETED, self.guard, vehicle_disinfected=False)
        self.move(transfer, S.COMPLETED, self.guard)
        self.assertEqual(self.fresh(transfer).handed_over_to, "接收护士 王敏")

    def test_a_departure_in_the_future_is_refused(self):
        transfer = self.walk(self.request(), S.APPROVED, S.ARRANGED)
        with self.assertRaisesMessage(services.ServiceError, "in the future"):
            self.move(transfer, S.DEPARTED, self.guard, departed_at=timezone.now() + timedelta(hours=1))
        self.assertIsNone(self.fresh(self.person.stays.get()).ended_at)

    def test_a_departure_before_the_transfer_was_requested_is_refused(self):
        transfer = self.walk(self.request(), S.APPROVED, S.ARRANGED)
        with self.assertRaisesMessage(services.ServiceError, "before the transfer was requested"):
            self.move(transfer, S.DEPARTED, self.guard, departed_at=transfer.created_at - timedelta(days=14))
        self.assertIsNone(self.fresh(self.person.stays.get()).ended_at)
        self.assertEqual(self.fresh(transfer).state, S.ARRANGED)
        # A few minutes of clock difference between tablets is taken as it is.
        self.move(transfer, S.DEPARTED, self.guard, departed_at=transfer.created_at - timedelta(minutes=2))
        self.assertEqual(self.fresh(transfer).state, S.DEPARTED)


class RequestTests(TransferTestCase):
    def test_a_request_records_who_where_and_why(self):
        transfer = self.request(urgency=Transfer.Urgency.URGENT)
        self.assertEqual(transfer.state, S.REQUESTED)
        self.assertEqual(
            (transfer.room, transfer.requested_by, transfer.updated_by), (self.room, self.clerk, self.clerk)
        )
        self.assertTrue(transfer.is_urgent)
        event = AuditEvent.objects.get(action="transfer.requested")
        self.assertEqual((event.person, event.room, event.object_id), (self.person, self.room, transfer.pk))
        self.assertEqual(event.after["destination_type"], D.RELATIVES_HOSPITAL)

    def test_only_a_person_in_isolation_can_be_transferred(self):
        expected = make_person(self.site, name="王强")
        with self.assertRaisesMessage(services.ServiceError, "Only a person in isolation"):
            self.request(person=expected)
        self.assertFalse(Transfer.objects.exists())

    def test_a_second_open_transfer_is_refused_and_names_the_open_one(self):
        first = self.request()
        with self.assertRaises(transfer_services.TransferOpen) as refused:
            self.request(destination_type=D.HOME, destination_name="家")
        self.assertEqual(refused.exception.transfer, first)
        self.assertIn("already has an open transfer (requested)", refused.exception.message)
        self.assertEqual(Transfer.objects.count(), 1)

    def test_the_database_allows_one_open_transfer_per_person(self):
        first = self.request()
        with self.assertRaises(IntegrityError), transaction.atomic():
            Transfer.objects.create(
                site=self.site, person=self.person, room=self.room, reason="x", destination_type=D.HOME
            )
        # Closed transfers do not count: after a cancellation a new one may open.
        self.walk(first, S.CANCELLED)
        self.assertEqual(self.request().state, S.REQUESTED)
        self.assertEqual(Transfer.objects.filter(person=self.person).count(), 2)

    def test_a_double_submit_requests_once(self):
        self.request(token="t1")
        with self.assertRaises(services.AlreadySubmitted):
            self.request(token="t1")
        self.assertEqual(Transfer.objects.count(), 1)

    def test_a_person_with_an_open_transfer_is_not_released_under_it(self):
        self.request()
        Stay.objects.update(ends_on=timezone.localdate())
        with self.assertRaisesMessage(services.ServiceError, "open transfer"):
            services.stay_release(person=self.person, by=self.clerk)
        self.assertEqual(self.fresh(self.person).status, Person.Status.IN_ISOLATION)


class PositiveDraftTests(TransferTestCase):
    def test_a_positive_result_drafts_an_urgent_transfer_to_the_designated_hospital(self):
        self.site.designated_hospital = "重庆市公共卫生医疗救治中心"
        self.site.save()
        # The medical group's result service calls it inside its own transaction.
        with transaction.atomic():
            transfer = transfer_services.transfer_draft_for_positive(person=self.fresh(self.person), by=self.nurse)
        self.assertEqual(
            (transfer.state, transfer.urgency, transfer.destination_type, transfer.destination_name),
            (S.REQUESTED, Transfer.Urgency.URGENT, D.DESIGNATED_HOSPITAL, "重庆市公共卫生医疗救治中心"),
        )
        self.assertEqual(transfer.requested_by, self.nurse)
        self.assertTrue(AuditEvent.objects.filter(action="transfer.requested", note__contains="positive").exists())

    def test_it_returns_the_open_transfer_instead_of_a_second(self):
        first = self.request()
        self.assertEqual(transfer_services.transfer_draft_for_positive(person=self.person, by=self.nurse), first)
        self.assertEqual(Transfer.objects.count(), 1)


class EffectTests(TransferTestCase):
    def test_a_one_way_departure_ends_the_stay_and_sends_the_room_to_disinfection(self):
        transfer = self.walk(self.request(), S.APPROVED, S.ARRANGED, S.DEPARTED)
        stay = self.person.stays.get()
        self.assertIsNotNone(stay.ended_at)
        self.assertEqual(stay.end_reason, Stay.EndReason.TRANSFERRED)
        self.assertEqual(self.fresh(self.person).status, Person.Status.TRANSFERRED)
        room = self.fresh(self.room)
        self.assertEqual((room.status, room.occupant_count), (Room.Status.AWAITING_DISINFECTION, 0))
        self.assertIsNotNone(self.fresh(transfer).departed_at)
        # The handover closes the loop without touching the room again.
        self.walk(transfer, S.COMPLETED)
        self.assertEqual(self.fresh(self.room).status, Room.Status.AWAITING_DISINFECTION)

    def test_a_sealed_room_stays_sealed_when_its_positive_case_leaves(self):
        transfer = self.walk(self.request(destination_type=D.DESIGNATED_HOSPITAL), S.APPROVED, S.ARRANGED)
        services.room_move(room=self.fresh(self.room), to=Room.Status.SEALED, by=self.head)
        self.walk(transfer, S.DEPARTED)
        room = self.fresh(self.room)
        self.assertEqual((room.status, room.occupant_count), (Room.Status.SEALED, 0))

    def test_a_family_room_stays_occupied_for_those_who_stay(self):
        family = Room.objects.create(site=self.site, number="119", floor=1, capacity=2)
        mother, son = make_person(self.site, household="周家"), make_person(self.site, household="周家")
        for person in (mother, son):
            services.stay_check_in(person=person, room=family, by=self.clerk)
        self.walk(self.request(person=mother), S.APPROVED, S.ARRANGED, S.DEPARTED)
        family = self.fresh(family)
        self.assertEqual((family.status, family.occupant_count), (Room.Status.OCCUPIED, 1))

    def test_a_round_trip_keeps_the_stay_and_the_bed_and_returns_to_the_same_room(self):
        transfer = self.walk(self.request(destination_type=D.HOSPITAL_VISIT), S.APPROVED, S.ARRANGED, S.DEPARTED)
        # Away: still in isolation, the stay open, the bed held so nobody takes it.
        stay = self.person.stays.get()
        self.assertIsNone(stay.ended_at)
        self.assertEqual(self.fresh(self.person).status, Person.Status.IN_ISOLATION)
        room = self.fresh(self.room)
        self.assertEqual((room.status, room.occupant_count), (Room.Status.OCCUPIED, 1))
        self.assertTrue(self.fresh(transfer).is_away)
        with self.assertRaisesMessage(services.ServiceError, "is full"):
            services.stay_check_in(person=make_person(self.site), room=room, by=self.clerk)

        self.walk(transfer, S.RETURNED)
        self.assertEqual(self.fresh(transfer).state, S.RETURNED)
        self.assertEqual(list(self.person.stays.filter(ended_at__isnull=True)), [stay])
        self.assertEqual(self.fresh(stay).room, self.room)
        self.assertEqual(self.fresh(self.room).occupant_count, 1)

    def test_a_round_trip_the_hospital_keeps_ends_the_stay_at_the_handover(self):
        transfer = self.walk(self.request(destination_type=D.HOSPITAL_VISIT), S.APPROVED, S.ARRANGED, S.DEPARTED)
        self.walk(transfer, S.COMPLETED)
        self.assertEqual(self.fresh(self.person).status, Person.Status.TRANSFERRED)
        self.assertEqual(self.fresh(self.room).status, Room.Status.AWAITING_DISINFECTION)

    def test_a_departure_is_all_or_nothing(self):
        transfer = self.walk(self.request(), S.APPROVED, S.ARRANGED)
        events = AuditEvent.objects.count()
        # The audit write fails after the stay has ended: everything rolls back.
        with (
            mock.patch("groups.transfers.services.audit", side_effect=RuntimeError("disk full")),
            self.captureOnCommitCallbacks(execute=True) as callbacks,
            self.assertRaises(RuntimeError),
        ):
            self.move(transfer, S.DEPARTED, self.guard)
        self.assertEqual(callbacks, [])
        self.assertEqual(self.fresh(transfer).state, S.ARRANGED)
        self.assertIsNone(self.person.stays.get().ended_at)
        self.assertEqual(self.fresh(self.person).status, Person.Status.IN_ISOLATION)
        self.assertEqual(self.fresh(self.room).status, Room.Status.OCCUPIED)
        self.assertEqual(AuditEvent.objects.count(), events)

    def test_a_return_is_all_or_nothing(self):
        transfer = self.walk(self.request(destination_type=D.HOSPITAL_VISIT), S.APPROVED, S.ARRANGED, S.DEPARTED)
        with mock.patch("groups.transfers.services.audit", side_effect=RuntimeError), self.assertRaises(RuntimeError):
            self.move(transfer, S.RETURNED, self.guard)
        self.assertEqual(self.fresh(transfer).state, S.DEPARTED)
        self.assertIsNone(self.person.stays.get().ended_at)


class StaleAndAuditTests(TransferTestCase):
    def test_a_stale_move_is_refused_and_says_who_moved_it(self):
        transfer = self.request()
        self.move(transfer, S.APPROVED, self.head, version=1)
        with self.assertRaisesMessage(services.Conflict, "was changed by 周宁"):
            self.move(transfer, S.CANCELLED, self.clerk, version=1)
        self.assertEqual(self.fresh(transfer).state, S.APPROVED)

    def test_a_step_a_colleague_made_since_the_form_was_opened_is_done_not_a_conflict(self):
        transfer = self.walk(self.request(), S.APPROVED, S.ARRANGED)
        opened = self.fresh(transfer).version
        self.move(transfer, S.DEPARTED, self.guard, version=opened)
        with self.assertRaisesMessage(services.AlreadySubmitted, "is already departed: 吴刚 recorded it at"):
            self.move(transfer, S.DEPARTED, self.guard, version=opened)
        self.assertEqual(AuditEvent.objects.filter(action="transfer.departed").count(), 1)
        # Through the form: the panel closes with the news (the form does not stay open to be tried again).
        self.client.force_login(self.guard)
        response = self.client.post(
            reverse("transfer-move", args=[transfer.pk, "departed"]),
            {"version": opened, "departed_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")},
            headers={"HX-Request": "true"},
        )
        self.assertContains(response, "吴刚 recorded it at")
        self.assertNotContains(response, "<form", status_code=200)

    def test_every_step_is_an_audit_event_and_the_timeline_is_them(self):
        transfer = self.walk(self.request(), S.APPROVED, S.ARRANGED)
        self.move(transfer, S.DEPARTED, self.guard, note="从东门出发")
        events = list(AuditEvent.objects.filter(object_type="transfer", object_id=transfer.pk).order_by("at", "pk"))
        self.assertEqual(
            [(e.action, e.actor_name, e.role) for e in events],
            [
                ("transfer.requested", "张露匀", "general"),
                ("transfer.approved", "周宁", "site_head"),
                ("transfer.arranged", "张露匀", "general"),
                ("transfer.departed", "吴刚", "security"),
            ],
        )
        self.assertEqual(events[-1].before, {"state": "arranged"})
        self.assertEqual(events[-1].note, "从东门出发")
        self.assertEqual(events[2].after["vehicle_plate"], "渝AD1234")
        # The steps are in the history of the person and of the room too.
        self.assertEqual({e.person_id for e in events}, {self.person.pk})
        self.assertEqual({e.room_id for e in events}, {self.room.pk})

        self.client.force_login(self.guard)
        response = self.client.get(reverse("transfer-detail", args=[transfer.pk]))
        self.assertEqual([e.pk for e in response.context["timeline"]], [e.pk for e in events])
        # The escort's page shows the steps without their notes; the general group's shows them.
        self.assertNotContains(response, "从东门出发")
        self.client.force_login(self.clerk)
        self.assertContains(self.client.get(reverse("transfer-detail", args=[transfer.pk])), "从东门出发")

    def test_a_transfer_with_no_change_for_the_site_setting_is_stale(self):
        transfer = self.request()
        now = timezone.now()
        self.assertFalse(transfer.is_stale(now=now, minutes=self.site.transfer_stale_minutes))
        self.assertTrue(transfer.is_stale(now=now + timedelta(minutes=61), minutes=60))
        closed = self.walk(transfer, S.CANCELLED)
        self.assertFalse(closed.is_stale(now=now + timedelta(days=1), minutes=60))


class PublishTests(TransferTestCase):
    def listen(self, key, language="en"):
        layer = get_channel_layer()
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(live.broadcast_group(self.site.pk, key, language), channel)
        return layer, channel

    def received(self, listeners) -> dict:
        """The HTML each listened board got (None when nothing came)."""

        async def receive(layer, channel):
            try:
                return (await asyncio.wait_for(layer.receive(channel), timeout=0.5))["html"]
            except TimeoutError:
                return None

        return {key: async_to_sync(receive)(layer, channel) for key, (layer, channel) in listeners.items()}

    def test_a_request_reaches_the_control_screen_the_board_and_the_pages_but_not_the_escorts(self):
        keys = ["control", "general", "transfers", "escorts", f"person-{self.person.pk}", f"room-{self.room.pk}"]
        listeners = {key: self.listen(key) for key in keys}
        with self.captureOnCommitCallbacks(execute=True):
            transfer = self.request()
        got = self.received(listeners)
        self.assertIn('id="transfer-approvals"', got["control"])
        self.assertIn(f'id="approval-{transfer.pk}"', got["control"])
        self.assertIn('id="transfer-log"', got["control"])
        self.assertIn(f'id="transfer-{transfer.pk}"', got["transfers"])
        self.assertIn("open-transfer", got[f"person-{self.person.pk}"])
        self.assertIsNone(got["escorts"])
        self.assertIsNone(got[f"room-{self.room.pk}"])
        self.assertIn(f"transfer-{transfer.pk}", BoardSequence.objects.values_list("board", flat=True))

    def test_an_arrangement_reaches_the_escorts_without_the_reason(self):
        transfer = self.walk(self.request(), S.APPROVED)
        listeners = {key: self.listen(key) for key in ("escorts", "transfers")}
        with self.captureOnCommitCallbacks(execute=True):
            self.walk(transfer, S.ARRANGED)
        got = self.received(listeners)
        self.assertIn(f'id="transfer-{transfer.pk}"', got["escorts"])
        self.assertIn("渝AD1234", got["escorts"])
        self.assertNotIn(transfer.reason, got["escorts"])
        self.assertIn(transfer.reason, got["transfers"])

    def test_the_request_form_says_the_escort_sees_the_destination_and_not_the_reason(self):
        self.client.force_login(self.nurse)
        form = self.client.get(reverse("transfer-new"), headers={"HX-Request": "true"})
        self.assertContains(form, "The escort sees it: the department or the illness goes in the reason")
        self.client.cookies["django_language"] = "zh-hans"
        form = self.client.get(reverse("transfer-new"), headers={"HX-Request": "true"})
        self.assertContains(form, "科室或病情请写在转运原因中")

    def test_a_departure_reaches_the_room_page_and_the_control_screens_room_cell(self):
        transfer = self.walk(self.request(), S.APPROVED, S.ARRANGED)
        listeners = {key: self.listen(key) for key in ("control", f"room-{self.room.pk}")}
        with self.captureOnCommitCallbacks(execute=True):
            self.walk(transfer, S.DEPARTED)
        got = self.received(listeners)
        self.assertIn(f'id="room-{self.room.pk}"', got["control"])
        self.assertIn('data-status="awaiting_disinfection"', got["control"])
        self.assertIn("awaiting_disinfection", got[f"room-{self.room.pk}"])

    def test_a_refused_move_sends_and_bumps_nothing(self):
        transfer = self.request()
        seqs = dict(BoardSequence.objects.values_list("board", "seq"))
        with self.captureOnCommitCallbacks(execute=True) as callbacks, self.assertRaises(services.ServiceError):
            self.move(transfer, S.DEPARTED, self.guard)
        self.assertEqual(callbacks, [])
        self.assertEqual(dict(BoardSequence.objects.values_list("board", "seq")), seqs)


class TransferViewTests(TransferTestCase):
    def urls(self, transfer):
        return {
            # name: (url, method, allowed users)
            "board": (reverse("transfer-board"), "get", [self.head, self.clerk]),
            "escorts": (reverse("escort-board"), "get", [self.head, self.guard]),
            "new": (reverse("transfer-new"), "get", [self.head, self.clerk, self.nurse, self.guard, self.cook]),
            "detail": (
                reverse("transfer-detail", args=[transfer.pk]),
                "get",
                [self.head, self.clerk, self.nurse, self.guard],
            ),
            "move": (
                reverse("transfer-move", args=[transfer.pk, "approved"]),
                "post",
                [self.head, self.clerk, self.nurse, self.guard],
            ),
        }

    def test_each_view_lets_in_its_groups_only(self):
        # Approved, so that the escort's page is the security group's to open.
        transfer = self.walk(self.request(), S.APPROVED)
        for name, (url, method, allowed) in self.urls(transfer).items():
            for user in (self.head, self.clerk, self.nurse, self.guard, self.cook, self.outsider):
                self.client.force_login(user)
                response = getattr(self.client, method)(url)
                with self.subTest(view=name, user=user.username):
                    if user in allowed:
                        self.assertIn(response.status_code, (200, 302, 409, 422))
                    else:
                        self.assertContains(response, "You are not in this group", status_code=403)
            self.client.logout()
            with self.subTest(view=name, user="anonymous"):
                self.assertEqual(getattr(self.client, method)(url).status_code, 302)
            self.client.force_login(self.head)
            with self.subTest(view=name, method="wrong"):
                wrong = "put" if method == "post" else "delete"
                self.assertEqual(getattr(self.client, wrong)(url).status_code, 405)

    def test_an_unknown_step_or_another_sites_transfer_is_not_found(self):
        transfer = self.request()
        self.client.force_login(self.head)
        self.assertEqual(self.client.get(reverse("transfer-move", args=[transfer.pk, "teleported"])).status_code, 404)
        other = make_site(name="别处")
        stranger = make_person(other)
        services.stay_check_in(person=stranger, room=make_rooms(other, 1, 1)[0], by=make_user("c2", other, "general"))
        theirs = transfer_services.transfer_request(
            person=stranger, by=make_user("c3", other, "general"), reason="r", destination_type=D.HOME
        )
        self.assertEqual(self.client.get(reverse("transfer-detail", args=[theirs.pk])).status_code, 404)

    def test_security_lands_on_its_board_which_lists_the_escorts(self):
        self.client.force_login(self.guard)
        self.assertRedirects(self.client.get("/"), reverse("security-board"), fetch_redirect_response=False)
        self.assertContains(self.client.get(reverse("security-board")), reverse("escort-board"))

    def test_a_general_member_requests_from_the_panel(self):
        self.client.force_login(self.clerk)
        form = self.client.get(reverse("transfer-new") + f"?person={self.person.pk}", headers={"HX-Request": "true"})
        self.assertEqual(form.context["form"]["person"].value(), str(self.person.pk))
        self.assertContains(form, f"101 · {self.person.name}")
        response = self.client.post(
            reverse("transfer-new"),
            {
                "person": self.person.pk,
                "destination_type": D.RELATIVES_HOSPITAL,
                "destination_name": "女儿所在方舱医院",
                "urgency": "routine",
                "reason": "照顾聋哑女儿",
                "token": "r1",
            },
            headers={"HX-Request": "true"},
        )
        self.assertContains(response, "waits for the site head")
        self.assertEqual(Transfer.objects.get().destination_name, "女儿所在方舱医院")

    def test_requesting_a_second_one_shows_the_open_one(self):
        transfer = self.request()
        self.client.force_login(self.clerk)
        data = {
            "person": self.person.pk,
            "destination_type": D.HOME,
            "destination_name": "家",
            "urgency": "routine",
            "reason": "x",
        }
        response = self.client.post(reverse("transfer-new"), data, headers={"HX-Request": "true"})
        self.assertContains(response, "already has an open transfer", status_code=409)
        self.assertContains(response, transfer.get_absolute_url(), status_code=409)
        self.assertContains(response, transfer.destination_name, status_code=409)
        response = self.client.post(reverse("transfer-new"), data)
        self.assertRedirects(response, transfer.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(Transfer.objects.count(), 1)

    def test_the_site_head_approves_in_place(self):
        transfer = self.request()
        self.client.force_login(self.head)
        page = self.client.get(reverse("control-screen"))
        self.assertContains(page, f'id="approval-{transfer.pk}"')
        response = self.client.post(
            reverse("transfer-move", args=[transfer.pk, "approved"]),
            {"version": 1, "token": f"approved-{transfer.pk}-1"},
            headers={"HX-Request": "true"},
        )
        self.assertContains(response, "transfer approved")
        self.assertEqual(self.fresh(transfer).state, S.APPROVED)

    def test_a_rejection_without_a_reason_keeps_the_request(self):
        transfer = self.request()
        self.client.force_login(self.head)
        response = self.client.post(
            reverse("transfer-move", args=[transfer.pk, "rejected"]), {"version": 1}, headers={"HX-Request": "true"}
        )
        self.assertEqual(response.status_code, 422)
        self.assertEqual(self.fresh(transfer).state, S.REQUESTED)

    def test_a_transfer_the_clock_asked_for_names_no_blank(self):
        transfer = self.request()
        Transfer.objects.filter(pk=transfer.pk).update(requested_by=None, updated_by=None)
        self.client.force_login(self.clerk)
        page = " ".join(self.client.get(reverse("transfer-board")).content.decode().split())
        self.assertNotIn("· ·", page)
        self.assertIn("· automatic ·", page)

    def test_the_page_says_whose_step_is_next(self):
        transfer = self.request()
        self.client.force_login(self.head)

        def next_step():
            page = self.client.get(reverse("transfer-detail", args=[transfer.pk])).content.decode()
            return " ".join(page.split("data-next-step>", 1)[1].split("</p>", 1)[0].split())

        office = '<span data-office="waiting">Waiting for the isolation office to confirm the bed</span> · '
        self.assertEqual(next_step(), office + "Next: Approve (site head)")
        transfer = self.walk(transfer, S.APPROVED)
        # Approved, the head's own buttons are gone but for cancel: the page names who acts now, and after whom.
        self.assertEqual(next_step(), office + "then: Arrange (general group、security group)")
        from rooms.models import District

        officer = make_user("officer", None, Role.DISTRICT, first_name="韬", last_name="周")
        District.objects.create(name="九龙坡区隔离办").sites.add(self.site)
        District.objects.get().officers.add(officer)
        transfer_services.transfer_office_confirm(
            transfer=self.fresh(transfer), by=officer, destination_name="区人民医院", receiving_bed="A-12"
        )
        self.assertEqual(next_step(), "Next: Arrange (general group、security group)")
        transfer = self.walk(self.fresh(transfer), S.ARRANGED)
        self.assertEqual(next_step(), "Next: Record departure (security group)")

    def test_a_stale_step_is_a_conflict_naming_who_moved_it(self):
        transfer = self.request()
        transfer_services.transfer_approve(transfer=transfer, by=self.head, version=1)
        self.client.force_login(self.clerk)
        response = self.client.post(
            reverse("transfer-move", args=[transfer.pk, "cancelled"]),
            {"version": 1, "reason": "不需要了"},
            headers={"HX-Request": "true"},
        )
        self.assertContains(response, "was changed by 周宁", status_code=409)
        self.assertEqual(self.fresh(transfer).state, S.APPROVED)

    def test_a_step_already_made_by_a_colleague_is_said_to_be_done(self):
        transfer = self.request()
        transfer_services.transfer_cancel(transfer=transfer, by=self.head, reason="重复申请", version=1)
        self.client.force_login(self.clerk)
        response = self.client.post(
            reverse("transfer-move", args=[transfer.pk, "cancelled"]),
            {"version": 1, "reason": "不需要了"},
            headers={"HX-Request": "true"},
        )
        self.assertContains(response, "is already cancelled: 周宁 recorded it at")
        self.assertEqual(self.fresh(transfer).closing_reason, "重复申请")

    def test_a_steps_result_links_to_the_transfer_except_on_its_own_page(self):
        transfer = self.request()
        self.client.force_login(self.head)
        url = reverse("transfer-move", args=[transfer.pk, "approved"])
        page = "http://testserver" + transfer.get_absolute_url()
        response = self.client.post(url, {"version": 1}, headers={"HX-Request": "true", "HX-Current-URL": page})
        self.assertContains(response, 'class="panel-inner done"')
        self.assertNotContains(response, f'href="{transfer.get_absolute_url()}"')
        # From the transfer board, the result offers the transfer's page.
        transfer_services.transfer_cancel(transfer=self.fresh(transfer), by=self.head, reason="重复申请", version=2)
        other = self.request()
        board = "http://testserver" + reverse("transfer-board")
        response = self.client.post(
            reverse("transfer-move", args=[other.pk, "approved"]),
            {"version": 1},
            headers={"HX-Request": "true", "HX-Current-URL": board},
        )
        self.assertContains(response, f'href="{other.get_absolute_url()}"')
        # The page's result closes by itself, uncovering the page's header.
        self.assertContains(
            self.client.get(transfer.get_absolute_url()), 'id="panel" class="panel" aria-live="polite" data-auto-close='
        )

    def test_an_arrangement_through_the_form(self):
        transfer = self.walk(self.request(), S.APPROVED)
        self.client.force_login(self.clerk)
        url = reverse("transfer-move", args=[transfer.pk, "arranged"])
        form = self.client.get(url).context["form"]
        self.assertEqual(form.initial["destination_name"], "重庆国际博览中心方舱医院")
        response = self.client.post(
            url,
            {
                "version": 2,
                "destination_name": "重庆国际博览中心方舱医院",
                "confirmed_with": "区隔离办",
                "vehicle_plate": "渝A12345",
                "driver_name": "刘师傅",
                "driver_phone": "170 0000 5678",
                "escort": "吴刚",
                "planned_departure_at": (timezone.localtime() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            },
        )
        self.assertRedirects(response, transfer.get_absolute_url(), fetch_redirect_response=False)
        transfer = self.fresh(transfer)
        self.assertEqual((transfer.state, transfer.driver_phone), (S.ARRANGED, "17000005678"))

    def test_an_arrangement_needs_a_real_plate_and_a_departure_after_the_request(self):
        transfer = self.walk(self.request(), S.APPROVED)
        self.client.force_login(self.clerk)
        url = reverse("transfer-move", args=[transfer.pk, "arranged"])
        later = (timezone.localtime() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
        data = {
            "version": 2,
            "destination_name": "重庆国际博览中心方舱医院",
            "confirmed_with": "区隔离办",
            "driver_name": "刘师傅",
            "driver_phone": "170 0000 5678",
            "escort": "吴刚",
        }
        for plate, departure, field in (
            ("渝A😀123", later, "vehicle_plate"),
            ("<b>12345</b>", later, "vehicle_plate"),
            ("渝A1234", later, "vehicle_plate"),
            ("渝A·12345", "2020-01-01T03:00", "planned_departure_at"),
        ):
            with self.subTest(plate=plate, departure=departure):
                response = self.client.post(url, {**data, "vehicle_plate": plate, "planned_departure_at": departure})
                self.assertEqual(response.status_code, 422)
                self.assertIn(field, response.context["form"].errors)
                self.assertEqual(self.fresh(transfer).state, S.APPROVED)
        response = self.client.post(url, {**data, "vehicle_plate": "渝 a·d1234 5", "planned_departure_at": later})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.fresh(transfer).vehicle_plate, "渝AD12345")

    def test_the_transfer_page_prints_a_handover_sheet_with_a_masked_id(self):
        transfer = self.walk(self.request(), S.APPROVED, S.ARRANGED)
        self.client.force_login(self.guard)
        response = self.client.get(reverse("transfer-detail", args=[transfer.pk]))
        self.assertContains(response, "handover sheet")
        self.assertContains(response, "Received by")
        self.assertContains(response, self.person.national_id_masked)
        self.assertNotContains(response, self.person.national_id)
        self.assertContains(response, "渝AD1234")

    def test_the_drivers_phone_is_masked_except_on_the_receivers_audited_print(self):
        transfer = self.walk(self.request(), S.APPROVED, S.ARRANGED)
        for user in (self.head, self.clerk, self.nurse, self.guard):
            self.client.force_login(user)
            with self.subTest(user=user.username):
                response = self.client.get(reverse("transfer-detail", args=[transfer.pk]))
                self.assertContains(response, "170****5678")
                self.assertNotContains(response, "17000005678")
        # The arrangement's history records it masked, and shows older records masked too.
        event = AuditEvent.objects.get(object_id=transfer.pk, action="transfer.arranged")
        self.assertEqual(event.after["driver_phone"], "170****5678")
        from rooms.templatetags.audit import audit_changes

        event.after["driver_phone"] = "17000005678"
        self.assertNotIn("17000005678", str(audit_changes(event)))
        self.client.force_login(self.clerk)
        history = self.client.get(reverse("person-detail", args=[self.person.pk]))
        self.assertContains(history, "170****5678")
        self.assertNotContains(history, "17000005678")
        # The sheet for the receiver, printed by someone who may reveal, has it whole.
        self.client.force_login(self.head)
        printed = self.client.post(reverse("transfer-print", args=[transfer.pk]))
        self.assertContains(printed, "17000005678")
        self.assertContains(printed, self.person.national_id)
        # A sheet of the moment: no live socket, whose snapshot would mask it again before it prints.
        self.assertNotContains(printed, "ws-connect")
        self.assertContains(self.client.get(transfer.get_absolute_url()), "ws-connect")
        self.assertTrue(AuditEvent.objects.filter(object_id=transfer.pk, action="transfer.print").exists())

    def test_the_escort_page_is_the_security_groups_from_approval_on(self):
        waiting = self.request()
        self.client.force_login(self.guard)
        url = reverse("transfer-detail", args=[waiting.pk])
        self.assertEqual(self.client.get(url).status_code, 404)
        self.walk(waiting, S.CANCELLED)
        self.assertEqual(self.client.get(url).status_code, 404)
        rejected = self.walk(self.request(), S.REJECTED)
        self.assertEqual(self.client.get(reverse("transfer-detail", args=[rejected.pk])).status_code, 404)
        approved = self.walk(self.request(), S.APPROVED)
        url = reverse("transfer-detail", args=[approved.pk])
        self.assertNotContains(self.client.get(url), approved.reason)
        # Once it was theirs, it stays open to them when it is cancelled.
        self.walk(approved, S.CANCELLED)
        self.assertEqual(self.client.get(url).status_code, 200)
        # The site head, the general and the medical groups see every one of them.
        for user in (self.head, self.clerk, self.nurse):
            self.client.force_login(user)
            for transfer in (waiting, rejected):
                with self.subTest(user=user.username, state=transfer.state):
                    self.assertContains(
                        self.client.get(reverse("transfer-detail", args=[transfer.pk])), transfer.reason
                    )

    def test_the_person_page_offers_a_request_or_shows_the_open_one(self):
        self.client.force_login(self.clerk)
        url = reverse("person-detail", args=[self.person.pk])
        self.assertContains(self.client.get(url), f"{reverse('transfer-new')}?person={self.person.pk}")
        transfer = self.request()
        response = self.client.get(url)
        self.assertNotContains(response, f"{reverse('transfer-new')}?person={self.person.pk}")
        self.assertContains(response, transfer.get_absolute_url())

    def test_the_room_page_shows_who_is_away_on_a_hospital_visit(self):
        self.walk(self.request(destination_type=D.HOSPITAL_VISIT), S.APPROVED, S.ARRANGED, S.DEPARTED)
        self.client.force_login(self.clerk)
        self.assertContains(self.client.get(reverse("room-detail", args=[self.room.pk])), "away on a hospital visit")

    def test_the_board_shows_urgent_ones_first_and_flags_stale_ones(self):
        routine = self.request()
        other = make_person(self.site)
        services.stay_check_in(person=other, room=self.rooms[1], by=self.clerk)
        urgent = self.request(person=other, urgency=Transfer.Urgency.URGENT)
        Transfer.objects.filter(pk=routine.pk).update(updated_at=timezone.now() - timedelta(minutes=61))
        self.client.force_login(self.clerk)
        response = self.client.get(reverse("transfer-board"))
        column = response.context["columns"][0]
        self.assertEqual([t.pk for t in column["transfers"]], [urgent.pk, routine.pk])
        html = response.content.decode()
        self.assertRegex(html, rf'id="transfer-{urgent.pk}" class="transfer-card urgent"')
        self.assertRegex(html, rf'id="transfer-{routine.pk}" class="transfer-card stale"')


class TransferSocketTests(SocketMixin, LiveTestCase):
    async def test_each_transfer_board_opens_to_its_audience_only(self):
        cases = [
            ("/ws/boards/transfers/", self.clerk, True),
            ("/ws/boards/transfers/", self.head, True),
            ("/ws/boards/transfers/", self.guard, False),
            ("/ws/boards/escorts/", self.guard, True),
            ("/ws/boards/escorts/", self.clerk, False),
            ("/ws/boards/escorts/", self.cook, False),
        ]
        for path, user, allowed in cases:
            with self.subTest(path=path, user=user.username):
                communicator, connected, _code = await self.connect(path, user)
                self.assertTrue(connected)
                if allowed:
                    self.assertIn('id="board-body"', await communicator.receive_from())
                    await communicator.disconnect()
                else:
                    self.assertEqual((await communicator.receive_output())["code"], 4403)

    async def test_a_request_on_a_tablet_reaches_the_site_heads_screen_and_approval_the_requesters(self):
        await sync_to_async(services.stay_check_in)(person=self.person, room=self.room, by=self.clerk)
        control, *_ = await self.connect("/ws/boards/control/?lang=en", self.head)
        tablet, *_ = await self.connect("/ws/boards/transfers/?lang=en", self.clerk)
        for communicator in (control, tablet):
            await communicator.receive_from()  # snapshot

        transfer = await sync_to_async(transfer_services.transfer_request)(
            person=self.person, by=self.clerk, reason="照顾女儿", destination_type=D.RELATIVES_HOSPITAL
        )
        self.assertIn(f'id="approval-{transfer.pk}"', await control.receive_from())
        self.assertIn(f'id="transfer-{transfer.pk}"', await tablet.receive_from())

        await sync_to_async(transfer_services.transfer_approve)(transfer=transfer, by=self.head, version=1)
        self.assertNotIn(f'id="approval-{transfer.pk}"', await control.receive_from())
        html = await tablet.receive_from()
        approved_column = html.split('id="column-approved"')[1].split("</section>")[0]
        self.assertIn(f'id="transfer-{transfer.pk}"', approved_column)
        for communicator in (control, tablet):
            await communicator.disconnect()

    async def test_a_transfer_page_is_live_for_the_escort(self):
        await sync_to_async(services.stay_check_in)(person=self.person, room=self.room, by=self.clerk)
        transfer = await sync_to_async(transfer_services.transfer_request)(
            person=self.person, by=self.clerk, reason="就医", destination_type=D.HOSPITAL_VISIT
        )
        # Not the security group's before it is approved.
        early, *_ = await self.connect(f"/ws/escorts/{transfer.pk}/?lang=en", self.guard)
        self.assertEqual((await early.receive_output())["code"], 4403)
        await sync_to_async(transfer_services.transfer_approve)(transfer=transfer, by=self.head)
        page, connected, _code = await self.connect(f"/ws/escorts/{transfer.pk}/?lang=en", self.guard)
        self.assertIn('data-state="approved"', await page.receive_from())
        await sync_to_async(transfer_services.transfer_cancel)(transfer=transfer, by=self.clerk, reason="家属改变主意")
        self.assertIn('data-state="cancelled"', await page.receive_from())
        await page.disconnect()
        for path, user in ((f"/ws/transfers/{transfer.pk}/", self.cook), (f"/ws/escorts/{transfer.pk}/", self.cook)):
            refused, *_ = await self.connect(path, user)
            self.assertEqual((await refused.receive_output())["code"], 4403)


class TransferAdminTests(TransferTestCase):
    def test_transfers_are_listed_in_the_admin_and_never_edited_there(self):
        transfer = self.request()
        self.head.is_staff = self.head.is_superuser = True
        self.head.save()
        self.client.force_login(self.head)
        self.assertContains(self.client.get(reverse("admin:transfers_transfer_changelist")), self.person.name)
        self.assertEqual(self.client.get(reverse("admin:transfers_transfer_add")).status_code, 403)
        response = self.client.post(
            reverse("admin:transfers_transfer_change", args=[transfer.pk]), {"state": "completed"}
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.fresh(transfer).state, S.REQUESTED)
