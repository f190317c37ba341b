"""django-axes (failed logins and lockouts) as installed here: named in the admin in the reader's language.

Its own app name is the package's ("Axes"); the words of its pages are in
site_ops/third_party_words.py. Its records name themselves in English in
code (``Access Log for <login> @ <time>``, on the admin's change and delete
pages), and the attempts' list heads a column with a method's name; here
both are in the reader's language.
"""

from axes.apps import AppConfig as AxesConfig
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def _when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT") if moment else ""


def _access_log(record) -> str:
    return gettext("Login by %(login)s at %(when)s") % {"login": record.username, "when": _when(record.attempt_time)}


def _failure_log(record) -> str:
    words = (
        gettext("Failed login by %(login)s at %(when)s from %(ip)s, locked out")
        if record.locked_out
        else gettext("Failed login by %(login)s at %(when)s from %(ip)s")
    )
    return words % {"login": record.username, "when": _when(record.attempt_time), "ip": record.ip_address}


def _attempt(record) -> str:
    return gettext("Failed logins by %(login)s since %(when)s") % {
        "login": record.username,
        "when": _when(record.attempt_time),
    }


class LoginAttemptsConfig(AxesConfig):
    verbose_name = _("Login attempts")

    def ready(self):
        super().ready()
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        AccessLog.__str__ = _access_log
        AccessFailureLog.__str__ = _failure_log
        AccessAttempt.__str__ = _attempt
        # The attempts' list names its status column after the method (English, untranslated).
        from axes.admin import AccessAttemptAdmin

        AccessAttemptAdmin.status.short_description = _("Status")
