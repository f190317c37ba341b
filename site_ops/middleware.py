"""Request guards that every page needs before any view runs."""

import logging
import re
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpResponseBadRequest
from django.shortcuts import render, resolve_url
from django.utils.translation import gettext as _

from site_ops.inputs import NOT_ALLOWED

# What a browser may ask without changing anything (RFC 9110's safe methods).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def refuse_control_characters(get_response):
    """Refuse a request with a character no field takes (``NOT_ALLOWED``) in any parameter."""

    def middleware(request):
        try:
            parameters = (request.GET, request.POST)
        except LookupError:
            # A form whose declared character set is no text encoding
            # ("charset=rot13"): Django's parser raises when it decodes it.
            return HttpResponseBadRequest(_("The request's character set is not one the site reads."))
        for values in parameters:
            if any(
                NOT_ALLOWED.search(key) or any(NOT_ALLOWED.search(value) for value in values.getlist(key))
                for key in values
            ):
                return HttpResponseBadRequest(_("The request contains a character that is not allowed."))
        return get_response(request)

    return middleware


def refuse_selections_not_numbers(get_response):
    """The admin's lists send the records an action is for as record numbers
    (``_selected_action``); anything else, sent by hand, reached the database
    as a lookup Django could not convert and answered 500. Refused as a bad
    request (the 400 page) before any view runs."""

    def middleware(request):
        selected = request.POST.getlist("_selected_action") if request.method == "POST" else []
        if not all(value.isascii() and value.isdigit() for value in selected):
            raise BadRequest("an admin selection that is not record numbers")
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
    (``live.actor_first``); a request that may change something is counted
    as a write under way (``live.writes``: the board clock waits for it).

    The request's user is the user itself from here on, not the lazy
    stand-in the authentication middleware puts there: a service is handed
    it as ``by`` and reads it on every row it writes (its foreign keys, its
    audit events), and each read through the stand-in cost 1.3 us against
    0.04 (a lab sheet's hundred lines read it about 3,500 times:
    bench/README.md, round four, twenty-ninth part). It is read here for
    every request, as ``no_store_for_staff`` reads it for every answer."""
    # Not at the top: the logging settings load this module (OneLine) before the models.
    from django.contrib.auth.middleware import get_user
    from django.utils.functional import SimpleLazyObject

    from site_ops import live

    def middleware(request):
        if isinstance(getattr(request, "user", None), SimpleLazyObject):
            # What the stand-in reads, kept on the request (``_cached_user``): the same user.
            request.user = get_user(request)
        token = live.actor_request.set(request)
        try:
            if request.method in SAFE_METHODS:
                return get_response(request)
            with live.writes.under_way():
                return get_response(request)
        finally:
            live.actor_request.reset(token)

    return middleware


def signed_out_htmx(get_response):
    """A tablet's htmx request after its login ran out (a session lasts a
    shift) is answered 401 with a page saying so and a link to log in again
    and come back to the same board, instead of the login page's redirect,
    which htmx would follow and swap the whole login page into the board,
    with a "next" that is the action's address rather than a page."""

    def middleware(request):
        response = get_response(request)
        if (
            request.htmx
            and response.status_code == 302
            and not request.user.is_authenticated
            # Location, not .url: a 302 need not be an HttpResponseRedirect.
            and response.get("Location", "").startswith(resolve_url(settings.LOGIN_URL))
        ):
            back = request.htmx.current_url_abs_path or "/"
            login = f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': back})}"
            return render(request, "registration/signed_out.html", {"login": login}, status=401)
        return response

    return middleware


def method_not_allowed_page(get_response):
    """A 405 (an action's address opened as a page: typed, or the "next" of
    a login that ran out while a form was sent) is a page with a way back,
    not Django's empty answer."""

    def middleware(request):
        response = get_response(request)
        if response.status_code == 405 and not response.content:
            page = render(request, "405.html", status=405)
            page["Allow"] = response.get("Allow", "")
            return page
        return response

    return middleware


# What the calendar says of a year outside 1..9999 (datetime.date(0, 1, 1),
# and date.fromisocalendar for an ISO year).
YEAR_OUT_OF_RANGE = re.compile(r"year -?[0-9]+ is out of range|Year is out of range: -?[0-9]+")


class NumbersOutOfRange:
    """A number sent beyond what the database or the calendar can hold is a
    bad request (the 400 page), not a server error. The project's own forms
    and addresses bound their numbers (site_ops/inputs.py); this is for the
    places they do not reach: the admin's list filters, which pass a year of
    thirty digits to the calendar and a record number past 64 bits to
    SQLite, both of which raise ``OverflowError``, and a year of 0 or 10000,
    which the calendar refuses with a ``ValueError`` of its own words."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OverflowError) or (
            isinstance(exception, ValueError) and YEAR_OUT_OF_RANGE.fullmatch(str(exception))
        ):
            # Answered by the project's 400 handler, and logged in one line.
            raise BadRequest("a number out of range") from exception
        return None


class OneLine(logging.Filter):
    """A refused request logs its message, not a traceback."""

    def filter(self, record):
        record.exc_info = None
        record.exc_text = None
        return True


class RefusalsOneLine(OneLine):
    """Django logs a refusal (403 for another group's page, 404) with its
    exception's traceback: one line for those; a server error (5xx) keeps it."""

    def filter(self, record):
        if getattr(record, "status_code", 500) < 500:
            return super().filter(record)
        return True
