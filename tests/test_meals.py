"""Meals: rounds derived from live occupancy, late arrivals, refusals, the floor batch, feedback."""

from datetime import time, timedelta

from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from groups.catering import services as meals
from groups.catering.models import MealDelivery, MealSlot
from groups.catering.rounds import PENDING, current_slot, meal_round, next_slot
from groups.medical.models import Alert
from rooms import services
from rooms.models import AuditEvent, Person, Room, Stay
from rooms.roles import NotInGroup
from tests.base import SiteTestCase
from tests.clock import frozen, local
from tests.factories import make_person, make_user


class MealTestCase(SiteTestCase):
    """Lunch is due at 11:30; most tests look at it at 12:00."""

    def setUp(self):
        self.lunch = MealSlot.objects.get(site=self.site, kind=MealSlot.Kind.LUNCH)
        self.today = timezone.localdate()

    def check_in(self, person, room, hour, minute=0):
        with frozen(hour, minute):
            return services.stay_check_in(person=person, room=room, by=self.clerk)

    def leave(self, person, reason=Stay.EndReason.RELEASED, hour=12):
        """The person leaves (a release, or a transfer out as the transfers services will do it)."""
        stay = Stay.objects.get(person=person, ended_at__isnull=True)
        with frozen(hour):
            services.end_stay(stay=stay, person=person, reason=reason, by=self.clerk)

    def come_back(self, person, room, hour, minute=0):
        """A round trip's return: the person is in the same room again. This
        stands in for the transfers services, which are built on their own branch."""
        with frozen(hour, minute) as now:
            Person.objects.filter(pk=person.pk).update(status=Person.Status.IN_ISOLATION)
            Room.objects.filter(pk=room.pk).update(occupant_count=F("occupant_count") + 1, status=Room.Status.OCCUPIED)
            Stay.objects.create(site=self.site, person=person, room=room, started_at=now, ends_on=self.today)

    def lunch_round(self, hour=12, minute=0):
        with frozen(hour, minute):
            return meal_round(self.site)

    def record(self, room, status=MealDelivery.Status.DELIVERED, by=None, hour=12, minute=0, **kwargs):
        with frozen(hour, minute):
            return meals.meal_record(
                site=self.site, slot=self.lunch, day=self.today, room=room, status=status, by=by or self.cook, **kwargs
            )


