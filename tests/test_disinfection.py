"""Disinfection: terminal tasks from departures, the room lifecycle, the routine schedule, waste."""

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse

from groups.disinfection import services as disinfection
from groups.disinfection.models import DisinfectionTask, RoutineSchedule, WasteCollection
from groups.disinfection.routines import routine_today
from rooms import services
from rooms.models import AuditEvent, Room, Stay
from rooms.roles import NotInGroup
from tests.base import SiteTestCase
from tests.clock import frozen, local
from tests.factories import make_person, satisfy_protocol

RECORD = {"agent": "含氯消毒剂", "concentration_mg_l": 1000, "contact_minutes": 30}


class DisinfectionTestCase(SiteTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()

    def release(self, person, hour=10):
        stay = Stay.objects.get(person=person, ended_at__isnull=True)
        Stay.objects.filter(pk=stay.pk).update(ends_on=stay.started_at.date())
        satisfy_protocol(stay)
        with frozen(hour):
            services.stay_release(person=person, by=self.clerk)

    def occupy(self, room, *people):
        for person in people:
            with frozen(8):
                services.stay_check_in(person=person, room=room, by=self.clerk)


class TerminalTaskTests(DisinfectionTestCase):
    def test_the_last_one_out_opens_the_rooms_terminal_task(self):
        self.occupy(self.room, self.person)
        self.release(self.person)

        task = DisinfectionTask.objects.get()
        self.assertEqual((task.kind, task.status, task.room), ("terminal", "open", self.room))
        self.assertEqual(task.due_at, local(10) + timedelta(hours=2))
        self.assertEqual(self.fresh(self.room).status, Room.Status.AWAITING_DISINFECTION)
        self.assertTrue(AuditEvent.objects.filter(action="disinfection.terminal_open", room=self.room).exists())

    def test_no_task_while_people_remain_in_the_room(self):
        family_room = Room.objects.create(site=self.site, number="120", floor=1, capacity=2)
        mother, son = make_person(self.site, household="王家"), make_person(self.site, household="王家")
        self.occupy(family_room, mother, son)
        self.release(mother)
        self.assertFalse(DisinfectionTask.objects.exists())
        self.release(son)
        self.assertEqual(DisinfectionTask.objects.get().room, family_room)

    def test_a_sealed_room_gets_its_task_once_its_occupants_have_left(self):
        self.occupy(self.room, self.person)
        services.room_move(room=self.room, to=Room.Status.SEALED, by=self.head)
        stay = Stay.objects.get(person=self.person)
        with frozen(11):
            services.end_stay(stay=stay, person=self.person, reason=Stay.EndReason.TRANSFERRED, by=self.head)

        task = DisinfectionTask.objects.get()
        self.assertEqual(task.room, self.room)
        self.assertEqual(self.fresh(self.room).status, Room.Status.SEALED)
        # Its terminal disinfection is the only way out of sealed.
        with frozen(12):
            disinfection.disinfection_task_complete(task=task, by=self.cleaner, **RECORD)
        self.assertEqual(self.fresh(self.room).status, Room.Status.VENTILATING)

    def test_completing_the_task_records_it_and_the_room_ventilates_then_is_inspected(self):
        self.occupy(self.room, self.person)
        self.release(self.person)
        task = DisinfectionTask.objects.get()

        with frozen(11) as now:
            disinfection.disinfection_task_complete(task=task, by=self.cleaner, version=1, note="床垫已处理", **RECORD)

        task.refresh_from_db()
        # The agent is the site's, named in the language the site was set up in; "含氯消毒剂" finds it.
        self.assertEqual(
            (task.status, task.disinfectant.code, task.agent, task.concentration_mg_l, task.contact_minutes),
            ("done", "chlorine", task.disinfectant.name, 1000, 30),
        )
        self.assertEqual((task.done_by, task.done_at), (self.cleaner, now))
        room = self.fresh(self.room)
        self.assertEqual(room.status, Room.Status.VENTILATING)
        self.assertEqual(room.ventilation_until, now + timedelta(minutes=self.site.ventilation_minutes))
        # Inspection is the room's own move: refused while it ventilates, then available.
        with frozen(11, 10), self.assertRaisesMessage(services.ServiceError, "ventilating until"):
            services.room_move(room=room, to=Room.Status.AVAILABLE, by=self.cleaner)
        with frozen(11, 31):
            services.room_move(room=room, to=Room.Status.AVAILABLE, by=self.cleaner)
        self.assertEqual(self.fresh(self.room).status, Room.Status.AVAILABLE)
        self.assertEqual(
            list(
                AuditEvent.objects.filter(room=self.room, action__startswith="disinfection").values_list(
                    "action", flat=True
                )
            ),
            ["disinfection.done", "disinfection.terminal_open"],
        )

    def test_a_task_is_done_once(self):
        self.occupy(self.room, self.person)
        self.release(self.person)
        task = DisinfectionTask.objects.get()
        disinfection.disinfection_task_complete(task=task, by=self.cleaner, **RECORD)
        with self.assertRaisesMessage(services.AlreadySubmitted, "was already done by 赵磊"):
            disinfection.disinfection_task_complete(task=task, by=self.head, **RECORD)
        # A colleague's form opened before it was done: told it is done, not to check and try again.
        with self.assertRaisesMessage(services.AlreadySubmitted, f"terminal disinfection of room {self.room.number}"):
            disinfection.disinfection_task_complete(task=task, by=self.head, version=1, **RECORD)

    def test_a_room_with_people_in_it_cannot_be_terminally_disinfected(self):
        self.occupy(self.room, self.person)
        task = DisinfectionTask.objects.create(
            site=self.site, kind="terminal", room=self.room, due_at=local(12), updated_by=self.head
        )
        with self.assertRaisesMessage(services.ServiceError, "still has people in it"):
            disinfection.disinfection_task_complete(task=task, by=self.cleaner, **RECORD)
        self.assertEqual(self.fresh(task).status, "open")

    def test_what_was_used_must_be_recorded(self):
        self.occupy(self.room, self.person)
        self.release(self.person)
        task = DisinfectionTask.objects.get()
        for missing, message in (("agent", "Name the disinfectant"), ("concentration_mg_l", "concentration")):
            with self.subTest(missing=missing), self.assertRaisesMessage(services.ServiceError, message):
                disinfection.disinfection_task_complete(
                    task=task, by=self.cleaner, **{**RECORD, missing: "" if missing == "agent" else 0}
                )
        self.assertEqual(self.fresh(self.room).status, Room.Status.AWAITING_DISINFECTION)

    def test_a_room_moved_on_by_hand_keeps_its_status_when_its_task_is_recorded(self):
        self.occupy(self.room, self.person)
        self.release(self.person)
        with frozen(10, 30):
            services.room_move(room=self.room, to=Room.Status.VENTILATING, by=self.cleaner)
        disinfection.disinfection_task_complete(task=DisinfectionTask.objects.get(), by=self.cleaner, **RECORD)
        self.assertEqual(self.fresh(self.room).status, Room.Status.VENTILATING)

    def test_only_disinfection_and_the_site_head_complete_tasks(self):
        self.occupy(self.room, self.person)
        self.release(self.person)
        task = DisinfectionTask.objects.get()
        for user in (self.cook, self.clerk, self.nurse):
            with self.subTest(user=user.username), self.assertRaises(NotInGroup):
                disinfection.disinfection_task_complete(task=task, by=user, **RECORD)

    def test_the_site_head_asks_for_a_spot_disinfection(self):
        with frozen(9) as now:
            task = disinfection.disinfection_spot_open(site=self.site, where="2号电梯", reason="呕吐物", by=self.head)
        self.assertEqual((task.kind, task.status, task.due_at), ("spot", "open", now + timedelta(hours=1)))
        with self.assertRaises(NotInGroup):
            disinfection.disinfection_spot_open(site=self.site, where="大堂", reason="x", by=self.cleaner)
        with self.assertRaisesMessage(services.ServiceError, "which room or place"):
            disinfection.disinfection_spot_open(site=self.site, reason="x", by=self.head)
        # Done like any task; it moves no room.
        disinfection.disinfection_task_complete(task=task, by=self.cleaner, **RECORD)
        self.assertEqual(self.fresh(task).status, "done")


class RoutineTests(DisinfectionTestCase):
    """The default schedule: each floor's corridor and lift at 09:00 and 15:00,
    the lobby and the checkpoint at 08:00, 13:00 and 19:00."""

    def setUp(self):
        self.corridor = RoutineSchedule.objects.get(site=self.site, per_floor=True)
        self.lobby = RoutineSchedule.objects.get(site=self.site, area="lobby")

    def areas(self, hour, minute=0):
        with frozen(hour, minute):
            return {area.key: area for area in routine_today(self.site)}

    def do(self, schedule, floor, hour, minute=0):
        with frozen(hour, minute):
            return disinfection.routine_disinfection_complete(schedule=schedule, floor=floor, by=self.cleaner, **RECORD)

    def test_the_schedule_gives_each_floor_its_corridor(self):
        areas = self.areas(8)
        self.assertEqual(
            sorted(areas),
            sorted(
                [
                    f"{self.corridor.pk}-1",
                    f"{self.corridor.pk}-2",
                    f"{self.lobby.pk}-all",
                    f"{RoutineSchedule.objects.get(area='checkpoint').pk}-all",
                ]
            ),
        )
        self.assertEqual(areas[f"{self.corridor.pk}-1"].label, "F1 corridor and lift")

    def test_occurrences_not_done_by_their_due_time_are_overdue(self):
        areas = self.areas(8, 30)
        self.assertEqual(areas[f"{self.corridor.pk}-1"].state, "due")
        self.assertEqual(areas[f"{self.lobby.pk}-all"].state, "overdue")

        areas = self.areas(9, 30)
        self.assertEqual(sum(len(area.overdue) for area in areas.values()), 4)  # two corridors, lobby, checkpoint

    def test_doing_an_area_records_its_overdue_occurrence_first_then_the_next(self):
        task = self.do(self.corridor, 1, 9, 30)
        self.assertEqual((task.kind, task.status, task.due_at, task.floor), ("routine", "done", local(9), 1))
        area = self.areas(9, 31)[f"{self.corridor.pk}-1"]
        # The 15:00 round opens two hours before it: nothing to do until then.
        self.assertEqual((area.state, area.target, area.next_due.opens_at), ("done", None, local(13)))
        area = self.areas(13)[f"{self.corridor.pk}-1"]
        self.assertEqual((area.state, area.target.due_at), ("due", local(15)))
        self.do(self.corridor, 1, 13, 30)
        area = self.areas(13, 31)[f"{self.corridor.pk}-1"]
        self.assertEqual((area.state, area.next_due), ("done", None))
        with frozen(13, 35), self.assertRaisesMessage(services.ServiceError, "is done for today"):
            disinfection.routine_disinfection_complete(schedule=self.corridor, floor=1, by=self.cleaner, **RECORD)

    def test_doing_a_later_occurrence_closes_the_missed_ones(self):
        # Nothing done on floor 2 all day: at 16:00 both 09:00 and 15:00 are overdue.
        self.assertEqual(len(self.areas(16)[f"{self.corridor.pk}-2"].overdue), 2)
        task = self.do(self.corridor, 2, 16)
        self.assertEqual(task.due_at, local(15))
        self.assertEqual(self.areas(16, 1)[f"{self.corridor.pk}-2"].overdue, [])

    def test_an_area_cannot_be_done_before_its_window_opens(self):
        self.do(self.lobby, None, 7)  # the 08:00 occurrence, a little early
        with frozen(7, 30), self.assertRaisesMessage(services.ServiceError, "next due at 13:00, recorded from 11:00"):
            disinfection.routine_disinfection_complete(schedule=self.lobby, floor=None, by=self.cleaner, **RECORD)
        # Nor hours before the day's first one: at 03:00 the corridor's 09:00 round is not open (07:00).
        with frozen(3), self.assertRaisesMessage(services.ServiceError, "next due at 09:00, recorded from 07:00"):
            disinfection.routine_disinfection_complete(schedule=self.corridor, floor=1, by=self.cleaner, **RECORD)
        self.assertEqual(DisinfectionTask.objects.filter(kind="routine").count(), 1)
        self.assertEqual(self.do(self.corridor, 1, 7).due_at, local(9))

    def test_the_board_says_when_the_next_round_opens(self):
        self.do(self.lobby, None, 8)
        self.client.force_login(self.cleaner)
        with frozen(8, 30), self.settings(LANGUAGE_CODE="zh-hans"):
            page = self.client.get(reverse("disinfection-board")).content.decode()
        row = page[page.index(f'id="routine-{self.lobby.pk}-all"') :]
        row = row[: row.index("</li>")]
        self.assertIn('data-state="done"', row)
        self.assertIn("11:00", row)
        self.assertNotIn(reverse("routine-complete", args=[self.lobby.pk]), row)

    def test_a_per_floor_area_needs_a_floor_of_the_site(self):
        for floor in (None, 9):
            with self.subTest(floor=floor), self.assertRaisesMessage(services.ServiceError, "Choose the floor"):
                self.do(self.corridor, floor, 9)


class WasteTests(DisinfectionTestCase):
    def collect(self, floor, bags, kg, hour=10, days=0):
        with frozen(hour, 0, days):
            return disinfection.waste_collect(
                site=self.site, floor=floor, bags=bags, weight_kg=Decimal(kg), by=self.cleaner
            )

    def test_the_days_total_counts_todays_collections_only(self):
        from groups.disinfection.board import waste_today

        self.collect(1, 3, "6.5", days=-1)
        self.collect(1, 2, "4.0")
        self.collect(2, 4, "9.5")
        with frozen(12) as now:
            waste = waste_today(self.site, now)
        self.assertEqual((waste["today_kg"], waste["today_bags"]), (Decimal("13.5"), 6))
        # Yesterday's is still on site, waiting for the contractor.
        self.assertEqual((waste["waiting_kg"], waste["waiting_bags"]), (Decimal("20.0"), 9))

    def test_the_hand_over_takes_every_waiting_collection_with_its_totals(self):
        self.collect(1, 2, "4.0")
        self.collect(2, 4, "9.5")
        with frozen(11):
            handover = disinfection.waste_hand_over(
                site=self.site,
                contractor="渝康医废",
                receiver="刘师傅",
                manifest_number="5001202612020001",
                by=self.cleaner,
            )
        self.assertEqual((handover.bags, handover.weight_kg), (6, Decimal("13.5")))
        self.assertFalse(WasteCollection.objects.filter(handover__isnull=True).exists())
        self.assertEqual(AuditEvent.objects.get(action="waste.hand_over").after["weight_kg"], "13.5")
        with self.assertRaisesMessage(services.ServiceError, "No collected waste"):
            disinfection.waste_hand_over(
                site=self.site,
                contractor="渝康医废",
                receiver="刘师傅",
                manifest_number="5001202612020002",
                by=self.cleaner,
            )

    def test_a_collection_needs_a_floor_of_the_site_and_a_weight(self):
        with self.assertRaisesMessage(services.ServiceError, "no floor 7"):
            self.collect(7, 1, "1.0")
        with self.assertRaisesMessage(services.ServiceError, "bags and their weight"):
            self.collect(1, 1, "0")
        with self.assertRaises(NotInGroup):
            disinfection.waste_collect(site=self.site, floor=1, bags=1, weight_kg=Decimal(1), by=self.cook)
