"""django-axes (failed logins and lockouts) as installed here: named in the admin in the reader's language.

Its own app name is the package's ("Axes"); the words of its pages are in
site_ops/third_party_words.py.
"""

from axes.apps import AppConfig as AxesConfig
from django.utils.translation import gettext_lazy as _


class LoginAttemptsConfig(AxesConfig):
    verbose_name = _("Login attempts")
