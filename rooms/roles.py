"""Roles are Django auth groups; a user may hold several."""

import functools

from django.contrib.auth.models import AnonymousUser, Group, User
from django.core.exceptions import PermissionDenied
from django.db import connection, models
from django.utils.translation import gettext_lazy as _

from site_ops.speedups.fixed_reads import FixedRead


class Role(models.TextChoices):
    SITE_HEAD = "site_head", _("site head")
    GENERAL = "general", _("general group")
    MEDICAL = "medical", _("medical group")
    DISINFECTION = "disinfection", _("disinfection group")
    SECURITY = "security", _("security group")
    CATERING = "catering", _("catering group")
    # The district isolation office (隔离办): sees its district's sites,
    # works at none of them (no Staff row), and confirms transfers.
    DISTRICT = "district", _("district isolation office")


def role_words(name: str) -> str:
    """A role's key (a group's name) in the reader's words; a name that is no role, as it is."""
    return str(Role(name).label) if name in Role.values else name


# Every request and board socket reads the user's roles: built once.
_group_names = FixedRead(lambda user_id: Group.objects.filter(user__id=user_id).only("name"), lambda user_id: [user_id])

# The roles of people who work at one site: every role but the district office's.
SITE_ROLES = tuple(role for role in Role.values if role != Role.DISTRICT)


class NotInGroup(PermissionDenied):
    """The user is not in a group allowed to do this; shown as a clear 403 page."""

    def __init__(self, allowed):
        self.allowed = tuple(allowed)
        labels = ", ".join(str(Role(role).label) for role in self.allowed)
        super().__init__(labels)


def roles_of(user: User | AnonymousUser) -> frozenset[str]:
    """The user's roles, read once per user object."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_site_ops_roles", None)
    if cached is None:
        names = (group.name for group in _group_names(user.pk))
        cached = frozenset(name for name in names if name in Role.values)
        user._site_ops_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user).intersection(roles))


def require_role(user, *roles: str) -> None:
    if not has_role(user, *roles):
        raise NotInGroup(roles)


def role_label(user) -> str:
    """The roles an audit event records, e.g. "general,site_head"."""
    return ",".join(sorted(roles_of(user)))


def site_of(user):
    """The site the user works at, or None for a login with no site."""
    staff = getattr(user, "staff", None) if user.is_authenticated else None
    return staff.site if staff is not None else None


def display_name(user) -> str:
    """A staff member's name as colleagues write it: 张露匀, or Jane Doe."""
    first, last = user.first_name.strip(), user.last_name.strip()
    if not (first or last):
        return user.get_username()
    if any("\u4e00" <= ch <= "\u9fff" for ch in first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip()


def district_sites(user):
    """The sites a district office user sees: those of every district they are in (a queryset)."""
    from rooms.models import Site

    if not has_role(user, Role.DISTRICT):
        return Site.objects.none()
    return Site.objects.filter(districts__officers=user).distinct().order_by("name", "pk")


def board_site(user, board) -> int | None:
    """The site whose board ``board`` this user may open, or None (the consumer asks).

    A board across sites (``district_id``) is the district office's: open to
    its officers, under ``boards.NO_SITE``."""
    district_id = getattr(board, "district_id", None)
    if district_id is not None:
        from rooms.models import District
        from site_ops.boards import NO_SITE

        if has_role(user, Role.DISTRICT) and District.objects.filter(pk=district_id, officers=user).exists():
            return NO_SITE
        return None
    site = site_of(user)
    if site is None or not roles_of(user) & board.roles or not board.exists(site.pk):
        return None
    return site.pk


def board_site_inputs(user_id: int) -> tuple:
    """What ``board_site`` decides a site's named board by, besides the board,
    in one statement: the account's password (its logins' hash is made from
    it) if it is active, its groups' names and its site, as sorted rows.

    Every board socket's heartbeat (every 10 s) reads this instead of the
    account, its groups and its site through the ORM (2.6 ms a heartbeat
    before, most of it building the queries: bench/README.md, round four),
    and asks ``board_site`` again only when it changed.
    """
    with connection.cursor() as cursor:
        cursor.execute(_board_site_inputs_statement(), [user_id, user_id, user_id])
        return tuple(sorted(cursor.fetchall()))


@functools.cache
def _board_site_inputs_statement() -> str:
    from rooms.models import Staff

    quote = connection.ops.quote_name
    users, groups, members, staff = (quote(model._meta.db_table) for model in (User, Group, User.groups.through, Staff))
    # Only table and column names go into the text; every value is a parameter.
    return (
        f"SELECT 'password', {quote('password')} FROM {users} WHERE {quote('id')} = %s AND {quote('is_active')}"  # noqa: S608
        f" UNION ALL SELECT 'group', g.{quote('name')} FROM {members} m JOIN {groups} g"
        f" ON g.{quote('id')} = m.{quote('group_id')} WHERE m.{quote('user_id')} = %s"
        f" UNION ALL SELECT 'site', CAST({quote('site_id')} AS TEXT) FROM {staff} WHERE {quote('user_id')} = %s"
    )
