"""Logins: Django's model backend, reading the user with the site they work at."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class StaffBackend(ModelBackend):
    """Every request and board socket asks for the user's site (``site_of``):
    read it with the user, one query instead of three."""

    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related("staff__site")
        try:
            user = users.get(pk=user_id)
        except users.model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
