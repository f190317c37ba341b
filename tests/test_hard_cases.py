"""A real site's hard cases: who may share a room, room change, room-mates of a positive, unsealing."""

from datetime import date, timedelta

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from groups.disinfection.models import DisinfectionTask
from groups.general.suggest import room_options, suggest_room
from groups.medical import services as medical
from groups.medical.models import Sample
from groups.transfers.models import Transfer
from rooms import services
from rooms.models import AuditEvent, Person, Room, Stay
from rooms.roles import NotInGroup
from site_ops.models import BoardSequence
from tests.factories import hospital_visit_arranged, make_person
from tests.test_medical_services import TODAY, MedicalTestCase, set_protocol


class SharingTests(MedicalTestCase):
    """Strangers never share a room; the site head may decide otherwise, with a reason."""

    def setUp(self):
        self.family_room = Room.objects.create(site=self.site, number="120", floor=1, capacity=3)
        self.mother = make_person(self.site, name="王芳", household="王家", sex=Person.Sex.FEMALE)
        self.baby = make_person(self.site, name="王小宝", household="王家", birth_date=date(2026, 3, 1))
        self.check_in(person=self.mother, room=self.family_room)
        self.stranger = make_person(self.site, name="刘强", birth_date=date(1995, 1, 9))

    def test_a_stranger_is_refused_a_room_a_family_is_in_and_nothing_changes(self):
        events = AuditEvent.objects.count()
        with self.assertRaises(services.ServiceError) as refused:
            services.stay_check_in(person=self.stranger, room=self.family_room, by=self.clerk)
        self.assertIn("王芳 of another household", refused.exception.message)
        self.assertIn("Only the site head", refused.exception.message)
        self.assertEqual(self.fresh(self.family_room).occupant_count, 1)
        self.assertEqual(self.fresh(self.stranger).status, Person.Status.EXPECTED)
        self.assertEqual(AuditEvent.objects.count(), events)

    def test_the_family_joins_its_own(self):
        services.stay_check_in(person=self.baby, room=self.family_room, by=self.clerk)
        self.assertEqual(self.fresh(self.family_room).occupant_count, 2)

    def test_one_household_of_two_categories_does_not_share(self):
        Person.objects.filter(pk=self.baby.pk).update(category=Person.Category.INBOUND)
        with self.assertRaises(services.ServiceError) as refused:
            services.stay_check_in(person=self.fresh(self.baby), room=self.family_room, by=self.clerk)
        self.assertIn("close contact", refused.exception.message)

    def test_the_site_head_may_put_them_together_with_a_reason_audited(self):
        with self.assertRaises(services.ServiceError) as refused:
            services.stay_check_in(person=self.stranger, room=self.family_room, by=self.head)
        self.assertIn("give the reason", refused.exception.message)
        with self.assertRaises(services.ServiceError):
            services.stay_check_in(person=self.stranger, room=self.family_room, by=self.clerk, override="满员")
        stay = services.stay_check_in(
            person=self.stranger, room=self.family_room, by=self.head, override="全点满员,临时安排"
        )
        event = AuditEvent.objects.get(action="stay.check_in", object_id=stay.pk)
        self.assertIn("全点满员,临时安排", event.note)
        self.assertEqual(event.actor, self.head)

    def test_the_check_in_form_offers_a_general_clerk_only_rooms_the_person_may_share(self):
        self.client.force_login(self.clerk)
        page = self.client.get(reverse("person-check-in", args=[self.stranger.pk])).content.decode()
        self.assertNotIn(">120 (", page)
        self.assertNotIn('name="override"', page)
        self.client.force_login(self.head)
        page = self.client.get(reverse("person-check-in", args=[self.stranger.pk])).content.decode()
        self.assertIn("Other households (site head, with a reason)", page)
        self.assertIn('name="override"', page)

    def test_a_refused_check_in_through_the_form_says_why_and_changes_nothing(self):
        self.client.force_login(self.clerk)
        response = self.client.post(
            reverse("person-check-in", args=[self.stranger.pk]),
            {"room": self.family_room.pk, "version": self.stranger.version, "token": "t1"},
            headers={"HX-Request": "true"},
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "another household", status_code=422)
        self.assertEqual(self.fresh(self.stranger).status, Person.Status.EXPECTED)


class SuggestionTests(MedicalTestCase):
    def suggestion(self, person):
        return suggest_room(person, room_options(person))

    def test_aged_sixty_five_goes_low_and_the_hint_says_why(self):
        elder = make_person(self.site, birth_date=TODAY() - timedelta(days=65 * 366))
        found = self.suggestion(elder)
        self.assertEqual(found.room.floor, 1)
        self.assertIn("low floor: aged 65", found.hint)

    def test_a_younger_person_gets_no_preference_and_the_hint_says_so(self):
        found = self.suggestion(make_person(self.site, birth_date=date(1991, 2, 3)))
        self.assertIn("upper floors first, the low ones kept for the elderly", found.hint)

    def test_a_family_member_moving_alone_is_offered_a_room_of_their_own_not_one_for_a_family_of_0(self):
        # She is in her room already and moves (a room change); nobody of her family is still to come.
        mother = make_person(self.site, name="张佳", household="张家", birth_date=date(1990, 5, 1))
        self.check_in(person=mother, room=self.rooms[0])
        found = self.suggestion(self.fresh(mother))
        self.assertNotIn("family of 0", found.hint)
        self.assertNotIn("family of 1", found.hint)

    def test_the_elderly_age_is_the_sites(self):
        elder = make_person(self.site, birth_date=TODAY() - timedelta(days=65 * 366))
        self.site.elderly_age = 70
        self.site.save()
        elder.refresh_from_db()
        self.assertIsNone(elder.low_floor_reason())


