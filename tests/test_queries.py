"""Each screen runs the same number of queries however many rooms the site has."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from groups import boards
from rooms import services
from rooms.models import Person, Room
from tests.base import SiteTestCase
from tests.factories import make_person, make_rooms, make_site


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

    def test_the_control_screen_read_is_constant_in_rooms(self):
        # 1-2 counters, 3 rooms, 4 feed, 5 open transfers, 6 today's transfer log
        self.fill(20)
        with self.assertNumQueries(6):
            boards.control_screen(self.big)
        self.fill(500)
        with self.assertNumQueries(6):
            boards.control_screen(self.big)

    def test_the_general_board_read_is_constant_in_rooms(self):
        # 1 floors, 2-3 counters, 4 arrivals, 5 releases, 6-7 rooms with open stays and people
        self.fill(20)
        with self.assertNumQueries(7):
            boards.general_board(self.big)
        self.fill(500)
        with self.assertNumQueries(7):
            boards.general_board(self.big)

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
        from site_ops.live import Change

        self.fill(20)
        change = Change(
            site_id=self.big.pk, rooms=frozenset(Room.objects.filter(site=self.big).values_list("pk", flat=True)[:3])
        )
        small = {key: self.count(boards.board_for_key(key).render_change, change) for key in ("control", "general")}
        self.fill(500)
        change = Change(
            site_id=self.big.pk, rooms=frozenset(Room.objects.filter(site=self.big).values_list("pk", flat=True)[:3])
        )
        large = {key: self.count(boards.board_for_key(key).render_change, change) for key in ("control", "general")}
        self.assertEqual(small, large)


class CounterTests(SiteTestCase):
    def test_a_person_with_several_stays_counts_once(self):
        from django.utils import timezone

        from rooms.models import Stay

        services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        Stay.objects.filter(person=self.person).update(ends_on=timezone.localdate())
        services.stay_release(person=self.person, by=self.clerk)
        Person.objects.filter(pk=self.person.pk).update(status=Person.Status.EXPECTED)
        self.fresh(self.person)
        services.stay_check_in(person=self.person, room=self.rooms[1], by=self.clerk)
        self.assertEqual(Stay.objects.filter(person=self.person).count(), 2)

        counters = boards.site_counters(self.site)
        self.assertEqual(counters["people"]["in_isolation"], 1)
        self.assertEqual(counters["people"]["arrived_today"], 2)
        self.assertEqual(counters["people"]["released_today"], 1)
        self.assertEqual(counters["rooms"]["awaiting_disinfection"], 1)
        self.assertEqual(counters["people"]["due_today"], 0)
        self.assertEqual(counters["people"]["due_tomorrow"], 0)


class TransferQueryCountTests(SiteTestCase):
    """The transfer screens run the same queries however many transfers are open."""

    def fill(self, transfers: int) -> None:
        """A site with this many open transfers, spread over the states, a few urgent."""
        from rooms.models import Transfer

        self.big = make_site(name=f"{transfers}转运")
        for user in (self.clerk, self.head, self.guard):
            user.staff.site = self.big
            user.staff.save()
        rooms = make_rooms(self.big, floors=1, per_floor=transfers)
        for i, room in enumerate(rooms):
            person = make_person(self.big)
            services.stay_check_in(person=person, room=room, by=self.clerk)
            transfer = services.transfer_request(
                person=person,
                by=self.clerk,
                reason="就医",
                destination_type=Transfer.Destination.HOSPITAL_VISIT,
                urgency="urgent" if i % 4 == 0 else "routine",
            )
            if i % 3:
                services.transfer_approve(transfer=transfer, by=self.head)
            if i % 3 == 2:
                services.transfer_arrange(
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
                boards.transfer_board(self.big)
            with self.assertNumQueries(1):
                boards.BOARDS["escorts"].context(self.big)

    def test_the_screens_and_broadcasts_are_constant_in_transfers(self):
        from site_ops.live import Change

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
