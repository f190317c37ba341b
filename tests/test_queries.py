"""Each screen runs the same number of queries however many rooms the site has."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from groups.catering import services as meals
from groups.catering.board import catering_board, catering_change
from groups.catering.models import MealSlot
from groups.control.board import control_screen
from groups.disinfection import services as disinfection
from groups.disinfection.board import disinfection_board
from groups.disinfection.models import DisinfectionTask, RoutineSchedule
from groups.general.board import general_board
from groups.medical.board import health_round, medical_board
from groups.security import services as security
from groups.security.board import security_board
from groups.transfers import services as transfer_services
from groups.transfers.board import transfer_board
from rooms import reads, services
from rooms.models import Person, Room, Stay
from rooms.reads import site_counters
from site_ops import boards
from tests.base import SiteTestCase
from tests.clock import frozen
from tests.factories import make_person, make_rooms, make_site, satisfy_protocol


class QueryCountTests(SiteTestCase):
    def fill(self, rooms: int) -> None:
        """A site with this many rooms, a third of them occupied."""
        self.big = make_site(name=f"{rooms}间")
        per_floor = 20
        made = make_rooms(self.big, floors=rooms // per_floor, per_floor=per_floor)
        for room in made[::3]:
            person = make_person(self.big)
            services.stay_check_in(person=person, room=room, by=self.clerk_on(self.big))
        for _ in range(5):
            make_person(self.big)

    def clerk_on(self, site):
        self.clerk.staff.site = site
        self.clerk.staff.save()
        self.head.staff.site = site
        self.head.staff.save()
        return self.clerk

    def count(self, func, *args) -> int:
        with CaptureQueriesContext(connection) as queries:
            func(*args)
        return len(queries)

    def fill_groups(self, size: int) -> None:
        """A site of this size whose people arrived in the morning, and at noon
        meals, tasks, waste, patrols, checkpoint entries and incidents in
        proportion to its size, so that a query per row would show."""
        with frozen(9):
            self.fill(size)
        site, by = self.big, self.head
        rooms = list(Room.objects.filter(site=site, occupant_count__gt=0))
        slot = MealSlot.objects.get(site=site, kind="lunch")
        today = timezone.localdate()
        for floor in site.floors()[::2]:
            meals.meal_floor_deliver(site=site, slot=slot, day=today, floor=floor, by=by)
        for stay in Stay.objects.filter(room__in=rooms[::10]).select_related("person"):
            services.end_stay(stay=stay, person=stay.person, reason=Stay.EndReason.RELEASED, by=by)
        for floor in site.floors():
            disinfection.waste_collect(site=site, floor=floor, bags=2, weight_kg=Decimal("3.5"), by=by)
            security.patrol_record(site=site, floor=floor, by=by)
            security.incident_report(site=site, kind="other", severity="low", description="x", room=rooms[0], by=by)
            security.checkpoint_log_in(site=site, kind="person", name=f"访客{floor}", purpose="送物资", by=by)
        schedule = RoutineSchedule.objects.filter(site=site, per_floor=True).first()
        for floor in site.floors()[::3]:
            disinfection.routine_disinfection_complete(
                schedule=schedule, floor=floor, by=by, agent="含氯", concentration_mg_l=500, contact_minutes=30
            )
        for task in DisinfectionTask.objects.filter(site=site, status="open")[::2]:
            disinfection.disinfection_task_complete(
                task=task, by=by, agent="含氯", concentration_mg_l=1000, contact_minutes=30
            )

    def test_the_control_screen_read_is_constant_in_rooms(self):
        # 1-2 counters, 3 rooms, 4 feed, 5 open transfers, 6 today's transfer log,
        # 7-16 the groups' overview (see overview.group_overview), 17-18 medical counters,
        # 19-20 test and health badges, 21 alerts, 22-23 the requests ledger's headline and 24 the urgent and
        # overdue requests of every group (added deliberately: residents' requests reach the site head),
        # 25-26 the groups' shifts and their handovers for the current
        # shift change (added deliberately: the control screen shows which groups have handed over),
        # 27 the care follow-ups due today (added deliberately: the medical counters count the care ledger's)
        with frozen(12):
            self.fill_groups(20)
            with self.assertNumQueries(27):
                control_screen(self.big)
            self.fill_groups(500)
            with self.assertNumQueries(27):
                control_screen(self.big)

    def test_the_group_boards_reads_and_pages_are_constant_in_rooms(self):
        # catering: 1 slots, 2 floors, 3 open stays with people and rooms, 4 the round's deliveries
        # disinfection: 1 open tasks, 2 ventilating rooms (with their environmental samples), 3 schedule, 4 floors,
        # 5 routine rows, 6 done today, 7 the site's disinfection settings (how long waste may wait), 8-9 waste
        # security: 1 inside, 2 log, 3 floors, 4 last patrols, 5 sealed rooms, 6 today's patrols, 7 open and
        #   8 resolved incidents, 9 transfers to escort
        # each (added deliberately): the group's shifts and its handovers (rooms.handover.group_handover),
        # and last the group's open residents' requests (rooms.requests.group_list);
        # catering, added deliberately: the door notes of the care plans (how to talk, meals and knocking)
        expected = {catering_board: 8, disinfection_board: 12, security_board: 12}
        counts = {}
        with frozen(12):
            for size in (20, 500):
                self.fill_groups(size)
                for read, count in expected.items():
                    with self.subTest(board=read.__name__, rooms=size), self.assertNumQueries(count):
                        read(self.big)
                # The pages render them without a query per row.
                self.client.force_login(self.head)
                for name in ("control-screen", "catering-board", "disinfection-board", "security-board"):
                    with CaptureQueriesContext(connection) as queries:
                        response = self.client.get(reverse(name))
                    self.assertEqual(response.status_code, 200)
                    counts[(name, size)] = len(queries)
        for name in ("control-screen", "catering-board", "disinfection-board", "security-board"):
            self.assertEqual(counts[(name, 20)], counts[(name, 500)], name)

    def test_a_catering_change_reads_its_floors_and_counts_the_rest(self):
        # 1 the site, 2 the floors of the rooms changed; catering_change: 3 slots, 4 open stays on those
        # floors and the late arrivals, 5 their door notes, 6 those floors' deliveries and the late meals',
        # 7-8 the round's progress (rooms per outcome, rooms pending), 9-10 people per diet, allergy notes.
        # (Before: the whole board was read, as a snapshot, and the handover with it.)
        with frozen(12):
            for size in (20, 500):
                self.fill_groups(size)
                rooms = Room.objects.filter(site=self.big, occupant_count__gt=0).values_list("pk", flat=True)
                change = boards.Change(site_id=self.big.pk, rooms=frozenset(rooms[:3]), topics=frozenset({"meals"}))
                with self.subTest(rooms=size), self.assertNumQueries(10):
                    boards.BOARDS["catering"].change_parts(change)
                with self.subTest(rooms=size), self.assertNumQueries(8):
                    catering_change(self.big, [1])

    def test_the_general_board_read_is_constant_in_rooms(self):
        # 1 floors, 2-3 counters, 4 arrivals, 5 releases, 6 people in sealed rooms,
        # 7-8 rooms with open stays and people, 9-10 the shifts and the handovers (added deliberately: the
        # board shows the group's shift handover), 11-12 the requests ledger's headline and 13 the group's open
        # requests (added deliberately: the general group keeps the ledger)
        self.fill(20)
        with self.assertNumQueries(13):
            general_board(self.big)
        self.fill(500)
        with self.assertNumQueries(13):
            general_board(self.big)

    def test_the_pages_run_the_same_queries_for_20_and_500_rooms(self):
        counts = {}
        for size in (20, 500):
            self.fill(size)
            for name, user in (("control-screen", self.head), ("general-board", self.clerk)):
                self.client.force_login(user)
                with CaptureQueriesContext(connection) as queries:
                    response = self.client.get(reverse(name))
                self.assertEqual(response.status_code, 200)
                self.assertEqual(
                    response.content.decode().count('class="cell ') if name == "control-screen" else 1,
                    size if name == "control-screen" else 1,
                )
                counts[(name, size)] = len(queries)
        self.assertEqual(counts[("control-screen", 20)], counts[("control-screen", 500)])
        self.assertEqual(counts[("general-board", 20)], counts[("general-board", 500)])

    def test_a_broadcast_renders_with_constant_queries(self):
        from site_ops.boards import Change

        self.fill(20)
        change = Change(
            site_id=self.big.pk, rooms=frozenset(Room.objects.filter(site=self.big).values_list("pk", flat=True)[:3])
        )
        small = {key: self.count(boards.board_for_key(key).render_change, change) for key in boards.BOARDS}
        self.fill(500)
        change = Change(
            site_id=self.big.pk, rooms=frozenset(Room.objects.filter(site=self.big).values_list("pk", flat=True)[:3])
        )
        large = {key: self.count(boards.board_for_key(key).render_change, change) for key in boards.BOARDS}
        self.assertEqual(small, large)

    def test_a_group_broadcast_renders_with_constant_queries(self):
        from site_ops.boards import Change

        counts = {}
        with frozen(12):
            for size in (20, 500):
                self.fill_groups(size)
                rooms = Room.objects.filter(site=self.big, occupant_count__gt=0).values_list("pk", flat=True)
                for topics in (["meals"], ["disinfection"], ["security"]):
                    change = Change(site_id=self.big.pk, rooms=frozenset(rooms[:3]), topics=frozenset(topics))
                    for key in boards.BOARDS:
                        counts[(key, topics[0], size)] = self.count(boards.board_for_key(key).render_change, change)
        for (key, topic, size), count in counts.items():
            if size == 20:
                self.assertEqual(count, counts[(key, topic, 500)], (key, topic))


class CounterTests(SiteTestCase):
    def test_a_person_with_several_stays_counts_once(self):
        from django.utils import timezone

        from rooms.models import Stay

        services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        Stay.objects.filter(person=self.person).update(ends_on=timezone.localdate())
        satisfy_protocol(Stay.objects.get(person=self.person))
        services.stay_release(person=self.person, by=self.clerk)
        Person.objects.filter(pk=self.person.pk).update(status=Person.Status.EXPECTED)
        self.fresh(self.person)
        services.stay_check_in(person=self.person, room=self.rooms[1], by=self.clerk)
        self.assertEqual(Stay.objects.filter(person=self.person).count(), 2)

        counters = site_counters(self.site)
        self.assertEqual(counters["people"]["in_isolation"], 1)
        self.assertEqual(counters["people"]["arrived_today"], 2)
        self.assertEqual(counters["people"]["released_today"], 1)
        self.assertEqual(counters["rooms"]["awaiting_disinfection"], 1)
        self.assertEqual(counters["people"]["due_today"], 0)
        self.assertEqual(counters["people"]["due_tomorrow"], 0)

    def test_the_rooms_by_status_are_the_querysets_counts_with_none_for_a_status_no_room_has(self):
        from django.db.models import Count

        from rooms.models import Room

        services.room_move(room=self.rooms[2], to=Room.Status.OUT_OF_SERVICE, by=self.head, version=1)
        make_rooms(make_site(name="别处隔离点"), floors=1, per_floor=3)  # another site's rooms are not counted
        rooms = site_counters(self.site)["rooms"]
        counted = dict(Room.objects.filter(site=self.site).values_list("status").annotate(n=Count("pk")))
        self.assertEqual(rooms["total"], Room.objects.filter(site=self.site).count())
        for status in Room.Status.values:
            with self.subTest(status=status):
                self.assertEqual(rooms[status], counted.get(status, 0))
        self.assertEqual(rooms[Room.Status.VENTILATING], 0)
        self.assertEqual(rooms[Room.Status.OUT_OF_SERVICE], 1)
        self.assertEqual(rooms["beds"], rooms[Room.Status.AVAILABLE] + rooms[Room.Status.OCCUPIED])


class TransferQueryCountTests(SiteTestCase):
    """The transfer screens run the same queries however many transfers are open."""

    def fill(self, transfers: int) -> None:
        """A site with this many open transfers, spread over the states, a few urgent."""
        from groups.transfers.models import Transfer

        self.big = make_site(name=f"{transfers}转运")
        for user in (self.clerk, self.head, self.guard):
            user.staff.site = self.big
            user.staff.save()
        rooms = make_rooms(self.big, floors=1, per_floor=transfers)
        for i, room in enumerate(rooms):
            person = make_person(self.big)
            services.stay_check_in(person=person, room=room, by=self.clerk)
            transfer = transfer_services.transfer_request(
                person=person,
                by=self.clerk,
                reason="就医",
                destination_type=Transfer.Destination.HOSPITAL_VISIT,
                urgency="urgent" if i % 4 == 0 else "routine",
            )
            if i % 3:
                transfer_services.transfer_approve(transfer=transfer, by=self.head)
            if i % 3 == 2:
                transfer_services.transfer_arrange(
                    transfer=transfer,
                    by=self.guard,
                    confirmed_with="隔离办",
                    vehicle_plate="渝A1",
                    driver_name="刘",
                    driver_phone="17000000000",
                    escort="吴",
                    planned_departure_at=timezone.now(),
                )
        self.transfers = list(Transfer.objects.filter(site=self.big))

    def test_the_transfer_boards_read_in_one_query(self):
        # 1 open transfers with person, room, requester and last mover
        for size in (3, 30):
            self.fill(size)
            with self.assertNumQueries(1):
                transfer_board(self.big)
            with self.assertNumQueries(1):
                boards.BOARDS["escorts"].context(self.big)

    def test_the_screens_and_broadcasts_are_constant_in_transfers(self):
        from site_ops.boards import Change

        counts = {}
        for size in (3, 30):
            self.fill(size)
            change = Change(
                site_id=self.big.pk,
                transfers=frozenset([self.transfers[0].pk]),
                topics=frozenset(["transfers", "escorts"]),
            )
            for key in ("control", "transfers", "escorts", f"transfer-{self.transfers[0].pk}"):
                name = key.partition("-")[0]
                counts[(name, size)] = self.count(boards.board_for_key(key).render_change, change)
            for name, user in (
                ("control-screen", self.head),
                ("transfer-board", self.clerk),
                ("escort-board", self.guard),
            ):
                self.client.force_login(user)
                with CaptureQueriesContext(connection) as queries:
                    self.assertEqual(self.client.get(reverse(name)).status_code, 200)
                counts[(name, size)] = len(queries)
            self.client.force_login(self.clerk)
            with CaptureQueriesContext(connection) as queries:
                self.client.get(reverse("transfer-detail", args=[self.transfers[-1].pk]))
            counts[("transfer-detail", size)] = len(queries)
        for key, size in counts:
            if size == 3:
                with self.subTest(screen=key):
                    self.assertEqual(counts[(key, 3)], counts[(key, 30)])

    def count(self, func, *args) -> int:
        with CaptureQueriesContext(connection) as queries:
            func(*args)
        return len(queries)


class MedicalQueryCountTests(QueryCountTests):
    """The medical screens, and the medical parts of the others, are constant in rooms too."""

    # The inherited tests run once, in QueryCountTests.
    test_the_control_screen_read_is_constant_in_rooms = None
    test_the_general_board_read_is_constant_in_rooms = None
    test_the_pages_run_the_same_queries_for_20_and_500_rooms = None
    test_a_broadcast_renders_with_constant_queries = None
    test_a_catering_change_reads_its_floors_and_counts_the_rest = None

    def fill(self, rooms: int) -> None:
        """As above, with a day of medical work: samples collected and resulted, a round, alerts, releases due.

        Written directly: only the shape of the data matters to the counts.
        """
        from decimal import Decimal

        from django.utils import timezone

        from groups.medical.models import Alert, HealthCheck, Sample
        from rooms.models import Stay

        super().fill(rooms)
        now = timezone.now()
        stays = list(Stay.objects.filter(site=self.big).select_related("person", "room"))
        first = Sample.objects.filter(stay__in=stays, day=1)
        first.update(status=Sample.Status.COLLECTED, collected_at=now)
        first.filter(stay__in=stays[::2]).update(
            status=Sample.Status.RESULTED, result=Sample.Result.NEGATIVE, resulted_at=now
        )
        HealthCheck.objects.bulk_create(
            HealthCheck(
                site=self.big,
                person=stay.person,
                stay=stay,
                day=timezone.localdate(),
                round="am",
                temperature=Decimal("37.5" if i % 7 == 0 else "36.6"),
                recorded_by=self.head,
            )
            for i, stay in enumerate(stays)
        )
        Alert.objects.bulk_create(
            Alert(site=self.big, kind=Alert.Kind.POSITIVE, for_site_head=True, person=stay.person, room=stay.room)
            for stay in stays[:5]
        )
        Stay.objects.filter(pk__in=[stay.pk for stay in stays[::4]]).update(ends_on=timezone.localdate())

    def test_the_medical_reads_are_constant_in_rooms(self):
        from django.utils import timezone

        from site_ops.boards import Change

        counts = {}
        for size in (20, 500):
            self.fill(size)
            # 1 floors, 2-3 counters, 4-5 rooms with open stays and people, 6 samples, 7 health checks,
            # 8 alerts (other groups' reports among them), 9 the group's open requests, 10 patients' transfers,
            # 11-12 the shifts and the handovers (added deliberately: the board shows the shift handover),
            # 13 the care follow-ups due today (added deliberately: a medical counter)
            with self.subTest("medical board", rooms=size), self.assertNumQueries(13):
                context = medical_board(self.big, floor=1)
            self.assertTrue(any(room.open_stays for room in context["rooms"]))
            # as pinned above (QueryCountTests), with the badges, medical counters, alerts and requests
            with self.subTest("control screen", rooms=size), self.assertNumQueries(27):
                context = control_screen(self.big)
            self.assertTrue(context["alerts"])
            # as pinned above (eight, with the people in sealed rooms), 9 the releases' carers, and for the
            # releases due: 10 samples, 11 sampling plans, 12 the protocol, 13 fevers in the protocol's window,
            # 14 open health alerts (13-14 added deliberately: release also needs no fever and no open health alert),
            # 15-16 the shifts and the handovers (added deliberately: the board shows the shift handover),
            # 17-19 the requests' headline and the group's open requests (added deliberately)
            with self.subTest("general board", rooms=size), self.assertNumQueries(19):
                context = general_board(self.big)
            self.assertTrue(all(hasattr(stay, "eligibility") for stay in context["releases"]))
            # 1 floors, 2-3 the floor's rooms with open stays and people, 4 the checks
            with self.subTest("health round", rooms=size), self.assertNumQueries(4):
                health_round(self.big, 1, timezone.localdate(), "am")

            self.client.force_login(self.head)
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(reverse("medical-board"), {"floor": 1}).status_code, 200)
            counts[("page", size)] = len(queries)
            rooms = frozenset(Room.objects.filter(site=self.big).values_list("pk", flat=True)[:3])
            change = Change(site_id=self.big.pk, rooms=rooms, topics=frozenset({"medical"}))
            for key in ("control", "general", "medical"):
                counts[(key, size)] = self.count(boards.board_for_key(key).render_change, change)
        for key in ("page", "control", "general", "medical"):
            with self.subTest(screen=key):
                self.assertEqual(counts[(key, 20)], counts[(key, 500)])


class RequestQueryTests(SiteTestCase):
    """What one tablet's action costs before and after its own work."""

    def test_a_room_move_from_a_tablet_reads_only_what_it_needs(self):
        # Session, user with staff row and site, roles, the room; the service
        # in its savepoint: the room with its site under lock, its update, the
        # audit row, the board numbers (two statements the first time a
        # board changes, one after), the districts the site is in (whose
        # office boards follow it); no permission queries for the "done"
        # panel, which shows no menu.
        room = self.rooms[3]
        self.client.force_login(self.head)
        with self.assertNumQueries(12) as captured:
            response = self.client.post(
                f"/rooms/{room.pk}/move/",
                {"to": Room.Status.OUT_OF_SERVICE, "version": room.version, "note": ""},
                headers={"HX-Request": "true"},
            )
        self.assertEqual(response.status_code, 200)
        self.assertFalse([q for q in captured.captured_queries if "auth_permission" in q["sql"]])

    def test_the_page_frame_still_shows_the_menu_and_the_flags(self):
        self.client.force_login(self.head)
        page = self.client.get("/control/").content.decode()
        self.assertIn(f'data-flags="reveal site_head user-{self.head.pk}"', page)
        self.assertIn("周宁", page)


