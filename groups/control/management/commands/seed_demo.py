"""Load a synthetic demo site: rooms, people in isolation, today's arrivals, staff logins,
and the catering, disinfection and security groups' records (see demo_groups.py).

Everything is made up. National IDs use region codes 500990-500999, which no
county has, and phone numbers use the virtual-operator prefix 170. The same
random seed gives the same demo every time; dates are relative to today.

The services are bypassed (they check permissions and broadcast) but every
invariant they keep is kept here: a room's occupant count equals its open
stays and never exceeds its capacity, its status matches, a person in
isolation has exactly one open stay, and national IDs are unique.
"""

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from groups.control.management import demo_medical
from groups.control.management.demo_groups import write_group_records
from groups.transfers.models import Transfer
from rooms.masking import mask_national_id, mask_phone, national_id_check_digit
from rooms.models import AuditEvent, Person, Room, Site, Staff, Stay
from rooms.roles import Role, display_name

PASSWORD = "demo-pass-2026"
SEED = 2022

SITE_NAME = "合信石隔离点"
SITE_ADDRESS = "重庆市九龙坡区合信石路88号(演示数据)"
DESIGNATED_HOSPITAL = "九龙坡区定点医院(演示)"
# The seed's transfer story (report 004), in the requester's words.
STORY_REASON = "女儿是聋哑人,独自在方舱医院隔离治疗,交流困难、生活不便;本人希望转到女儿所在医院照顾她。"
FLOORS = 8
ROOMS_PER_FLOOR = 20
OUT_OF_SERVICE = {"213": "空调维修", "517": "空调维修"}
# Emptied by a release and waiting for terminal disinfection.
AWAITING_DISINFECTION = ["108", "305", "412", "609", "714"]
# Disinfected; the ventilation time is over, so they can be inspected now.
VENTILATING = ["311", "806"]

# username, surname, given name, role, organisation
STAFF = [
    ("zhouning", "周", "宁", Role.SITE_HEAD, "九龙坡区卫健委"),
    ("zhanglu", "张", "露匀", Role.GENERAL, "杨家坪街道办事处"),
    ("wangfang", "王", "芳", Role.GENERAL, "杨家坪街道办事处"),
    ("chenjie", "陈", "杰", Role.GENERAL, "谢家湾街道办事处"),
    ("liuyan", "刘", "燕", Role.MEDICAL, "九龙坡区人民医院"),
    ("huangmin", "黄", "敏", Role.MEDICAL, "九龙坡区人民医院"),
    ("zhaolei", "赵", "磊", Role.DISINFECTION, "九龙坡区疾控中心"),
    ("sunqiang", "孙", "强", Role.DISINFECTION, "九龙坡区疾控中心"),
    ("wugang", "吴", "刚", Role.SECURITY, "九龙坡公安分局"),
    ("zhengwei", "郑", "伟", Role.SECURITY, "九龙坡公安分局"),
    ("hemei", "何", "梅", Role.CATERING, "合信石酒店"),
    ("luoping", "罗", "平", Role.CATERING, "合信石酒店"),
]

REGIONS = [f"5009{n:02d}" for n in range(90, 100)]  # no such counties in Chongqing

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛"
    "郝龚邵万严覃戴莫向汤冉"
)
GIVEN = {
    # (sex, era): era "old" born before 1960, "mid" 1960-1999, "young" 2000 on; space-separated
    ("M", "old"): "建国 国庆 德明 光荣 永福 国华 德福 长青 志成 文华 福 贵 华 明",
    ("F", "old"): "秀英 桂兰 淑珍 玉兰 凤英 秀兰 素芳 桂芳 玉珍 翠华 英 珍 兰",
    ("M", "mid"): "伟 强 磊 军 勇 涛 斌 超 明 刚 平 辉 鹏 波 健 亮 志强 海涛 文杰 建军 晓东 小龙 永刚 俊 凯 林 宏伟",
    ("F", "mid"): "丽 静 敏 芳 娟 婷 燕 霞 艳 玲 洁 琳 红 莉 萍 晓燕 丽娟 春梅 小红 雪梅 海燕 秀梅 慧 倩 晓丽 佳",
    ("M", "young"): "子轩 浩宇 宇航 梓豪 家豪 明轩 俊熙 沐阳 一鸣 博文 睿 航 浩然 天佑",
    ("F", "young"): "梓涵 欣怡 雨桐 诗涵 梓萱 一诺 可欣 思琪 语嫣 佳怡 悦 萌 雨萱 若曦",
}
SOURCES = [
    "渝中区解放碑街道",
    "渝中区大坪街道",
    "九龙坡区杨家坪街道",
    "九龙坡区谢家湾街道",
    "九龙坡区石桥铺街道",
    "沙坪坝区小龙坎街道",
    "渝北区龙溪街道",
    "渝北区回兴街道",
    "江北区观音桥街道",
    "江北区五里店街道",
    "南岸区南坪街道",
    "南岸区弹子石街道",
    "大渡口区春晖路街道",
    "巴南区李家沱街道",
]
INBOUND_SOURCE = "江北国际机场(入境)"
ALLERGIES = ["青霉素过敏", "海鲜过敏", "花生过敏", "磺胺类药物过敏"]

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


