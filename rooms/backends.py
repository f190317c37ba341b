"""Logins: Django's model backend, reading the user with the site they work at."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from site_ops.speedups.fixed_reads import FixedRead

# Every request and every board socket that opens reads its user: the
# statement is built once (compiling the two joins cost ten times running them).
_user_with_site = FixedRead(
    lambda user_id: get_user_model()._default_manager.select_related("staff__site").filter(pk=user_id),
    lambda user_id: [user_id],
)


class StaffBackend(ModelBackend):
    """Every request and board socket asks for the user's site (``site_of``):
    read it with the user, one query instead of three."""

    def get_user(self, user_id):
        if not isinstance(user_id, int):
            return super().get_user(user_id)  # not a key this site's logins store
        found = _user_with_site(user_id)
        if not found:
            return None
        return found[0] if self.user_can_authenticate(found[0]) else None