class RoomChangeTests(MedicalTestCase):
    def setUp(self):
        self.stay = self.check_in(person=self.person, room=self.rooms[0])
        self.to = self.rooms[1]

    def move(self, by=None, **kwargs):
        kwargs.setdefault("reason", Stay.MoveReason.WRONG_ROOM)
        return services.stay_move(person=self.person, room=kwargs.pop("room", self.to), by=by or self.clerk, **kwargs)

    def test_the_stay_and_what_hangs_on_it_go_with_the_person(self):
        samples = set(Sample.objects.filter(stay=self.stay).values_list("pk", flat=True))
        with self.captureOnCommitCallbacks(execute=True):
            stay = self.move()
        self.assertEqual(stay.pk, self.stay.pk)
        self.assertEqual(self.fresh(stay).room, self.to)
        self.assertEqual(set(Sample.objects.filter(stay=stay).values_list("pk", flat=True)), samples)
        left = self.fresh(self.rooms[0])
        self.assertEqual((left.occupant_count, left.status), (0, Room.Status.AWAITING_DISINFECTION))
        self.assertEqual((self.fresh(self.to).occupant_count, self.fresh(self.to).status), (1, Room.Status.OCCUPIED))
        # The room left empty waits for its terminal disinfection.
        self.assertTrue(
            DisinfectionTask.objects.filter(room=left, kind=DisinfectionTask.Kind.TERMINAL, done_at=None).exists()
        )
        event = AuditEvent.objects.get(action="stay.move")
        self.assertEqual((event.before["room"], event.after["room"]), (left.number, self.to.number))
        boards = set(BoardSequence.objects.values_list("board", flat=True))
        self.assertTrue({f"room-{left.pk}", f"room-{self.to.pk}", f"person-{self.person.pk}"} <= boards)

    def test_a_room_left_for_repair_is_a_repair_request_until_done(self):
        from rooms.models import Request

        self.move(reason=Stay.MoveReason.REPAIR, note="卫生间漏水")
        repair = Request.objects.get(room=self.rooms[0])
        self.assertEqual((repair.kind, repair.what, repair.requested_by), ("repair", "卫生间漏水", self.clerk))
        self.assertIsNone(repair.person)
        # Any other reason logs nothing.
        self.move(room=self.rooms[2], reason=Stay.MoveReason.WRONG_ROOM)
        self.assertEqual(Request.objects.count(), 1)

    def test_an_open_transfer_picks_the_person_up_in_the_new_room(self):
        from groups.transfers import services as transfers

        transfer = transfers.transfer_draft_for_positive(person=self.person, by=self.nurse)
        self.move()
        self.assertEqual(Transfer.objects.get(pk=transfer.pk).room, self.to)

    def test_refused_moves_change_nothing(self):
        stranger = make_person(self.site, name="陈杰")
        self.check_in(person=stranger, room=self.rooms[2])
        cases = {
            "same room": {"room": self.rooms[0]},
            "a stranger's room": {"room": self.rooms[2]},
            "no reason": {"reason": "because"},
            "other without a note": {"reason": Stay.MoveReason.OTHER},
            "stale": {"version": self.person.version - 1},
        }
        Room.objects.filter(pk=self.rooms[3].pk).update(status=Room.Status.OUT_OF_SERVICE)
        cases["a closed room"] = {"room": self.rooms[3]}
        for name, kwargs in cases.items():
            with self.subTest(name), self.assertRaises(services.ServiceError):
                self.move(**kwargs)
        with self.assertRaises(NotInGroup):
            self.move(by=self.nurse)
        self.assertEqual(self.fresh(self.stay).room, self.rooms[0])
        self.assertFalse(AuditEvent.objects.filter(action="stay.move").exists())

    def test_a_child_is_not_moved_away_from_the_adult_of_their_family(self):
        family = self.rooms[5]
        Room.objects.filter(pk=family.pk).update(capacity=2)
        mother = make_person(self.site, name="张佳", household="张家", birth_date=date(1994, 3, 2))
        baby = make_person(self.site, name="张浩宇", household="张家", birth_date=TODAY() - timedelta(days=200))
        for person in (mother, baby):
            self.check_in(person=person, room=self.fresh(family))
        away = self.rooms[6]

        def move(person, by, **kwargs):
            kwargs.setdefault("reason", Stay.MoveReason.WRONG_ROOM)
            return services.stay_move(person=self.fresh(person), room=self.fresh(away), by=by, **kwargs)

        with self.assertRaisesMessage(services.ServiceError, "张浩宇 (0 y) stays with 张佳, who remain in room"):
            move(baby, self.clerk)
        with self.assertRaisesMessage(services.ServiceError, "give the reason"):
            move(baby, self.head)
        self.assertEqual(Stay.objects.get(person=baby, ended_at=None).room_id, family.pk)
        self.assertFalse(AuditEvent.objects.filter(action="stay.move").exists())
        # Or the family moves adult first; the child joins them.
        Room.objects.filter(pk=away.pk).update(capacity=2)
        move(mother, self.clerk)
        move(baby, self.clerk)
        self.assertEqual(
            set(Stay.objects.filter(ended_at=None, room=away).values_list("person", flat=True)), {mother.pk, baby.pk}
        )

    def test_someone_is_not_moved_away_from_their_carer_but_the_site_head_may_with_a_reason(self):
        family = self.rooms[5]
        Room.objects.filter(pk=family.pk).update(capacity=2)
        cared = make_person(self.site, name="刘秀英", household="刘家", birth_date=date(1940, 1, 9))
        carer = make_person(self.site, name="刘军", household="刘家", birth_date=date(1970, 6, 1), cares_for=cared)
        for person in (cared, carer):
            self.check_in(person=person, room=self.fresh(family))
        args = {"person": self.fresh(cared), "room": self.rooms[6], "reason": Stay.MoveReason.OTHER, "note": "漏水"}
        with self.assertRaisesMessage(services.ServiceError, "stays with 刘军"):
            services.stay_move(by=self.clerk, **args)
        services.stay_move(by=self.head, override="刘军核酸阳性，需分开", **args)
        event = AuditEvent.objects.get(action="stay.move")
        self.assertIn("Moved apart by the site head's decision: 刘军核酸阳性，需分开", event.note)

    def test_a_double_submit_moves_once(self):
        self.move(token="once")
        with self.assertRaises(services.AlreadySubmitted):
            self.move(token="once", room=self.rooms[4])
        self.assertEqual(self.fresh(self.stay).room, self.to)

    def test_the_room_change_form_moves_from_the_persons_page(self):
        self.client.force_login(self.clerk)
        page = self.client.get(reverse("person-detail", args=[self.person.pk])).content.decode()
        url = reverse("person-room-change", args=[self.person.pk])
        self.assertIn(url, page)
        form = self.client.get(url)
        self.assertContains(form, "Suggested room")
        response = self.client.post(
            url,
            {"room": self.to.pk, "reason": "repair", "version": self.fresh(self.person).version, "token": "m1"},
            headers={"HX-Request": "true"},
        )
        self.assertContains(response, f"to room {self.to.number}")
        self.assertEqual(self.fresh(self.stay).room, self.to)


