"""Reads whose statement is built once: the same rows as their querysets, for any values."""

from datetime import timedelta
from unittest import mock

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from groups.catering.models import MealSlot
from groups.catering.rounds import site_slots
from groups.control import overview
from groups.control.board import FEED_LENGTH, _feed
from groups.disinfection.models import DisinfectionTask
from rooms import services
from rooms.models import AuditEvent, Person, Room
from rooms.reads import changed_rooms, day_start, open_stays_prefetch
from rooms.roles import Role
from rooms.templatetags.board_tags import feed_rows
from site_ops.speedups.fixed_reads import FixedRead, get_row, padded
from tests.base import SiteTestCase
from tests.clock import frozen
from tests.factories import make_person, make_rooms, make_site, make_user


def rooms_on_floor(site_id, floor):
    return Room.objects.filter(site_id=site_id).filter(floor=floor).order_by("number")


class FixedReadTests(SiteTestCase):
    def test_each_call_runs_the_statement_with_its_own_values(self):
        read = FixedRead(rooms_on_floor, lambda site_id, floor: [site_id, floor])
        other = make_site(name="另一隔离点")
        make_rooms(other, floors=1, per_floor=2)
        for site_id, floor in ((self.site.pk, 1), (self.site.pk, 2), (other.pk, 1), (other.pk, 3)):
            with self.subTest(site=site_id, floor=floor):
                with self.assertNumQueries(1):
                    got = read(site_id, floor)
                self.assertEqual(
                    [(r.pk, r.number, r.status) for r in got],
                    [(r.pk, r.number, r.status) for r in rooms_on_floor(site_id, floor)],
                )
        self.assertEqual(len(read.statements), 1)

    def test_values_that_are_not_the_statements_are_refused(self):
        # Even where the real values are equal, so that the order would not show.
        read = FixedRead(rooms_on_floor, lambda site_id, floor: [floor, site_id])
        with self.assertRaisesMessage(ImproperlyConfigured, "are not the statement's"):
            read(1, 1)
        # Django sorts a filter's keywords: site_id=, floor= puts floor first.
        read = FixedRead(
            lambda site_id, floor: Room.objects.filter(site_id=site_id, floor=floor),
            lambda site_id, floor: [site_id, floor],
        )
        with self.assertRaisesMessage(ImproperlyConfigured, "are not the statement's"):
            read(1, 1)

    def test_lists_share_a_statement_per_power_of_two_and_read_each_row_once(self):
        read = FixedRead(
            lambda ids: Room.objects.filter(pk__in=ids).order_by("pk"),
            lambda ids: list(ids),
        )
        more = make_rooms(make_site(name="另一隔离点"), floors=3, per_floor=6)
        pks = sorted(room.pk for room in [*self.rooms, *more])
        self.assertGreater(len(pks), 16)
        for ids in (pks[:1], pks[1:4], pks[5:9], pks[2:5], pks[:9], pks[:16], pks[:17], {pks[3], pks[0], pks[7]}):
            with self.subTest(ids=ids):
                # Each row once, however its list was padded; sets as lists.
                self.assertEqual([room.pk for room in read(ids)], sorted(ids))
        # Lengths 1; 3 and 3 (as 4); 4; 9 (as 16); 16; 17 (as 32).
        self.assertEqual(sorted(read.statements), [(1, 1), (4, 4), (16, 16), (32, 32)])
        with self.assertNumQueries(0):
            self.assertEqual(read([]), [])  # as the queryset: no rows, no statement

    def test_a_new_length_is_the_built_statement_written_out_not_built_again(self):
        from django.db.models.sql.compiler import SQLCompiler

        from groups.medical import reads
        from rooms.reads import _open_stays_in, rooms_by_id

        today = timezone.localdate()
        for read, make in (
            (rooms_by_id, lambda ids: (self.site.pk, ids)),
            (_open_stays_in, lambda ids: (ids,)),
            (reads._room_tests, lambda ids: (self.site.pk, today, ids)),
            (reads._room_checks, lambda ids: (self.site.pk, today, ids)),
        ):
            with self.subTest(read=read.build.__qualname__):
                read.statements.clear()
                pks = [room.pk for room in self.rooms]
                read(*make(pks[:2]))
                with mock.patch.object(SQLCompiler, "as_sql", side_effect=AssertionError("built again")):
                    got = read(*make(pks[:7]))
                self.assertEqual(len(read.statements), 2)
                # As Django builds it for that length, and reading what the queryset reads.
                written = read.statements[max(read.statements)]
                built = read.compile(tuple(padded(arg) if isinstance(arg, list) else arg for arg in make(pks[:7])), 0)
                self.assertEqual(written.sql, built.sql)
                self.assertEqual(len(got), len(list(read.build(*make(pks[:7])))))

    def test_two_lists_of_other_lengths_have_their_own_statements(self):
        read = FixedRead(
            lambda rooms, floors: Room.objects.filter(pk__in=rooms, floor__in=floors).order_by("pk"),
            lambda rooms, floors: [*floors, *rooms],
        )
        pks = sorted(room.pk for room in self.rooms)
        floors = sorted({room.floor for room in self.rooms})
        self.assertEqual(len(floors), 2)
        both = read(pks[:2], floors)
        self.assertEqual([room.pk for room in both], pks[:2])
        # 4 rooms and 2 floors (padded), then 2 rooms and 4 floors: six values each, two statements.
        self.assertEqual([room.pk for room in read(pks[:3], floors)], pks[:3])
        self.assertEqual(read(pks[:2], [*floors, 98, 99]), both)
        self.assertEqual(sorted(read.statements), [(4, 2, 2), (6, 2, 4), (6, 4, 2)])

    def test_a_list_whose_value_is_used_elsewhere_is_built_by_django_for_each_length(self):
        read = FixedRead(
            lambda ids: Room.objects.filter(pk__in=ids).exclude(pk=ids[0]).order_by("pk"),
            lambda ids: [*ids, ids[0]],
        )
        pks = sorted(room.pk for room in self.rooms)
        self.assertEqual([room.pk for room in read(pks[:2])], pks[1:2])
        self.assertIsNone(next(iter(read.statements.values())).lists)
        self.assertEqual([room.pk for room in read(pks[:3])], pks[1:3])
        self.assertEqual(len(read.statements), 2)


