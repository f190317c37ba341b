"""What an address or a query parameter may hold as a number or a day.

Django's ``int`` converter and ``str.isdigit`` take more than a database or
``int()`` can: twenty digits overflow a 64-bit column (an OverflowError in
SQLite, a 500), ``"²"`` is a digit to ``isdigit`` but not to ``int``, and
5,000 digits exceed Python's conversion limit. These read only ASCII digits,
few enough to fit, and call anything else not a number.
"""

import re
from datetime import date

from django.urls import register_converter

WHOLE = re.compile(r"-?[0-9]{1,9}")
# The days a site's records, reports and schedules may name. A browser's date
# picker lets 0001-01-01 and 9999-12-31 through, where the day after or a
# midnight in the site's time zone overflows (a 500 behind every report).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
# The largest record number an address or a hidden field may name (<id:pk>'s 18 digits).
MAX_ID = 10**18 - 1
# Floors a site may have: basements to a tower's top.
FLOORS = (-9, 999)
# No one staying or arriving was born before this (nor after today).
BORN_AFTER = date(1900, 1, 1)
# What no field takes: NUL (PostgreSQL refuses it with an error, SQLite
# matches on it), the other control characters but tab and line breaks, and
# the marks that turn the direction of the text after them, which make a
# name or a destination show as something else than what it is. Refused in
# every request's parameters (site_ops.middleware) and in uploaded sheets.
NOT_ALLOWED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def whole_number(value) -> int | None:
    """``value`` (a query parameter, a frame's field) as an int, or None if it is not a plain whole number."""
    value = str(value).strip() if value is not None else ""
    return int(value) if WHOLE.fullmatch(value) else None


def site_day(value) -> date | None:
    """An ISO day (YYYY-MM-DD) within the days a site may name, or None."""
    try:
        day = date.fromisoformat(str(value or ""))
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


class RecordId:
    """``<id:pk>``: a record's number in an address; longer than a 64-bit column holds is no address (404)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


def register() -> None:
    register_converter(RecordId, "id")