class FamilyMovesTogetherTests(MedicalTestCase):
    """A mother and her baby, a carer and the person they look after: one room change for all of them."""

    def setUp(self):
        self.family = self.rooms[5]
        self.away = self.rooms[6]
        Room.objects.filter(pk__in=[self.family.pk, self.away.pk]).update(capacity=2)
        self.mother = make_person(self.site, name="张佳", household="张家", birth_date=date(1994, 3, 2))
        self.baby = make_person(self.site, name="张浩宇", household="张家", birth_date=TODAY() - timedelta(days=200))
        for person in (self.mother, self.baby):
            self.check_in(person=person, room=self.fresh(self.family))

    def move(self, person=None, by=None, **kwargs):
        kwargs.setdefault("reason", Stay.MoveReason.REPAIR)
        kwargs.setdefault("room", self.fresh(self.away))
        return services.stay_move(person=self.fresh(person or self.baby), by=by or self.clerk, **kwargs)

    def where(self) -> dict:
        return dict(Stay.objects.filter(ended_at=None).values_list("person__name", "room__number"))

    def test_the_family_in_the_room_moves_in_one_step_each_move_audited(self):
        with self.captureOnCommitCallbacks(execute=True):
            stay = self.move(together=True)
        self.assertEqual([who.name for who in stay.moved_with], ["张佳"])
        self.assertEqual(self.where(), {"张佳": self.away.number, "张浩宇": self.away.number})
        left, to = self.fresh(self.family), self.fresh(self.away)
        self.assertEqual((left.occupant_count, left.status), (0, Room.Status.AWAITING_DISINFECTION))
        self.assertEqual((to.occupant_count, to.status), (2, Room.Status.OCCUPIED))
        # The room left empty gets one terminal disinfection task, not one per person.
        self.assertEqual(DisinfectionTask.objects.filter(room=left, kind=DisinfectionTask.Kind.TERMINAL).count(), 1)
        events = {event.person.name: event for event in AuditEvent.objects.filter(action="stay.move")}
        self.assertEqual(set(events), {"张佳", "张浩宇"})
        self.assertIn("with 张佳", events["张浩宇"].note)
        self.assertIn("with 张浩宇", events["张佳"].note)
        boards = set(BoardSequence.objects.values_list("board", flat=True))
        self.assertTrue({f"person-{self.mother.pk}", f"person-{self.baby.pk}", f"room-{to.pk}"} <= boards)

    def test_a_carer_of_another_household_moves_with_the_person_they_look_after(self):
        carer = make_person(self.site, name="李护工", birth_date=date(1975, 1, 1), cares_for=self.mother)
        Room.objects.filter(pk__in=[self.family.pk, self.away.pk]).update(capacity=3)
        services.stay_check_in(person=carer, room=self.fresh(self.family), by=self.head, override="陪护张佳")
        self.assertEqual(
            [who.name for who in services.family_in_room(self.fresh(self.mother), self.family.pk)], ["张浩宇", "李护工"]
        )
        self.move(person=self.mother, together=True)
        self.assertEqual(set(self.where().values()), {self.away.number})

    def test_a_family_that_does_not_fit_or_leaves_a_sealed_room_is_refused_whole(self):
        stranger = make_person(self.site, name="陈杰")
        cases = {}
        Room.objects.filter(pk=self.rooms[7].pk).update(capacity=1)
        cases["one bed for two"] = ({"room": self.fresh(self.rooms[7])}, "has 1 free bed; 张浩宇、张佳 are 2")
        cases["stale"] = ({"version": self.fresh(self.baby).version - 1}, "")
        for name, (kwargs, message) in cases.items():
            with self.subTest(name), self.assertRaisesMessage(services.ServiceError, message):
                self.move(together=True, **kwargs)
        self.check_in(person=stranger, room=self.rooms[8])
        with self.assertRaisesMessage(services.ServiceError, "Nobody of 陈杰's family is in room"):
            services.stay_move(
                person=stranger, room=self.away, reason=Stay.MoveReason.REPAIR, by=self.clerk, together=True
            )
        Room.objects.filter(pk=self.family.pk).update(status=Room.Status.SEALED)
        with self.assertRaisesMessage(services.ServiceError, "sealed after a positive"):
            self.move(together=True)
        with self.assertRaises(NotInGroup):
            self.move(together=True, by=self.nurse)
        self.assertEqual(self.where()["张浩宇"], self.family.number)
        self.assertEqual(self.where()["张佳"], self.family.number)
        self.assertEqual(self.fresh(self.away).occupant_count, 0)
        self.assertFalse(AuditEvent.objects.filter(action="stay.move").exists())

    def test_alone_the_child_is_still_refused_and_told_the_family_can_move_together(self):
        with self.assertRaisesMessage(services.ServiceError, "move the family together"):
            self.move()
        self.move(person=self.mother)
        self.assertEqual(self.where(), {"张佳": self.away.number, "张浩宇": self.family.number})

    def test_the_form_offers_the_family_ticked_and_moves_them_in_one_submit(self):
        self.client.force_login(self.clerk)
        url = reverse("person-room-change", args=[self.baby.pk])
        page = self.client.get(url).content.decode()
        self.assertIn('name="together"', page)
        self.assertRegex(page, r'name="together"[^>]*checked')
        self.assertIn("张佳 move in the same step", page)
        # A two-bed empty room is suggested for the two of them.
        self.assertIn("an empty room for the family of 2", page)
        response = self.client.post(
            url,
            {
                "room": self.away.pk,
                "together": "on",
                "reason": "repair",
                "version": self.fresh(self.baby).version,
                "token": "fam1",
            },
            headers={"HX-Request": "true"},
        )
        self.assertContains(
            response, f"张浩宇、张佳 moved together from room {self.family.number} to room {self.away.number}"
        )
        self.assertEqual(set(self.where().values()), {self.away.number})
        # Asked again (a double tap), nothing moves twice.
        again = self.client.post(
            url,
            {"room": self.rooms[7].pk, "together": "on", "reason": "repair", "version": 1, "token": "fam1"},
            headers={"HX-Request": "true"},
        )
        self.assertNotContains(again, "moved together", status_code=again.status_code)
        self.assertEqual(set(self.where().values()), {self.away.number})

    def test_someone_alone_is_not_offered_the_box_nor_anyone_in_a_sealed_room(self):
        self.client.force_login(self.clerk)
        self.check_in(person=self.person, room=self.rooms[0])
        page = self.client.get(reverse("person-room-change", args=[self.person.pk])).content.decode()
        self.assertNotIn('name="together"', page)
        Room.objects.filter(pk=self.family.pk).update(status=Room.Status.SEALED)
        page = self.client.get(reverse("person-room-change", args=[self.mother.pk]) + "?reason=exposure")
        self.assertNotContains(page, 'name="together"')


