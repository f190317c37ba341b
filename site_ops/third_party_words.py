"""Words of the admin that Django and django-axes show and have no Chinese for.

The site head sets the site up in the admin, in Chinese. Django's own
catalogue lacks the app list's column headers (read out by screen readers),
and django-axes has no Chinese catalogue at all. Marked here, these are
extracted into the project's catalogue (``make messages``), which Django
reads before the packages' own (``LOCALE_PATHS``). Nothing calls them.
"""

from django.utils.translation import gettext_noop

WORDS = [
    # django.contrib.admin, app_list.html
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    # django.contrib.auth's admin, user/add_form.html
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    # django.contrib.auth's forms: a password or none (Django's Chinese names Single Sign-On and LDAP, which
    # this product has not got)
    gettext_noop(
        "Whether the user will be able to authenticate using a password or not. "
        "If disabled, they may still be able to authenticate using other backends, "
        "such as Single Sign-On or LDAP."
    ),
    # django-axes, models and admin
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("Access Attempt"),
    gettext_noop("Access lock out"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Logout Time"),
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Not set"),
]
