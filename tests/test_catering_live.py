"""A change on the catering board re-sends the round's head, the kitchen, the
late-arrival meals and the sections of the floors it touched, read for those
floors only, and each part is the one a fresh snapshot shows."""

import re
from contextlib import contextmanager
from unittest import mock

from django.urls import reverse
from django.utils import timezone

from groups.catering import services as meals
from groups.catering.models import MealDelivery, MealSlot
from groups.medical import services as medical
from groups.medical.models import Sample
from rooms import services
from rooms.models import Person, Room, Stay
from site_ops.boards import BOARDS, Change
from tests.base import SiteTestCase
from tests.clock import frozen
from tests.factories import make_person, satisfy_protocol

# The parts every change to the round re-sends, besides its floors' sections.
SITE_PARTS = {"round-head", "kitchen", "late-meals"}


def sections(html: str) -> dict[str, str]:
    """Each part of a catering render by its id (none of them holds another section)."""
    return {found[1]: found[0] for found in re.finditer(r'<section id="([^"]+)".*?</section>', html, re.S)}


@contextmanager
def people_read():
    """The pks of the Person rows the ORM makes into people while the block runs."""
    seen = []
    make = Person.from_db.__func__

    def recorded(cls, db, field_names, values):
        person = make(cls, db, field_names, values)
        seen.append(person.pk)
        return person

    with mock.patch.object(Person, "from_db", classmethod(recorded)):
        yield seen