class PaddedTests(SiteTestCase):
    def test_padding_to_the_next_power_of_two_with_the_last_value(self):
        from site_ops.speedups.fixed_reads import PADDED_UP_TO, padded

        self.assertEqual(padded([7]), [7])
        self.assertEqual(padded([1, 2, 3]), [1, 2, 3, 3])
        self.assertEqual(padded((1, 2, 3, 4)), [1, 2, 3, 4])
        self.assertEqual(padded(range(5)), [0, 1, 2, 3, 4, 4, 4, 4])
        self.assertEqual(len(padded(range(PADDED_UP_TO + 1))), PADDED_UP_TO + 1)


class BoardReadsTests(SiteTestCase):
    """The broadcast's reads made fixed: each against the queryset it replaced."""

    def test_the_activity_feed(self):
        for room in self.rooms[:3]:
            services.room_move(room=room, to=Room.Status.OUT_OF_SERVICE, by=self.head, version=room.version)
        expected = list(AuditEvent.objects.filter(site=self.site).order_by("-at", "-pk")[:FEED_LENGTH])
        with self.assertNumQueries(1):
            events = _feed(self.site.pk)
            # What a row shows is read; rendering it asks for nothing more.
            rows = [feed_rows([event]) for event in events]
        self.assertEqual([e.pk for e in events], [e.pk for e in expected])
        self.assertEqual(
            [(e.at, e.actor_name, e.label, e.room_id) for e in events][:3],
            [(e.at, e.actor_name, e.label, e.room_id) for e in expected[:3]],
        )
        self.assertIn(self.rooms[2].number, rows[0])

    def test_the_meal_slots(self):
        MealSlot.objects.filter(site=self.site).delete()
        for kind, hour in (("dinner", 17), ("breakfast", 7), ("lunch", 11)):
            MealSlot.objects.create(site=self.site, kind=kind, delivery_time=f"{hour:02}:30")
        self.assertEqual(
            [(s.kind, s.delivery_time) for s in site_slots(self.site.pk)],
            [(s.kind, s.delivery_time) for s in MealSlot.objects.filter(site=self.site)],
        )
        self.assertEqual([s.kind for s in site_slots(self.site.pk)], ["breakfast", "lunch", "dinner"])

    def test_the_disinfection_tasks_of_today(self):
        now = timezone.now()
        start = day_start(now)
        room, other = self.rooms[0], self.rooms[1]

        def task(room, **kwargs):
            return DisinfectionTask.objects.create(site=self.site, room=room, kind="terminal", due_at=now, **kwargs)

        open_one = task(room)
        done_today = task(other, status="done", done_at=now)
        task(other, status="done", done_at=start - timedelta(hours=1))  # yesterday's: not shown
        routine = DisinfectionTask.objects.create(site=self.site, kind="routine", due_at=now, floor=1)
        self.assertNotEqual(routine.pk, None)
        self.assertEqual({t.pk for t in overview._group_tasks(self.site, start)}, {open_one.pk, done_today.pk})
        self.assertEqual([t.pk for t in overview._group_tasks(self.site, start, [room.pk])], [open_one.pk])
        self.assertEqual([t.pk for t in overview._group_tasks(self.site, start, [other.pk])], [done_today.pk])
        self.assertEqual(overview._group_tasks(self.site, start, [self.rooms[5].pk]), [])
        got = overview._group_tasks(self.site, start, [other.pk])[0]
        self.assertEqual((got.done_at, got.status, got.room_id), (done_today.done_at, "done", other.pk))

    def test_the_rooms_a_change_touched_with_their_occupants(self):
        family = Room.objects.create(site=self.site, floor=3, number="301", capacity=3)
        people = [make_person(self.site, name=name, household="王家") for name in ("王芳", "王小明", "王小红")]
        for person in people:
            services.stay_check_in(person=person, room=family, by=self.clerk)
        services.stay_check_in(person=self.person, room=self.rooms[1], by=self.clerk)
        ids = frozenset({family.pk, self.rooms[1].pk, self.rooms[2].pk})
        expected = (
            Room.objects.filter(site=self.site, pk__in=ids)
            .prefetch_related(open_stays_prefetch())
            .order_by("floor", "number")
        )
        with self.assertNumQueries(3):
            got = changed_rooms(self.site.pk, ids)

        def shape(rooms):
            return [(r.pk, r.status, [(s.pk, s.person.name) for s in r.open_stays]) for r in rooms]

        self.assertEqual(shape(got), shape(expected))
        self.assertEqual([s.person.name for s in got[-1].open_stays], ["王芳", "王小明", "王小红"])
        with self.assertNumQueries(0):
            self.assertEqual(changed_rooms(self.site.pk, frozenset()), [])

    def test_a_floors_rooms_with_their_occupants(self):
        from rooms.reads import floor_rooms

        family = Room.objects.create(site=self.site, floor=3, number="302", capacity=3)
        Room.objects.create(site=self.site, floor=3, number="301")
        people = [make_person(self.site, name=name, household="李家") for name in ("李娜", "李小明")]
        for person in people:
            services.stay_check_in(person=person, room=family, by=self.clerk)
        expected = (
            Room.objects.filter(site=self.site, floor=3).prefetch_related(open_stays_prefetch()).order_by("number")
        )
        with self.assertNumQueries(2):
            got = floor_rooms(self.site.pk, 3)

        def shape(rooms):
            return [(r.number, [(s.pk, s.person.name) for s in r.open_stays]) for r in rooms]

        self.assertEqual(shape(got), shape(expected))
        self.assertEqual(
            shape(got),
            [("301", []), ("302", [(people[0].stays.get().pk, "李娜"), (people[1].stays.get().pk, "李小明")])],
        )
        with self.assertNumQueries(2):
            self.assertEqual(floor_rooms(self.site.pk, 9), [])

    def test_a_sites_rooms_with_their_occupants(self):
        from rooms.reads import site_rooms

        family = Room.objects.create(site=self.site, floor=3, number="302", capacity=3)
        Room.objects.create(site=self.site, floor=3, number="301")
        for name in ("李娜", "李小明"):
            services.stay_check_in(
                person=make_person(self.site, name=name, household="李家"), room=family, by=self.clerk
            )
        services.stay_check_in(person=make_person(self.site, name="赵强"), room=self.rooms[0], by=self.clerk)
        elsewhere = make_site(name="别处隔离点")
        services.stay_check_in(
            person=make_person(elsewhere, name="钱多"),
            room=make_rooms(elsewhere, floors=1, per_floor=1)[0],
            by=make_user("elsewhere-clerk", elsewhere, Role.GENERAL),
        )
        expected = (
            Room.objects.filter(site=self.site).prefetch_related(open_stays_prefetch()).order_by("floor", "number")
        )
        with self.assertNumQueries(2):
            got = site_rooms(self.site.pk)

        def shape(rooms):
            return [(r.number, [(s.pk, s.person.name) for s in r.open_stays]) for r in rooms]

        self.assertEqual(shape(got), shape(expected))
        people = [name for _number, stays in shape(got) for _pk, name in stays]
        self.assertEqual(sorted(people), sorted(["李娜", "李小明", "赵强"]))


