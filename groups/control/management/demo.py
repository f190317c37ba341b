"""What every part of the demo shares: one random source, one "now", the
site, its people and its staff, and the audit events as the services write them.

The same seed gives the same demo every time; dates are relative to today.
"""

import random
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from groups.control.management.demo_people import People
from groups.control.management.demo_staff import GENERAL, ROLE_OF
from rooms.models import AuditEvent, Site
from rooms.roles import display_name


class Demo:
    def __init__(self, *, seed: int, now: datetime, site: Site):
        self.rng = random.Random(seed)
        self.now = now
        self.today = timezone.localdate(now)
        # Shortly after midnight "today" has no past yet: today's events go to yesterday.
        self.today_usable = now - self.day_start(self.today) >= timedelta(hours=1)
        self.site = site
        self.people = People(self.rng, site, self.today)
        self.users: dict[str, User] = {}

    # --- time ---------------------------------------------------------------

    def day_start(self, day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, time.min))

    def past(self, moment: datetime, day: date) -> datetime:
        """The moment, moved back before now if needed, but not before its day began."""
        latest = self.now - timedelta(minutes=self.rng.randint(3, 30))
        return max(min(moment, latest), self.day_start(day) + timedelta(minutes=1))

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return self.past(self.day_start(day) + timedelta(hours=hour, minutes=minute), day)

    # --- who --------------------------------------------------------------------

    def general(self) -> User:
        """One of the general group, who register and check people in."""
        return self.rng.choice([self.users[username] for username in GENERAL])

    def audit_event(
        self, at, actor, action, label, obj_type, obj_id, room=None, person=None, before=None, after=None, note=""
    ) -> AuditEvent:
        """An audit event as the services would have written it, dated ``at``."""
        return AuditEvent(
            site=self.site,
            at=at,
            actor=actor,
            actor_name=display_name(actor),
            role=ROLE_OF[actor.username],
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
