"""The demo site and its plan: the rooms, who arrived when and in which room,
who left (so room pages have history) and who is expected today.

Nothing here is written but the site itself: the plan is kept in memory
until every room's final state is known, then demo_stays writes it.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from groups.control.management import demo_medical
from groups.control.management.demo import Demo
from groups.disinfection.services import disinfection_set_up
from rooms.models import Person, Room, Site

SITE_NAME = "合信石隔离点"
SITE_ADDRESS = "重庆市九龙坡区合信石路88号(演示数据)"
DESIGNATED_HOSPITAL = "九龙坡区定点医院(演示)"
FLOORS = 8
ROOMS_PER_FLOOR = 20
OUT_OF_SERVICE = {"213": "空调维修", "517": "空调维修"}
# Emptied by a release and waiting for terminal disinfection.
AWAITING_DISINFECTION = ["108", "305", "412", "609", "714"]
# Disinfected; the ventilation time is over, so they can be inspected now.
VENTILATING = ["311", "806"]
IN_ISOLATION = 100
# Of the people alone, the elderly, on the low floors.
ELDERLY = 9
EXPECTED = 15

C = Person.Category
D = Person.Diet
N = Person.Need


@dataclass
class Plan:
    """One person and what happened to them, before anything is written."""

    person: Person
    actor: User
    room: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None


@dataclass
class SitePlan:
    rooms: dict[str, Room]
    in_isolation: list[Plan]
    released: list[Plan]
    # started_at holds the registration time
    expected: list[Plan]


def create_site() -> Site:
    site = Site.objects.create(name=SITE_NAME, address=SITE_ADDRESS, designated_hospital=DESIGNATED_HOSPITAL)
    # The disinfectants with their national minimums, as the admin sets a site up.
    disinfection_set_up(site)
    return site


def plan_site(demo: Demo) -> SitePlan:
    planner = _Planner(demo)
    planner.families()
    planner.singles()
    released = planner.released()
    expected = planner.expected()
    return SitePlan(planner.rooms, planner.plans, released, expected)


def _rooms(site: Site, opened: datetime) -> dict[str, Room]:
    """Every room, unsaved and available, by number."""
    rooms: dict[str, Room] = {}
    for floor in range(1, FLOORS + 1):
        for n in range(1, ROOMS_PER_FLOOR + 1):
            capacity = 1
            if n == 19:
                capacity = 3
            elif n == 20:
                capacity = 4 if floor % 2 == 0 else 3
            rooms[f"{floor}{n:02d}"] = Room(
                site=site,
                number=f"{floor}{n:02d}",
                floor=floor,
                capacity=capacity,
                status_changed_at=opened,
                updated_at=opened,
            )
    return rooms


def _household(surname: str, source: str) -> str:
    return f"{surname}家({source})"


class _Planner:
    def __init__(self, demo: Demo):
        self.demo = demo
        self.rng = rng = demo.rng
        self.rooms = rooms = _rooms(demo.site, opened=demo.now - timedelta(days=14))
        held = set(OUT_OF_SERVICE) | set(AWAITING_DISINFECTION) | set(VENTILATING)
        self.free_singles_low = [r for r in rooms.values() if r.capacity == 1 and r.floor <= 2 and r.number not in held]
        self.free_singles_high = [r for r in rooms.values() if r.capacity == 1 and r.floor > 2 and r.number not in held]
        self.free_family_high = [r for r in rooms.values() if r.capacity > 1 and r.floor > 2]
        rng.shuffle(self.free_singles_low)
        rng.shuffle(self.free_singles_high)
        rng.shuffle(self.free_family_high)
        # Each day's arrivals came in two or three buses.
        self.arrival_days = list(range(0 if demo.today_usable else 1, 8))
        self.buses = {
            days: [rng.randint(9 * 60, 21 * 60) for _ in range(rng.randint(2, 3))] for days in self.arrival_days
        }
        self.plans: list[Plan] = []

    def arrival(self, days: int) -> datetime:
        day = self.demo.today - timedelta(days=days)
        minutes = self.rng.choice(self.buses[days]) + self.rng.randint(0, 40)
        return self.demo.past(self.demo.day_start(day) + timedelta(minutes=minutes), day)

    def family(self, members: list[Person], room: Room, days: int) -> None:
        start = self.arrival(days)
        for i, person in enumerate(members):
            person.expected_on = timezone.localdate(start)
            self.plans.append(Plan(person, self.demo.general(), room.number, start + timedelta(minutes=i)))

    def families(self) -> None:
        """Families in isolation, each in one family room."""
        person = self.demo.people.person
        src = "渝北区龙溪街道"
        common = {"source": src, "household": _household("李", src)}
        self.family(
            [
                person(sex="M", surname="李", ages=(36, 44), **common),
                person(sex="F", ages=(34, 42), **common),
                person(sex="M", surname="李", ages=(8, 12), **common),
            ],
            self.free_family_high.pop(),
            6,
        )
        src = "九龙坡区杨家坪街道"
        common = {"source": src, "household": _household("王", src)}
        self.family(
            [
                person(sex="F", surname="王", ages=(75, 80), diet=D.SOFT, needs=[N.CHRONIC], **common),
                person(sex="M", surname="王", ages=(46, 50), **common),
                person(sex="F", ages=(44, 48), **common),
                person(sex="F", surname="王", ages=(15, 17), **common),
            ],
            self.rooms["220"],  # a grandmother: the low floor, and the only size the family fits
            4,
        )
        src = "渝中区解放碑街道"
        common = {"source": src, "household": _household("张", src)}
        # The one birth date after 2020: an infant is under two.
        baby = self.demo.today - timedelta(days=self.rng.randint(120, 600))
        self.family(
            [
                person(sex="F", ages=(27, 33), **common),
                person(sex="M", surname="张", birth=baby, diet=D.INFANT, **common),
            ],
            self.free_family_high.pop(),
            2,
        )
        src = "沙坪坝区小龙坎街道"
        common = {
            "source": src,
            "household": _household("马", src),
            "diet": D.HALAL,
            "category": C.SECONDARY_CONTACT,
        }
        self.family(
            [
                person(sex="M", surname="马", ages=(38, 45), **common),
                person(sex="F", surname="白", ages=(36, 43), **common),
                person(sex="M", surname="马", ages=(10, 13), **common),
            ],
            self.free_family_high.pop(),
            5,
        )
        src = "江北区观音桥街道"
        common = {"source": src, "household": _household("周", src)}
        self.family(
            [
                person(sex="M", surname="周", ages=(30, 36), **common),
                person(sex="F", ages=(29, 35), **common),
                person(sex="F", surname="周", ages=(6, 9), **common),
            ],
            self.free_family_high.pop(),
            1,
        )

    def singles(self) -> None:
        """People alone: the elderly low, everybody else above the low floors."""
        rng, people = self.rng, self.demo.people
        for i in range(IN_ISOLATION - len(self.plans)):
            days = rng.choice(self.arrival_days)
            if i < ELDERLY:
                diet = rng.choice([D.REGULAR, D.REGULAR, D.SOFT, D.DIABETIC])
                needs = [N.CHRONIC] if diet == D.DIABETIC or rng.random() < 0.3 else []
                person = people.person(ages=(70, 84), diet=diet, needs=needs)
                room = self.free_singles_low.pop()
            else:
                person = people.person(**people.single_profile())
                room = self.free_singles_high.pop()
            start = self.arrival(days)
            person.expected_on = timezone.localdate(start)
            self.plans.append(Plan(person, self.demo.general(), room.number, start))

    def released(self) -> list[Plan]:
        """Released people, so room pages have history."""
        today = self.demo.today
        release_day = today if self.demo.today_usable else today - timedelta(days=1)
        released: list[Plan] = []
        for i, number in enumerate(AWAITING_DISINFECTION):
            out_day = release_day if i < 3 else today - timedelta(days=1)
            released.append(self.released_plan(self.rooms[number], out_day, hour=9 + i))
        for i, number in enumerate(VENTILATING):
            released.append(self.released_plan(self.rooms[number], today - timedelta(days=1), hour=10 + i))
        history_rooms = [self.free_singles_high.pop(), self.free_singles_high.pop()]
        for room in history_rooms:
            released.append(self.released_plan(room, today - timedelta(days=3), hour=9))
        return released

    def released_plan(self, room: Room, out_day: date, hour: int) -> Plan:
        demo, rng = self.demo, self.rng
        arrived_day = out_day - timedelta(days=demo_medical.LENGTH + rng.choice([0, 0, 1]))
        start = demo.day_start(arrived_day) + timedelta(hours=rng.randint(10, 20), minutes=rng.randint(0, 59))
        end = demo.at(out_day, hour, rng.randint(0, 50))
        person = demo.people.person(**demo.people.single_profile())
        person.expected_on = arrived_day
        return Plan(person, demo.general(), room.number, start, end)

    def expected(self) -> list[Plan]:
        """Expected today: one family, an elderly man, a deaf woman, a halal diet, a pregnant woman."""
        demo, rng, people = self.demo, self.rng, self.demo.people
        person = people.person
        expected: list[Person] = []
        src = "大渡口区春晖路街道"
        common = {"source": src, "household": _household("陈", src), "category": C.CLOSE_CONTACT}
        expected += [
            person(sex="M", surname="陈", ages=(33, 40), **common),
            person(sex="F", ages=(31, 38), **common),
            person(sex="F", surname="陈", ages=(5, 9), **common),
        ]
        expected.append(person(sex="M", ages=(76, 82), source=src, needs=[N.CHRONIC], diet=D.SOFT))
        expected.append(person(sex="F", ages=(40, 55), source=src, needs=[N.HEARING]))
        expected.append(person(sex="M", ages=(25, 45), surname="马", source=src, diet=D.HALAL))
        expected.append(person(sex="F", ages=(26, 34), source=src, needs=[N.PREGNANT]))
        while len(expected) < EXPECTED:
            profile = people.single_profile()
            profile.pop("needs", None)
            profile["diet"] = D.REGULAR
            profile.setdefault("source", rng.choice([src, src, "大渡口区新山村街道"]))
            expected.append(person(**profile))
        registered = demo.at(demo.today - timedelta(days=1), 20, rng.randint(0, 90))
        return [
            Plan(someone, demo.general(), started_at=registered + timedelta(minutes=i))
            for i, someone in enumerate(expected)
        ]