class FixedReadShapesTests(SiteTestCase):
    """Instances with their related rows, and the rows of values() and values_list()."""

    def test_related_rows_become_instances_without_another_query(self):
        from django.contrib.auth.models import User

        read = FixedRead(lambda pk: User.objects.select_related("staff__site").filter(pk=pk), lambda pk: [pk])
        with self.assertNumQueries(1):
            user = read(self.nurse.pk)[0]
            self.assertEqual((user.username, user.staff.site.name), ("nurse", self.site.name))
        self.assertEqual(user.last_login, User.objects.get(pk=self.nurse.pk).last_login)
        self.assertEqual(user.date_joined, User.objects.get(pk=self.nurse.pk).date_joined)

    def test_values_and_values_lists_as_their_querysets(self):
        def floors(site_id):
            return Room.objects.filter(site_id=site_id).order_by("floor", "number")

        for shape in (
            lambda q: q.values("number", "floor"),
            lambda q: q.values_list("number", "capacity"),
            lambda q: q.values_list("number", flat=True),
        ):
            read = FixedRead(lambda site_id, shape=shape: shape(floors(site_id)), lambda site_id: [site_id])
            with self.subTest(shape=shape):
                self.assertEqual(read(self.site.pk), list(shape(floors(self.site.pk))))


