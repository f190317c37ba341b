"""The demo site's staff: one login per person, in the role groups the
migrations create, with the organisation each comes from.

Written directly: no service creates logins (the admin does), and the demo
back-dates them to when the site opened.
"""

import unicodedata
from collections.abc import Callable
from datetime import datetime

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.core.management.base import CommandError

from rooms.models import Site, Staff
from rooms.roles import Role

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
ROLE_OF = {username: role for username, _, _, role, _ in STAFF}
# The general group registers and checks people in.
GENERAL = [username for username, _, _, role, _ in STAFF if role == Role.GENERAL]


def create_staff(site: Site, *, password: str, phone: Callable[[], str], joined: datetime) -> dict[str, User]:
    """Create every login with its role group and staff record; returns the users by username."""
    password = make_password(password)
    User.objects.bulk_create(
        [
            User(
                username=username,
                first_name=given,
                last_name=surname,
                password=password,
                # The site head sets their site up in the admin, as a site head:
                # their own site's records only (rooms.admin), not the installation's.
                is_staff=role == Role.SITE_HEAD,
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
        [Staff(user=users[u], site=site, organisation=org, phone=phone()) for u, _, _, _, org in STAFF]
    )
    return users


def login_lines() -> list[str]:
    """The logins as an aligned table (Chinese names are two columns wide)."""
    rows = [("username", "name", "role")]
    rows += [(user, surname + given, f"{role.value} ({role.label})") for user, surname, given, role, _ in STAFF]
    user_width = max(_width(row[0]) for row in rows)
    name_width = max(_width(row[1]) for row in rows)
    return [f"  {_pad(username, user_width)}  {_pad(name, name_width)}  {role}" for username, name, role in rows]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