class FamilyChecksInTogetherTests(MedicalTestCase):
    """A family off the same bus at 2 a.m.: one check-in for all of them, to one room."""

    def setUp(self):
        self.family_room = self.rooms[5]
        Room.objects.filter(pk=self.family_room.pk).update(capacity=3)
        born = TODAY() - timedelta(days=3 * 365)
        self.father = make_person(self.site, name="刘强", household="刘家", birth_date=date(1988, 2, 2))
        self.mother = make_person(self.site, name="刘芳", household="刘家", birth_date=date(1990, 7, 7))
        self.child = make_person(self.site, name="刘小雨", household="刘家", birth_date=born)

    def check_in_family(self, person=None, room=None, by=None, **kwargs):
        return services.stay_check_in(
            person=self.fresh(person or self.child),
            room=self.fresh(room or self.family_room),
            by=by or self.clerk,
            together=True,
            **kwargs,
        )

    def test_the_family_on_the_arrival_list_is_checked_in_in_one_step_each_audited(self):
        with self.captureOnCommitCallbacks(execute=True):
            stay = self.check_in_family()
        self.assertEqual([who.name for who in stay.checked_in_with], ["刘强", "刘芳"])
        stays = Stay.objects.filter(ended_at=None, person__household="刘家")
        self.assertEqual(set(stays.values_list("room_id", flat=True)), {self.family_room.pk})
        self.assertEqual(stays.count(), 3)
        for person in (self.father, self.mother, self.child):
            with self.subTest(person=person.name):
                self.assertEqual(self.fresh(person).status, Person.Status.IN_ISOLATION)
                # What a check-in starts follows for each of them: their sampling plan.
                self.assertTrue(Sample.objects.filter(stay__person=person).exists())
        room = self.fresh(self.family_room)
        self.assertEqual((room.occupant_count, room.status), (3, Room.Status.OCCUPIED))
        self.assertEqual(AuditEvent.objects.filter(action="stay.check_in").count(), 3)
        self.assertIn(f"person-{self.father.pk}", set(BoardSequence.objects.values_list("board", flat=True)))

    def test_a_room_too_small_a_stale_form_or_no_family_is_refused_whole(self):
        Room.objects.filter(pk=self.rooms[6].pk).update(capacity=2)
        with self.assertRaisesMessage(services.ServiceError, "has 2 free beds; 刘小雨、刘强、刘芳 are 3"):
            self.check_in_family(room=self.rooms[6])
        with self.assertRaises(services.ServiceError):
            self.check_in_family(version=self.fresh(self.child).version - 1)
        alone = make_person(self.site, name="赵静")
        with self.assertRaisesMessage(services.ServiceError, "Nobody of 赵静's family is on the arrival list"):
            self.check_in_family(person=alone)
        with self.assertRaises(NotInGroup):
            self.check_in_family(by=self.nurse)
        self.assertFalse(Stay.objects.exists())
        self.assertFalse(AuditEvent.objects.filter(action="stay.check_in").exists())
        self.assertEqual(self.fresh(self.rooms[6]).occupant_count, 0)

    def test_a_carer_of_another_household_needs_the_site_heads_reason_as_when_alone(self):
        Room.objects.filter(pk=self.family_room.pk).update(capacity=4)
        carer = make_person(self.site, name="周护工", birth_date=date(1970, 1, 1), cares_for=self.child)
        with self.assertRaisesMessage(services.ServiceError, "of another household is in this room"):
            self.check_in_family(person=carer)
        self.assertFalse(Stay.objects.exists())
        self.assertEqual(self.fresh(self.family_room).occupant_count, 0)
        stay = self.check_in_family(person=carer, by=self.head, override="患儿需陪护")
        self.assertEqual([who.name for who in stay.checked_in_with], ["刘小雨"])
        note = AuditEvent.objects.get(action="stay.check_in", person=self.child).note
        self.assertIn("患儿需陪护", note)

    def test_someone_no_longer_expected_or_expected_on_a_later_day_is_left_out(self):
        services.person_no_show(person=self.fresh(self.father), reason="改日单独到达", by=self.clerk)
        grandmother = make_person(
            self.site,
            name="刘奶奶",
            household="刘家",
            birth_date=date(1950, 1, 1),
            expected_on=TODAY() + timedelta(days=1),
        )
        stay = self.check_in_family()
        self.assertEqual([who.name for who in stay.checked_in_with], ["刘芳"])
        self.assertEqual(self.fresh(self.father).status, Person.Status.NO_SHOW)
        self.assertEqual(self.fresh(grandmother).status, Person.Status.EXPECTED)

    def test_the_form_offers_the_family_ticked_with_a_room_for_all_and_checks_them_in(self):
        self.client.force_login(self.clerk)
        url = reverse("person-check-in", args=[self.child.pk])
        page = self.client.get(url).content.decode()
        self.assertRegex(page, r'name="together"[^>]*checked')
        self.assertIn("刘强、刘芳 are checked in in the same step", page)
        self.assertIn("an empty room for the family of 3", page)
        response = self.client.post(
            url,
            {"room": self.family_room.pk, "together": "on", "version": self.fresh(self.child).version, "token": "f1"},
            headers={"HX-Request": "true"},
        )
        self.assertContains(response, f"刘小雨、刘强、刘芳 checked in together to room {self.family_room.number}")
        self.assertEqual(Stay.objects.filter(room=self.family_room, ended_at=None).count(), 3)
        # Someone arriving alone is not offered the box.
        alone = make_person(self.site, name="赵静")
        self.assertNotContains(self.client.get(reverse("person-check-in", args=[alone.pk])), 'name="together"')


