"""Small helpers for the boards' templates."""

import threading

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format
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
def feed_row(event) -> str:
    # The time is in the key as well as the id: a test database, or a
    # restored backup, may give an id to another event.
    key = (event.pk, event.at, translation.get_language(), timezone.get_current_timezone_name())
    row = _FEED_ROWS.get(key)
    if row is None:
        row = render_to_string("control/screen.html#feed-row", {"event": event})
        with _FEED_ROWS_LOCK:
            _FEED_ROWS[key] = row
            while len(_FEED_ROWS) > FEED_ROWS_KEPT:
                del _FEED_ROWS[next(iter(_FEED_ROWS))]
    return row


def written_out(library: template.Library, render, one: str, many: str) -> None:
    """Register a room's part written out in Python (``render(room, *args)`` ->
    HTML, already escaped) as two tags: ``one`` for a room, ``many`` for a
    floor's rooms in one tag rather than a partial per room; both pass on the
    tag's further arguments (the medical board's form token)."""
    library.simple_tag(lambda room, *args: SafeString(render(room, *args)), name=one)
    library.simple_tag(lambda rooms, *args: SafeString("".join(render(room, *args) for room in rooms)), name=many)


@register.filter
def room_href(pk) -> str:
    """The room page's address, as ``{% url 'room-detail' pk %}`` gives it.

    The control screen has a thousand cells; reversing the pattern for each
    was a fifth of its render (bench/README.md). The pattern is reversed once
    per script prefix and filled in.
    """
    return href_patterns("room-detail")[0].format(int(pk))


_HREFS: dict[tuple[str, str], str] = {}


def href_patterns(*names: str) -> tuple[str, ...]:
    """``{% url name pk %}`` for each name, as a pattern to fill in with
    ``.format(pk)``, reversed once per script prefix: the room cells link
    to their rooms, the medical board's sections to each person and
    sample's forms."""
    prefix = get_script_prefix()
    patterns = []
    for name in names:
        pattern = _HREFS.get((prefix, name))
        if pattern is None:
            pattern = _HREFS[(prefix, name)] = reverse(name, args=[987654321]).replace("987654321", "{}")
        patterns.append(pattern)
    return tuple(patterns)
