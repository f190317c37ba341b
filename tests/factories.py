"""Named records for tests: a site, rooms, people with valid synthetic IDs, staff."""

import itertools
from datetime import date, timedelta

from django.contrib.auth.models import Group, User
from django.utils import timezone

from groups.catering.models import MealSlot
from groups.disinfection.models import Disinfectant, DisinfectionStandard, RoutineSchedule
from rooms.masking import national_id_check_digit
from rooms.models import Person, Room, Shift, Site, Staff

_serial = itertools.count(1)


def make_site(**kwargs) -> Site:
    """A site set up as the admin sets one up: with meal slots and routine disinfection."""
    kwargs.setdefault("name", "测试隔离点")
    # Open for a while: the tests date their histories days and weeks back.
    kwargs.setdefault("opened_on", timezone.localdate() - timedelta(days=90))
    site = Site.objects.create(**kwargs)
    MealSlot.objects.bulk_create(MealSlot.defaults_for(site))
    RoutineSchedule.objects.bulk_create(RoutineSchedule.defaults_for(site))
    # Its disinfectants with their national minimums (the site's settings are read with their defaults).
    agents = Disinfectant.objects.bulk_create(Disinfectant.defaults_for(site))
    DisinfectionStandard.objects.bulk_create(DisinfectionStandard.defaults_for(site, agents))
    Shift.objects.bulk_create(Shift.defaults_for(site))
    return site


def make_rooms(site: Site, floors: int = 2, per_floor: int = 5, capacity: int = 1) -> list[Room]:
    return Room.objects.bulk_create(
        [
            Room(site=site, floor=floor, number=f"{floor}{n:02d}", capacity=capacity)
            for floor in range(1, floors + 1)
            for n in range(1, per_floor + 1)
        ]
    )


def national_id(birth: date, male: bool = True) -> str:
    """A well-formed ID in a region code that does not exist (500990)."""
    seq = next(_serial) % 500 * 2 + (1 if male else 0)
    first17 = f"500990{birth:%Y%m%d}{seq:03d}"
    return first17 + national_id_check_digit(first17)


def make_person(site: Site, **kwargs) -> Person:
    birth = kwargs.pop("birth_date", date(1985, 6, 1))
    sex = kwargs.pop("sex", Person.Sex.MALE)
    kwargs.setdefault("name", f"测试{next(_serial)}")
    kwargs.setdefault("national_id", national_id(birth, male=sex == Person.Sex.MALE))
    kwargs.setdefault("phone", "17000001234")
    return Person.objects.create(site=site, birth_date=birth, sex=sex, **kwargs)


def make_user(username: str, site: Site | None, *roles: str, **kwargs) -> User:
    user = User.objects.create_user(username=username, password=kwargs.pop("password", None), **kwargs)
    if roles:
        # get_or_create: a TransactionTestCase empties the groups the migration made.
        user.groups.set([Group.objects.get_or_create(name=role)[0] for role in roles])
    if site is not None:
        Staff.objects.create(user=user, site=site)
    return user


def satisfy_protocol(stay) -> None:
    """Give a stay the negative results its release needs (the lab's part, done directly)."""
    from django.utils import timezone

    from groups.medical.models import Sample

    now = timezone.now()
    Sample.objects.filter(stay=stay).update(
        status=Sample.Status.RESULTED, result=Sample.Result.NEGATIVE, collected_at=now, resulted_at=now
    )


def log_request(person, by, what, *, urgency="today", kind="medicine", **kwargs):
    """A request for a person in isolation, logged as a tablet would (rooms.requests.request_log)."""
    from rooms.requests import request_log

    stay = person.stays.open().select_related("room").get()
    return request_log(
        site=person.site, room=stay.room, person=person, by=by, kind=kind, what=what, urgency=urgency, **kwargs
    )


def hospital_visit_arranged(person: Person, *, clerk, head, reason="透析", driver_phone="17000000001"):
    """A hospital visit for this person (dialysis), asked for, approved and
    arranged: the escort's next step is its departure."""
    from django.utils import timezone

    from groups.transfers import services as transfers
    from groups.transfers.models import Transfer

    transfer = transfers.transfer_request(
        person=person,
        by=clerk,
        reason=reason,
        destination_type=Transfer.Destination.HOSPITAL_VISIT,
        destination_name="区人民医院",
    )
    transfer = transfers.transfer_approve(transfer=transfer, by=head)
    return transfers.transfer_arrange(
        transfer=transfer,
        by=clerk,
        confirmed_with="王医生",
        vehicle_plate="渝A12345",
        driver_name="李师傅",
        driver_phone=driver_phone,
        escort="吴刚",
        planned_departure_at=timezone.now(),
    )


def user_change_form(user: User, **fields) -> dict:
    """What the admin's page of a staff account posts back unchanged (its staff record inline), ``fields`` changed."""
    staff = user.staff
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": "",
        "is_active": "on" if user.is_active else "",
        "groups": list(user.groups.values_list("pk", flat=True)),
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-12-01",
        "date_joined_1": "08:00:00",
        "staff-TOTAL_FORMS": "1",
        "staff-INITIAL_FORMS": "1",
        "staff-MIN_NUM_FORMS": "0",
        "staff-MAX_NUM_FORMS": "1",
        "staff-0-id": staff.pk,
        "staff-0-user": user.pk,
        "staff-0-site": staff.site_id,
        "staff-0-organisation": staff.organisation,
        "staff-0-phone": staff.phone,
        **fields,
    }
