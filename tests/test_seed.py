from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.db.models import Count, Q
from django.test import TestCase
from django.utils import timezone

from groups.catering.models import MealDelivery, MealSlot
from groups.catering.rounds import meal_round
from groups.control.management.demo_site import SITE_NAME
from groups.disinfection.models import DisinfectionTask
from groups.medical.models import Alert
from groups.security.models import CheckpointEntry, Incident
from rooms.masking import validate_national_id
from rooms.models import Person, Room, Site, Staff, Stay


class SeedDemoTests(TestCase):
    def check_district(self):
        """A second site with people in it, and the district office over both, whose officer works at neither."""
        from rooms.models import District

        district = District.objects.get()
        self.assertEqual(district.sites.count(), 2)
        officer = district.officers.get()
        self.assertEqual((officer.username, hasattr(officer, "staff")), ("zhoutao", False))
        self.assertIn("district", officer.groups.values_list("name", flat=True))
        second = district.sites.exclude(name=SITE_NAME).get()
        self.assertGreater(Stay.objects.open().filter(site=second).count(), 0)

    def test_it_loads_a_consistent_demo_site_once(self):
        out = StringIO()
        call_command("seed_demo", stdout=out)
        self.assertIn("demo-pass-2026", out.getvalue())
        main = Site.objects.get(name=SITE_NAME)
        self.assertEqual(Room.objects.filter(site=main).count(), 160)
        self.assertEqual(sorted(set(Room.objects.filter(site=main).values_list("floor", flat=True))), list(range(1, 9)))
        in_isolation = Person.objects.filter(status=Person.Status.IN_ISOLATION).count()
        self.assertGreaterEqual(in_isolation, 90)
        self.assertGreaterEqual(Person.objects.filter(status=Person.Status.EXPECTED).count(), 12)
        # Occupancy matches the open stays, within capacity, in every room.
        rooms = Room.objects.annotate(open=Count("stays", filter=Q(stays__ended_at__isnull=True)))
        for room in rooms:
            self.assertEqual(room.occupant_count, room.open, room.number)
            self.assertLessEqual(room.occupant_count, room.capacity, room.number)
            # People are in occupied rooms, or in a room sealed after a positive.
            if room.open:
                self.assertIn(room.status, (Room.Status.OCCUPIED, Room.Status.SEALED), room.number)
            else:
                self.assertNotEqual(room.status, Room.Status.OCCUPIED, room.number)
        self.assertEqual(Stay.objects.open().count(), in_isolation)
        for national_id in Person.objects.values_list("national_id", flat=True):
            validate_national_id(national_id)
            # Region codes 500990-500999 do not exist: the IDs are not real.
            self.assertTrue(national_id.startswith("50099"), national_id)
        # Everyone has a home whose street and community the communities' list reads; a household one home.
        for person in Person.objects.all():
            self.assertTrue(person.street and person.community, person.address)
        for household in Person.objects.exclude(household="").values_list("household", flat=True).distinct():
            homes = set(Person.objects.filter(household=household).values_list("address", flat=True))
            self.assertEqual(len(homes), 1, household)
        self.assertEqual(Staff.objects.count(), 14)
        # Each site opened when it was set up, two weeks ago, before its first record.
        for site in Site.objects.all():
            self.assertEqual(site.opened_on, timezone.localdate() - timedelta(days=14), site.name)
            self.assertLessEqual(site.opened_on, site.first_record_day(), site.name)
        self.check_district()
        self.check_group_records()

        again = StringIO()
        call_command("seed_demo", stdout=again)
        self.assertIn("already loaded", again.getvalue())
        self.assertEqual(Site.objects.count(), 2)

    def check_group_records(self):
        """The groups' records are what their services would have written."""
        site = Site.objects.get(name=SITE_NAME)
        self.assertEqual(MealSlot.objects.filter(site=site).count(), 3)
        lunch_or_whichever = meal_round(site)
        for delivery in MealDelivery.objects.filter(slot=lunch_or_whichever.slot, day=lunch_or_whichever.day):
            if delivery.person_id:
                self.assertIsNotNone(lunch_or_whichever.late_for(delivery.person_id), delivery)
            else:
                self.assertTrue(lunch_or_whichever.for_room(delivery.room_id).people, delivery)
        refused = MealDelivery.objects.filter(status="refused")
        self.assertEqual(Alert.objects.filter(meal_delivery__in=refused).count(), refused.count())
        # Every room awaiting disinfection has its open terminal task, and only those.
        self.assertEqual(
            set(DisinfectionTask.objects.filter(kind="terminal", status="open").values_list("room__number", flat=True)),
            set(Room.objects.filter(status=Room.Status.AWAITING_DISINFECTION).values_list("number", flat=True)),
        )
        for incident in Incident.objects.filter(status="open"):
            self.assertEqual(incident.room.status, Room.Status.OCCUPIED)
        self.assertEqual(CheckpointEntry.objects.filter(left_at__isnull=True).count(), 3)
