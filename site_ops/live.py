"""The one path by which boards change live.

A service, inside its transaction, calls ``publish(site=..., rooms=...,
persons=..., transfers=..., topics=...)``. That bumps the sequence number of
every affected board in the same transaction and registers the broadcast with
``on_commit``, so nothing is sent for a change that rolled back. After the
commit each affected board's fragment is rendered once per language and sent
to that board's broadcast group; every client of the board receives the same
HTML and the htmx ws extension swaps it in by id. Changes that commit while
another is being broadcast are sent together (``Broadcasts``).

Nothing else in the project calls ``group_send``.
"""

import asyncio
import contextvars
import dataclasses
import functools
import hashlib
import logging
import os
import threading
import time
from contextlib import contextmanager, suppress

from asgiref.sync import async_to_sync
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import InMemoryChannelLayer, channel_layers, get_channel_layer
from django.conf import settings
from django.db import connection, transaction
from django.utils import translation
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from site_ops.boards import (
    BOARDS,
    NO_SITE,
    Change,
    affected_across_sites,
    affected_boards,
    board_for_key,
    render_parts,
    site_for,
)
from site_ops.models import BoardSequence
from site_ops.speedups import collector
from site_ops.speedups.layers import InMemoryChannelLayer as HandOffLayer

logger = logging.getLogger(__name__)


def broadcast_group(site_id: int, board_key: str, language: str) -> str:
    """The channel-layer group of one board audience in one language."""
    return f"site-{site_id}.{board_key}.{language}"


def session_group(session_key: str) -> str:
    """The group of every socket opened with one login session."""
    return "session-" + hashlib.sha256(session_key.encode()).hexdigest()[:32]


def user_group(user_id: int) -> str:
    """The group of every socket one user has open."""
    return f"user-{int(user_id)}"


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


class Writes:
    """The requests that may change something, under way in this process.

    The board clock's minute reads and renders every open board, in a thread
    of its own; an action answered meanwhile shared the interpreter with it,
    and its broadcast came as late again (bench/README.md, round four,
    twenty-eighth part). The clock waits for the writes under way between
    its boards' parts (``quiet``), within a budget a minute, so that a busy
    site still gets its minute.
    """

    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()
        self.none = threading.Event()
        self.none.set()

    @contextmanager
    def under_way(self):
        with self.lock:
            self.count += 1
            self.none.clear()
        try:
            yield
        finally:
            with self.lock:
                self.count -= 1
                if not self.count:
                    self.none.set()

    def quiet(self, timeout: float) -> bool:
        """Wait until no write is under way, at most ``timeout`` seconds; whether none is."""
        return self.none.wait(timeout)


writes = Writes()


# The request being answered, if any (site_ops.middleware.acting_user): whose
# change a broadcast carries.
actor_request: contextvars.ContextVar = contextvars.ContextVar("site_ops_actor_request", default=None)


def publish(*, site, rooms=(), persons=(), transfers=(), topics=(), sealed=(), whole_boards=False) -> None:
    """Bump the affected boards and broadcast them once the transaction commits.

    ``sealed``: the rooms sealed or unsealed, which are also in ``rooms``.
    ``whole_boards``: a change of the site's set-up that the site's boards
    have no place for (``resync_site``): they get their whole board again,
    and no fragment that the whole board would replace; the pages of what it
    touched and the boards across sites get their fragments as for any change.
    """
    gathered = _gathered.get()
    if gathered is not None:
        _gather(
            gathered,
            site,
            whole_boards,
            rooms=rooms,
            persons=persons,
            transfers=transfers,
            topics=topics,
            sealed=sealed,
        )
        return
    turns = _turns.get()
    change = Change(
        site_id=site.pk,
        rooms=frozenset(rooms) | frozenset(sealed),
        persons=frozenset(persons),
        transfers=frozenset(transfers),
        topics=frozenset(topics),
        sealed=frozenset(sealed),
    )
    keys = affected_boards(change)
    if whole_boards:
        keys = [key for key in keys if key not in BOARDS]
    seqs = bump(site.pk, keys) if keys else {}
    # The district office's boards see several sites: numbered apart.
    across = affected_across_sites(change)
    across_seqs = bump(NO_SITE, across) if across else {}
    if turns is not None and not whole_boards:
        turns.append((site, change, seqs, across_seqs))
        return
    # Whose change it is, read now: the commit may come after the request.
    actor = getattr(actor_request.get(), "user", None)

    # A named function, not a partial: a robust callback that fails is logged
    # by its __qualname__, and a partial has none, so the logging itself would
    # raise and a committed change would reach its user as an error.
    def broadcast():
        broadcasts.send([(change.site_id, change, seqs, site, actor), (NO_SITE, change, across_seqs, site, None)])

    broadcast.change = change  # for tests that inspect what was published
    transaction.on_commit(broadcast, robust=True)
    if whole_boards:
        resync_site(site.pk)


