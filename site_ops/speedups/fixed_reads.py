"""Reads whose SQL Django builds once per process.

Django compiles a queryset's SQL every time it runs, and for the small reads
every broadcast makes (the last twenty activity rows, a site's meal slots, a
room's disinfection tasks) compiling cost more than the database's own work
(bench/README.md). A ``FixedRead`` builds its queryset on first use, keeps
the statement with what Django's compiler worked out for it (the columns,
where each model's fields are in a row), and afterwards runs only that
statement with the new values and makes the model instances from the rows
as the queryset would: fields left out with ``only()`` are deferred, the
values pass the backend's converters, and the rows of ``select_related``
become the related instances (what ``Manager.raw`` cannot do, and it cost
four times as much per call).

The values are given separately, in the order the statement takes them. On
first use the queryset is built from stand-in arguments, every one distinct
(ids, strings, moments and lists of ids each become values unlike any other
of them), and the values given for the same stand-ins must be exactly the ones
Django put in the statement, in the same order: a changed queryset with
unchanged values fails at once rather than reading the wrong rows.

A read whose ``IN`` list changes length has one statement per length of
list, so its lists are padded to the next power of two (up to ``PADDED_UP_TO``
values) with their last value again, which matches nothing more: a floor of
37 rooms and one of 52 run the same statement. Before, every new length built
its statement (Django's whole query compilation) in the broadcast that met
it: the first health round of a floor with a new number of rooms, the lab
sheet's results (bench/README.md, round four, twentieth part).

A new length is not built by Django either, once one length of the read is:
the statement of that length is the built one with each list's
``IN (%s, ...)`` written out to the new number of placeholders. Where the
built statement's lists are not plain ``IN`` lists of their own values (a
list of dates, a list's value used elsewhere), Django builds each length.
"""

import copy
import functools
import itertools
import threading
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.db.transaction import TransactionManagementError

from site_ops.speedups import ENABLED

# The arguments that become an ``IN`` list.
LISTS = (list, tuple, set, frozenset)
# Longer lists keep their own length (well within SQLite's 32,766 values a statement).
PADDED_UP_TO = 4096


def padded(values) -> list:
    """An ``IN`` list's values, its last one repeated up to the next power of two (see the module)."""
    values = list(values)
    n = len(values)
    if n > PADDED_UP_TO:
        return values
    return values + values[-1:] * ((1 << (n - 1).bit_length()) - n)


class FixedRead:
    def __init__(self, build: Callable[..., QuerySet], values: Callable[..., Iterable]):
        self.build, self.values = build, values
        self.statements: dict[tuple, Statement] = {}
        self.lock = threading.Lock()

    def __call__(self, *args) -> list:
        if not ENABLED:
            return list(self.build(*args))  # the plain queryset, compiled on every call
        if any(isinstance(arg, LISTS) and not arg for arg in args):
            return []  # as the queryset: ``IN ()`` matches nothing, and Django builds no statement for it
        args = tuple(padded(arg) if isinstance(arg, LISTS) else arg for arg in args)
        values = list(self.values(*args))
        # Keyed by every list's length: two lists of 2 and 4 values are not two of 4 and 2.
        key = (len(values), *(len(arg) for arg in args if isinstance(arg, LISTS)))
        statement = self.statements.get(key)
        if statement is None:
            statement = self.written_out(args, key, len(values)) or self.compile(args, key)
        return statement.run(values)

    def written_out(self, args, key: tuple, count: int) -> "Statement | None":
        """The statement for these lists' lengths from one already built for other lengths (see the module)."""
        # Copied first (in one step, under the interpreter's lock): another thread may be adding a length.
        built = next((statement for statement in list(self.statements.values()) if statement.lists is not None), None)
        if built is None:
            return None
        lengths = [len(arg) for arg in args if isinstance(arg, LISTS)]
        statement = built.with_lengths(lengths)
        if statement.count != count:
            return None  # the values do not follow the lists' lengths: Django builds it
        with self.lock:
            return self.statements.setdefault(key, statement)

    def compile(self, args, key: tuple) -> "Statement":
        counter = itertools.count(1)
        stand_ins = [stand_in(arg, counter) for arg in args]
        queryset = self.build(*stand_ins)
        if queryset.db != DEFAULT_DB_ALIAS:
            raise ImproperlyConfigured(f"{self.build.__qualname__}: only the default database is supported")
        compiler = queryset.query.get_compiler(DEFAULT_DB_ALIAS)
        sql, expected = compiler.as_sql()
        given = list(self.values(*stand_ins))
        if [comparable(value) for value in given] != [comparable(value) for value in expected]:
            raise ImproperlyConfigured(
                f"{self.build.__qualname__}: the values {given!r} are not the statement's {list(expected)!r}"
            )
        statement = Statement(queryset, compiler, sql)
        statement.find_lists(stand_ins, given)
        with self.lock:
            return self.statements.setdefault(key, statement)


