"""The services refuse a change by someone who does not work at the record's site.

The views scope every record to the user's own site; this is the services'
own check (rooms.services.check_actor_site), through the audit event every
change writes: a script, a job or a view that forgot still changes nothing.
"""

from django.utils import translation

from groups.medical import services as medical
from groups.medical.models import Sample
from rooms import services
from rooms.models import AuditEvent, District, Room
from rooms.roles import Role
from tests.base import SiteTestCase
from tests.factories import make_rooms, make_site, make_user


class ActorSiteTests(SiteTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.elsewhere = make_site(name="第二隔离点")
        cls.elsewhere_room = make_rooms(cls.elsewhere, floors=1, per_floor=2)[0]
        cls.outside_clerk = make_user("clerk2", cls.elsewhere, Role.GENERAL)
        cls.outside_nurse = make_user("nurse2", cls.elsewhere, Role.MEDICAL)

    def assert_refused(self, call):
        events = AuditEvent.objects.count()
        with self.assertRaisesMessage(services.ServiceError, "does not work at this site"):
            call()
        self.assertEqual(AuditEvent.objects.count(), events)

    def test_a_room_of_another_site_is_not_moved(self):
        out_of_service = Room.Status.OUT_OF_SERVICE
        self.assert_refused(lambda: services.room_move(room=self.room, to=out_of_service, by=self.outside_clerk))
        self.assertEqual(self.fresh(self.room).status, Room.Status.AVAILABLE)
        # The room's own site's clerk moves it.
        services.room_move(room=self.room, to=Room.Status.OUT_OF_SERVICE, by=self.clerk)
        self.assertEqual(self.fresh(self.room).status, Room.Status.OUT_OF_SERVICE)

    def test_the_refusal_reads_in_chinese(self):
        with translation.override("zh-hans"), self.assertRaisesMessage(services.ServiceError, "不在本隔离点工作"):
            services.room_move(room=self.room, to=Room.Status.OUT_OF_SERVICE, by=self.outside_clerk)

    def test_a_person_of_another_site_is_not_checked_in(self):
        self.assert_refused(lambda: services.stay_check_in(person=self.person, room=self.room, by=self.outside_clerk))
        self.assertFalse(self.person.stays.exists())

    def test_a_floors_round_of_another_site_collects_nothing(self):
        # A batch: its audit events are written in one statement (audit_all), each checked as it is made.
        stay = services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        self.assert_refused(
            lambda: medical.samples_collect_floor(site=self.site, floor=self.room.floor, by=self.outside_nurse)
        )
        self.assertEqual(Sample.objects.get(stay=stay, day=1).status, Sample.Status.SCHEDULED)

    def test_a_district_officer_acts_on_the_sites_of_their_districts_only(self):
        officer = make_user("office", None, Role.DISTRICT)
        district = District.objects.create(name="城东区")
        district.sites.add(self.site)
        district.officers.add(officer)
        services.check_actor_site(officer, self.site)
        with self.assertRaises(services.ServiceError):
            services.check_actor_site(officer, self.elsewhere)

    def test_the_clock_and_the_administrator_are_not_refused(self):
        admin = make_user("admin", self.elsewhere, is_superuser=True, is_staff=True)
        for by in (None, admin):
            services.check_actor_site(by, self.site)