class RowByKeyTests(SiteTestCase):
    """``get_row``: the record an action view reads and the row a write locks, as ``get`` gives them."""

    def test_the_row_and_its_related_rows_in_one_statement_as_get_gives_them(self):
        room = self.rooms[0]
        services.room_move(room=room, to=Room.Status.OUT_OF_SERVICE, by=self.head, version=room.version)
        expected = Room.objects.select_related("site", "updated_by").get(pk=room.pk)
        for _ in range(2):  # built, then run
            with self.assertNumQueries(1):
                got = get_row(Room, room.pk, site=self.site, related=("site", "updated_by"))
                self.assertEqual((got.site.name, got.updated_by.username), (self.site.name, "head"))
            self.assertEqual(
                [getattr(got, f.attname) for f in Room._meta.concrete_fields],
                [getattr(expected, f.attname) for f in Room._meta.concrete_fields],
            )
        # An instance like any other: saved, it updates its row.
        got.note = "窗户坏了"
        got.save()
        self.assertEqual(Room.objects.get(pk=room.pk).note, "窗户坏了")

    def test_another_sites_record_or_none_does_not_exist(self):
        other = make_site(name="另一隔离点")
        person = make_person(self.site)
        missing = ((Room, self.rooms[0].pk, other), (Room, 987_654, self.site), (Person, person.pk, other))
        for model, pk, site in missing:
            with self.subTest(model=model, pk=pk), self.assertRaises(model.DoesNotExist):
                get_row(model, pk, site=site)
        self.assertEqual(get_row(Person, person.pk, site=self.site).name, person.name)

    def test_a_key_that_is_not_an_integer_goes_to_the_queryset(self):
        room = self.rooms[1]
        self.assertEqual(get_row(Room, str(room.pk), site=self.site).number, room.number)
        with self.assertRaises(ValueError):  # as Room.objects.get(pk="12a")
            get_row(Room, "12a", site=self.site)

    def test_a_lock_takes_the_row_where_the_database_locks_rows(self):
        room = self.rooms[2]
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            get_row(Room, room.pk, related=("site",), for_update=True)
            get_row(Room, room.pk, related=("site",), for_update=True)
        locking = connection.features.has_select_for_update
        self.assertEqual(["FOR UPDATE" in query["sql"] for query in queries.captured_queries], [locking, locking])
        # Outside a transaction it is refused, as select_for_update is
        # (SQLite locks the whole file in each write's transaction instead).
        with mock.patch.object(connection, "get_autocommit", return_value=True):
            if locking:
                with self.assertRaises(TransactionManagementError):
                    get_row(Room, room.pk, for_update=True)
            else:
                self.assertEqual(get_row(Room, room.pk, for_update=True).pk, room.pk)