# The changes published inside ``one_broadcast``, by site, while it lasts.
_gathered: contextvars.ContextVar = contextvars.ContextVar("site_ops_gathered_changes", default=None)


@contextmanager
def one_broadcast():
    """Every change published inside it published as one when it ends, inside the caller's transaction.

    For a service made of others that each publish: a positive's result, the
    room it seals and the transfer it drafts reach each board in one message,
    where they were two broadcasts, each board read and rendered twice and the
    second waiting for the first to be sent. Nested, the outermost publishes;
    left by an error, nothing is published (the transaction rolls back).
    """
    if _gathered.get() is not None:
        yield
        return
    gathered: dict[int, dict] = {}
    token = _gathered.set(gathered)
    try:
        yield
    finally:
        _gathered.reset(token)
    for parts in gathered.values():
        publish(**parts)


# The changes published inside ``in_turn``, in order, while it lasts.
_turns: contextvars.ContextVar = contextvars.ContextVar("site_ops_changes_in_turn", default=None)


@contextmanager
def in_turn():
    """The changes published inside it shown in turn, board by board, in one broadcast when it ends.

    Each affected board gets the first change's message, then the next
    change's, before the next board gets any: a lab sheet's positive (its
    seal, alert and drafted transfer) and then its hundred negatives reach
    the medical tablets whole before the control screen is read, and the
    control screen before the other groups, where two broadcasts one after
    the other made the control screen wait for every board's positive
    before its own negatives. Each change keeps its own numbers; the boards
    across sites get them together. Inside ``one_broadcast`` (or nested),
    the outer one decides.
    """
    if _gathered.get() is not None or _turns.get() is not None:
        yield
        return
    turns: list[tuple] = []
    token = _turns.set(turns)
    try:
        yield
    finally:
        _turns.reset(token)
    by_site: dict[int, list[tuple]] = {}
    for turn in turns:
        by_site.setdefault(turn[0].pk, []).append(turn)
    actor = getattr(actor_request.get(), "user", None)
    for site_turns in by_site.values():
        _in_turn_on_commit(site_turns, actor)


def _in_turn_on_commit(turns: list[tuple], actor) -> None:
    """Register the broadcast of one site's changes in turn (``in_turn``)."""
    site = turns[-1][0]
    items = []
    shown = [turn for turn in turns if turn[2]]  # the changes some board of the site shows
    if shown:
        *leads, (_site, last, seqs, _across) = shown
        change = dataclasses.replace(
            last, leads=tuple((lead, tuple(numbers.items())) for _s, lead, numbers, _a in leads)
        )
        items.append((change.site_id, change, seqs, site, actor))
    # The boards across sites: every change at once, at the highest numbers.
    items += merge_changes([(NO_SITE, turn[1], turn[3], site, None) for turn in turns])
    if not items:
        return

    def broadcast():
        broadcasts.send(items)

    broadcast.change = items[0][1]
    transaction.on_commit(broadcast, robust=True)


def _gather(gathered: dict, site, whole_boards: bool, **parts) -> None:
    """Add one publish's parts to what ``one_broadcast`` publishes for the site."""
    entry = gathered.setdefault(site.pk, {"site": site, "whole_boards": False, **{name: set() for name in parts}})
    entry["whole_boards"] |= whole_boards
    for name, values in parts.items():
        entry[name].update(values)