class CateringChangeTests(SiteTestCase):
    """Three floors of five rooms; people arrived at 9:00 on each, one of them
    halal with a peanut allergy and a door note, and one at 11:40 on floor 1,
    after the delivery time; lunch (11:30) is the round, floor 3's first
    room has had it."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.rooms += Room.objects.bulk_create(Room(site=cls.site, floor=3, number=f"30{n}") for n in range(1, 6))
        cls.lunch = MealSlot.objects.get(site=cls.site, kind=MealSlot.Kind.LUNCH)
        cls.floor = {floor: [room for room in cls.rooms if room.floor == floor] for floor in (1, 2, 3)}
        cls.people = {}
        with frozen(9):
            for floor, rooms in cls.floor.items():
                for room in rooms[:3]:
                    person = make_person(cls.site)
                    services.stay_check_in(person=person, room=room, by=cls.clerk)
                    cls.people.setdefault(floor, []).append(person)
            cls.halal = cls.people[2][0]
            Person.objects.filter(pk=cls.halal.pk).update(diet=Person.Diet.HALAL, allergy_note="花生过敏")
            # On the care ledger (a need catering never sees), so that their plans have door notes.
            Person.objects.filter(pk__in=[cls.halal.pk, cls.people[3][2].pk]).update(special_needs=["chronic"])
            medical.care_plan_save(person=cls.halal, by=cls.nurse, data={"door_note": "敲门后稍等"})
        with frozen(11, 40):
            # Floor 3's first room had its lunch; someone arrived on floor 1 after the delivery time.
            meals.meal_record(
                site=cls.site, slot=cls.lunch, day=timezone.localdate(), room=cls.floor[3][0], status="delivered",
                by=cls.cook,
            )  # fmt: skip
            cls.late = make_person(cls.site, diet=Person.Diet.VEGETARIAN)
            services.stay_check_in(person=cls.late, room=cls.floor[1][4], by=cls.clerk)

    def published(self, act) -> Change:
        """The change a service published (the catering board's, if it published several)."""
        with self.captureOnCommitCallbacks() as callbacks:
            act()
        changes = [callback.change for callback in callbacks if hasattr(callback, "change")]
        return next(change for change in changes if BOARDS["catering"].affected_by(change))

    def assert_as_in_a_snapshot(self, change, floors):
        """The change sends the site's parts and these floors' sections, each as a fresh snapshot shows it."""
        board = BOARDS["catering"]
        pushed = sections(board.render_change(change))
        snapshot = sections(board.render_snapshot(self.site.pk, {}))
        self.assertEqual(set(pushed), SITE_PARTS | {f"floor-{floor}" for floor in floors})
        for part, html in pushed.items():
            with self.subTest(part=part):
                self.assertEqual(html, snapshot[part])
        # One floor's page shows the same section.
        for floor in floors:
            page = sections(board.render_snapshot(self.site.pk, {"floor": floor}))
            self.assertEqual(pushed[f"floor-{floor}"], page[f"floor-{floor}"])
        return pushed

    def test_an_arrival_before_the_delivery_time_joins_its_floors_round(self):
        with frozen(11):
            person = make_person(self.site, diet=Person.Diet.DIABETIC)
            change = self.published(lambda: services.stay_check_in(person=person, room=self.floor[2][3], by=self.clerk))
            pushed = self.assert_as_in_a_snapshot(change, [2])
        self.assertIn(f'id="meal-room-{self.floor[2][3].pk}"', pushed["floor-2"])
        self.assertIn("diet-diabetic", pushed["kitchen"])

    def test_an_arrival_after_the_delivery_time_is_a_late_meal(self):
        with frozen(12):
            person = make_person(self.site, allergy_note="海鲜过敏")
            change = self.published(lambda: services.stay_check_in(person=person, room=self.floor[3][3], by=self.clerk))
            pushed = self.assert_as_in_a_snapshot(change, [3])
        self.assertIn(f'id="late-{person.pk}"', pushed["late-meals"])
        self.assertIn("海鲜过敏", pushed["kitchen"])

    def test_a_departure_takes_the_room_out_of_the_round(self):
        leaver = self.people[1][1]
        Stay.objects.filter(person=leaver).update(ends_on=timezone.localdate())
        satisfy_protocol(Stay.objects.get(person=leaver))
        with frozen(12):
            change = self.published(lambda: services.stay_release(person=leaver, by=self.clerk))
            pushed = self.assert_as_in_a_snapshot(change, [1])
        self.assertNotIn(f'id="meal-room-{self.floor[1][1].pk}"', pushed["floor-1"])

    def test_a_meal_delivered_moves_the_round_on(self):
        with frozen(12):
            change = self.published(
                lambda: meals.meal_record(
                    site=self.site, slot=self.lunch, day=timezone.localdate(), room=self.floor[2][0],
                    status="delivered", by=self.cook,
                )
            )  # fmt: skip
            pushed = self.assert_as_in_a_snapshot(change, [2])
        self.assertIn('data-counter="round-done">2/9<', pushed["round-head"])

    def test_a_refused_meal_and_a_floor_marked_delivered(self):
        with frozen(12):
            refused = self.published(
                lambda: meals.meal_record(
                    site=self.site, slot=self.lunch, day=timezone.localdate(), room=self.floor[1][0],
                    status="refused", by=self.cook, note="不饿",
                )
            )  # fmt: skip
            self.assert_as_in_a_snapshot(refused, [1])
            batch = self.published(
                lambda: meals.meal_floor_deliver(
                    site=self.site, slot=self.lunch, day=timezone.localdate(), floor=1, by=self.cook
                )
            )
            pushed = self.assert_as_in_a_snapshot(batch, [1])
        self.assertEqual(MealDelivery.objects.filter(room__floor=1, person=None).count(), 3)
        self.assertIn('data-pending="0"', pushed["floor-1"])

    def test_the_tablets_answer_is_the_section_a_snapshot_shows_read_for_its_floor_only(self):
        """A floor marked delivered, a room's meal and a late meal: the tapping
        tablet's answer is the part a fresh board shows, and reads the people
        of that floor and the late arrivals, not the site's."""
        self.client.force_login(self.cook)
        day = timezone.localdate().isoformat()
        posts = (
            ("meal-floor-deliver", {"floor": 2, "token": "f2"}, "floor-2", self.people[2]),
            ("meal-record", {"room": self.floor[1][0].pk, "status": "delivered", "token": "r1"}, "floor-1",
             self.people[1]),
            ("meal-late-deliver", {"person": self.late.pk, "token": "l1"}, "late-meals", []),
        )  # fmt: skip
        for name, data, part, floor_people in posts:
            with self.subTest(name), frozen(12):
                with people_read() as seen:
                    response = self.client.post(
                        reverse(name), {"slot": self.lunch.pk, "day": day, **data}, headers={"HX-Request": "true"}
                    )
                self.assertEqual(response.status_code, 200)
                answer = sections(response.content.decode())
                self.assertEqual(set(answer), {part})
                self.assertEqual(answer[part], sections(BOARDS["catering"].render_snapshot(self.site.pk, {}))[part])
                # The write and its answer read that floor's people and the late arrival, no one else.
                self.assertLessEqual(set(seen), {person.pk for person in floor_people} | {self.late.pk})

    def test_a_sealed_room_is_served_contactless(self):
        room = self.fresh(self.floor[3][1])
        with frozen(12):
            change = self.published(
                lambda: services.room_move(room=room, to=Room.Status.SEALED, by=self.head, version=room.version)
            )
            pushed = self.assert_as_in_a_snapshot(change, [3])
        self.assertIn("meal-sealed", pushed["floor-3"])

    def test_a_lab_sheet_with_a_positive_sends_the_sealed_rooms_floor_only(self):
        """A morning's sheet names every room with a result and seals one: the
        tablets get that room's floor, not every floor with a result."""
        with frozen(10):
            for floor in (1, 2, 3):
                sample = Sample.objects.get(person=self.people[floor][1], day=1, reason=Sample.Reason.PROTOCOL)
                medical.sample_collect(sample=sample, by=self.nurse)
                Sample.objects.filter(pk=sample.pk).update(tube_barcode=f"HX-{floor}")
            sheet = "条码,结果,ORF1ab,N\nHX-1,阴性,,\nHX-2,阳性,24.1,26.3\nHX-3,阴性,,\n".encode("utf-8-sig")
            imported = medical.lab_import_preview(site=self.site, by=self.nurse, filename="lab.csv", content=sheet)
        with frozen(12), self.captureOnCommitCallbacks() as callbacks:
            medical.lab_import_apply(lab_import=imported, by=self.nurse)
        # The positive goes out first with its seal; the sheet's negatives after it, nothing of catering's.
        ((callback,),) = [callbacks]
        changes = [lead for lead, _numbers in callback.change.leads] + [callback.change]
        self.assertEqual([BOARDS["catering"].affected_by(change) for change in changes], [True, False])
        change = changes[0]
        self.assertEqual(change.sealed, {self.floor[2][1].pk})
        self.assertEqual({self.floor[floor][1].pk for floor in (1, 3)}, changes[1].rooms)
        with frozen(12):
            pushed = self.assert_as_in_a_snapshot(change, [2])
        self.assertIn("meal-sealed", pushed["floor-2"])

    def test_disinfection_that_seals_nothing_leaves_the_board_alone_and_an_unsealing_reaches_it(self):
        room = self.fresh(self.floor[3][1])
        with frozen(12):
            services.room_move(room=room, to=Room.Status.SEALED, by=self.head, version=room.version)
            # A task done on the floor, a vacated room aired: nothing of catering's.
            aired = Change(site_id=self.site.pk, rooms=frozenset({room.pk}), topics=frozenset({"disinfection"}))
            self.assertFalse(BOARDS["catering"].affected_by(aired))
            # Its terminal disinfection once its person has left unseals it (as the task's completion moves it).
            Stay.objects.filter(room=room, ended_at=None).update(ended_at=timezone.now())
            Room.objects.filter(pk=room.pk).update(occupant_count=0)
            unsealed = self.published(
                lambda: services.room_move(room=self.fresh(room), to=Room.Status.VENTILATING, by=self.head)
            )
            self.assertIn("sealed", unsealed.topics)
            pushed = self.assert_as_in_a_snapshot(unsealed, [3])
        self.assertNotIn("meal-sealed", pushed["floor-3"])

    def test_a_door_note_changed_shows_on_its_floor(self):
        with frozen(12):
            change = self.published(
                lambda: medical.care_plan_save(
                    person=self.people[3][2], by=self.nurse, data={"door_note": "放门口即可"}
                )
            )
            pushed = self.assert_as_in_a_snapshot(change, [3])
        self.assertIn("放门口即可", pushed["floor-3"])

    def test_a_change_to_rooms_on_two_floors_sends_both(self):
        change = Change(
            site_id=self.site.pk,
            rooms=frozenset({self.floor[1][0].pk, self.floor[3][0].pk}),
            topics=frozenset({"meals"}),
        )
        with frozen(12):
            self.assert_as_in_a_snapshot(change, [1, 3])

    def test_a_change_naming_no_room_sends_every_floor(self):
        with frozen(12):
            self.assert_as_in_a_snapshot(Change(site_id=self.site.pk, topics=frozenset({"meals"})), [1, 2, 3])

    def test_a_site_without_meal_slots_shows_no_round_in_the_parts_either(self):
        MealDelivery.objects.all().delete()
        MealSlot.objects.all().delete()
        change = Change(site_id=self.site.pk, rooms=frozenset({self.floor[2][0].pk}), topics=frozenset({"meals"}))
        with frozen(12):
            pushed = self.assert_as_in_a_snapshot(change, [2])
        self.assertIn("No meal slots yet", pushed["round-head"])

    def test_a_change_reads_the_people_of_its_floor_and_the_late_arrivals_only(self):
        change = Change(site_id=self.site.pk, rooms=frozenset({self.floor[2][0].pk}), topics=frozenset({"meals"}))
        with frozen(12), people_read() as seen:
            BOARDS["catering"].change_parts(change)
        self.assertCountEqual(seen, [person.pk for person in self.people[2]] + [self.late.pk])
        # The snapshot reads everyone.
        with frozen(12), people_read() as seen:
            BOARDS["catering"].render_snapshot(self.site.pk, {})
        self.assertEqual(len(seen), Stay.objects.filter(site=self.site, ended_at=None).count())

    def test_the_pushed_parts_carry_no_names_ids_phones_or_health(self):
        change = Change(
            site_id=self.site.pk,
            rooms=frozenset(room.pk for room in self.rooms),
            topics=frozenset({"meals", "occupants", "care"}),
        )
        with frozen(12):
            html = BOARDS["catering"].render_change(change)
        self.assertIn("花生过敏", html)
        self.assertIn("敲门后稍等", html)
        for person in Person.objects.filter(site=self.site):
            for value in (person.name, person.national_id, person.phone):
                self.assertNotIn(value, html)
        self.assertNotIn("chronic", html)

    def test_the_control_screens_meal_counters_count_what_the_round_shows(self):
        from groups.control.overview import group_overview

        def both():
            counted = group_overview(self.site, [])["meals"]
            read = group_overview(self.site, list(Room.objects.filter(site=self.site)))["meals"]
            self.assertEqual(counted, read)
            return counted

        with frozen(12):
            self.assertEqual((both()["done"], both()["late_pending"]), (1, 1))
            meals.meal_record(
                site=self.site, slot=self.lunch, day=timezone.localdate(), room=self.floor[2][1], status="refused",
                by=self.cook,
            )  # fmt: skip
            self.assertEqual((both()["refused"], both()["done"]), (1, 2))

    def test_a_handover_or_a_request_alone_leaves_the_round_unread(self):
        for topic, part in (("handover.catering", "handover-catering"), ("requests.catering", "requests-catering")):
            change = Change(site_id=self.site.pk, rooms=frozenset({self.room.pk}), topics=frozenset({topic}))
            with self.subTest(topic=topic), frozen(12), people_read() as seen:
                self.assertEqual(set(sections(BOARDS["catering"].render_change(change))), {part})
            self.assertEqual(seen, [])
