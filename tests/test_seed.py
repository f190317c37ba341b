from io import StringIO

from django.core.management import call_command
from django.db.models import Count, Q
from django.test import TestCase

from groups.models import Staff
from rooms.masking import validate_national_id
from rooms.models import Person, Room, Site, Stay


class SeedDemoTests(TestCase):
    def test_it_loads_a_consistent_demo_site_once(self):
        out = StringIO()
        call_command("seed_demo", stdout=out)
        self.assertIn("demo-pass-2026", out.getvalue())
        self.assertEqual(Room.objects.count(), 160)
        self.assertEqual(sorted(set(Room.objects.values_list("floor", flat=True))), list(range(1, 9)))
        in_isolation = Person.objects.filter(status=Person.Status.IN_ISOLATION).count()
        self.assertGreaterEqual(in_isolation, 90)
        self.assertGreaterEqual(Person.objects.filter(status=Person.Status.EXPECTED).count(), 12)
        # Occupancy matches the open stays, within capacity, in every room.
        rooms = Room.objects.annotate(open=Count("stays", filter=Q(stays__ended_at__isnull=True)))
        for room in rooms:
            self.assertEqual(room.occupant_count, room.open, room.number)
            self.assertLessEqual(room.occupant_count, room.capacity, room.number)
            self.assertEqual(room.status == Room.Status.OCCUPIED, room.open > 0, room.number)
        self.assertEqual(Stay.objects.filter(ended_at__isnull=True).count(), in_isolation)
        for national_id in Person.objects.values_list("national_id", flat=True):
            validate_national_id(national_id)
            # Region codes 500990-500999 do not exist: the IDs are not real.
            self.assertTrue(national_id.startswith("50099"), national_id)
        self.assertEqual(Staff.objects.count(), 12)

        again = StringIO()
        call_command("seed_demo", stdout=again)
        self.assertIn("already loaded", again.getvalue())
        self.assertEqual(Site.objects.count(), 1)