class Command(BaseCommand):
    help = "Load a synthetic demo site (rooms, people, arrivals, staff logins) into an empty database."

    def handle(self, *args, **options):
        if Site.objects.exists():
            self.stdout.write("demo site already loaded")
            if User.objects.filter(username=STAFF[0][0]).exists():
                self.logins()
            return
        self.rng = random.Random(SEED)
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        # Shortly after midnight "today" has no past yet: today's events go to yesterday.
        self.today_usable = self.now - self.day_start(self.today) >= timedelta(hours=1)
        self.ids: set[str] = set()
        self.phones: set[str] = set()
        self.names: set[str] = set()
        with transaction.atomic():
            self.build()
        self.report()

    # --- time and identity helpers ----------------------------------------

    def day_start(self, day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, time.min))

    def past(self, moment: datetime, day: date) -> datetime:
        """The moment, moved back before now if needed, but not before its day began."""
        latest = self.now - timedelta(minutes=self.rng.randint(3, 30))
        return max(min(moment, latest), self.day_start(day) + timedelta(minutes=1))

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return self.past(self.day_start(day) + timedelta(hours=hour, minutes=minute), day)

    def birth(self, lo_age: int, hi_age: int) -> date:
        """A birth date giving an age in [lo_age, hi_age] today, within 1940-2020."""
        earliest = max(date(1940, 1, 1), _years_before(self.today, hi_age + 1) + timedelta(days=1))
        latest = min(date(2020, 12, 31), _years_before(self.today, lo_age))
        return earliest + timedelta(days=self.rng.randint(0, (latest - earliest).days))

    def national_id(self, birth: date, sex: str) -> str:
        while True:
            seq = self.rng.randrange(1 if sex == "M" else 0, 1000, 2)
            first17 = f"{self.rng.choice(REGIONS)}{birth:%Y%m%d}{seq:03d}"
            value = first17 + national_id_check_digit(first17)
            if value not in self.ids:
                self.ids.add(value)
                return value

    def phone(self) -> str:
        while True:
            value = "170" + "".join(self.rng.choices("0123456789", k=8))
            if value not in self.phones:
                self.phones.add(value)
                return value

    def given(self, sex: str, birth: date) -> str:
        era = "old" if birth.year < 1960 else "mid" if birth.year < 2000 else "young"
        return self.rng.choice(GIVEN[(sex, era)].split())

    def name(self, sex: str, birth: date, surname: str | None = None) -> str:
        for _ in range(50):
            value = (surname or self.rng.choice(SURNAMES)) + self.given(sex, birth)
            if value not in self.names:
                break
        self.names.add(value)
        return value

    def person(
        self,
        *,
        sex: str | None = None,
        ages: tuple[int, int] = (20, 65),
        birth: date | None = None,
        surname: str | None = None,
        category: str = C.CLOSE_CONTACT,
        source: str = "",
        needs: list[str] | None = None,
        diet: str = D.REGULAR,
        household: str = "",
        expected_on: date | None = None,
    ) -> Person:
        sex = sex or self.rng.choice("MF")
        birth = birth or self.birth(*ages)
        age = self.age(birth)
        needs = list(needs or [])
        if age >= 70 and N.ELDERLY not in needs:
            needs.insert(0, N.ELDERLY)
        if age < 14 and N.CHILD not in needs:
            needs.append(N.CHILD)
        adult = age >= 16
        return Person(
            site=self.site,
            name=self.name(sex, birth, surname),
            national_id=self.national_id(birth, sex),
            phone=self.phone() if adult else "",
            sex=sex,
            birth_date=birth,
            category=category,
            special_needs=needs,
            diet=diet,
            allergy_note=self.rng.choice(ALLERGIES) if self.rng.random() < 0.06 else "",
            emergency_contact=self.name(self.rng.choice("MF"), self.birth(25, 60)),
            emergency_phone=self.phone(),
            household=household,
            expected_on=expected_on or self.today,
            source=source or self.rng.choice(SOURCES),
        )

    def age(self, birth: date) -> int:
        years = self.today.year - birth.year
        return years - ((self.today.month, self.today.day) < (birth.month, birth.day))

    def single_profile(self) -> dict:
        """Category, diet, needs and ages for one person arriving alone."""
        rng = self.rng
        roll = rng.random()
        category = (
            C.CLOSE_CONTACT
            if roll < 0.72
            else C.SECONDARY_CONTACT
            if roll < 0.93
            else C.INBOUND
            if roll < 0.97
            else C.OTHER
        )
        profile = {"category": category, "ages": (18, 67)}
        if category == C.INBOUND:
            profile["source"] = INBOUND_SOURCE
        roll = rng.random()
        if roll < 0.03:
            profile["diet"] = D.HALAL
            profile["surname"] = rng.choice("马白")
        elif roll < 0.07:
            profile["diet"] = D.VEGETARIAN
        elif roll < 0.10:
            profile["diet"] = D.DIABETIC
            profile["ages"] = (45, 67)
            profile["needs"] = [N.CHRONIC]
        elif roll < 0.13:
            profile["needs"] = [N.CHRONIC]
            profile["ages"] = (40, 67)
        return profile

    def general(self) -> User:
        return self.rng.choice(self.general_users)

    # --- building ---------------------------------------------------------

    def build(self) -> None:
        rng = self.rng
        opened = self.now - timedelta(days=14)
        self.site = Site.objects.create(name=SITE_NAME, address=SITE_ADDRESS, designated_hospital=DESIGNATED_HOSPITAL)
        self.create_staff()

        # Rooms, in memory until every status is known.
        rooms: dict[str, Room] = {}
        for floor in range(1, FLOORS + 1):
            for n in range(1, ROOMS_PER_FLOOR + 1):
                capacity = 1
                if n == 19:
                    capacity = 3
                elif n == 20:
                    capacity = 4 if floor % 2 == 0 else 3
                rooms[f"{floor}{n:02d}"] = Room(
                    site=self.site,
                    number=f"{floor}{n:02d}",
                    floor=floor,
                    capacity=capacity,
                    status_changed_at=opened,
                    updated_at=opened,
                )
        held = set(OUT_OF_SERVICE) | set(AWAITING_DISINFECTION) | set(VENTILATING)
        free_singles_low = [r for r in rooms.values() if r.capacity == 1 and r.floor <= 2 and r.number not in held]
        free_singles_high = [r for r in rooms.values() if r.capacity == 1 and r.floor > 2 and r.number not in held]
        free_family_high = [r for r in rooms.values() if r.capacity > 1 and r.floor > 2]
        rng.shuffle(free_singles_low)
        rng.shuffle(free_singles_high)
        rng.shuffle(free_family_high)

        # Each day's arrivals came in two or three buses.
        arrival_days = list(range(0 if self.today_usable else 1, 8))
        buses = {days: [rng.randint(9 * 60, 21 * 60) for _ in range(rng.randint(2, 3))] for days in arrival_days}

        def arrival(days: int) -> datetime:
            day = self.today - timedelta(days=days)
            minutes = rng.choice(buses[days]) + rng.randint(0, 40)
            return self.past(self.day_start(day) + timedelta(minutes=minutes), day)

        plans: list[Plan] = []

        # Families in isolation, each in one family room.
        def family(members, room: Room, days: int) -> None:
            start = arrival(days)
            for i, person in enumerate(members):
                person.expected_on = timezone.localdate(start)
                plans.append(Plan(person, self.general(), room.number, start + timedelta(minutes=i)))

        def household(surname: str, source: str) -> str:
            return f"{surname}家({source})"

        src = "渝北区龙溪街道"
        hh = household("李", src)
        common = {"source": src, "household": hh}
        family(
            [
                self.person(sex="M", surname="李", ages=(36, 44), **common),
                self.person(sex="F", ages=(34, 42), **common),
                self.person(sex="M", surname="李", ages=(8, 12), **common),
            ],
            free_family_high.pop(),
            6,
        )
        src = "九龙坡区杨家坪街道"
        common = {"source": src, "household": household("王", src)}
        family(
            [
                self.person(sex="F", surname="王", ages=(75, 80), diet=D.SOFT, needs=[N.CHRONIC], **common),
                self.person(sex="M", surname="王", ages=(46, 50), **common),
                self.person(sex="F", ages=(44, 48), **common),
                self.person(sex="F", surname="王", ages=(15, 17), **common),
            ],
            rooms["220"],  # a grandmother: the low floor, and the only size the family fits
            4,
        )
        src = "渝中区解放碑街道"
        common = {"source": src, "household": household("张", src)}
        # The one birth date after 2020: an infant is under two.
        baby = self.today - timedelta(days=rng.randint(120, 600))
        family(
            [
                self.person(sex="F", ages=(27, 33), **common),
                self.person(sex="M", surname="张", birth=baby, diet=D.INFANT, **common),
            ],
            free_family_high.pop(),
            2,
        )
        src = "沙坪坝区小龙坎街道"
        common = {
            "source": src,
            "household": household("马", src),
            "diet": D.HALAL,
            "category": C.SECONDARY_CONTACT,
        }
        family(
            [
                self.person(sex="M", surname="马", ages=(38, 45), **common),
                self.person(sex="F", surname="白", ages=(36, 43), **common),
                self.person(sex="M", surname="马", ages=(10, 13), **common),
            ],
            free_family_high.pop(),
            5,
        )
        src = "江北区观音桥街道"
        common = {"source": src, "household": household("周", src)}
        family(
            [
                self.person(sex="M", surname="周", ages=(30, 36), **common),
                self.person(sex="F", ages=(29, 35), **common),
                self.person(sex="F", surname="周", ages=(6, 9), **common),
            ],
            free_family_high.pop(),
            1,
        )

        # People alone: the elderly low, everybody else above the low floors.
        in_isolation = 100
        elderly = 9
        for i in range(in_isolation - len(plans)):
            days = rng.choice(arrival_days)
            if i < elderly:
                diet = rng.choice([D.REGULAR, D.REGULAR, D.SOFT, D.DIABETIC])
                needs = [N.CHRONIC] if diet == D.DIABETIC or rng.random() < 0.3 else []
                person = self.person(ages=(70, 84), diet=diet, needs=needs)
                room = free_singles_low.pop()
            else:
                person = self.person(**self.single_profile())
                room = free_singles_high.pop()
            start = arrival(days)
            person.expected_on = timezone.localdate(start)
            plans.append(Plan(person, self.general(), room.number, start))

        # Released people, so room pages have history.
        release_day = self.today if self.today_usable else self.today - timedelta(days=1)
        released: list[Plan] = []
        for i, number in enumerate(AWAITING_DISINFECTION):
            out_day = release_day if i < 3 else self.today - timedelta(days=1)
            released.append(self.released_plan(rooms[number], out_day, hour=9 + i))
        for i, number in enumerate(VENTILATING):
            released.append(self.released_plan(rooms[number], self.today - timedelta(days=1), hour=10 + i))
        history_rooms = [free_singles_high.pop(), free_singles_high.pop()]
        for room in history_rooms:
            released.append(self.released_plan(room, self.today - timedelta(days=3), hour=9))

        # Expected today: one family, an elderly man, a deaf woman, a halal diet, a pregnant woman.
        expected: list[Person] = []
        src = "大渡口区春晖路街道"
        common = {"source": src, "household": household("陈", src), "category": C.CLOSE_CONTACT}
        expected += [
            self.person(sex="M", surname="陈", ages=(33, 40), **common),
            self.person(sex="F", ages=(31, 38), **common),
            self.person(sex="F", surname="陈", ages=(5, 9), **common),
        ]
        expected.append(self.person(sex="M", ages=(76, 82), source=src, needs=[N.CHRONIC], diet=D.SOFT))
        expected.append(self.person(sex="F", ages=(40, 55), source=src, needs=[N.HEARING]))
        expected.append(self.person(sex="M", ages=(25, 45), surname="马", source=src, diet=D.HALAL))
        expected.append(self.person(sex="F", ages=(26, 34), source=src, needs=[N.PREGNANT]))
        while len(expected) < 15:
            profile = self.single_profile()
            profile.pop("needs", None)
            profile["diet"] = D.REGULAR
            profile.setdefault("source", rng.choice([src, src, "大渡口区新山村街道"]))
            expected.append(self.person(**profile))
        registered = self.at(self.today - timedelta(days=1), 20, rng.randint(0, 90))
        expected_plans = []
        for i, person in enumerate(expected):
            expected_plans.append(Plan(person, self.general(), started_at=registered + timedelta(minutes=i)))

        self.write(rooms, plans, released, expected_plans, history_rooms)

    def released_plan(self, room: Room, out_day: date, hour: int) -> Plan:
        arrived_day = out_day - timedelta(days=demo_medical.LENGTH + self.rng.choice([0, 0, 1]))
        start = self.day_start(arrived_day) + timedelta(hours=self.rng.randint(10, 20), minutes=self.rng.randint(0, 59))
        end = self.at(out_day, hour, self.rng.randint(0, 50))
        person = self.person(**self.single_profile())
        person.expected_on = arrived_day
        return Plan(person, self.general(), room.number, start, end)

    def create_staff(self) -> None:
        password = make_password(PASSWORD)
        joined = self.now - timedelta(days=14)
        User.objects.bulk_create(
            [
                User(
                    username=username,
                    first_name=given,
                    last_name=surname,
                    password=password,
                    is_staff=role == Role.SITE_HEAD,
                    is_superuser=role == Role.SITE_HEAD,
                    date_joined=joined,
                )
                for username, surname, given, role, _ in STAFF
            ]
        )
        users = {user.username: user for user in User.objects.filter(username__in=[s[0] for s in STAFF])}
        try:
            groups = {role: Group.objects.get(name=role) for role in Role.values}
        except Group.DoesNotExist:
            raise CommandError("The role groups are missing: run manage.py migrate first.") from None
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=users[u].pk, group_id=groups[role].pk) for u, _, _, role, _ in STAFF]
        )
        Staff.objects.bulk_create(
            [Staff(user=users[u], site=self.site, organisation=org, phone=self.phone()) for u, _, _, _, org in STAFF]
        )
        self.users = users
        self.role_of = {u: role for u, _, _, role, _ in STAFF}
        self.general_users = [users[u] for u, _, _, role, _ in STAFF if role == Role.GENERAL]

    # --- writing ----------------------------------------------------------

    def write(self, rooms, plans, released, expected_plans, history_rooms) -> None:
        rng = self.rng
        site = self.site
        protocol = timedelta(days=demo_medical.LENGTH)

        # People: registered a little before they arrived.
        everyone = plans + released + expected_plans
        for plan in everyone:
            person = plan.person
            if plan.room is None:  # expected: started_at holds the registration time
                person.created_at = plan.started_at
                person.status = Person.Status.EXPECTED
                person.updated_at = plan.started_at
            else:
                person.created_at = plan.started_at - timedelta(minutes=rng.randint(30, 300))
                if plan.ended_at:
                    person.status = Person.Status.RELEASED
                    person.version = 3
                    person.updated_at = plan.ended_at
                else:
                    person.status = Person.Status.IN_ISOLATION
                    person.version = 2
                    person.updated_at = plan.started_at
            person.updated_by = plan.actor
        Person.objects.bulk_create([plan.person for plan in everyone])

        # Rooms: the final state follows from the stays.
        for number, note in OUT_OF_SERVICE.items():
            room = rooms[number]
            room.status = Room.Status.OUT_OF_SERVICE
            room.status_changed_at = room.updated_at = self.at(self.today - timedelta(days=2), 15, 20)
            room.note = note
            room.version = 2
            room.updated_by = self.users["wangfang"]
        moves = []  # (room number, at, actor, from, to)
        for plan in released:
            room = rooms[plan.room]
            if plan.room in AWAITING_DISINFECTION:
                room.status = Room.Status.AWAITING_DISINFECTION
                room.status_changed_at = plan.ended_at
                room.version = 3
                room.updated_by = plan.actor
            else:
                if plan.room in VENTILATING:
                    began = self.now - timedelta(minutes=rng.randint(40, 55))
                    room.status = Room.Status.VENTILATING
                    room.ventilation_until = began + timedelta(minutes=site.ventilation_minutes)
                    room.status_changed_at = began
                    room.version = 4
                else:  # disinfected, ventilated and inspected
                    began = plan.ended_at + timedelta(hours=2)
                    done = began + timedelta(minutes=site.ventilation_minutes + rng.randint(5, 30))
                    moves.append((plan.room, done, self.general(), Room.Status.VENTILATING, Room.Status.AVAILABLE))
                    room.status_changed_at = done
                    room.version = 5
                cleaner = self.users[rng.choice(["zhaolei", "sunqiang"])]
                moves.append((plan.room, began, cleaner, Room.Status.AWAITING_DISINFECTION, Room.Status.VENTILATING))
                room.updated_by = cleaner
            room.updated_at = room.status_changed_at

        open_plans = sorted(plans, key=lambda p: p.started_at)
        for plan in open_plans:
            room = rooms[plan.room]
            if room.status != Room.Status.OCCUPIED:
                room.status = Room.Status.OCCUPIED
                room.status_changed_at = plan.started_at
            room.occupant_count += 1
            room.version += 1
            room.updated_at = plan.started_at
            room.updated_by = plan.actor
        for room in rooms.values():
            if room.occupant_count > room.capacity:
                raise CommandError(f"Demo plan overfills room {room.number}.")
        Room.objects.bulk_create(rooms.values())

        # Stays.
        stays = []
        for plan in plans + released:
            arrived = timezone.localdate(plan.started_at)
            stays.append(
                Stay(
                    site=site,
                    person=plan.person,
                    room=rooms[plan.room],
                    started_at=plan.started_at,
                    ends_on=arrived + protocol,
                    ended_at=plan.ended_at,
                    end_reason=Stay.EndReason.RELEASED if plan.ended_at else "",
                    version=2 if plan.ended_at else 1,
                    updated_at=plan.ended_at or plan.started_at,
                    updated_by=plan.actor,
                )
            )
        Stay.objects.bulk_create(stays)

        # Audit events, as the services would have written them.
        events = []

        def event(*args, **kwargs):
            events.append(self.audit_event(*args, **kwargs))

        for plan in everyone:
            p = plan.person
            after = {
                "name": p.name,
                "national_id": mask_national_id(p.national_id),
                "phone": mask_phone(p.phone),
                "sex": p.sex,
                "birth_date": p.birth_date.isoformat(),
                "category": p.category,
                "special_needs": p.special_needs,
                "diet": p.diet,
                "household": p.household,
                "expected_on": p.expected_on.isoformat(),
                "source": p.source,
            }
            event(p.created_at, plan.actor, "person.register", p.name, "person", p.pk, person=p, after=after)

        # Walk the stays in time order so each event's before/after counts are right.
        timeline = []
        for plan, stay in zip(plans + released, stays, strict=True):
            timeline.append((plan.started_at, 1, plan, stay))
            if plan.ended_at:
                timeline.append((plan.ended_at, 0, plan, stay))
        count = dict.fromkeys(rooms, 0)
        for at, is_check_in, plan, stay in sorted(timeline, key=lambda t: (t[0], t[1])):
            room = rooms[plan.room]
            if is_check_in:
                before = {"room_status": Room.Status.OCCUPIED if count[room.number] else Room.Status.AVAILABLE}
                before["occupants"] = count[room.number]
                count[room.number] += 1
                after = {"room_status": Room.Status.OCCUPIED, "occupants": count[room.number]}
                after["ends_on"] = stay.ends_on.isoformat()
                event(
                    at,
                    plan.actor,
                    "stay.check_in",
                    str(stay),
                    "stay",
                    stay.pk,
                    room,
                    plan.person,
                    before,
                    after,
                )
            else:
                count[room.number] -= 1
                after = {
                    "person_status": Person.Status.RELEASED,
                    "room_status": Room.Status.OCCUPIED if count[room.number] else Room.Status.AWAITING_DISINFECTION,
                    "occupants": count[room.number],
                }
                before = {"person_status": Person.Status.IN_ISOLATION}
                event(
                    at,
                    plan.actor,
                    "stay.release",
                    str(stay),
                    "stay",
                    stay.pk,
                    room,
                    plan.person,
                    before,
                    after,
                )
        for number, at, actor, frm, to in moves:
            room = rooms[number]
            until = at + timedelta(minutes=site.ventilation_minutes) if to == Room.Status.VENTILATING else None
            after = {"status": to, "ventilation_until": until.isoformat() if until else None}
            event(at, actor, "room.move", number, "room", room.pk, room, before={"status": frm}, after=after)
        for number in OUT_OF_SERVICE:
            room = rooms[number]
            after = {"status": room.status, "ventilation_until": None}
            event(
                room.status_changed_at,
                room.updated_by,
                "room.move",
                number,
                "room",
                room.pk,
                room,
                before={"status": Room.Status.AVAILABLE},
                after=after,
            )
            events[-1].note = room.note
        for transfer, steps in self.transfers(rooms, plans):
            previous = None
            for at, actor, state, after, note in steps:
                event(
                    at,
                    actor,
                    f"transfer.{state}",
                    str(transfer),
                    "transfer",
                    transfer.pk,
                    transfer.room,
                    transfer.person,
                    before={"state": previous} if previous else None,
                    after={"state": state, **after},
                )
                events[-1].note = note
                previous = state
        AuditEvent.objects.bulk_create(events)
        self.medical = demo_medical.MedicalDemo(self, stays).write()
        group_counts = write_group_records(self, rooms)

        self.counts = {
            "rooms": len(rooms),
            "in_isolation": len(plans),
            "expected": len(expected_plans),
            "released": len(released),
            "events": len(events),
            "transfers": Transfer.objects.filter(site=site).count(),
            "occupied_rooms": sum(room.status == Room.Status.OCCUPIED for room in rooms.values()),
            **group_counts,
        }

    def transfers(self, rooms, plans) -> list[tuple[Transfer, list[tuple]]]:
        """Open transfers at each step, with the steps that brought them there.

        The first is the seed's story (report 004): a 59-year-old woman asks
        to be moved to the makeshift hospital where her deaf daughter is
        treated alone; the isolation office has to find the bed.
        """
        now = self.now
        u = self.users
        T = Transfer.State
        settled = [p for p in plans if rooms[p.room].capacity == 1 and p.started_at < now - timedelta(days=1)]
        used: list[Plan] = []

        def pick(test) -> Plan:
            plan = next(p for p in settled if p not in used and test(p.person, self.age(p.person.birth_date)))
            used.append(plan)
            return plan

        def ago(minutes: int):
            return now - timedelta(minutes=minutes)

        specs = [
            (
                pick(lambda p, age: p.sex == "F" and 55 <= age <= 64),
                {
                    "destination_type": Transfer.Destination.RELATIVES_HOSPITAL,
                    "destination_name": "女儿所在方舱医院(床位待隔离办查询)",
                    "destination_contact": "九龙坡区隔离办",
                    "reason": STORY_REASON,
                },
                [(ago(25), u["zhanglu"], T.REQUESTED, {}, "")],
            ),
            (
                pick(lambda p, age: 35 <= age <= 67),
                {
                    "urgency": Transfer.Urgency.URGENT,
                    "destination_type": Transfer.Destination.HOSPITAL_VISIT,
                    "destination_name": "九龙坡区人民医院急诊科",
                    "reason": "胸闷、气短半小时,需急诊检查,检查后返回本房间。",
                },
                [(ago(8), u["liuyan"], T.REQUESTED, {}, "血氧95%,已电话联系急诊")],
            ),
            (
                pick(lambda p, age: p.category == Person.Category.SECONDARY_CONTACT),
                {
                    "destination_type": Transfer.Destination.OTHER_SITE,
                    "destination_name": "渝北区回兴隔离点",
                    "destination_contact": "渝北区隔离办",
                    "reason": "户籍地要求转回属地隔离点继续隔离。",
                },
                [
                    (ago(150), u["wangfang"], T.REQUESTED, {}, ""),
                    (ago(75), u["zhouning"], T.APPROVED, {}, "已报区隔离办"),
                ],
            ),
            (
                pick(lambda p, age: age >= 60),
                {
                    "destination_type": Transfer.Destination.HOME,
                    "destination_name": "九龙坡区杨家坪街道(居家隔离)",
                    "destination_contact": "杨家坪街道社区卫生服务中心",
                    "reason": "经街道和区隔离办同意,转为居家隔离,由家属照护。",
                    "confirmed_with": "区隔离办 周韬",
                    "vehicle_plate": "渝AD1234",
                    "driver_name": "刘师傅",
                    "driver_phone": self.phone(),
                    "escort": "郑伟",
                    "planned_departure_at": now + timedelta(minutes=25),
                },
                [
                    (ago(190), u["chenjie"], T.REQUESTED, {}, ""),
                    (ago(160), u["zhouning"], T.APPROVED, {}, ""),
                    (ago(20), u["zhengwei"], T.ARRANGED, {"vehicle_plate": "渝AD1234"}, "司机已到门口待命"),
                ],
            ),
            (
                pick(lambda p, age: age >= 70 and N.CHRONIC in p.special_needs),
                {
                    "destination_type": Transfer.Destination.HOSPITAL_VISIT,
                    "destination_name": "九龙坡区人民医院血液透析室",
                    "destination_contact": "透析室护士站",
                    "reason": "规律血液透析(每周三次),透析后返回本房间。",
                    "confirmed_with": "透析室护士长",
                    "vehicle_plate": "渝AF5678",
                    "driver_name": "陈师傅",
                    "driver_phone": self.phone(),
                    "escort": "吴刚",
                    "planned_departure_at": ago(105),
                    "departed_at": ago(100),
                },
                [
                    (ago(260), u["wangfang"], T.REQUESTED, {}, ""),
                    (ago(245), u["zhouning"], T.APPROVED, {}, ""),
                    (ago(180), u["chenjie"], T.ARRANGED, {"vehicle_plate": "渝AF5678"}, ""),
                    (ago(100), u["wugang"], T.DEPARTED, {}, ""),
                ],
            ),
        ]
        made = []
        for plan, fields, steps in specs:
            first_at, first_by = steps[0][0], steps[0][1]
            last_at, last_by, state = steps[-1][0], steps[-1][1], steps[-1][2]
            transfer = Transfer(
                site=self.site,
                person=plan.person,
                room=rooms[plan.room],
                state=state,
                created_at=first_at,
                requested_by=first_by,
                version=len(steps),
                updated_at=last_at,
                updated_by=last_by,
                **fields,
            )
            made.append((transfer, steps))
        Transfer.objects.bulk_create([transfer for transfer, _ in made])
        return made

    def audit_event(
        self, at, actor, action, label, obj_type, obj_id, room=None, person=None, before=None, after=None, note=""
    ) -> AuditEvent:
        """An audit event as the services would have written it."""
        return AuditEvent(
            site=self.site,
            at=at,
            actor=actor,
            actor_name=display_name(actor),
            role=self.role_of[actor.username],
            action=action,
            label=label[:300],
            object_type=obj_type,
            object_id=obj_id,
            room=room,
            person=person,
            before=before or {},
            after=after or {},
            note=note,
        )

    # --- output -----------------------------------------------------------

    def report(self) -> None:
        c = self.counts
        write = self.stdout.write
        write(self.style.SUCCESS(f"Demo site loaded: {SITE_NAME} (synthetic data)"))
        write(f"  rooms: {c['rooms']} ({c['occupied_rooms']} occupied)")
        write(f"  people in isolation: {c['in_isolation']}")
        write(f"  expected today: {c['expected']}")
        write(f"  released (history): {c['released']}")
        write(f"  open transfers: {c['transfers']}")
        write(f"  audit events: {c['events']}")
        m = self.medical
        write(f"  samples: {m['samples']}, health checks: {m['checks']}, alerts: {m['alerts']}")
        write(f"  positive today: room {m['positive']} (sealed)")
        write(
            f"  meals recorded this round: {c['meals']}, disinfection tasks: {c['tasks']}, incidents: {c['incidents']}"
        )
        self.logins()

    def logins(self) -> None:
        write = self.stdout.write
        write("")
        write(self.style.WARNING(f"Demo logins (demo only) - password for all: {PASSWORD}"))
        rows = [("username", "name", "role")]
        rows += [(user, surname + given, f"{role.value} ({role.label})") for user, surname, given, role, _ in STAFF]
        user_width = max(_width(row[0]) for row in rows)
        name_width = max(_width(row[1]) for row in rows)
        for username, name, role in rows:
            write(f"  {_pad(username, user_width)}  {_pad(name, name_width)}  {role}")
        write(self.style.WARNING("Demo only: never use these logins or this password on a real site."))


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)