class BusySiteReadsTests(SiteTestCase):
    """The medical and catering reads every board and broadcast makes, built
    once, against the querysets they run: a positive, a fever, a missed
    round, a meal delivered, people on the care ledger."""

    @classmethod
    def setUpTestData(cls):
        from groups.catering import services as meals
        from groups.catering.models import MealSlot
        from groups.medical import services as medical
        from groups.medical.models import Sample

        super().setUpTestData()
        cls.people = [make_person(cls.site) for _ in range(4)]
        # Before the first meal of the day, whatever the hour the test runs:
        # the room is due the meal recorded below.
        with frozen(6):
            for person, room in zip(cls.people, cls.rooms[1:5], strict=True):
                services.stay_check_in(person=person, room=room, by=cls.clerk)
        Person.objects.filter(pk=cls.people[0].pk).update(special_needs=["chronic"])
        sick = cls.people[1]
        sample = Sample.objects.filter(person=sick).order_by("scheduled_on").first()
        medical.sample_collect(sample=sample, by=cls.nurse)
        medical.sample_record_result(
            sample=Sample.objects.get(pk=sample.pk), result="positive", ct_orf1ab="21.3", ct_n="22.8", by=cls.nurse
        )
        medical.health_round_record(
            site=cls.site,
            day=timezone.localdate(),
            round="am",
            entries=[
                {"person": cls.people[2], "temperature": "38.7", "mood": "anxious"},
                {"person": cls.people[3], "outcome": "missed"},
            ],
            by=cls.nurse,
        )
        slot = MealSlot.objects.filter(site=cls.site).first() or MealSlot.objects.create(
            site=cls.site, kind="lunch", delivery_time="11:30"
        )
        # Recorded when the round is open (from an hour before its delivery time), whatever the hour the test runs.
        with frozen(7, 30):
            meals.meal_record(
                site=cls.site, slot=slot, day=timezone.localdate(), room=cls.rooms[2], status="delivered", by=cls.cook
            )
        cls.slot = slot

    def same(self, read, *args, shape=lambda rows: rows):
        """The fixed read gives what its queryset gives, in one query."""
        with self.assertNumQueries(1):
            got = read(*args)
        self.assertEqual(shape(got), shape(list(read.build(*args))))
        return got

    def test_the_medical_reads(self):
        from groups.medical import board, reads
        from groups.medical.care_models import _care_due_rows, years_before
        from groups.medical.services import sampling
        from rooms.reads import room_stays

        today = timezone.localdate()
        start, end = reads.day_bounds(today)
        site_id = self.site.pk
        counters = self.same(reads._sample_counters, site_id, today, start, end)
        self.assertEqual(counters[0]["positives_today"], 1)
        self.assertEqual(len(self.same(reads._feverish_today, site_id, today)), 1)
        self.same(_care_due_rows, site_id, years_before(today, 70), years_before(today, 14))
        room_ids = [room.pk for room in self.rooms[1:5]]
        self.assertEqual(len(self.same(reads._site_tests, site_id, today)), 4)
        self.same(reads._room_tests, site_id, today, room_ids[:2])
        checks = self.same(reads._site_checks, site_id, today - timedelta(days=1))
        self.assertEqual([row[1] for row in checks], [self.people[2].pk])
        self.same(reads._room_checks, site_id, today - timedelta(days=1), room_ids)

        def alerts(rows):
            return [(a.pk, a.kind, a.person.name if a.person else None, a.room_id) for a in rows]

        self.assertTrue(self.same(reads._head_alerts, site_id, start, shape=alerts))
        self.assertGreater(len(self.same(reads._all_alerts, site_id, start, shape=alerts)), 1)
        stays = [stay.pk for person in self.people for stay in person.stays.all()]

        def samples(rows):
            return [(s.pk, s.status, s.result, s.cleared, s.away) for s in rows]

        self.assertTrue(self.same(board._round_samples, stays, today, start, shape=samples))
        checks = self.same(board._checks_on, stays, today, shape=lambda rows: sorted(c.pk for c in rows))
        self.assertEqual(len(checks), 2)
        rows = self.same(
            board._round_checks, stays, today - timedelta(days=1), today, shape=lambda r: sorted(c.pk for c in r)
        )
        self.assertEqual(len(rows), 2)
        self.same(board._floor_rounds, site_id, today)

        def locked(rows):
            with self.assertNumQueries(0):  # the room and the person came with each sample
                return [(sample.pk, sample.stay.room.number, sample.person.name) for sample in rows]

        occupied = self.rooms[1].pk
        stays = self.same(room_stays, occupied, shape=lambda rows: [(stay.pk, stay.person.name) for stay in rows])
        self.assertEqual(len(stays), 1)
        floors = sorted({room.floor for room in self.rooms[1:5]})
        due = [self.same(sampling._due_on_floor, site_id, today, floor, shape=locked) for floor in floors]
        self.assertTrue(any(due))

    def test_the_counters_as_counted_by_hand(self):
        from groups.medical.reads import medical_counters

        counters = medical_counters(self.site)
        self.assertEqual((counters["positives_today"], counters["fevers_today"]), (1, 1))
        self.assertEqual(counters["awaiting"], 0)
        self.assertGreaterEqual(counters["care_due"], 1)

    def test_the_meal_round_of_a_few_rooms(self):
        from groups.catering import rounds

        room_ids = [room.pk for room in self.rooms[1:4]]

        def stays(rows):
            return [(s.pk, s.person.name, s.room.number) for s in rows]

        self.assertEqual(len(self.same(rounds._open_stays_in, self.site.pk, room_ids, shape=stays)), 3)
        delivered = self.same(
            rounds._recorded_in, self.slot.pk, timezone.localdate(), room_ids, shape=lambda rows: rows
        )
        self.assertEqual([(row.room.number, row.status) for row in delivered], [(self.rooms[2].number, "delivered")])

    def test_the_catering_reads(self):
        from groups.catering import rounds

        site_id, today = self.site.pk, timezone.localdate()
        moment, start = rounds.slot_moment(self.slot, today), rounds._day_start(today)
        floors = sorted({room.floor for room in self.rooms[1:5]})

        def stays(rows):
            return [(s.pk, s.person.name, s.room.number) for s in rows]

        self.assertEqual(len(self.same(rounds._site_stays, site_id, shape=stays)), 4)
        self.assertEqual(len(self.same(rounds._stays_on_floors, site_id, floors, shape=stays)), 4)
        self.same(rounds._stays_on_floors_or_after, site_id, floors[:1], moment, shape=stays)
        self.same(rounds._stays_arrived_after, site_id, moment, shape=stays)
        self.assertEqual(self.same(rounds._room_outcomes, self.slot.pk, today), [("delivered", 1)])
        self.same(rounds._rooms_pending, site_id, self.slot.pk, today, moment, start)
        self.assertEqual(sum(n for _diet, n in self.same(rounds._diet_counts, site_id, shape=sorted)), 4)
        self.same(rounds._allergy_notes, site_id)
        delivered = self.same(rounds._recorded, self.slot.pk, today)
        self.assertEqual([row.room_id for row in delivered], [self.rooms[2].pk])
        self.same(rounds._recorded_on_floors, self.slot.pk, today, floors)
        self.same(rounds._recorded_late, self.slot.pk, today)

    def test_the_group_boards_reads(self):
        """What the general, disinfection, security, transfer and handover
        sections read on every render of their boards, as their querysets."""
        from groups.control import overview
        from groups.disinfection import board as disinfection
        from groups.disinfection.models import _settings_of
        from groups.disinfection.routines import _routine_rows, site_schedules
        from groups.general.board import _ending_by
        from groups.medical.board import _patient_transfers
        from groups.medical.care_board import _door_notes
        from groups.security import board as security
        from groups.transfers.board import _open_transfers
        from groups.transfers.models import Transfer
        from rooms import handover
        from rooms.models import _site_floors
        from rooms.requests import _group_requests

        site_id, now = self.site.pk, timezone.now()
        start = day_start(now)
        self.assertEqual(self.same(_site_floors, site_id), self.site.floors())
        self.assertEqual(len(self.same(_ending_by, site_id, timezone.localdate() + timedelta(days=30))), 4)
        self.same(_group_requests, site_id, "general")
        self.same(_open_transfers, site_id, list(Transfer.OPEN_STATES))
        self.same(_patient_transfers, site_id)
        self.same(_door_notes, [person.pk for person in self.people])
        self.same(handover._group_shifts, site_id, "medical")
        self.same(handover._handovers, site_id, "medical", start, now)
        self.same(_settings_of, site_id)
        self.same(site_schedules, site_id)
        self.same(_routine_rows, site_id, start, start + timedelta(days=1))
        self.same(overview._waste_kg, site_id, start)
        for read, *args in (
            (disinfection._waste_collections, site_id, start),
            (disinfection._waste_handovers, site_id, start),
            (disinfection._open_tasks, site_id),
            (disinfection._ventilating, site_id),
            (disinfection._done_today, site_id, start),
            (security._open_incidents, site_id),
            (security._gate_log, site_id, start),
            (security._resolved_since, site_id, start),
            (security._inside, site_id),
            (security._last_patrols, site_id),
            (security._sealed_doors, site_id),
            (security._patrols_since, site_id, start),
        ):
            with self.subTest(read=read.build.__qualname__):
                self.same(read, *args)
