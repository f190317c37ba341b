"""Login sessions in the database, read by a statement built once.

Every request and every board socket that opens loads its session: Django's
store builds the same query each time, which cost four times reading the
row (bench/README.md, round four). ``SESSION_ENGINE`` names this store; it
is Django's database store in every other respect.
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from site_ops.speedups.fixed_reads import FixedRead

_live_session = FixedRead(
    lambda key, now: Session.objects.filter(session_key=key, expire_date__gt=now).only("session_data", "expire_date"),
    lambda key, now: [connection.ops.adapt_datetimefield_value(now), key],
)


class SessionStore(DatabaseStore):
    # When the stored session ends, as its row says (a login lasts a shift
    # and is not prolonged by use): the page warns before (templates/base.html).
    ends_at = None

    def _get_session_from_db(self):
        found = _live_session(self.session_key, timezone.now()) if isinstance(self.session_key, str) else []
        if not found:
            # As Django's: a session that is not there (or expired) is a new one.
            self._session_key = None
            return None
        self.ends_at = found[0].expire_date
        return found[0]

    def ends(self):
        """When this login ends: the stored row's end, or, for a session saved
        in this request (a login), the end it was given."""
        return self.ends_at or self.get_expiry_date()