class HeadlineFigureIndexTests(SiteTestCase):
    """The headline figures are read on every change: each count from an index, not the table's rows."""

    def plan(self, sql, params) -> str:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
                return " ".join(str(row[-1]) for row in cursor.fetchall())
            cursor.execute("SET enable_seqscan = off")  # a test table is too small to plan as a site's
            # On a test-sized table the foreign key's own index (site_id alone) costs the same as the
            # composite one and the planner took either from run to run: dropped for this test only
            # (its transaction is rolled back), so that the plan shows whether the composite index serves.
            for table in ("rooms_person", "rooms_stay"):
                for name, info in connection.introspection.get_constraints(cursor, table).items():
                    if info["index"] and not info["unique"] and info["columns"] == ["site_id"]:
                        cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
            cursor.execute("EXPLAIN " + sql, params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            cursor.execute("RESET enable_seqscan")
            return plan

    def test_each_count_has_its_index(self):
        rooms_sql, people_sql = reads._counter_statements()
        rooms_plan = self.plan(rooms_sql, [self.site.pk])
        self.assertIn("room_site_status", rooms_plan)
        today = connection.ops.adapt_datefield_value(timezone.localdate())
        moment = connection.ops.adapt_datetimefield_value(timezone.now())
        site, person = self.site.pk, Person.Status
        params = [site, person.IN_ISOLATION, site, person.EXPECTED, site, person.EXPECTED, today]
        params += [site, moment, moment, site, today, site, today, site, Stay.EndReason.RELEASED, moment, moment]
        people_plan = self.plan(people_sql, params)
        for index in ("person_site_status", "stay_site_open_ends", "stay_site_started", "stay_site_ended"):
            with self.subTest(index=index):
                self.assertIn(index, people_plan)