class RoomMatesOfAPositiveTests(MedicalTestCase):
    def setUp(self):
        set_protocol(self.site)
        self.family_room = Room.objects.create(site=self.site, number="120", floor=1, capacity=3)
        self.mother = make_person(self.site, name="王芳", household="王家")
        self.son = make_person(self.site, name="王小明", household="王家", category=Person.Category.SECONDARY_CONTACT)
        Person.objects.filter(pk=self.mother.pk).update(category=Person.Category.SECONDARY_CONTACT)
        self.mother.refresh_from_db()
        self.stay = self.check_in(person=self.mother, room=self.family_room, days_ago=4)
        self.son_stay = self.check_in(person=self.son, room=self.family_room, days_ago=4)
        self.positive = medical.sample_collect(
            sample=Sample.objects.get(stay=self.stay, day=5, reason=Sample.Reason.PROTOCOL), by=self.nurse
        )

    def record_positive(self):
        with self.captureOnCommitCallbacks(execute=True):
            medical.sample_record_result(sample=self.positive, result="positive", by=self.nurse)

    def test_the_general_board_lists_the_sealed_room_positive_first_as_the_queryset_would(self):
        from groups.general.board import sealed_rooms

        self.record_positive()
        listed = sealed_rooms(self.site)
        self.assertEqual([(stay.person.name, stay.positive, stay.room.number) for stay in listed], [
            ("王芳", True, "120"), ("王小明", False, "120"),
        ])  # fmt: skip
        positive = Sample.objects.filter(stay=OuterRef("pk"), kind=Sample.Kind.PCR, result=Sample.Result.POSITIVE)
        expected = (
            Stay.objects.open()
            .filter(site=self.site, room__status=Room.Status.SEALED)
            .annotate(positive=Exists(positive))
            .order_by("room__floor", "room__number", "-positive", "person__name")
        )
        self.assertEqual([(stay.pk, stay.positive) for stay in listed], [(stay.pk, stay.positive) for stay in expected])

    def test_a_room_mate_going_with_the_positive_is_not_asked_to_move_rooms(self):
        from groups.general.board import sealed_rooms
        from groups.transfers import services as transfers

        self.record_positive()
        transfers.transfer_request(
            person=self.son, by=self.clerk, reason="陪同王芳", destination_type=Transfer.Destination.DESIGNATED_HOSPITAL
        )
        self.assertEqual(
            [(stay.person.name, stay.transfer_state) for stay in sealed_rooms(self.site)],
            [("王芳", "requested"), ("王小明", "requested")],
        )
        self.client.force_login(self.clerk)
        page = self.client.get(reverse("general-board")).content.decode()
        self.assertIn("leaving with a transfer of their own", page)
        self.assertNotIn("waiting to move to a room of their own", page)

    def test_the_room_mates_quarantine_restarts_from_the_day_of_exposure(self):
        before = self.son_stay.ends_on
        self.record_positive()
        stay = self.fresh(self.son_stay)
        self.assertEqual(stay.ends_on, TODAY() + timedelta(days=7))
        self.assertGreater(stay.ends_on, before)
        self.assertEqual(self.fresh(self.son).category, Person.Category.CLOSE_CONTACT)
        waiting = Sample.objects.filter(stay=stay, status=Sample.Status.SCHEDULED)
        # The old plan's days from tomorrow on are cancelled (today's is taken
        # all the same); the protocol runs again from today.
        old = waiting.filter(reason=Sample.Reason.PROTOCOL).values_list("scheduled_on", flat=True)
        self.assertEqual(list(old), [TODAY()])
        days = sorted(waiting.filter(reason=Sample.Reason.CONTACT).values_list("scheduled_on", flat=True))
        self.assertEqual(days, [TODAY() + timedelta(days=n - 1) for n in (1, 2, 3, 5, 7)])
        event = AuditEvent.objects.get(action="stay.exposure", person=self.son)
        self.assertEqual(event.after["ends_on"], stay.ends_on.isoformat())
        self.assertIn("王芳", event.note)
        # The positive is not their own contact.
        self.assertFalse(AuditEvent.objects.filter(action="stay.exposure", person=self.mother).exists())

    def test_a_positive_opens_spot_disinfection_of_its_floors_corridor_and_lift(self):
        self.record_positive()
        tasks = DisinfectionTask.objects.filter(kind=DisinfectionTask.Kind.SPOT, floor=self.family_room.floor)
        self.assertEqual(sorted(tasks.values_list("area", flat=True)), ["corridor", "lift"])

    def test_a_restart_never_shortens_the_quarantine(self):
        far = TODAY() + timedelta(days=30)
        Stay.objects.filter(pk=self.son_stay.pk).update(ends_on=far)
        self.record_positive()
        self.assertEqual(self.fresh(self.son_stay).ends_on, far)

    def test_the_room_mates_history_reads_in_words_not_stored_keys(self):
        self.record_positive()
        self.client.force_login(self.head)
        page = self.client.get(reverse("room-detail", args=[self.family_room.pk])).content.decode()
        self.assertIn("room-mate of a positive case", page)
        for key in ("kind: pcr", "reason: contact", "required_negatives", "exposed_on", "samples:"):
            self.assertNotIn(key, page)

    def test_the_positive_is_offered_the_transfer_not_a_room_of_their_own(self):
        self.record_positive()
        self.client.force_login(self.head)
        exposure = reverse("person-room-change", args=[self.mother.pk]) + "?reason=exposure"
        transfer = reverse("person-detail", args=[self.mother.pk]) + "#person-transfers"
        for page in (
            reverse("room-detail", args=[self.family_room.pk]),
            reverse("person-detail", args=[self.mother.pk]),
            reverse("general-board"),
        ):
            with self.subTest(page=page):
                content = self.client.get(page).content.decode()
                self.assertNotIn(exposure, content)
                self.assertIn(transfer, content)
        # The room-mate is still offered the room of their own.
        room_page = self.client.get(reverse("room-detail", args=[self.family_room.pk])).content.decode()
        self.assertIn(reverse("person-room-change", args=[self.son.pk]) + "?reason=exposure", room_page)

    def test_the_site_head_moves_a_room_mate_out_through_room_change(self):
        self.record_positive()
        self.client.force_login(self.head)
        room_page = self.client.get(reverse("room-detail", args=[self.family_room.pk])).content.decode()
        url = reverse("person-room-change", args=[self.son.pk])
        self.assertIn(f"{url}?reason=exposure", room_page)
        general = self.client.get(reverse("general-board")).content.decode()
        self.assertIn(f"{url}?reason=exposure", general)
        form = self.client.get(url, {"reason": "exposure"}).context
        suggested = form["suggestion"].room
        self.assertEqual((suggested.capacity, suggested.occupant_count), (1, 0))
        response = self.client.post(
            url,
            {
                "room": suggested.pk,
                "reason": "exposure",
                "version": self.fresh(self.son).version,
                "token": "out-1",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.fresh(self.son_stay).room, suggested)
        # The positive stays in the sealed room.
        room = self.fresh(self.family_room)
        self.assertEqual((room.status, room.occupant_count), (Room.Status.SEALED, 1))
        # The room still names who lived in it, for tracing contacts: the room-mate moved out, and where to.
        page = self.client.get(reverse("room-detail", args=[self.family_room.pk])).content.decode()
        self.assertIn(f'<li data-moved-out><a href="{reverse("person-detail", args=[self.son.pk])}">王小明</a>', page)
        self.assertIn(f"moved to room {suggested.number} at", page)


class UnsealTests(MedicalTestCase):
    def setUp(self):
        self.stay = self.check_in()
        Room.objects.filter(pk=self.room.pk).update(status=Room.Status.SEALED)

    def unseal(self, by, note="阳性结果已更正为阴性", room=None):
        room = room or self.fresh(self.room)
        return services.room_move(room=room, to=Room.Status.OCCUPIED, by=by, version=room.version, note=note)

    def test_the_site_head_unseals_with_the_reason_audited(self):
        self.unseal(self.head)
        self.assertEqual(self.fresh(self.room).status, Room.Status.OCCUPIED)
        event = AuditEvent.objects.filter(action="room.move").latest("pk")
        self.assertEqual((event.before, event.after["status"]), ({"status": "sealed"}, "occupied"))
        self.assertEqual(event.note, "阳性结果已更正为阴性")

    def test_nobody_else_unseals_and_never_without_a_reason_or_with_nobody_inside(self):
        with self.assertRaises(NotInGroup):
            self.unseal(self.nurse)
        with self.assertRaises(services.ServiceError):
            self.unseal(self.head, note="")
        empty = self.rooms[5]
        Room.objects.filter(pk=empty.pk).update(status=Room.Status.SEALED)
        with self.assertRaises(services.ServiceError):
            self.unseal(self.head, room=self.fresh(empty))
        self.assertEqual(self.fresh(self.room).status, Room.Status.SEALED)

    def test_the_room_page_offers_the_site_head_the_unseal_with_a_reason(self):
        self.client.force_login(self.head)
        page = self.client.get(reverse("room-detail", args=[self.room.pk])).content.decode()
        self.assertIn("Unseal: the positive was taken back", page)
        self.assertIn('name="note" required', page)


class SealedRoomOnTheCateringBoardTests(MedicalTestCase):
    def test_a_sealed_rooms_meal_is_contactless(self):
        from datetime import datetime, time

        from django.template.loader import render_to_string

        from groups.catering.board import catering_board

        self.check_in(days_ago=1)
        Room.objects.filter(pk=self.room.pk).update(status=Room.Status.SEALED)
        lunch = timezone.make_aware(datetime.combine(TODAY(), time(11, 0)))
        context = catering_board(self.site, now=lunch)
        page = render_to_string("catering/board.html#board-body", context)
        card = page[page.index(f'id="meal-room-{self.room.pk}"') :][:1500]
        self.assertIn("sealed: contactless only", card)
        self.assertIn("no handing over", card)


class NoShowTests(MedicalTestCase):
    def test_an_expected_person_who_does_not_come_leaves_the_expected_count_with_the_reason(self):
        from rooms.reads import site_counters

        expected = site_counters(self.site)["people"]["expected"]
        with self.captureOnCommitCallbacks(execute=True):
            services.person_no_show(person=self.person, reason="已在外地隔离", by=self.clerk)
        self.assertEqual(self.fresh(self.person).status, Person.Status.NO_SHOW)
        self.assertEqual(site_counters(self.site)["people"]["expected"], expected - 1)
        event = AuditEvent.objects.get(action="person.no_show")
        self.assertEqual(event.note, "已在外地隔离")

    def test_refused_without_a_reason_for_someone_not_expected_or_by_another_group(self):
        with self.assertRaises(services.ServiceError):
            services.person_no_show(person=self.person, reason=" ", by=self.clerk)
        with self.assertRaises(NotInGroup):
            services.person_no_show(person=self.person, reason="没来", by=self.cook)
        self.check_in()
        with self.assertRaises(services.ServiceError):
            services.person_no_show(person=self.fresh(self.person), reason="没来", by=self.clerk)
        self.assertFalse(AuditEvent.objects.filter(action="person.no_show").exists())

    def test_the_arrivals_list_offers_it_and_the_form_marks_it(self):
        self.client.force_login(self.clerk)
        url = reverse("person-no-show", args=[self.person.pk])
        self.assertContains(self.client.get(reverse("general-board")), url)
        response = self.client.post(url, {"reason": "", "version": self.person.version, "token": "n1"})
        self.assertEqual(response.status_code, 422)
        response = self.client.post(url, {"reason": "改为居家隔离", "version": self.person.version, "token": "n1"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.fresh(self.person).status, Person.Status.NO_SHOW)


class HospitalVisitTests(MedicalTestCase):
    def test_a_person_away_on_a_hospital_visit_is_not_in_the_meal_or_sampling_round_until_back(self):
        from groups.catering.rounds import open_stays
        from groups.transfers import services as transfers

        self.check_in()
        transfer = hospital_visit_arranged(self.person, clerk=self.clerk, head=self.head)
        self.assertEqual([s.person for s in open_stays(self.site)], [self.person])
        transfer = transfers.transfer_depart(transfer=transfer, by=self.guard)
        self.assertEqual(open_stays(self.site), [])
        # Nor in the sampling round: the floor's round leaves their sample for later.
        with self.assertRaises(services.ServiceError):
            medical.samples_collect_floor(site=self.site, floor=self.room.floor, by=self.nurse)
        self.client.force_login(self.nurse)
        page = self.client.get(reverse("medical-board"), {"floor": self.room.floor}).content.decode()
        self.assertIn("away on a hospital visit: sample when back", page)
        transfers.transfer_return(transfer=transfer, by=self.guard)
        self.assertEqual([s.person for s in open_stays(self.site)], [self.person])
        self.assertEqual(medical.samples_collect_floor(site=self.site, floor=self.room.floor, by=self.nurse), 1)


class LeftRoomExposureTests(MedicalTestCase):
    def setUp(self):
        from groups.security import services as security

        self.a = make_person(self.site, name="赵一")
        self.b = make_person(self.site, name="钱二")
        self.stay_a = self.check_in(person=self.a, room=self.rooms[0], days_ago=5)
        self.stay_b = self.check_in(person=self.b, room=self.rooms[1], days_ago=2)
        self.incident = security.incident_report(
            site=self.site,
            kind="left_room",
            severity="medium",
            description="101住户在102房间聊天",
            room=self.rooms[0],
            visited_room=self.rooms[1],
            by=self.guard,
        )

    def test_a_person_in_another_room_names_everyone_in_the_two_rooms(self):
        self.assertEqual(set(self.incident.people.all()), {self.a, self.b})

    def test_the_site_head_marks_it_an_exposure_and_both_rooms_restart(self):
        from groups.security import services as security

        self.client.force_login(self.head)
        control = self.client.get(reverse("control-screen")).content.decode()
        url = reverse("incident-exposure", args=[self.incident.pk])
        self.assertIn(url, control)
        form = self.client.get(url)
        self.assertContains(form, "赵一")
        self.assertContains(form, "钱二")
        response = self.client.post(url, {"version": self.incident.version, "token": "e1"})
        self.assertEqual(response.status_code, 302)
        for stay in (self.stay_a, self.stay_b):
            stay = self.fresh(stay)
            self.assertEqual(stay.ends_on, TODAY() + timedelta(days=7))
            self.assertTrue(Sample.objects.filter(stay=stay, reason=Sample.Reason.CONTACT, scheduled_on=TODAY()))
        self.assertTrue(AuditEvent.objects.filter(action="incident.exposure").exists())
        with self.assertRaises(services.ServiceError):
            security.incident_mark_exposure(incident=self.incident, by=self.head)

    def test_only_the_site_head_marks_an_exposure(self):
        from groups.security import services as security

        with self.assertRaises(NotInGroup):
            security.incident_mark_exposure(incident=self.incident, by=self.guard)
        self.client.force_login(self.guard)
        response = self.client.post(reverse("incident-exposure", args=[self.incident.pk]), {"version": 1})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(AuditEvent.objects.filter(action="incident.exposure").exists())

    def test_a_room_gone_into_needs_a_left_room_incident_and_another_room(self):
        from groups.security import services as security

        for kwargs in ({"kind": "conflict"}, {"visited_room": self.rooms[0]}):
            with self.subTest(**{k: str(v) for k, v in kwargs.items()}), self.assertRaises(services.ServiceError):
                security.incident_report(
                    site=self.site,
                    **{"kind": "left_room", "visited_room": self.rooms[1], **kwargs},
                    severity="low",
                    description="x",
                    room=self.rooms[0],
                    by=self.guard,
                )


class CarerTests(MedicalTestCase):
    def setUp(self):
        self.family_room = Room.objects.create(site=self.site, number="120", floor=1, capacity=2)
        self.mother = make_person(self.site, name="王芳", household="王家", sex=Person.Sex.FEMALE)
        self.baby = make_person(self.site, name="王小宝", household="王家", birth_date=date(2026, 3, 1))
        services.person_set_carer(carer=self.mother, cares_for=self.baby, by=self.clerk)
        self.mother_stay = self.check_in(person=self.mother, room=self.family_room)
        self.baby_stay = self.check_in(person=self.baby, room=self.family_room)
        for stay in (self.mother_stay, self.baby_stay):
            Stay.objects.filter(pk=stay.pk).update(ends_on=TODAY())
        from tests.factories import satisfy_protocol

        satisfy_protocol(self.mother_stay)
        satisfy_protocol(self.baby_stay)

    def test_the_link_is_audited_and_shown_both_ways(self):
        self.assertEqual(self.fresh(self.mother).cares_for, self.baby)
        self.assertEqual(self.fresh(self.baby).linked(), [self.mother])
        self.assertTrue(AuditEvent.objects.filter(action="person.carer", person=self.mother).exists())
        self.client.force_login(self.clerk)
        self.assertContains(self.client.get(reverse("person-detail", args=[self.baby.pk])), "王芳")

    def test_one_of_them_alone_is_not_released_both_are_together(self):
        with self.assertRaises(services.ServiceError) as refused:
            services.stay_release(person=self.baby, by=self.clerk)
        self.assertIn("released together", refused.exception.message)
        self.assertEqual(self.fresh(self.baby).status, Person.Status.IN_ISOLATION)
        services.stay_release(person=self.baby, by=self.clerk, together=True)
        self.assertEqual(self.fresh(self.baby).status, Person.Status.RELEASED)
        self.assertEqual(self.fresh(self.mother).status, Person.Status.RELEASED)
        self.assertEqual(AuditEvent.objects.filter(action="stay.release").count(), 2)

    def test_both_are_released_or_neither(self):
        Stay.objects.filter(pk=self.mother_stay.pk).update(ends_on=TODAY() + timedelta(days=3))
        with self.assertRaises(services.ServiceError):
            services.stay_release(person=self.baby, by=self.clerk, together=True)
        self.assertEqual(self.fresh(self.baby).status, Person.Status.IN_ISOLATION)

    def test_the_general_board_releases_them_with_one_button(self):
        self.client.force_login(self.clerk)
        page = self.client.get(reverse("general-board")).content.decode()
        self.assertIn('name="together" value="1"', page)
        self.assertIn("Release both", page)

    def test_a_transfer_for_one_proposes_the_other(self):
        from groups.transfers import services as transfers

        transfer = transfers.transfer_request(
            person=self.baby, by=self.clerk, reason="高烧", destination_type=Transfer.Destination.DESIGNATED_HOSPITAL
        )
        self.client.force_login(self.clerk)
        page = self.client.get(reverse("transfer-detail", args=[transfer.pk])).content.decode()
        self.assertIn(f"{reverse('transfer-new')}?person={self.mother.pk}", page)

    def test_a_child_with_no_carer_link_is_offered_a_guardian_of_the_family(self):
        from groups.transfers import services as transfers

        self.baby.cares_for = None
        Person.objects.filter(carers=self.baby).update(cares_for=None)
        Person.objects.filter(pk=self.mother.pk).update(cares_for=None, birth_date=date(1992, 4, 2))
        transfer = transfers.transfer_request(
            person=self.baby,
            by=self.clerk,
            reason="核酸阳性",
            destination_type=Transfer.Destination.DESIGNATED_HOSPITAL,
        )
        self.client.force_login(self.clerk)
        page = self.client.get(reverse("transfer-detail", args=[transfer.pk])).content.decode()
        self.assertIn("A child: 王芳 of the family may go with them as guardian", page)
        link = f"{reverse('transfer-new')}?person={self.mother.pk}&amp;with={transfer.pk}"
        self.assertIn(link, page)
        # The form it opens has the child's destination, urgency and why already filled in.
        form = self.client.get(link.replace("&amp;", "&")).context["form"]
        self.assertEqual(
            (form.initial["destination_type"], form.initial["urgency"], form.initial["reason"]),
            (Transfer.Destination.DESIGNATED_HOSPITAL, transfer.urgency, "Goes with 王小宝 (designated hospital)."),
        )
        # An adult's transfer proposes nobody without a carer link.
        mother_transfer = transfers.transfer_request(
            person=self.mother, by=self.clerk, reason="就医", destination_type=Transfer.Destination.HOSPITAL_VISIT
        )
        page = self.client.get(reverse("transfer-detail", args=[mother_transfer.pk])).content.decode()
        self.assertNotIn("may go with them as guardian", page)

    def test_no_one_cares_for_themselves_and_no_loops(self):
        with self.assertRaises(services.ServiceError):
            services.person_set_carer(carer=self.baby, cares_for=self.baby, by=self.clerk)
        with self.assertRaises(services.ServiceError):
            services.person_set_carer(carer=self.fresh(self.baby), cares_for=self.mother, by=self.clerk)


class MedicalFollowsTransfersTests(MedicalTestCase):
    def test_a_nurse_requests_a_transfer_from_the_persons_medical_page_and_follows_it(self):
        from groups.transfers import services as transfers

        self.check_in()
        self.client.force_login(self.nurse)
        page = self.client.get(reverse("person-medical", args=[self.person.pk])).content.decode()
        self.assertIn(f"{reverse('transfer-new')}?person={self.person.pk}", page)
        transfer = transfers.transfer_request(
            person=self.person, by=self.nurse, reason="胸闷气促", destination_type="designated_hospital"
        )
        board = self.client.get(reverse("medical-board")).content.decode()
        self.assertIn(transfer.get_absolute_url(), board)
        self.assertEqual(self.client.get(transfer.get_absolute_url()).status_code, 200)

    def test_the_medical_board_follows_a_transfer_live(self):
        from groups.transfers import services as transfers

        self.check_in()
        BoardSequence.objects.all().delete()
        with self.captureOnCommitCallbacks(execute=True):
            transfers.transfer_request(
                person=self.person, by=self.clerk, reason="复查", destination_type="hospital_visit"
            )
        self.assertIn("medical", set(BoardSequence.objects.values_list("board", flat=True)))


class HandoverSheetTests(MedicalTestCase):
    def setUp(self):
        from groups.transfers import services as transfers

        self.check_in()
        Person.objects.filter(pk=self.person.pk).update(special_needs=["hearing"])
        sample = medical.sample_collect(
            sample=Sample.objects.get(stay__person=self.person, day=1, reason=Sample.Reason.PROTOCOL), by=self.nurse
        )
        medical.sample_record_result(sample=sample, result="positive", ct_orf1ab="24.1", ct_n="22.3", by=self.nurse)
        self.transfer = Transfer.objects.get(person=self.person)
        self.transfers = transfers

    def test_the_sheet_carries_what_the_receiving_hospital_needs_but_not_the_escorts_page(self):
        self.client.force_login(self.clerk)
        page = self.client.get(self.transfer.get_absolute_url()).content.decode()
        self.assertIn("For the receiving hospital", page)
        self.assertIn("ORF1ab Ct 24.1", page)
        self.assertIn("hearing", page.lower())
        self.client.force_login(self.guard)
        escort = self.client.get(self.transfer.get_absolute_url()).content.decode()
        self.assertNotIn("For the receiving hospital", escort)
        self.assertNotIn("24.1", escort)

    def test_the_sheet_is_headed_for_whoever_receives_the_person(self):
        self.client.force_login(self.clerk)
        for destination, heading in (
            ("home", "For the community's health monitoring"),
            ("other_site", "For the receiving site"),
            ("designated_hospital", "For the receiving hospital"),
        ):
            with self.subTest(destination=destination):
                Transfer.objects.filter(pk=self.transfer.pk).update(destination_type=destination)
                page = self.client.get(self.transfer.get_absolute_url()).content.decode()
                self.assertIn(f"<h2>{heading}</h2>", page.replace("&#x27;", "'"))
                hospital = destination == "designated_hospital"
                self.assertEqual(page.count("For the receiving hospital"), 2 if hospital else 0)

    def test_the_full_id_print_is_for_those_who_may_reveal_and_is_audited(self):
        from django.contrib.auth.models import Permission

        url = reverse("transfer-print", args=[self.transfer.pk])
        # The medical group follows the transfer but may not reveal a full ID.
        self.client.force_login(self.nurse)
        self.assertNotContains(self.client.get(self.transfer.get_absolute_url()), url)
        response = self.client.post(url)
        self.assertNotIn(self.person.national_id, response.content.decode())
        self.assertFalse(AuditEvent.objects.filter(action="transfer.print").exists())
        self.assertFalse(Permission.objects.filter(user=self.nurse).exists())
        self.client.force_login(self.head)
        self.assertContains(self.client.get(self.transfer.get_absolute_url()), url)
        response = self.client.post(url)
        self.assertContains(response, self.person.national_id)
        self.assertContains(response, "data-autoprint")
        event = AuditEvent.objects.get(action="transfer.print")
        self.assertEqual((event.actor, event.after), (self.head, {"id_printed": "full"}))


class SealedRoomReachesTheCateringBoardLiveTests(MedicalTestCase):
    def test_a_seal_bumps_the_catering_board(self):
        self.check_in()
        BoardSequence.objects.all().delete()
        with self.captureOnCommitCallbacks(execute=True):
            services.room_move(room=self.fresh(self.room), to=Room.Status.SEALED, by=self.head)
        self.assertIn("catering", set(BoardSequence.objects.values_list("board", flat=True)))
