"""The district's second demo site and its isolation office (隔离办).

A smaller site beside the main one, with people in isolation and free rooms
of each type, its own site head and general-group login, and the district
office that oversees both (``zhoutao``). Written directly and back-dated like
the rest of the demo; every invariant the services keep is kept (occupants
within capacity, one open stay per person).
"""

from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User

from groups.control.management.demo import Demo
from groups.control.management.demo_people import People
from groups.disinfection.services import disinfection_set_up
from rooms.models import District, Person, Room, Site, Staff, Stay
from rooms.roles import Role

SECOND_SITE_NAME = "巴国城隔离点"
SECOND_SITE_ADDRESS = "重庆市九龙坡区巴国城大道66号(演示数据)"
DISTRICT_NAME = "九龙坡区隔离办"
FLOORS = 4
ROOMS_PER_FLOOR = 12
IN_ISOLATION = 22

# username, surname, given name, role, organisation; the site: None for the office.
DISTRICT_STAFF = [
    ("liqiang", "李", "强", Role.SITE_HEAD, "九龙坡区卫健委", "second"),
    ("zhaoli", "赵", "丽", Role.GENERAL, "石桥铺街道办事处", "second"),
    ("zhoutao", "周", "韬", Role.DISTRICT, "九龙坡区疫情防控指挥部隔离办", None),
]


def write_district(demo: Demo, *, password: str) -> dict:
    """The second site with its people and logins, and the district office over both sites."""
    site = Site.objects.create(
        name=SECOND_SITE_NAME, address=SECOND_SITE_ADDRESS, designated_hospital="九龙坡区定点医院(演示)"
    )
    disinfection_set_up(site)
    opened = demo.now - timedelta(days=14)
    rooms = Room.objects.bulk_create(
        [
            Room(
                site=site,
                number=f"{floor}{n:02d}",
                floor=floor,
                capacity=3 if n == 12 else 2 if n == 11 else 1,
                status_changed_at=opened,
                updated_at=opened,
            )
            for floor in range(1, FLOORS + 1)
            for n in range(1, ROOMS_PER_FLOOR + 1)
        ]
    )
    people = People(demo.rng, site, demo.today)
    # Singles in isolation on the single rooms, the lower floors first.
    singles = [room for room in rooms if room.capacity == 1][:IN_ISOLATION]
    persons = [people.person(ages=(22, 68)) for _room in singles]
    for person in persons:
        person.status = Person.Status.IN_ISOLATION
        person.expected_on = demo.today - timedelta(days=demo.rng.randint(0, 5))
        person.created_at = demo.day_start(person.expected_on)
    Person.objects.bulk_create(persons)
    stays = []
    for person, room in zip(persons, singles, strict=True):
        started = demo.at(person.expected_on, demo.rng.randint(9, 17))
        stays.append(
            Stay(
                site=site, person=person, room=room, started_at=started, ends_on=person.expected_on + timedelta(days=7)
            )
        )
        room.status, room.occupant_count, room.status_changed_at = Room.Status.OCCUPIED, 1, started
    Stay.objects.bulk_create(stays)
    Room.objects.bulk_update(singles, ["status", "occupant_count", "status_changed_at"])

    users = _logins(site, password=password, joined=opened, phone=people.phone)
    district = District.objects.create(name=DISTRICT_NAME)
    district.sites.set([demo.site, site])
    district.officers.set([users["zhoutao"]])
    return {"site": site, "rooms": len(rooms), "in_isolation": len(persons)}


def _logins(site: Site, *, password: str, joined, phone) -> dict[str, User]:
    password = make_password(password)
    users = {}
    for username, surname, given, role, organisation, at in DISTRICT_STAFF:
        user = User.objects.create(
            username=username,
            first_name=given,
            last_name=surname,
            password=password,
            date_joined=joined,
            # A site head sets their own site up in the admin.
            is_staff=role == Role.SITE_HEAD,
        )
        user.groups.add(Group.objects.get(name=role))
        if at is not None:
            Staff.objects.create(user=user, site=site, organisation=organisation, phone=phone())
        users[username] = user
    return users


def district_login_lines() -> list[str]:
    return [
        f"  {username:<10}  {surname}{given}  {role.value} ({role.label}){'' if at else ' · ' + DISTRICT_NAME}"
        + (f" · {SECOND_SITE_NAME}" if at else "")
        for username, surname, given, role, _org, at in DISTRICT_STAFF
    ]
