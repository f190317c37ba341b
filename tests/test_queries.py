"""Each screen runs the same number of queries however many rooms the site has."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups import boards
from rooms import services
from rooms.models import Room
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
        # 1-2 counters, 3 rooms, 4 feed, 5-6 medical counters, 7-8 test and health badges, 9 alerts
        self.fill(20)
        with self.assertNumQueries(9):
            boards.control_screen(self.big)
        self.fill(500)
        with self.assertNumQueries(9):
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


class MedicalQueryCountTests(QueryCountTests):
    """The medical screens, and the medical parts of the others, are constant in rooms too."""

    # The inherited tests run once, in QueryCountTests.
    test_the_control_screen_read_is_constant_in_rooms = None
    test_the_general_board_read_is_constant_in_rooms = None
    test_the_pages_run_the_same_queries_for_20_and_500_rooms = None
    test_a_broadcast_renders_with_constant_queries = None

    def fill(self, rooms: int) -> None:
        """As above, with a day of medical work: samples collected and resulted, a round, alerts, releases due.

        Written directly: only the shape of the data matters to the counts.
        """
        from decimal import Decimal

        from django.utils import timezone

        from rooms.models import Alert, HealthCheck, Sample, Stay

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

        from site_ops.live import Change

        counts = {}
        for size in (20, 500):
            self.fill(size)
            # 1 floors, 2-3 counters, 4-5 rooms with open stays and people, 6 samples, 7 health checks,
            # 8 alerts, 9 medicine requests
            with self.subTest("medical board", rooms=size), self.assertNumQueries(9):
                context = boards.medical_board(self.big, floor=1)
            self.assertTrue(any(room.open_stays for room in context["rooms"]))
            # as pinned above, with the badges, medical counters and alerts
            with self.subTest("control screen", rooms=size), self.assertNumQueries(9):
                context = boards.control_screen(self.big)
            self.assertTrue(context["alerts"])
            # as pinned above, and 8 samples, 9 sampling plans, 10 the protocol of the releases due
            with self.subTest("general board", rooms=size), self.assertNumQueries(10):
                context = boards.general_board(self.big)
            self.assertTrue(all(hasattr(stay, "eligibility") for stay in context["releases"]))
            # 1 floors, 2-3 the floor's rooms with open stays and people, 4 the checks
            with self.subTest("health round", rooms=size), self.assertNumQueries(4):
                boards.health_round(self.big, 1, timezone.localdate(), "am")

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
