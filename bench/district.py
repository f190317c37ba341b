"""The district office's overview over many sites, and a large export's memory.

    python -m bench.district OUT.json        (make bench-district)

In its own process and its own SQLite file (bench/.work/district.sqlite3,
made anew each run): 20 sites of 500 rooms, about 60 % occupied, a few
people expected and transfers open on each, then

- the district overview (groups.control.district.bench_overview) for 2, 6
  and 20 sites: the median render time and the queries (which must not grow
  with the sites);
- the person register export (groups.control.exports.export_file) of 10,000
  and of 100,000 stays: the process's resident memory before the export
  and its peak while the export is written (the kernel's high-water mark,
  reset just before); a growth that stays the same for ten times the rows
  says they stream rather than build in memory.
"""

import itertools
import json
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

WORK = Path(__file__).resolve().parent / ".work"
DB = WORK / "district.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_ops.settings")
os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
os.environ.setdefault("SCHEDULED_JOBS", "0")
os.environ.setdefault("BOARD_CLOCK", "0")

import django  # noqa: E402

WORK.mkdir(exist_ok=True)
for leftover in WORK.glob("district.sqlite3*"):
    leftover.unlink()
django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone, translation  # noqa: E402

from bench.seed import _person  # noqa: E402
from groups.control.district import bench_overview  # noqa: E402
from groups.control.exports import export_file  # noqa: E402
from groups.transfers.models import Transfer  # noqa: E402
from rooms.models import Person, Room, Site, Staff, Stay  # noqa: E402
from rooms.roles import Role  # noqa: E402

SITES = int(os.environ.get("BENCH_DISTRICT_SITES", "20"))
ROOMS = int(os.environ.get("BENCH_DISTRICT_ROOMS", "500"))
EXPORT_ROWS = [int(n) for n in os.environ.get("BENCH_EXPORT_ROWS", "10000,100000").split(",")]
PER_FLOOR = 20


def reset_peak_rss() -> None:
    """Start the kernel's high-water mark of resident memory from now (Linux 4.0 and later)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def peak_rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def rss_mb() -> float:
    """The process's resident memory now (Linux), in MB."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


@transaction.atomic
def seed_sites(rng) -> list[Site]:
    today = timezone.localdate()
    serials = itertools.count(1)
    sites = []
    clerk = User.objects.create_user("bench-district-clerk")
    for n in range(SITES):
        site = Site.objects.create(name=f"区隔离点{n + 1:02d}")
        rooms = Room.objects.bulk_create(
            Room(
                site=site,
                floor=1 + i // PER_FLOOR,
                number=f"{1 + i // PER_FLOOR}{i % PER_FLOOR + 1:02d}",
                capacity=3 if i % 10 == 0 else 1,
            )
            for i in range(ROOMS)
        )
        occupied = [room for room in rooms if rng.random() < 0.6]
        people = Person.objects.bulk_create(
            _person(rng, site, next(serials), status=Person.Status.IN_ISOLATION, expected_on=today) for _ in occupied
        )
        Stay.objects.bulk_create(
            Stay(site=site, person=person, room=room, ends_on=today + timedelta(days=7))
            for person, room in zip(people, occupied, strict=True)
        )
        Room.objects.filter(pk__in=[room.pk for room in occupied]).update(status=Room.Status.OCCUPIED, occupant_count=1)
        Person.objects.bulk_create(_person(rng, site, next(serials), expected_on=today) for _ in range(10))
        Transfer.objects.bulk_create(
            Transfer(
                site=site,
                person=person,
                room=room,
                destination_type=Transfer.Destination.DESIGNATED_HOSPITAL,
                reason="阳性转运",
                requested_by=clerk,
            )
            for person, room in list(zip(people, occupied, strict=True))[:3]
        )
        sites.append(site)
    return sites


def seed_export(site: Site, rows: int, rng) -> None:
    """``rows`` released stays on one site (batches of 5,000, so seeding stays small)."""
    serials = itertools.count(10_000_000)
    room = Room.objects.filter(site=site).first()
    started = timezone.now() - timedelta(days=3)
    for start in range(0, rows, 5000):
        batch = min(5000, rows - start)
        with transaction.atomic():
            people = Person.objects.bulk_create(
                _person(rng, site, next(serials), status=Person.Status.RELEASED, expected_on=date(2026, 1, 1))
                for _ in range(batch)
            )
            Stay.objects.bulk_create(
                Stay(
                    site=site,
                    person=person,
                    room=room,
                    started_at=started,
                    ends_on=started.date(),
                    ended_at=started + timedelta(days=1),
                    end_reason=Stay.EndReason.RELEASED,
                )
                for person in people
            )


def measure_overview(sites: list[Site]) -> list[dict]:
    rows = []
    with translation.override("zh-hans"):
        for count in sorted({2, min(6, len(sites)), len(sites)}):
            bench_overview(count)  # warm: templates, catalogues
            with CaptureQueriesContext(connection) as queries:
                html = bench_overview(count)
            times = []
            for _ in range(5):
                start = time.perf_counter()
                bench_overview(count)
                times.append(time.perf_counter() - start)
            rows.append(
                {
                    "step": "district_overview",
                    "sites": count,
                    "rooms_per_site": ROOMS,
                    "render_ms": round(statistics.median(times) * 1000, 2),
                    "queries": len(queries),
                    "kb": round(len(html.encode()) / 1024, 1),
                }
            )
    return rows


def measure_exports(site: Site, rng) -> list[dict]:
    head = User.objects.create_user("bench-district-head")
    head.groups.add(Group.objects.get_or_create(name=Role.SITE_HEAD)[0])
    Staff.objects.create(user=head, site=site)
    head = User.objects.get(pk=head.pk)
    rows, seeded = [], 0
    today = timezone.localdate()
    for target in sorted(EXPORT_ROWS):
        seed_export(site, target - seeded, rng)
        seeded = target
        before = rss_mb()
        reset_peak_rss()
        start = time.perf_counter()
        out, _name, count = export_file(site=site, key="people", first=today - timedelta(days=30), last=today, by=head)
        took = time.perf_counter() - start
        peak = peak_rss_mb()
        size = out.seek(0, 2)
        out.close()
        rows.append(
            {
                "step": "export",
                "rows": count,
                "seconds": round(took, 1),
                "rss_before_mb": before,
                "rss_peak_mb": peak,
                "rss_growth_mb": round(peak - before, 1),
                "file_mb": round(size / 2**20, 1),
            }
        )
    return rows


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).resolve().parent / "results" / "district.json")
    call_command("migrate", verbosity=0)
    rng = random.Random(2026)
    started = time.perf_counter()
    sites = seed_sites(rng)
    result = {"seed_s": round(time.perf_counter() - started, 1), "steps": measure_overview(sites)}
    result["steps"] += measure_exports(sites[-1], rng)
    connection.close()
    for row in result["steps"]:
        print(" ".join(f"{key}={value}" for key, value in row.items()))
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
