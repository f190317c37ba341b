"""Request guards that every page needs before any view runs."""

import logging

from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _


def refuse_null_characters(get_response):
    """Refuse a request with a NUL character in any parameter: no field takes
    one, PostgreSQL refuses it with an error and SQLite matches on it."""

    def middleware(request):
        for values in (request.GET, request.POST):
            if any("\x00" in key or any("\x00" in value for value in values.getlist(key)) for key in values):
                return HttpResponseBadRequest(_("The request contains a character that is not allowed."))
        return get_response(request)

    return middleware


def no_store_for_staff(get_response):
    """Nothing a logged-in user is shown is kept by a browser or a proxy:
    every page, fragment, print and reveal may carry personal data."""

    def middleware(request):
        response = get_response(request)
        if request.user.is_authenticated:
            response["Cache-Control"] = "no-store"
        return response

    return middleware


def acting_user(get_response):
    """Remember which request is being answered while it is, so that the
    broadcast of its change sends the acting user's own boards first
    (``live.actor_first``)."""
    # Not at the top: the logging settings load this module (OneLine) before the models.
    from site_ops import live

    def middleware(request):
        token = live.actor_request.set(request)
        try:
            return get_response(request)
        finally:
            live.actor_request.reset(token)

    return middleware


class OneLine(logging.Filter):
    """A refused request logs its message, not a traceback."""

    def filter(self, record):
        record.exc_info = None
        record.exc_text = None
        return True