class Broadcasts:
    """Committed changes sent to their boards one broadcast at a time, merged when they queue.

    A request's change is sent before the request returns, as it always
    was (to the sockets themselves where the layer hands the messages to
    their event loop). When requests commit faster than their boards are
    rendered and sent, the ones that committed while another broadcast was
    under way wait for it, and the first of them to go on sends every
    change that is waiting as one: each affected board read and rendered
    once for all of them, with the highest of their numbers, and one
    message to each socket rather than one per change (group commit, as a
    database does with its log).
    A board's parts are read from the database after the commits, so the
    merged render shows every change it covers. Nothing waits for a timer:
    alone, a change goes out as soon as it is committed.
    """

    def __init__(self):
        self.sending = threading.RLock()
        self.waiting_lock = threading.Lock()
        self.waiting: list[tuple] = []
        self.merged = 0  # changes sent in another's broadcast (for the benchmark)

    def send(self, items) -> None:
        """``items``: (namespace, change, seqs, site, actor); a namespace's boards numbered apart."""
        with self.waiting_lock:
            self.waiting.extend(item for item in items if item[2])
        with self.sending:
            with self.waiting_lock:
                taken, self.waiting = self.waiting, []
            failed = None
            for namespace, change, seqs, site, actor in merge_changes(taken):
                try:
                    send_change(change, seqs, site=site, namespace=namespace, actor=actor)
                except Exception as error:  # the other merged changes are still sent
                    failed = failed or error
            self.merged += max(0, len(taken) - len({(item[0], item[1].site_id) for item in taken}))
            # The next broadcast waits until the sockets have been sent this
            # one: under load the changes that commit meanwhile go out merged,
            # instead of each adding its own round of sends to the loop's queue.
            wait_handed_over()
            collector.after_broadcast()
            if failed:
                raise failed


# How long a broadcast waits for the sockets' loop to send what it handed
# over; the loop takes about a millisecond per hundred sockets.
HANDED_OVER_WAIT_SECONDS = 1.0


def wait_handed_over() -> None:
    """Until the sockets' event loop has sent what this thread's broadcast handed it (the in-memory layer)."""
    layer = get_channel_layer()
    if isinstance(layer, HandOffLayer) and not layer.wait_handed_over(HANDED_OVER_WAIT_SECONDS):
        logger.warning("the board sockets' event loop took over %s s to send a broadcast", HANDED_OVER_WAIT_SECONDS)


def merge_changes(items) -> list[tuple]:
    """The changes of each namespace and site as one: their rooms, people,
    transfers and topics together, each board at the highest number; the
    actor kept only when every change is theirs."""
    merged: dict[tuple, list] = {}
    for namespace, change, seqs, site, actor in items:
        key = (namespace, change.site_id)
        if key not in merged:
            merged[key] = [namespace, change, dict(seqs), site, actor]
            continue
        entry = merged[key]
        entry[1] = joined(entry[1], change)
        for board, seq in seqs.items():
            entry[2][board] = max(seq, entry[2].get(board, 0))
        if entry[4] != actor:
            entry[4] = None
    return [tuple(entry) for entry in merged.values()]


def joined(was: Change, change: Change) -> Change:
    """Two changes of a site as one (what either touched), the changes each shows first kept in order."""
    return Change(
        site_id=was.site_id,
        rooms=was.rooms | change.rooms,
        persons=was.persons | change.persons,
        transfers=was.transfers | change.transfers,
        topics=was.topics | change.topics,
        sealed=was.sealed | change.sealed,
        leads=was.leads + change.leads,
    )


broadcasts = Broadcasts()