class Statement:
    """One built statement and what Django's compiler worked out for it:
    the rows made into what the queryset gives (model instances as
    ``ModelIterable`` makes them, or the dicts, tuples or values of
    ``values()`` and ``values_list()``), without building the SQL again."""

    def __init__(self, queryset: QuerySet, compiler, sql: str):
        self.query, self.sql = queryset.query, sql
        self.per_thread = threading.local()
        self.select, self.col_count = compiler.select, compiler.col_count
        self.kind = queryset._iterable_class
        if self.kind is ModelIterable:
            klass_info = compiler.klass_info
            self.model = klass_info["model"]
            first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            self.model_fields = slice(first, last)
            self.init_list = [column[0].target.attname for column in self.select[first:last]]
            self.klass_info = klass_info
            self.annotations = dict(compiler.annotation_col_map or {})
        elif self.kind is ValuesIterable:
            query = queryset.query
            self.names = (
                list(query.selected)
                if query.selected
                else [
                    *query.extra_select,
                    *query.values_select,
                    *query.annotation_select,
                ]
            )
        elif self.kind not in (ValuesListIterable, FlatValuesListIterable):
            raise ImproperlyConfigured(f"a fixed read gives instances, values() or values_list(), not {self.kind}")

    def run(self, values: list) -> list:
        db = DEFAULT_DB_ALIAS
        connection = connections[db]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, values)
            rows = [row[: self.col_count] for row in cursor.fetchall()]
        compiler, converters = self.converters(connection)
        if converters:
            rows = list(compiler.apply_converters(rows, converters))
        if self.kind is ValuesIterable:
            return [dict(zip(self.names, row, strict=True)) for row in rows]
        if self.kind is ValuesListIterable:
            return [tuple(row) for row in rows]
        if self.kind is FlatValuesListIterable:
            return [row[0] for row in rows]
        if self.populators is None:
            self.populators = get_related_populators(self.klass_info, self.select, db)
        found = []
        for row in rows:
            obj = self.model.from_db(db, self.init_list, row[self.model_fields])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, position in self.annotations.items():
                setattr(obj, name, row[position])
            found.append(obj)
        return found

    populators = None
    # Where each list's values are in the statement (``find_lists``): None when it cannot be written out.
    lists: list[tuple[int, list[int]]] | None = None
    count = 0  # the statement's values

    def find_lists(self, stand_ins: list, given: list) -> None:
        """Note where each list argument's values are: runs of ``%s, ...`` inside ``IN (...)``, each the
        whole list in its order. Anything else (a list's value elsewhere, a list of dates, whose values
        are given adapted) leaves the statement to be built by Django for each length."""
        self.count = len(given)
        spots = placeholders(self.sql)
        if len(spots) != len(given):
            return
        found, claimed = [], set()
        for stand_in_list in (arg for arg in stand_ins if isinstance(arg, list)):
            n = len(stand_in_list)
            starts = [k for k, value in enumerate(given) if value == stand_in_list[0]]
            runs = []
            for start in starts:
                run = range(start, start + n)
                if given[start : start + n] != stand_in_list or claimed & set(run):
                    return
                before, after = self.sql[: spots[start]], self.sql[spots[start + n - 1] + 2 :]
                if not before.endswith("IN (") or not after.startswith(")"):
                    return
                if self.sql[spots[start] : spots[start + n - 1] + 2] != ", ".join(["%s"] * n):
                    return
                claimed.update(run)
                runs.append(start)
            if not runs or sum(value in stand_in_list for value in given) != n * len(runs):
                return
            found.append((n, runs))
        self.lists = found

    def with_lengths(self, lengths: list[int]) -> "Statement":
        """This statement with its lists of the given lengths, in the order of the read's list arguments."""
        spots = placeholders(self.sql)
        edits = sorted(
            (start, n, new, which)
            for which, ((n, starts), new) in enumerate(zip(self.lists, lengths, strict=True))
            for start in starts
        )
        pieces, at, moved = [], 0, 0
        runs: list[list[int]] = [[] for _list in self.lists]
        for start, n, new, which in edits:
            pieces += [self.sql[at : spots[start]], ", ".join(["%s"] * new)]
            at = spots[start + n - 1] + 2
            runs[which].append(start + moved)
            moved += new - n
        pieces.append(self.sql[at:])
        statement = copy.copy(self)
        statement.sql, statement.count = "".join(pieces), self.count + moved
        statement.lists = [(new, starts) for new, starts in zip(lengths, runs, strict=True)]
        return statement

    def converters(self, connection) -> tuple:
        """The columns' converters, worked out once per thread's connection
        (they are the backend's, bound to it): a third of a call for a wide
        row (the alerts' 111 columns) when worked out on every call."""
        held = getattr(self.per_thread, "converters", None)
        if held is None or held[0] is not connection:
            compiler = self.query.get_compiler(connection=connection)
            fields = [column[0] for column in self.select[: self.col_count]]
            held = self.per_thread.converters = (connection, compiler, compiler.get_converters(fields))
        return held[1], held[2]