class MealRoundTests(MealTestCase):
    def test_the_round_opens_an_hour_before_its_delivery_time(self):
        slots = list(MealSlot.objects.filter(site=self.site))
        self.assertEqual(current_slot(slots, local(6, 0)).kind, "breakfast")  # before any: the first
        self.assertEqual(current_slot(slots, local(10, 29)).kind, "breakfast")
        self.assertEqual(current_slot(slots, local(10, 30)).kind, "lunch")
        self.assertEqual(current_slot(slots, local(23, 0)).kind, "dinner")
        self.assertEqual(next_slot(slots, local(9, 0)), (self.lunch, self.today))
        tomorrow = next_slot(slots, local(18, 0))
        self.assertEqual((tomorrow[0].kind, tomorrow[1]), ("breakfast", self.today + timedelta(days=1)))

    def test_a_room_joins_the_round_when_someone_checks_in_before_the_delivery_time(self):
        self.check_in(self.person, self.room, 9)

        lunch = self.lunch_round()
        self.assertEqual([meal.room for meal in lunch.rooms], [self.room])
        self.assertEqual(lunch.rooms[0].status, PENDING)
        self.assertEqual(lunch.progress["total"], 1)
        self.assertEqual(lunch.late, [])

    def test_an_empty_room_gets_no_meal(self):
        self.assertEqual(self.lunch_round().rooms, [])
        with self.assertRaisesMessage(services.ServiceError, "not due lunch"):
            self.record(self.room)

    def test_a_release_before_the_meal_takes_the_room_out_of_the_round(self):
        self.check_in(self.person, self.room, 9)
        self.leave(self.person, hour=11)
        self.assertEqual(self.lunch_round().rooms, [])

    def test_a_delivered_room_stays_delivered_after_its_occupant_leaves(self):
        self.check_in(self.person, self.room, 9)
        self.record(self.room)
        self.leave(self.person, hour=13)

        lunch = self.lunch_round(14)
        self.assertEqual([meal.status for meal in lunch.rooms], ["delivered"])
        self.assertEqual(lunch.progress["done"], 1)

    def test_a_transfer_out_stops_meals_and_a_return_resumes_them(self):
        self.check_in(self.person, self.room, 8)
        self.leave(self.person, reason=Stay.EndReason.TRANSFERRED, hour=9)
        self.assertEqual(self.lunch_round().rooms, [])

        # Back before the delivery time: the room is in the round again.
        self.come_back(self.person, self.room, 10)
        self.assertEqual([meal.room for meal in self.lunch_round().rooms], [self.room])

    def test_a_return_after_the_delivery_time_is_a_late_meal(self):
        self.check_in(self.person, self.room, 8)
        self.leave(self.person, reason=Stay.EndReason.TRANSFERRED, hour=9)
        self.come_back(self.person, self.room, 13)

        lunch = self.lunch_round(14)
        self.assertEqual(lunch.rooms, [])
        self.assertEqual([late.person for late in lunch.late], [self.person])

    def test_a_person_arriving_after_the_delivery_time_gets_a_late_meal_not_a_room_delivery(self):
        self.check_in(self.person, self.room, 12, 40)

        lunch = self.lunch_round(13)
        self.assertEqual(lunch.rooms, [])
        self.assertEqual(
            [(late.person, late.room, late.status) for late in lunch.late], [(self.person, self.room, PENDING)]
        )
        self.assertEqual(lunch.progress["late_pending"], 1)
        self.assertEqual(lunch.badges(), {self.room.pk: PENDING})
        with frozen(13):
            meals.meal_late_deliver(site=self.site, slot=self.lunch, day=self.today, person=self.person, by=self.cook)
        self.assertEqual(self.lunch_round(13, 30).badges(), {self.room.pk: "delivered"})

    def test_a_late_arrival_in_a_room_already_delivered_gets_a_late_meal(self):
        family_room = Room.objects.create(site=self.site, number="120", floor=1, capacity=2)
        mother, son = (
            make_person(self.site, household="何家"),
            make_person(self.site, diet=Person.Diet.SOFT, household="何家"),
        )
        self.check_in(mother, family_room, 9)
        self.record(family_room)
        self.check_in(son, family_room, 12, 30)

        lunch = self.lunch_round(13)
        self.assertEqual(lunch.for_room(family_room.pk).status, "delivered")
        self.assertEqual([late.person for late in lunch.late], [son])
        # The cell shows a meal still owed.
        self.assertEqual(lunch.badges()[family_room.pk], PENDING)

    def move(self, person, room, hour, minute=0):
        with frozen(hour, minute):
            reason = Stay.MoveReason.OTHER
            return services.stay_move(person=person, room=room, by=self.clerk, reason=reason, note="换房")

    def test_who_had_the_meal_in_the_room_they_left_is_not_owed_it_again_in_the_new_one(self):
        from groups.catering.rounds import round_progress

        family_room = Room.objects.create(site=self.site, number="120", floor=1, capacity=3)
        mother, son = make_person(self.site, household="何家"), make_person(self.site, household="何家")
        self.check_in(mother, family_room, 9)
        self.check_in(son, family_room, 9)
        self.check_in(self.person, self.rooms[1], 9)
        self.record(family_room)  # lunch for two, at 12:00
        self.move(son, self.room, 12, 30)  # then the son moves to a room of his own

        lunch = self.lunch_round(13)
        self.assertIsNone(lunch.for_room(self.room.pk))
        self.assertEqual(lunch.for_room(family_room.pk).status, "delivered")
        self.assertEqual(lunch.progress, round_progress(self.site, lunch))
        self.assertEqual((lunch.progress["total"], lunch.progress["pending"]), (2, 1))
        self.assertNotIn(self.room.pk, lunch.badges())
        # A round of only his new room (a tap, a broadcast) reads the same.
        with frozen(13):
            self.assertIsNone(meal_round(self.site, room_ids=[self.room.pk]).for_room(self.room.pk))
            # Some rooms or some floors: asked for both, it says so rather than answer one of them.
            with self.assertRaisesMessage(ValueError, "not both"):
                meal_round(self.site, room_ids=[self.room.pk], floors=[1])
        with self.assertRaisesMessage(services.ServiceError, "not due lunch"):
            self.record(self.room, hour=13)

    def test_who_moved_before_the_room_they_left_had_the_meal_is_owed_it_in_the_new_one(self):
        family_room = Room.objects.create(site=self.site, number="120", floor=1, capacity=3)
        mother, son = make_person(self.site, household="何家"), make_person(self.site, household="何家")
        self.check_in(mother, family_room, 9)
        self.check_in(son, family_room, 9)
        self.move(son, self.room, 11, 45)  # after the delivery time, before the delivery
        self.record(family_room, hour=12)

        lunch = self.lunch_round(13)
        self.assertEqual(lunch.for_room(self.room.pk).status, PENDING)
        self.assertEqual([person.pk for person in lunch.for_room(self.room.pk).people], [son.pk])

    def test_who_had_an_early_delivered_meal_before_moving_is_not_owed_it_again(self):
        """The trolley came before the delivery time, then the son moved: the new room is not due a second lunch."""
        from groups.catering.rounds import round_progress

        family_room = Room.objects.create(site=self.site, number="120", floor=1, capacity=3)
        mother, son = make_person(self.site, household="何家"), make_person(self.site, household="何家")
        self.check_in(mother, family_room, 9)
        self.check_in(son, family_room, 9)
        self.record(family_room, hour=10, minute=50)  # lunch is due at 11:30
        self.move(son, self.room, 11, 0)

        lunch = self.lunch_round(13)
        self.assertIsNone(lunch.for_room(self.room.pk))
        self.assertEqual(lunch.progress, round_progress(self.site, lunch))
        self.assertEqual(lunch.progress["pending"], 0)

    def test_a_round_counts_a_family_rooms_meals_and_diets(self):
        family_room = Room.objects.create(site=self.site, number="120", floor=1, capacity=3)
        people = [
            make_person(self.site, diet=Person.Diet.HALAL, household="马家"),
            make_person(self.site, diet=Person.Diet.HALAL, allergy_note="花生过敏", household="马家"),
            make_person(self.site, diet=Person.Diet.INFANT, household="马家"),
        ]
        for person in people:
            self.check_in(person, family_room, 9)

        meal = self.lunch_round().for_room(family_room.pk)
        self.assertEqual(meal.meals, 3)
        self.assertEqual([(diet, n) for diet, _label, n in meal.diets], [("halal", 2), ("infant", 1)])
        self.assertEqual(meal.allergies, ["花生过敏"])

    def test_the_kitchen_counts_diets_for_the_next_slot_as_people_come_and_go(self):
        from groups.catering.board import catering_board

        self.check_in(self.person, self.rooms[0], 9)
        self.check_in(make_person(self.site, diet=Person.Diet.VEGETARIAN), self.rooms[1], 9)
        with frozen(12):
            kitchen = catering_board(self.site)["kitchen"]
        self.assertEqual(kitchen["slot"].kind, "dinner")
        self.assertEqual(kitchen["total"], 2)
        self.assertEqual([(diet, n) for diet, _label, n in kitchen["diets"]], [("regular", 1), ("vegetarian", 1)])

        self.leave(self.person, hour=13)
        with frozen(13):
            self.assertEqual(catering_board(self.site)["kitchen"]["total"], 1)