def bump(site_id: int, keys: list[str]) -> dict[str, int]:
    """Increment the boards' sequence numbers; returns the new numbers.

    One statement (``UPDATE ... RETURNING``, which SQLite and PostgreSQL
    both have) rather than an update and a read: it runs in every change.
    ``NO_SITE``: the boards across sites, whose rows have no site.
    """
    table, board, seq, site = _sequence_names()
    placeholders = ", ".join(["%s"] * len(keys))
    where, params = (f"{site} IS NULL", []) if site_id == NO_SITE else (f"{site} = %s", [site_id])
    sql = (
        f"UPDATE {table} SET {seq} = {seq} + 1"  # noqa: S608
        f" WHERE {where} AND {board} IN ({placeholders}) RETURNING {board}, {seq}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *keys])
        seqs = dict(cursor.fetchall())
    missing = [key for key in keys if key not in seqs]
    if missing:
        # First change to a room or person page: its row is made at 1, in
        # one statement too; a first change made meanwhile by another
        # transaction counts as the row's first, and this one as its next.
        if site_id == NO_SITE:
            values, target, params = (
                ", ".join(["(NULL, %s, 1)"] * len(missing)),
                f"({board}) WHERE {site} IS NULL",
                missing,
            )
        else:
            values, target = ", ".join(["(%s, %s, 1)"] * len(missing)), f"({site}, {board})"
            params = [value for key in missing for value in (site_id, key)]
        sql = (
            f"INSERT INTO {table} ({site}, {board}, {seq}) VALUES {values}"  # noqa: S608
            f" ON CONFLICT {target} DO UPDATE SET {seq} = {table}.{seq} + 1 RETURNING {board}, {seq}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            seqs.update(cursor.fetchall())
    # In the keys' order: the boards are rendered and sent in it (``actor_first``), and the rows come back in
    # the table's, which on PostgreSQL follows where each row happens to lie, not the keys.
    return {key: seqs[key] for key in keys if key in seqs}


def current_seq(site_id: int, key: str) -> int:
    """A board's number: every socket's heartbeat reads it (every 10 s), so
    the statement is written once, as ``bump``'s, not compiled each time."""
    with connection.cursor() as cursor:
        if site_id == NO_SITE:
            cursor.execute(_seq_statement(no_site=True), [key])
        else:
            cursor.execute(_seq_statement(), [site_id, key])
        row = cursor.fetchone()
    return row[0] if row else 0


def current_seqs(boards: set[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """The numbers of several boards, ``(site id, key)`` each, in one statement
    (a batch of heartbeats: site_ops/heartbeats.py); 0 for a board never changed."""
    if not boards:
        return {}
    table, board, seq, site = _sequence_names()
    keys = sorted({key for _site_id, key in boards})
    sites = sorted({site_id for site_id, _key in boards if site_id != NO_SITE})
    in_keys = f"{board} IN ({', '.join(['%s'] * len(keys))})"
    where = []
    if sites:
        where.append(f"{site} IN ({', '.join(['%s'] * len(sites))})")
    if any(site_id == NO_SITE for site_id, _key in boards):
        where.append(f"{site} IS NULL")
    # Only table and column names and placeholders go into the text.
    sql = f"SELECT {site}, {board}, {seq} FROM {table} WHERE {in_keys} AND ({' OR '.join(where)})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*keys, *sites])
        rows = cursor.fetchall()
    found = {(NO_SITE if row_site is None else row_site, key): number for row_site, key, number in rows}
    return {wanted_board: found.get(wanted_board, 0) for wanted_board in boards}


@functools.cache
def _seq_statement(no_site: bool = False) -> str:
    table, board, seq, site = _sequence_names()
    where = f"{site} IS NULL" if no_site else f"{site} = %s"
    return f"SELECT {seq} FROM {table} WHERE {where} AND {board} = %s"  # noqa: S608


@functools.cache
def _sequence_names() -> tuple[str, str, str, str]:
    """The board-number table and its columns, quoted, for the statements
    ``bump`` and ``current_seq`` write out: only these names go into their
    text; every value is a parameter."""
    quote = connection.ops.quote_name
    return tuple(quote(name) for name in (BoardSequence._meta.db_table, "board", "seq", "site_id"))


def seq_tag(seq: int) -> str:
    return f'<div id="live-seq" data-seq="{int(seq)}" hidden></div>'


# --- snapshots: one render per board audience and number ------------------

# How long one render of a snapshot serves the others who ask for it. The
# number says when a board changed; this bounds what it cannot say: a write
# that published nothing (the admin, a script) and what time alone changes
# show within this long on a reconnecting page.
SNAPSHOT_CACHE_SECONDS = 5.0
# How many snapshots a process keeps (a 1,000-room board is about 250 KB).
SNAPSHOT_CACHE_SIZE = 64


class SnapshotCache:
    """The whole board for one audience at one number, rendered once.

    When every tablet reconnects at once (the server restarted, the Wi-Fi came
    back), each asked for its own snapshot: 500 renders of the same boards.
    A snapshot depends on exactly the board (its key: the audience, such as
    the medical or the general view of a person), the site, the page's filter
    (the floor), the language and the board's data, whose number is the
    sequence; so one render is served to everyone asking with the same key.
    An entry is used only while the board's number is the one it was rendered
    at and for ``SNAPSHOT_CACHE_SECONDS``; a newer number replaces the older
    entries of the same audience. Per process, bounded, least recently used
    out first. Renders of the same key wait for the first (one lock per key),
    so a storm renders each board once even on several threads.
    """

    def __init__(self):
        self.entries: dict[tuple, tuple[int, float, str]] = {}  # audience -> (seq, rendered at, html)
        self.locks: dict[tuple, threading.Lock] = {}
        self.lock = threading.Lock()
        self.renders = 0  # for the benchmark and the tests

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.locks.clear()

    def get(self, audience: tuple, seq: int, render) -> str:
        if SNAPSHOT_CACHE_SECONDS <= 0:
            self.renders += 1
            return render()
        with self.lock:
            key_lock = self.locks.setdefault(audience, threading.Lock())
        with key_lock:
            found = self.fresh(audience, seq)
            if found is None:
                found = render()
                self.renders += 1
                with self.lock:
                    self.entries.pop(audience, None)
                    self.entries[audience] = (seq, time.monotonic(), found)
                    while len(self.entries) > SNAPSHOT_CACHE_SIZE:
                        oldest = next(iter(self.entries))
                        del self.entries[oldest]
                        self.locks.pop(oldest, None)
            return found

    def drop_stale(self) -> None:
        """Let go of the snapshots past their time (every broadcast calls this): a storm leaves up to
        ``SNAPSHOT_CACHE_SIZE`` whole boards behind (the control screen's is about 50 KB a language),
        which no one would be served once their time is over."""
        now = time.monotonic()
        with self.lock:
            stale = [
                audience for audience, (_seq, at, _html) in self.entries.items() if now - at > SNAPSHOT_CACHE_SECONDS
            ]
            for audience in stale:
                del self.entries[audience]
                self.locks.pop(audience, None)

    def fresh(self, audience: tuple, seq: int) -> str | None:
        with self.lock:
            entry = self.entries.get(audience)
            if entry is None or entry[0] != seq or time.monotonic() - entry[1] > SNAPSHOT_CACHE_SECONDS:
                return None
            # Used: to the back of the line for eviction.
            del self.entries[audience]
            self.entries[audience] = entry
            return entry[2]


snapshots = SnapshotCache()


def snapshot(site_id: int, key: str, language: str, params: dict, first=None) -> str:
    """The whole board for a socket that opened or fell behind, with its number.

    The number is read first: if a change commits while the board renders,
    the page holds an older number than what it shows, and its next
    heartbeat catches up (never the reverse). ``first``: run before the
    render, sharing its reads (the board clock's baseline).
    """
    seq = current_seq(site_id, key)
    audience = (site_id, key, language, tuple(sorted(params.items())))
    # The board's other audiences at this number (each floor, each
    # language) read the same counters and lists: read once for them all.
    reads = snapshot_reads.get((site_id, key, seq))

    def shared(read):
        outer, _shared.cache = getattr(_shared, "cache", None), reads
        try:
            return read()
        finally:
            _shared.cache = outer

    def render():
        with translation.override(language):
            return board_for_key(key).render_snapshot(site_id, params)

    if first is not None:
        shared(first)
    return snapshots.get(audience, seq, lambda: shared(render)) + seq_tag(seq)


class SnapshotReads:
    """What ``shared_by_renders`` reads serve, kept for the snapshots of one
    board at one number: its floors and languages (a reconnect storm renders
    the general board for every floor in both languages, and each read the
    whole site's counters, arrivals and releases). As fresh as the snapshots
    themselves (``SNAPSHOT_CACHE_SECONDS``), bounded, oldest out first."""

    def __init__(self):
        self.entries: dict[tuple, tuple[float, dict]] = {}
        self.lock = threading.Lock()

    def get(self, board: tuple) -> dict | None:
        if SNAPSHOT_CACHE_SECONDS <= 0:
            return None
        now = time.monotonic()
        with self.lock:
            self._drop_stale(now)
            entry = self.entries.get(board)
            if entry is None:
                entry = self.entries[board] = (now, {})
                while len(self.entries) > SNAPSHOT_CACHE_SIZE:
                    del self.entries[next(iter(self.entries))]
            return entry[1]

    def drop_stale(self) -> None:
        """Let go of the reads past their time (every broadcast calls this)."""
        with self.lock:
            self._drop_stale(time.monotonic())

    def _drop_stale(self, now: float) -> None:
        # Reads past their time go at the next snapshot or broadcast, not
        # when newer boards push them out: a board's whole read (the control
        # screen's thousand rooms with their badges) is megabytes, and every
        # full collection walks it. The oldest come first.
        while self.entries:
            oldest = next(iter(self.entries))
            if now - self.entries[oldest][0] <= SNAPSHOT_CACHE_SECONDS:
                break
            del self.entries[oldest]

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


snapshot_reads = SnapshotReads()
_shared = threading.local()


def shared_by_renders(read):
    """Run a board read function once per broadcast, however many renders use it.

    A change is rendered for every affected board in every language; the data
    they read is the same (the counters are on several boards), so within one
    ``send_change`` the first call's result serves the others. Outside a
    broadcast the function runs as usual. Arguments that are model instances
    are keyed by their primary key.
    """

    def key(args, kwargs):
        return (read, *(getattr(arg, "pk", arg) for arg in args), *sorted(kwargs.items()))

    @functools.wraps(read)
    def wrapper(*args, **kwargs):
        cache = getattr(_shared, "cache", None)
        if cache is None:
            return read(*args, **kwargs)
        found = key(args, kwargs)
        if found not in cache:
            cache[found] = read(*args, **kwargs)
        return cache[found]

    def prime(result, *args, **kwargs):
        """Within a broadcast, take ``result`` as the read's answer for these arguments."""
        _shared.cache[key(args, kwargs)] = result

    wrapper.prime = prime
    return wrapper


def shared_render(key: tuple, render) -> str:
    """A part that is the same for a board's every audience at one number
    and language (the general board's column beside its floor's rooms),
    rendered once for them where renders share their reads (a broadcast,
    the snapshots of one board at one number); elsewhere, rendered."""
    cache = getattr(_shared, "cache", None)
    if cache is None:
        return render()
    found = ("render", *key, translation.get_language())
    if found not in cache:
        cache[found] = render()
    return cache[found]


def broadcast_site(site_id: int):
    """The site the writer handed to the broadcast under way, if it is this one (not read again)."""
    site = getattr(_shared, "site", None)
    return site if site is not None and site.pk == site_id else None


def send_change(change: Change, seqs: dict[str, int], site=None, namespace: int | None = None, actor=None) -> None:
    """Render each affected board's fragments and send them to its audience.

    A board's data is read once (``change_parts``) and rendered once for each
    language someone has the board open in; a board nobody has open is not
    read at all, where the layer can tell. ``site``, when the writer has it
    at hand, is not read again. ``namespace``: ``NO_SITE`` for the boards
    across sites, whose broadcast groups are not the change's site's.
    ``actor``: the user who made the change, whose boards go first.
    """
    namespace = change.site_id if namespace is None else namespace
    # The changes to show first (``in_turn``): only on the change's own site's boards.
    leads = change.leads if namespace == change.site_id else ()
    steps = [(lead, dict(numbers)) for lead, numbers in leads] + [(change, seqs)]
    keys = list(dict.fromkeys(key for _change, numbers in steps for key in numbers))
    send_turns(
        namespace,
        keys,
        lambda key: [(numbers[key], _parts_of(step)) for step, numbers in steps if key in numbers],
        site=site,
        actor=actor,
    )


def _parts_of(change: Change):
    return lambda key: board_for_key(key).change_parts(change)


def actor_first(keys, user) -> list[str]:
    """The board keys with the boards ``user`` (who made the change) may open first.

    A nurse's round, a team's "floor done": the colleagues on the group's
    other tablets act on it next, so their board is rendered and sent before
    the control screen and the other groups' (each board waits for the
    renders before it). Boards nobody in particular acts from (the board
    clock, a site head's change, which every board of the site shows) keep
    their order.
    """
    keys = list(keys)
    if user is None or not user.is_authenticated:
        return keys
    own = [key for key in keys if key in BOARDS and site_for(user, BOARDS[key]) is not None]
    if len(own) == sum(key in BOARDS for key in keys):
        return keys
    return own + [key for key in keys if key not in own]


def send_parts(site_id: int, seqs: dict[str, int], parts_for, site=None, actor=None) -> None:
    """Send each board in ``seqs`` the parts ``parts_for(key)`` reads, rendered per language, with its number
    (the acting user's boards first: ``actor_first``)."""
    send_turns(site_id, list(seqs), lambda key: [(seqs[key], parts_for)], site=site, actor=actor)


def send_turns(site_id: int, keys: list[str], turns, site=None, actor=None) -> None:
    """``send_parts`` for several messages a board: ``turns(key)`` is the board's ``[(seq, parts_for), ...]``,
    sent in their order before the next board gets any. A later message leaves out a part an earlier one
    carried with an equal context: the changes are read after the same commit, so it would draw the same."""
    layer = get_channel_layer()
    # Asked by type: Redis pub/sub's layer answers any attribute only inside
    # an event loop, and this runs in a view's thread.
    send_soon = layer.group_send_soon if isinstance(layer, HandOffLayer) else None
    unsent = []
    snapshot_reads.drop_stale()
    snapshots.drop_stale()
    _shared.cache = {}
    _shared.site = site
    try:
        for key in actor_first(keys, actor):
            groups = {language: broadcast_group(site_id, key, language) for language in languages()}
            audience = [language for language, group in groups.items() if has_audience(layer, group)]
            if not audience:
                continue
            sent: list = []
            for seq, parts_for in turns(key):
                parts = parts_for(key)
                if sent:
                    # A later change of the same write (``in_turn``) is read after the same commit: a part an
                    # earlier message of this board carried with the same context (the counters, the alerts, a
                    # floor's count) would draw the same HTML again.
                    parts = [part for part in parts if part not in sent]
                sent += parts
                for language in audience:
                    with translation.override(language):
                        html = render_parts(parts) + seq_tag(seq)
                    message = (groups[language], {"type": "board.html", "html": html})
                    # A board's sockets need not wait for the next render: where
                    # the layer can take messages without a round trip, they go
                    # now, and the next render waits until they have gone.
                    # Rendered meanwhile, it held the interpreter against the
                    # sockets' loop, whose every send gives it up: the sends came
                    # in between the render's slices (bench/README.md, round four,
                    # thirteenth part).
                    if not (send_soon and send_soon([message])):
                        unsent.append(message)
                    else:
                        wait_handed_over()
    finally:
        _shared.cache = None
        _shared.site = None
    if unsent:
        send_all(unsent)


def resync_site(site_id: int) -> None:
    """Every open board of the site gets its whole board again, once the transaction commits.

    For a change of the site's set-up that a fragment has no place for on a
    board already open: rooms added (a new floor of the control screen's
    grid, new rows of the general board), a room moved to another floor.
    Each board's number goes up, so the snapshot, rendered once per audience
    at that number (``SnapshotCache``), is the new one.
    """
    seqs = bump(site_id, list(BOARDS))

    def resync():
        message = {"type": "board.resync"}
        send_all([(broadcast_group(site_id, key, language), message) for key in seqs for language in languages()])

    transaction.on_commit(resync, robust=True)


def publish_parts(site_id: int, parts: dict[str, list]) -> None:
    """Bump the boards in ``parts`` and send each its parts (``{key: [(template, context), ...]}``).

    For what no write publishes: the board clock (site_ops/clock.py) sends
    what time alone changed. The same number and path as a change.
    """
    with transaction.atomic():
        seqs = bump(site_id, list(parts))

        def broadcast():
            send_parts(site_id, seqs, parts.__getitem__)

        transaction.on_commit(broadcast, robust=True)


def has_audience(layer, group: str) -> bool:
    """Whether anyone has the board open, where the layer can tell for free.

    The in-memory layer knows its groups: a room page nobody has open is not
    rendered. Other layers are asked nothing (a round trip to Redis would cost
    what it saves), so their boards always render. A page opened just after
    this check gets its snapshot after the commit, so it misses nothing.
    """
    if isinstance(layer, InMemoryChannelLayer):
        return bool(layer.groups.get(group))
    return True


def send_all(messages) -> None:
    """Send (group, message) pairs to the channel layer.

    An in-process layer takes them at once: one hop to the event loop, sent
    side by side. A layer that talks to a server (Redis) is sent to off the
    request path (``Sender``): a request returns when its transaction has
    committed, whatever Redis is doing.
    """
    layer = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        async_to_sync(_group_send_all)(messages)
    else:
        sender.send(layer, messages)


async def _group_send_all(messages) -> None:
    layer = get_channel_layer()
    await asyncio.gather(*(layer.group_send(group, message) for group, message in messages))


# How long a broadcast may wait for Redis before it is given up (and its
# boards catch up by heartbeat); Redis answers in well under a millisecond.
BROADCAST_TIMEOUT_SECONDS = 2.0
# How many messages may wait for a slow Redis before new ones are dropped
# (the boards catch up by heartbeat) rather than pile up in memory.
BROADCAST_BACKLOG = 10_000
# A channel layer's transport failing: a hung, restarting or unreachable Redis.
LAYER_ERRORS = (OSError, asyncio.TimeoutError, RedisConnectionError, RedisTimeoutError)


class Sender:
    """Sends to a channel layer that talks to a server, from a thread and event loop of its own.

    The view's thread hands the messages over and goes on. Each message gets
    ``BROADCAST_TIMEOUT_SECONDS``; one that failed (a connection pooled
    before Redis restarted is closed at its first use) is sent once more on
    fresh connections. What still fails is logged in one line: the boards'
    heartbeats find them behind and resend them.
    """

    def __init__(self):
        self.loop = None
        self.pid = None
        self.backlog = 0
        self.lock = threading.Lock()

    def send(self, layer, messages) -> None:
        if self.pid != os.getpid():
            # A process forked from one that had a sender (a test's live
            # server) inherits its loop and lock but not its thread.
            self.lock, self.loop, self.backlog, self.pid = threading.Lock(), None, 0, os.getpid()
        with self.lock:
            if self.backlog + len(messages) > BROADCAST_BACKLOG:
                logger.error("broadcast of %d messages dropped: the channel layer is behind", len(messages))
                return
            self.backlog += len(messages)
            layer = self.own(layer)
            if self.loop is None:
                self.loop = asyncio.new_event_loop()
                threading.Thread(target=self.loop.run_forever, name="site-ops-broadcast", daemon=True).start()
        asyncio.run_coroutine_threadsafe(self.deliver(layer, messages), self.loop)

    async def deliver(self, layer, messages) -> None:
        try:
            failed = await self.attempt(layer, messages)
            if failed:
                await self.fresh_connections(layer)
                failed = await self.attempt(layer, [message for message, _error in failed])
            if failed:
                logger.error(
                    "broadcast of %d of %d messages not sent (%r); the boards catch up by heartbeat",
                    len(failed),
                    len(messages),
                    failed[0][1],
                )
        finally:
            with self.lock:
                self.backlog -= len(messages)

    async def attempt(self, layer, messages) -> list:
        """Send each message within the timeout; returns the ones that failed, with their errors.

        The groups are sent to side by side, each group's messages one after the other: a board that gets
        two messages in one broadcast (``in_turn``) gets them in their order (Redis's core layer orders a
        channel's messages by when they were added)."""
        outcomes: list = [None] * len(messages)
        by_group: dict[str, list[int]] = {}
        for index, (group, _message) in enumerate(messages):
            by_group.setdefault(group, []).append(index)

        async def in_order(indexes):
            for index in indexes:
                try:
                    async with asyncio.timeout(BROADCAST_TIMEOUT_SECONDS):
                        await layer.group_send(*messages[index])
                except Exception as error:  # noqa: BLE001 -- sorted below: the layer's own errors are retried
                    outcomes[index] = error

        await asyncio.gather(*(in_order(indexes) for indexes in by_group.values()))
        failed = [(message, error) for message, error in zip(messages, outcomes, strict=True) if error]
        for _message, error in failed:
            if not isinstance(error, LAYER_ERRORS):
                raise error
        return failed

    copy_of = copy = None

    def own(self, layer):
        """The sender's own instance of the project's layer: its connections are its own,
        so closing the project layer's pools (``flush``) leaves them alone."""
        if layer is not channel_layers.backends.get(DEFAULT_CHANNEL_LAYER):
            return layer
        if self.copy_of is not layer:
            self.copy_of, self.copy = layer, channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)
        return self.copy

    def wait(self, timeout: float = 10) -> None:
        """Wait until what was handed over is sent or given up (for tests and shutdown)."""
        deadline = time.monotonic() + timeout
        while self.backlog and time.monotonic() < deadline:
            time.sleep(0.01)

    async def fresh_connections(self, layer) -> None:
        """Close this loop's connections to Redis, so the next send opens new ones."""
        layers = getattr(layer, "_layers", {})  # channels_redis: one set per event loop
        own = layers.get(asyncio.get_running_loop())
        if own is not None:
            with suppress(*LAYER_ERRORS):
                async with asyncio.timeout(BROADCAST_TIMEOUT_SECONDS):
                    await own.flush()


sender = Sender()


def recheck_user_sockets(user_id: int) -> None:
    """After a change to an account (active, groups, site), its open sockets
    check their right at once and close if it is gone. Sent after commit."""

    def recheck():
        send_all([(user_group(user_id), {"type": "access.changed"})])

    transaction.on_commit(recheck, robust=True)


def close_session_sockets(session_key: str) -> None:
    """Close the sockets a login session opened (used on logout)."""
    if session_key:
        send_all([(session_group(session_key), {"type": "session.ended"})])