def placeholders(sql: str) -> list[int]:
    """Where each ``%s`` of a statement is (a literal percent sign is ``%%``)."""
    spots, i = [], 0
    while (i := sql.find("%", i)) >= 0:
        if sql.startswith("%s", i):
            spots.append(i)
        i += 2
    return spots


def comparable(value):
    """A statement's value as it compares: PostgreSQL's JSON values are
    wrappers (psycopg's ``Jsonb``) equal only to themselves; their content is."""
    return getattr(value, "obj", value) if type(value).__name__ in ("Json", "Jsonb") else value


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


def get_row(model, pk, *, site=None, related: tuple = (), for_update: bool = False):
    """``model.objects.select_related(*related).get(pk=pk)``, with ``site=site``
    when given and ``select_for_update(of=("self",))`` when ``for_update``, as a
    fixed read: every write locks its row this way and every action view reads
    its record so, and Django compiled each of those reads on every call
    (0.39 and 0.27 ms of a room move's request, against 0.05 and 0.04:
    bench/README.md, round four, eighth part). Raises
    ``model.DoesNotExist`` as ``get`` does. A key that is not an integer goes
    to the queryset, which converts it or refuses it as before.
    """
    if for_update:
        connection = connections[DEFAULT_DB_ALIAS]
        if connection.features.has_select_for_update and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
    if type(pk) is not int:
        return _row_queryset(model, tuple(related), for_update, site is not None)(pk, site).get()
    read = _row_read(model, tuple(related), for_update, site is not None)
    rows = read(pk, site.pk) if site is not None else read(pk)
    if not rows:
        raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
    return rows[0]


def _row_queryset(model, related: tuple, for_update: bool, by_site: bool):
    def build(pk, site=None):
        rows = model.objects.order_by()  # as ``get``: no ordering for one row
        if for_update:
            rows = rows.select_for_update(of=("self",))
        if related:
            rows = rows.select_related(*related)
        return rows.filter(pk=pk, site=site) if by_site else rows.filter(pk=pk)

    return build


@functools.cache
def _row_read(model, related: tuple, for_update: bool, by_site: bool) -> FixedRead:
    build = _row_queryset(model, related, for_update, by_site)
    if by_site:
        return FixedRead(lambda pk, site_id: build(pk, site_id), lambda pk, site_id: [pk, site_id])
    return FixedRead(build, lambda pk: [pk])
