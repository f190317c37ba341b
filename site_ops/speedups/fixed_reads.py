"""Reads whose SQL Django builds once per process.

Django compiles a queryset's SQL every time it runs, and for the small reads
every broadcast makes (the last twenty activity rows, a site's meal slots, a
room's disinfection tasks) compiling cost more than the database's own work
(bench/README.md). A ``FixedRead`` builds its queryset on first use, keeps
the statement, and afterwards runs only that statement with the new values
through ``Model.objects.raw``, which makes model instances from the rows as
the queryset would (fields left out with ``only()`` are deferred, values
pass the backend's converters).

The values are given separately, in the order the statement takes them. On
first use the queryset is built from stand-in arguments, every one distinct
(ids, strings, moments and lists of ids each become values unlike any other
of them), and the values given for the same stand-ins must be exactly the ones
Django put in the statement, in the same order: a changed queryset with
unchanged values fails at once rather than reading the wrong rows. A read
whose ``IN`` list changes length has one statement per length.
"""

import itertools
import threading
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS
from django.db.models import QuerySet

from site_ops.speedups import ENABLED

# The arguments that become an ``IN`` list.
LISTS = (list, tuple, set, frozenset)


class FixedRead:
    def __init__(self, build: Callable[..., QuerySet], values: Callable[..., Iterable]):
        self.build, self.values = build, values
        self.statements: dict[int, tuple] = {}
        self.lock = threading.Lock()

    def __call__(self, *args) -> list:
        if not ENABLED:
            return list(self.build(*args))  # the plain queryset, compiled on every call
        if any(isinstance(arg, LISTS) and not arg for arg in args):
            return []  # as the queryset: ``IN ()`` matches nothing, and Django builds no statement for it
        values = list(self.values(*args))
        statement = self.statements.get(len(values))
        if statement is None:
            statement = self.compile(args)
        sql, manager = statement
        return list(manager.raw(sql, values))

    def compile(self, args) -> tuple:
        counter = itertools.count(1)
        stand_ins = [stand_in(arg, counter) for arg in args]
        queryset = self.build(*stand_ins)
        sql, expected = queryset.query.sql_with_params()
        given = list(self.values(*stand_ins))
        if given != list(expected):
            raise ImproperlyConfigured(
                f"{self.build.__qualname__}: the values {given!r} are not the statement's {list(expected)!r}"
            )
        if queryset.db != DEFAULT_DB_ALIAS:
            raise ImproperlyConfigured(f"{self.build.__qualname__}: only the default database is supported")
        with self.lock:
            return self.statements.setdefault(len(given), (sql, queryset.model._default_manager))


def stand_in(arg, counter):
    """A value of the argument's kind that no other stand-in has (never run, only built)."""
    n = next(counter)
    if isinstance(arg, LISTS):
        return [stand_in(item, counter) for item in arg]
    if isinstance(arg, bool):
        raise ImproperlyConfigured("a fixed read cannot tell True from a stand-in: build two reads")
    if isinstance(arg, int):
        # Within every integer field's range (PostgreSQL's backend finds no
        # rows for a value out of range and builds no statement).
        return 32_000 + n
    if isinstance(arg, str):
        return f"fixed-read-{n}"
    if isinstance(arg, datetime):
        return datetime(1901, 1, 1, tzinfo=arg.tzinfo) + timedelta(minutes=n)
    if isinstance(arg, date):
        return date(1901, 1, 1) + timedelta(days=n)
    raise ImproperlyConfigured(f"a fixed read takes ids, strings, moments and lists of them, not {type(arg)}")


def fixed_read(values: Callable[..., Iterable]):
    """Decorate a function building a queryset: calling it runs the statement built once.

    ``values`` takes the same arguments and returns the statement's values.
    """

    def decorate(build):
        read = FixedRead(build, values)
        read.__doc__, read.__qualname__ = build.__doc__, build.__qualname__
        return read

    return decorate
