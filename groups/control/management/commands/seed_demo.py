"""Load a synthetic demo site: rooms, people in isolation, today's arrivals, staff logins,
and the medical, catering, disinfection and security groups' records.

Everything is made up (see demo_people.py) and dated relative to now; the same
random seed gives the same demo every time. The parts, in the order they are
written: the site and its plan (demo_site.py), the staff (demo_staff.py), the
people, rooms, stays and their history (demo_stays.py), the open transfers
(demo_transfers.py), the medical group's day (demo_medical.py), the care
ledger (demo_care.py) and the other groups' records (demo_groups.py).

Most rows are written directly rather than through the services: the services
check the acting user's group, publish to the live boards and stamp "now",
while the demo writes a back-dated history. Every invariant they keep is kept.
"""

from datetime import timedelta

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from groups.control.management.demo import Demo
from groups.control.management.demo_care import CareDemo
from groups.control.management.demo_district import SECOND_SITE_NAME, district_login_lines, write_district
from groups.control.management.demo_groups import write_group_records
from groups.control.management.demo_medical import MedicalDemo
from groups.control.management.demo_requests import write_requests
from groups.control.management.demo_site import SITE_NAME, create_site, plan_site
from groups.control.management.demo_staff import STAFF, create_staff, login_lines
from groups.control.management.demo_stays import write_stays
from groups.control.management.demo_transfers import write_transfers
from groups.transfers.models import Transfer
from rooms.models import Room, Site

PASSWORD = "demo-pass-2026"
SEED = 2022


class Command(BaseCommand):
    help = "Load a synthetic demo site (rooms, people, arrivals, staff logins) into an empty database."

    def handle(self, *args, **options):
        if Site.objects.exists():
            self.stdout.write("demo site already loaded")
            if User.objects.filter(username=STAFF[0][0]).exists():
                self.logins()
            return
        with transaction.atomic():
            counts = self.build()
        self.report(counts)

    def build(self) -> dict:
        demo = Demo(seed=SEED, now=timezone.now(), site=create_site())
        joined = demo.now - timedelta(days=14)
        demo.users = create_staff(demo.site, password=PASSWORD, phone=demo.people.phone, joined=joined)
        plan = plan_site(demo)
        stays, stay_events = write_stays(demo, plan)
        transfer_events = write_transfers(demo, plan)
        medical = MedicalDemo(demo, stays).write()
        care = CareDemo(demo, stays).write()
        group_counts = write_group_records(demo, plan.rooms)
        group_counts["requests"] = write_requests(demo, [stay for stay in stays if stay.is_open])
        # The district: a second site and the isolation office over both.
        district = write_district(demo, password=PASSWORD)
        # Each site opened when its rooms and staff were set up, two weeks ago
        # (or on its first record, if earlier): its daily reports go back that far.
        opened = timezone.localdate(joined)
        for site in Site.objects.all():
            Site.objects.filter(pk=site.pk).update(opened_on=min(site.first_record_day() or opened, opened))
        return {
            "district": district,
            "rooms": len(plan.rooms),
            "in_isolation": len(plan.in_isolation),
            "expected": len(plan.expected),
            "released": len(plan.released),
            "events": stay_events + transfer_events,
            "transfers": Transfer.objects.filter(site=demo.site).count(),
            "occupied_rooms": sum(room.status == Room.Status.OCCUPIED for room in plan.rooms.values()),
            "medical": medical,
            "care": care,
            **group_counts,
        }

    def report(self, c: dict) -> None:
        write = self.stdout.write
        write(self.style.SUCCESS(f"Demo site loaded: {SITE_NAME} (synthetic data)"))
        write(f"  rooms: {c['rooms']} ({c['occupied_rooms']} occupied)")
        write(f"  people in isolation: {c['in_isolation']}")
        write(f"  expected today: {c['expected']}")
        write(f"  released (history): {c['released']}")
        write(f"  open transfers: {c['transfers']}")
        write(f"  audit events: {c['events']}")
        m = c["medical"]
        write(f"  samples: {m['samples']}, health checks: {m['checks']}, alerts: {m['alerts']}")
        write(f"  positive today: room {m['positive']} (sealed)")
        care = c["care"]
        write(
            f"  care ledger: {care['care_plans']} plans, {care['care_follow_ups']} follow-ups,"
            f" {care['hospital_visits']} planned hospital visits"
        )
        write(
            f"  meals recorded this round: {c['meals']}, disinfection tasks: {c['tasks']}, incidents: {c['incidents']}"
        )
        write(f"  residents' requests: {c['requests']}")
        d = c["district"]
        write(f"  second site: {SECOND_SITE_NAME}, rooms: {d['rooms']}, in isolation: {d['in_isolation']}")
        self.logins()

    def logins(self) -> None:
        write = self.stdout.write
        write("")
        write(self.style.WARNING(f"Demo logins (demo only) - password for all: {PASSWORD}"))
        for line in login_lines():
            write(line)
        for line in district_login_lines():
            write(line)
        write(self.style.WARNING("Demo only: never use these logins or this password on a real site."))
