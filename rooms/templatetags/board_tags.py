"""Small helpers for the boards' templates, and what the parts written out in Python share."""

import threading
from html import escape as _escape

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.urls import get_script_prefix, reverse
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format
from django.utils.formats import localize
from django.utils.functional import Promise
from django.utils.safestring import SafeString

from rooms.roles import display_name

register = template.Library()


@register.filter
def staff_name(user) -> str:
    """A staff member's name as colleagues write it."""
    return display_name(user) if user else ""


@register.filter
def clock(moment) -> str:
    """A time of today as 14:05; of another day as 11-22 14:05."""
    if not moment:
        return ""
    local = timezone.localtime(moment)
    return date_format(local, "H:i" if local.date() == timezone.localdate() else "m-d H:i")


# Rendered activity rows, by event and language: an audit event never changes
# (the table is append-only), so a row is rendered once, not on every change
# for every board and language (bench/README.md).
_FEED_ROWS: dict[tuple, str] = {}
_FEED_ROWS_LOCK = threading.Lock()
FEED_ROWS_KEPT = 2000


@register.simple_tag
def feed_rows(events) -> str:
    """The feed's rows in one tag: a loop of a tag per row cost the
    template engine more than the rows, which are rendered once each."""
    language, zone = translation.get_language(), timezone.get_current_timezone_name()
    return SafeString("".join(_feed_row(event, language, zone) for event in events))


def _feed_row(event, language: str, zone: str) -> str:
    # The time is in the key as well as the id: a test database, or a
    # restored backup, may give an id to another event.
    key = (event.pk, event.at, language, zone)
    row = _FEED_ROWS.get(key)
    if row is None:
        row = feed_row(event)
        with _FEED_ROWS_LOCK:
            _FEED_ROWS[key] = row
            while len(_FEED_ROWS) > FEED_ROWS_KEPT:
                del _FEED_ROWS[next(iter(_FEED_ROWS))]
    return row


def feed_row(event) -> str:
    """One activity row, written out: the partial it replaced (tests/test_room_cell.py keeps it as the oracle)
    cost 50-70 us a row, and a lab sheet's hundred events make every row of the feed new, in both languages."""
    label = esc(event.label)
    where = f'<a href="{room_href(event.room_id)}">{label}</a>' if event.room_id else f"<span>{label}</span>"
    return (
        f'<li><time datetime="{event.at.isoformat()}">{timezone.localtime(event.at):%H:%M}</time>\n'
        f'      <span class="actor">{esc(event.actor_words)}</span>\n'
        f'      <span class="action">{esc(event.action_label)}</span>\n'
        f"      {where}</li>\n"
    )


def written_out(library: template.Library, render, one: str, many: str) -> None:
    """Register a board's part written out in Python (``render(room, *args)`` ->
    HTML, already escaped) as two tags: ``one`` for a room (or a floor), ``many``
    for a floor's rooms (or a board's floors) in one tag rather than a partial
    for each; both pass on the tag's further arguments (the medical board's
    form token, the catering board's round, the district's ``link=False``)."""
    library.simple_tag(lambda room, *args, **kwargs: SafeString(render(room, *args, **kwargs)), name=one)
    library.simple_tag(
        lambda rooms, *args, **kwargs: SafeString("".join(render(room, *args, **kwargs) for room in rooms)), name=many
    )


@register.filter
def room_href(pk) -> str:
    """The room page's address, as ``{% url 'room-detail' pk %}`` gives it.

    The control screen has a thousand cells; reversing the pattern for each
    was a fifth of its render (bench/README.md). The pattern is reversed once
    per script prefix and filled in.
    """
    return href_patterns("room-detail")[0].format(int(pk))


_HREFS: dict[tuple[str, str, bool], str] = {}
_PK = "987654321"


def _reversed(names, with_pk: bool) -> tuple[str, ...]:
    prefix = get_script_prefix()
    found = []
    for name in names:
        href = _HREFS.get((prefix, name, with_pk))
        if href is None:
            href = reverse(name, args=[int(_PK)]).replace(_PK, "{}") if with_pk else reverse(name)
            _HREFS[(prefix, name, with_pk)] = href
        found.append(href)
    return tuple(found)


def href_patterns(*names: str) -> tuple[str, ...]:
    """``{% url name pk %}`` for each name, as a pattern to fill in with
    ``.format(pk)``, reversed once per script prefix: the room cells link
    to their rooms, the medical board's sections to each person and
    sample's forms, the catering board's cards to their feedback."""
    return _reversed(names, True)


def hrefs(*names: str) -> tuple[str, ...]:
    """``{% url name %}`` for each name that takes no argument (the catering
    board's forms), reversed once per script prefix."""
    return _reversed(names, False)


# What the written-out parts share: the template's escaping and localizing,
# and their words translated once per language.


def esc(value) -> str:
    """``{{ value }}`` of a string: as Django's conditional_escape."""
    if type(value) is str:
        return _escape(value)
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return _escape(str(value))


def localized(value) -> str:
    """``{{ value }}`` of a number: localized (a thousand separator only if the settings ask for it)."""
    return esc(localize(value))


def whole(value) -> str:
    """``{{ value }}`` of a whole number, as ``localized`` gives it when there is no thousand separator."""
    return str(value) if type(value) is int else localized(value)


def counter():
    """How ``{{ value }}`` writes a count under the current settings: ``whole``, or ``localized`` if they ask for a
    thousand separator (read once per part rendered)."""
    return localized if settings.USE_THOUSAND_SEPARATOR else whole


def label(labels: dict, value) -> str:
    """A choice's label, as ``{{ obj.get_FOO_display }}``: the value itself, escaped, if it is not a choice."""
    found = labels.get(value)
    return esc(value) if found is None else found


def in_time_zone(moment):
    """As ``|date`` and ``|time`` read a moment: an aware one in the current time zone."""
    if timezone.is_aware(moment):
        return timezone.localtime(moment)
    return moment


class Words:
    """A part's words in the active language, read once per language (each
    look-up of the active language goes through a context-local): each message
    by its key, and the labels of each field's choices, escaped, by value.

    ``{% translate %}`` of a literal is not escaped (the literal is safe, and
    so is its translation); the labels of the choices are."""

    _every: list["Words"] = []

    def __init__(self, messages: dict, labels: dict):
        self.messages, self.labels = messages, labels
        self._by_language: dict[str | None, dict] = {}
        self._lock = threading.Lock()
        Words._every.append(self)

    def __call__(self) -> dict:
        language = translation.get_language()
        found = self._by_language.get(language)
        if found is None:
            found = {key: str(message) for key, message in self.messages.items()}
            found.update(
                {name: {value: esc(text) for value, text in choices.choices} for name, choices in self.labels.items()}
            )
            with self._lock:
                self._by_language[language] = found
        return found


def _forget_words(*, setting, **kwargs) -> None:
    # As Django forgets its catalogs when a test changes the languages.
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS"}:
        for words in Words._every:
            words._by_language.clear()


setting_changed.connect(_forget_words)