class MealRecordTests(MealTestCase):
    def setUp(self):
        super().setUp()
        self.check_in(self.person, self.room, 9)

    def test_it_records_a_delivery_with_its_meals_and_diets_and_audits_it(self):
        delivery = self.record(self.room)

        self.assertEqual((delivery.status, delivery.meals, delivery.diets), ("delivered", 1, {"regular": 1}))
        self.assertEqual(delivery.recorded_by, self.cook)
        self.assertEqual(self.lunch_round().rooms[0].status, "delivered")
        event = AuditEvent.objects.get(action="meal.deliver")
        self.assertEqual(
            (event.room, event.before, event.after["status"]), (self.room, {"status": "pending"}, "delivered")
        )

    def test_a_refused_meal_alerts_the_medical_group(self):
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            delivery = self.record(self.room, status=MealDelivery.Status.REFUSED, note="没胃口")

        alert = Alert.objects.get()
        self.assertEqual((alert.kind, alert.room, alert.meal_delivery), ("meal_refused", self.room, delivery))
        self.assertIn("没胃口", alert.note)
        # The change names the medical topic, so the medical board can show it.
        change = callbacks[0].change
        self.assertEqual(change.topics, {"meals", "medical"})

    def test_a_delivered_meal_raises_no_alert(self):
        self.record(self.room)
        self.assertFalse(Alert.objects.exists())

    def test_a_refusal_can_become_a_delivery_but_a_delivery_is_final(self):
        self.record(self.room, status=MealDelivery.Status.REFUSED)
        self.record(self.room, status=MealDelivery.Status.DELIVERED)
        self.assertEqual(MealDelivery.objects.get().status, "delivered")

        with self.assertRaisesMessage(services.ServiceError, "already recorded"):
            self.record(self.room, status=MealDelivery.Status.REFUSED)
        self.assertEqual(MealDelivery.objects.get().status, "delivered")

    def test_a_double_submit_is_recorded_once(self):
        self.record(self.room, token="same")
        with self.assertRaises(services.AlreadySubmitted):
            self.record(self.room, token="same")
        self.assertEqual(MealDelivery.objects.count(), 1)

    def test_a_round_of_another_day_is_refused(self):
        with frozen(12), self.assertRaisesMessage(services.ServiceError, "is over"):
            meals.meal_record(
                site=self.site,
                slot=self.lunch,
                day=self.today - timedelta(days=1),
                room=self.room,
                status="delivered",
                by=self.cook,
            )
        self.assertFalse(MealDelivery.objects.exists())

    def test_a_round_is_not_recorded_before_it_opens(self):
        # 09:00: lunch (11:30) opens at 10:30. A tap meant for breakfast, or hours early, changes nothing.
        with self.assertRaisesMessage(services.ServiceError, "The lunch round opens at 10:30"):
            self.record(self.room, hour=9)
        with frozen(9), self.assertRaisesMessage(services.ServiceError, "opens at 10:30"):
            meals.meal_floor_deliver(site=self.site, slot=self.lunch, day=self.today, floor=1, by=self.cook)
        self.assertFalse(MealDelivery.objects.exists())
        self.assertFalse(AuditEvent.objects.filter(action__startswith="meal.").exists())
        # From 10:30 on it is recorded (the trolley a little early).
        self.assertEqual(self.record(self.room, hour=10, minute=30).status, "delivered")

    def test_the_board_shows_a_round_not_open_yet_without_its_buttons(self):
        dinner = MealSlot.objects.get(site=self.site, kind=MealSlot.Kind.DINNER)
        MealSlot.objects.filter(site=self.site).exclude(pk=dinner.pk).delete()
        self.client.force_login(self.cook)
        # 05:00: the only round is dinner (17:30), which opens at 16:30.
        with frozen(5), self.settings(LANGUAGE_CODE="zh-hans"):
            page = self.client.get(reverse("catering-board")).content.decode()
        self.assertIn('data-round="not-open"', page)
        self.assertIn("16:30", page)
        self.assertIn(f'id="meal-room-{self.room.pk}"', page)
        self.assertNotIn(reverse("meal-record"), page)
        self.assertNotIn(reverse("meal-floor-deliver"), page)
        with frozen(16, 30):
            page = self.client.get(reverse("catering-board")).content.decode()
        self.assertNotIn('data-round="not-open"', page)
        self.assertIn(reverse("meal-record"), page)
        self.assertIn(reverse("meal-floor-deliver"), page)

    def test_only_catering_and_the_site_head_record_meals(self):
        for user in (self.clerk, self.nurse, self.outsider):
            with self.subTest(user=user.username), self.assertRaises(NotInGroup):
                self.record(self.room, by=user)
        self.record(self.room, by=self.head)

    def test_marking_a_floor_delivered_records_every_pending_room_on_that_floor_only(self):
        floor_one = self.rooms[:5]
        for room in floor_one[1:4]:
            self.check_in(make_person(self.site), room, 9)
        upstairs = self.rooms[5]
        self.check_in(make_person(self.site), upstairs, 9)
        self.record(floor_one[1], status=MealDelivery.Status.REFUSED)

        with frozen(12):
            rows = meals.meal_floor_deliver(site=self.site, slot=self.lunch, day=self.today, floor=1, by=self.cook)

        self.assertEqual({row.room for row in rows}, {floor_one[0], floor_one[2], floor_one[3]})
        lunch = self.lunch_round()
        self.assertEqual(lunch.for_room(floor_one[1].pk).status, "refused")
        self.assertEqual(lunch.for_room(upstairs.pk).status, PENDING)
        self.assertEqual(lunch.progress, {**lunch.progress, "delivered": 3, "refused": 1, "pending": 1, "total": 5})
        # One audit event for the batch, naming its rooms.
        event = AuditEvent.objects.get(action="meal.floor_deliver")
        self.assertEqual(sorted(event.after["rooms"]), ["101", "103", "104"])

        with frozen(12), self.assertRaisesMessage(services.ServiceError, "has its lunch recorded"):
            meals.meal_floor_deliver(site=self.site, slot=self.lunch, day=self.today, floor=1, by=self.cook)

    def test_a_late_arrival_meal_is_recorded_once(self):
        late = make_person(self.site)
        self.check_in(late, self.rooms[1], 13)
        with frozen(13, 30):
            delivery = meals.meal_late_deliver(
                site=self.site, slot=self.lunch, day=self.today, person=late, by=self.cook
            )
            self.assertEqual((delivery.person, delivery.room, delivery.meals), (late, self.rooms[1], 1))
            with self.assertRaisesMessage(services.ServiceError, "already recorded"):
                meals.meal_late_deliver(site=self.site, slot=self.lunch, day=self.today, person=late, by=self.cook)
            # Someone who arrived in time has no late meal.
            with self.assertRaisesMessage(services.ServiceError, "No late-arrival lunch"):
                meals.meal_late_deliver(
                    site=self.site, slot=self.lunch, day=self.today, person=self.person, by=self.cook
                )
        self.assertEqual(self.lunch_round(14).progress["late_pending"], 0)

    def test_feedback_is_fine_or_a_complaint_with_a_note(self):
        delivery = self.record(self.room)
        with self.assertRaisesMessage(services.ServiceError, "what the complaint is about"):
            meals.meal_feedback(delivery=delivery, feedback="complaint", note=" ", by=self.cook, version=1)

        meals.meal_feedback(delivery=delivery, feedback="complaint", note="饭菜凉了", by=self.cook, version=1)

        delivery.refresh_from_db()
        self.assertEqual((delivery.feedback, delivery.feedback_note, delivery.version), ("complaint", "饭菜凉了", 2))
        self.assertEqual(self.lunch_round().badges(), {self.room.pk: "complaint"})

    def test_a_stale_feedback_is_a_conflict(self):
        delivery = self.record(self.room)
        meals.meal_feedback(delivery=delivery, feedback="fine", by=self.head, version=1)
        with self.assertRaisesMessage(services.Conflict, "was changed by 周宁"):
            meals.meal_feedback(delivery=delivery, feedback="complaint", note="凉", by=self.cook, version=1)

    def test_a_refused_meal_gets_no_feedback(self):
        delivery = self.record(self.room, status=MealDelivery.Status.REFUSED)
        with self.assertRaisesMessage(services.ServiceError, "Only a delivered meal"):
            meals.meal_feedback(delivery=delivery, feedback="fine", by=self.cook)

    def test_a_slot_of_another_site_is_refused(self):
        from tests.factories import make_site

        other = MealSlot.objects.get(site=make_site(name="别处"), kind="lunch")
        with frozen(12), self.assertRaisesMessage(services.ServiceError, "another site"):
            meals.meal_record(
                site=self.site, slot=other, day=self.today, room=self.room, status="delivered", by=self.cook
            )

    def test_the_slot_times_come_from_the_site(self):
        self.lunch.delivery_time = time(13, 0)
        self.lunch.save()
        # Checked in at 12:30: before this site's lunch time, so in the round.
        self.check_in(make_person(self.site), self.rooms[1], 12, 30)
        self.assertEqual(len(self.lunch_round(12, 45).rooms), 2)

    def test_two_cooks_on_one_room_record_it_once(self):
        other_cook = make_user("cook2", self.site, "catering")
        self.record(self.room)
        with self.assertRaisesMessage(services.ServiceError, "already recorded"):
            self.record(self.room, by=other_cook)
        self.assertEqual(MealDelivery.objects.count(), 1)


class RefusedMealOnTheMedicalBoardTests(MealTestCase):
    def test_a_refused_meal_shows_on_the_medical_board(self):
        from django.urls import reverse

        self.check_in(self.person, self.room, hour=9)
        self.record(self.room, status=MealDelivery.Status.REFUSED, note="没胃口")
        with frozen(12):
            self.client.force_login(self.nurse)
            response = self.client.get(reverse("medical-board"))
        reports = response.content.decode().split('id="alerts"')[1].split("</section>")[0]
        self.assertIn("meal refused", reports)
        self.assertIn("没胃口", reports)
