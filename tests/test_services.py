from datetime import timedelta

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import TestCase
from django.utils import timezone

from rooms import services
from rooms.models import AuditEvent, Person, Room, Stay
from rooms.roles import NotInGroup
from tests.base import SiteTestCase
from tests.factories import make_person, make_rooms, make_site, satisfy_protocol


class CheckInTests(SiteTestCase):
    def test_it_checks_a_person_in_and_fills_the_room(self):
        stay = services.stay_check_in(person=self.person, room=self.room, by=self.clerk, version=1)

        room = self.fresh(self.room)
        person = self.fresh(self.person)
        self.assertEqual(room.status, Room.Status.OCCUPIED)
        self.assertEqual(room.occupant_count, 1)
        self.assertEqual(person.status, Person.Status.IN_ISOLATION)
        self.assertEqual(stay.ends_on, timezone.localdate() + timedelta(days=7))
        self.assertEqual(stay.room, room)

    def test_it_appends_an_audit_event_with_who_and_role(self):
        services.stay_check_in(person=self.person, room=self.room, by=self.clerk)

        event = AuditEvent.objects.get(action="stay.check_in")
        self.assertEqual(event.actor, self.clerk)
        self.assertEqual(event.actor_name, "张露匀")
        self.assertEqual(event.role, "general")
        self.assertEqual(event.room, self.room)
        self.assertEqual(event.person, self.person)
        self.assertEqual(event.before, {"room_status": "available", "occupants": 0})
        self.assertEqual(event.after["occupants"], 1)

    def test_it_refuses_a_full_room_and_changes_nothing(self):
        services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        second = make_person(self.site, name="王强")
        events = AuditEvent.objects.count()

        with self.assertRaisesMessage(services.ServiceError, "is full"):
            services.stay_check_in(person=second, room=self.room, by=self.clerk)

        self.assertEqual(self.fresh(second).status, Person.Status.EXPECTED)
        self.assertEqual(self.fresh(self.room).occupant_count, 1)
        self.assertFalse(Stay.objects.filter(person=second).exists())
        self.assertEqual(AuditEvent.objects.count(), events)

    def test_a_family_room_takes_people_up_to_its_capacity(self):
        family_room = Room.objects.create(site=self.site, number="119", floor=1, capacity=2)
        first, second, third = (make_person(self.site, household="李家") for _ in range(3))
        services.stay_check_in(person=first, room=family_room, by=self.clerk)
        services.stay_check_in(person=second, room=family_room, by=self.clerk)

        with self.assertRaises(services.ServiceError):
            services.stay_check_in(person=third, room=family_room, by=self.clerk)
        self.assertEqual(self.fresh(family_room).occupant_count, 2)

    def test_a_person_is_never_in_two_rooms(self):
        services.stay_check_in(person=self.person, room=self.rooms[0], by=self.clerk)

        with self.assertRaisesMessage(services.ServiceError, "cannot be checked in"):
            services.stay_check_in(person=self.person, room=self.rooms[1], by=self.clerk)
        self.assertEqual(Stay.objects.filter(person=self.person).count(), 1)
        self.assertEqual(self.fresh(self.rooms[1]).occupant_count, 0)

    def test_the_database_refuses_a_second_open_stay(self):
        services.stay_check_in(person=self.person, room=self.rooms[0], by=self.clerk)
        with self.assertRaises(IntegrityError), transaction.atomic():
            Stay.objects.create(site=self.site, person=self.person, room=self.rooms[1], ends_on=timezone.localdate())

    def test_the_database_refuses_an_overfull_room(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            Room.objects.filter(pk=self.room.pk).update(occupant_count=2)

    def test_it_refuses_rooms_that_take_no_one(self):
        for status in (
            Room.Status.AWAITING_DISINFECTION,
            Room.Status.VENTILATING,
            Room.Status.SEALED,
            Room.Status.OUT_OF_SERVICE,
        ):
            Room.objects.filter(pk=self.room.pk).update(status=status)
            with self.subTest(status=status), self.assertRaisesMessage(services.ServiceError, "takes no one"):
                services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        self.assertEqual(self.fresh(self.person).status, Person.Status.EXPECTED)

    def test_it_refuses_a_stale_version_and_names_who_changed_it(self):
        Person.objects.filter(pk=self.person.pk).update(version=2, updated_by=self.head)

        with self.assertRaisesMessage(services.Conflict, "周宁"):
            services.stay_check_in(person=self.person, room=self.room, by=self.clerk, version=1)
        self.assertEqual(self.fresh(self.room).occupant_count, 0)

    def test_a_double_submit_changes_things_once(self):
        services.stay_check_in(person=self.person, room=self.room, by=self.clerk, version=1, token="abc")

        with self.assertRaises(services.AlreadySubmitted):
            services.stay_check_in(person=self.person, room=self.room, by=self.clerk, version=1, token="abc")
        self.assertEqual(Stay.objects.count(), 1)
        self.assertEqual(AuditEvent.objects.filter(action="stay.check_in").count(), 1)

    def test_a_refused_submit_can_be_sent_again(self):
        Room.objects.filter(pk=self.room.pk).update(status=Room.Status.OUT_OF_SERVICE)
        with self.assertRaises(services.ServiceError):
            services.stay_check_in(person=self.person, room=self.room, by=self.clerk, token="t1")

        services.stay_check_in(person=self.person, room=self.rooms[1], by=self.clerk, token="t1")
        self.assertEqual(self.fresh(self.person).status, Person.Status.IN_ISOLATION)

    def test_only_the_general_group_and_site_head_check_people_in(self):
        for user in (self.nurse, self.cook, self.outsider):
            with self.subTest(user=user.username), self.assertRaises(NotInGroup):
                services.stay_check_in(person=self.person, room=self.room, by=user)
        services.stay_check_in(person=self.person, room=self.room, by=self.head)

    def test_it_refuses_a_room_of_another_site(self):
        other_room = make_rooms(make_site(name="别处"), floors=1, per_floor=1)[0]
        with self.assertRaises(services.ServiceError):
            services.stay_check_in(person=self.person, room=other_room, by=self.clerk)


class ReleaseTests(SiteTestCase):
    def setUp(self):
        self.stay = services.stay_check_in(person=self.person, room=self.room, by=self.clerk)

    def end_today(self):
        Stay.objects.filter(pk=self.stay.pk).update(ends_on=timezone.localdate())
        satisfy_protocol(self.stay)

    def test_releasing_the_last_occupant_sends_the_room_to_disinfection(self):
        self.end_today()
        services.stay_release(person=self.person, by=self.clerk, version=self.fresh(self.person).version)

        room = self.fresh(self.room)
        self.assertEqual(room.status, Room.Status.AWAITING_DISINFECTION)
        self.assertEqual(room.occupant_count, 0)
        self.assertEqual(self.fresh(self.person).status, Person.Status.RELEASED)
        stay = self.fresh(self.stay)
        self.assertIsNotNone(stay.ended_at)
        self.assertEqual(stay.end_reason, Stay.EndReason.RELEASED)
        self.assertTrue(AuditEvent.objects.filter(action="stay.release", room=self.room).exists())

    def test_a_family_room_stays_occupied_until_the_last_leaves(self):
        room = Room.objects.create(site=self.site, number="120", floor=1, capacity=2)
        mother, child = make_person(self.site, household="周家"), make_person(self.site, household="周家")
        for person in (mother, child):
            satisfy_protocol(services.stay_check_in(person=person, room=room, by=self.clerk))
        Stay.objects.update(ends_on=timezone.localdate())

        services.stay_release(person=mother, by=self.clerk)
        self.assertEqual(self.fresh(room).status, Room.Status.OCCUPIED)
        services.stay_release(person=child, by=self.clerk)
        self.assertEqual(self.fresh(room).status, Room.Status.AWAITING_DISINFECTION)

    def test_a_sealed_room_stays_sealed_when_its_occupant_leaves(self):
        self.end_today()
        services.room_move(room=self.room, to=Room.Status.SEALED, by=self.head)
        # Nobody is released from a sealed room; they leave by transfer.
        with self.assertRaisesMessage(services.ServiceError, "is sealed"):
            services.stay_release(person=self.person, by=self.clerk)
        with transaction.atomic():
            services.end_stay(
                stay=self.stay, person=self.fresh(self.person), reason=Stay.EndReason.TRANSFERRED, by=self.head
            )
        self.assertEqual(self.fresh(self.room).status, Room.Status.SEALED)

    def test_it_refuses_a_release_before_the_quarantine_ends(self):
        with self.assertRaisesMessage(services.ServiceError, "cannot be released before"):
            services.stay_release(person=self.person, by=self.clerk)
        self.assertEqual(self.fresh(self.person).status, Person.Status.IN_ISOLATION)
        self.assertIsNone(self.fresh(self.stay).ended_at)

    def test_it_refuses_to_release_someone_not_in_isolation(self):
        expected = make_person(self.site)
        with self.assertRaisesMessage(services.ServiceError, "not in isolation"):
            services.stay_release(person=expected, by=self.clerk)

    def test_it_refuses_a_stale_release(self):
        self.end_today()
        with self.assertRaises(services.Conflict):
            services.stay_release(person=self.person, by=self.clerk, version=1)
        self.assertEqual(self.fresh(self.room).occupant_count, 1)


class RoomMoveTests(SiteTestCase):
    def set_status(self, status, **fields):
        Room.objects.filter(pk=self.room.pk).update(status=status, **fields)
        return self.fresh(self.room)

    def test_every_move_in_the_table_is_allowed_to_the_site_head(self):
        for (frm, to), _roles in services.ROOM_MOVES.items():
            # Unsealing is for a room with people in it, and says why.
            unseal = (frm, to) == (Room.Status.SEALED, Room.Status.OCCUPIED)
            room = self.set_status(frm, ventilation_until=None, occupant_count=1 if unseal else 0)
            with self.subTest(frm=frm, to=to):
                services.room_move(room=room, to=to, by=self.head, note="阳性已撤回" if unseal else "")
                self.assertEqual(self.fresh(self.room).status, to)

    def test_moves_not_in_the_table_are_refused(self):
        statuses = Room.Status.values
        for frm in statuses:
            for to in statuses:
                if (frm, to) in services.ROOM_MOVES:
                    continue
                room = self.set_status(frm)
                with self.subTest(frm=frm, to=to), self.assertRaisesMessage(services.ServiceError, "cannot go from"):
                    services.room_move(room=room, to=to, by=self.head)
                self.assertEqual(self.fresh(self.room).status, frm)

    def test_a_move_is_refused_to_a_group_it_does_not_belong_to(self):
        room = self.set_status(Room.Status.AWAITING_DISINFECTION)
        with self.assertRaises(NotInGroup):
            services.room_move(room=room, to=Room.Status.VENTILATING, by=self.clerk)
        self.assertEqual(self.fresh(self.room).status, Room.Status.AWAITING_DISINFECTION)

    def test_terminal_disinfection_starts_ventilation_and_inspection_waits_for_it(self):
        room = self.set_status(Room.Status.AWAITING_DISINFECTION)
        room = services.room_move(room=room, to=Room.Status.VENTILATING, by=self.head)
        self.assertAlmostEqual(
            room.ventilation_until, timezone.now() + timedelta(minutes=30), delta=timedelta(seconds=5)
        )
        with self.assertRaisesMessage(services.ServiceError, "ventilating until"):
            services.room_move(room=room, to=Room.Status.AVAILABLE, by=self.clerk)

        room = self.set_status(Room.Status.VENTILATING, ventilation_until=timezone.now() - timedelta(minutes=1))
        services.room_move(room=room, to=Room.Status.AVAILABLE, by=self.clerk)
        self.assertEqual(self.fresh(self.room).status, Room.Status.AVAILABLE)

    def test_a_sealed_room_is_not_disinfected_with_people_inside(self):
        services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        room = services.room_move(room=self.fresh(self.room), to=Room.Status.SEALED, by=self.head)
        with self.assertRaisesMessage(services.ServiceError, "still has people"):
            services.room_move(room=room, to=Room.Status.VENTILATING, by=self.head)

    def test_a_stale_room_move_is_refused(self):
        with self.assertRaises(services.Conflict):
            services.room_move(room=self.room, to=Room.Status.OUT_OF_SERVICE, by=self.clerk, version=7)
        self.assertEqual(self.fresh(self.room).status, Room.Status.AVAILABLE)


class RegisterTests(SiteTestCase):
    def data(self, **overrides):
        person = make_person(self.site)  # only for a well-formed ID
        values = {
            "name": "赵敏",
            "national_id": person.national_id,
            "sex": "F",
            "birth_date": person.birth_date,
            "expected_on": timezone.localdate(),
        }
        Person.objects.filter(pk=person.pk).update(status=Person.Status.RELEASED)
        values.update(overrides)
        return values

    def test_it_puts_a_family_on_the_arrival_list_together(self):
        people = services.household_register(
            site=self.site, by=self.clerk, members=[self.data(), self.data(name="赵小敏")], household="赵家"
        )
        self.assertEqual({p.household for p in people}, {"赵家"})
        self.assertEqual(AuditEvent.objects.filter(action="person.register").count(), 2)

    def test_an_id_already_on_the_site_is_refused_masked(self):
        with self.assertRaisesMessage(services.ServiceError, "Already on this site: 李秀英 (expected, 500***"):
            services.person_register(site=self.site, by=self.clerk, data=self.data(national_id=self.person.national_id))

    def test_the_audit_masks_personal_data(self):
        data = self.data(phone="13812345678")
        person = services.person_register(site=self.site, by=self.clerk, data=data)
        event = AuditEvent.objects.get(action="person.register", person=person)
        self.assertEqual(event.after["phone"], "138****5678")
        self.assertNotIn(data["national_id"], str(event.after))


class RevealTests(SiteTestCase):
    def test_an_authorised_user_reveals_with_a_reason_and_it_is_audited(self):
        value = services.person_reveal(person=self.person, field="national_id", reason="开具证明", by=self.clerk)
        self.assertEqual(value, self.person.national_id)
        event = AuditEvent.objects.get(action="person.reveal")
        self.assertEqual((event.actor, event.note, event.after), (self.clerk, "开具证明", {"field": "national_id"}))

    def test_others_cannot_reveal(self):
        with self.assertRaisesMessage(services.ServiceError, "not allowed"):
            services.person_reveal(person=self.person, field="phone", reason="想看", by=self.cook)
        self.assertFalse(AuditEvent.objects.filter(action="person.reveal").exists())

    def test_a_reason_is_required(self):
        with self.assertRaisesMessage(services.ServiceError, "why"):
            services.person_reveal(person=self.person, field="phone", reason=" ", by=self.clerk)


class AuditIsAppendOnlyTests(TestCase):
    def test_the_database_refuses_to_change_or_delete_audit_events(self):
        site = make_site()
        person = make_person(site)
        from tests.factories import make_user

        clerk = make_user("c", site, "general")
        event = services.audit(site=site, by=clerk, action="x", obj=person)
        for statement in (
            "UPDATE rooms_auditevent SET action = 'y' WHERE id = %s",
            "DELETE FROM rooms_auditevent WHERE id = %s",
        ):
            with (
                self.subTest(statement=statement),
                self.assertRaises(DatabaseError),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(statement, [event.pk])
        self.assertEqual(AuditEvent.objects.get(pk=event.pk).action, "x")
