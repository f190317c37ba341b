"""The board clock: what time alone changes, published once per board when it happens.

A task becomes overdue, the next meal round comes up, a shift hands over:
nothing is written, so nothing is published. The pages used to re-fetch
their board once a minute for that, each for itself (one render per page per
minute). Now one thread per process that serves board sockets wakes just
after each minute turns, and for each board someone has open (on a site with
a board audience) reads the board's ``clock_parts`` once, renders them once
in the site's language and compares each with what it rendered the minute
before. The parts that changed are sent to the board's audience like any
change (``live.publish_parts``: the board's number is bumped, each language
rendered once); a board where nothing changed costs one render a minute and
sends nothing. What the first tick compares with is read before the board's
first snapshot in the process (``baseline``): every socket's snapshot is at
least that new, so a part that has not changed since needs no sending. Before
this, the first tick after a restart sent every clock part of every open
board (every room's cell of a 1,000-room control screen, every floor of the
catering board) to every socket, the minute after a reconnect storm.

A tick waits for the requests that change something (``live.writes``)
before each board and part it renders, within ``QUIET_BUDGET_SECONDS`` a
minute: an action answered meanwhile does not share the interpreter with it.

``BOARD_CLOCK=0`` switches it off (the tests, which start it where they need
it). With several processes on Redis each process's clock runs, cannot tell
who has a board open, and reads every board that has a number; so a part
time changed reaches its board once from each process (the same HTML,
swapped in again). Taking the minute in the database, as the scheduled jobs
do, would make it once; not done yet. The baseline is a process's own: a
process that never served a board's snapshot has none, and its first tick
sends every part of that board, as before.
"""

import hashlib
import logging
import os
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import translation

from site_ops import live
from site_ops.boards import BOARDS, Board, render_parts

logger = logging.getLogger(__name__)

# The sent parts' renders, by site, board and part id: what the next tick compares with.
_last: dict[tuple[int, str, str], str] = {}
# The site's boards whose clock parts were read before their first snapshot (``baseline``).
_baselined: set[tuple[int, str]] = set()
# One lock per board: the sockets of one board wait for its read, not for another board's.
_baseline_locks: dict[tuple[int, str], threading.Lock] = {}


def audience_sites(key: str) -> set[int]:
    """The sites where someone has the board open (where the layer can tell), else every site that has its number."""
    from channels.layers import InMemoryChannelLayer, get_channel_layer

    layer = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        sites = set()
        for group, members in layer.groups.items():
            site, _sep, rest = group.partition(".")
            if members and site.startswith("site-") and rest.rsplit(".", 1)[0] == key:
                sites.add(int(site.removeprefix("site-")))
        return sites
    from site_ops.models import BoardSequence

    return set(BoardSequence.objects.filter(board=key).values_list("site_id", flat=True))


# How long a minute's tick may wait in all for the writes under way (``live.writes``), between its
# boards' parts: an action answered meanwhile has the interpreter to itself, and a site that is never
# quiet still gets its minute.
QUIET_BUDGET_SECONDS = 2.0


class Quiet:
    """A tick's waits for the writes under way, within its budget."""

    def __init__(self, budget: float):
        self.deadline = time.monotonic() + budget

    def __call__(self) -> None:
        left = self.deadline - time.monotonic()
        if left > 0:
            live.writes.quiet(left)


def tick() -> dict[tuple[int, str], int]:
    """Send what time changed on every board someone has open; returns how many parts went to each."""
    sent = {}
    quiet = Quiet(QUIET_BUDGET_SECONDS)
    for key, board in BOARDS.items():
        if type(board).clock_parts is Board.clock_parts:
            continue  # time changes nothing on this board
        for site_id in sorted(audience_sites(key)):
            try:
                quiet()
                changed = changed_parts(site_id, key, board, quiet=quiet)
            except Exception:
                # One site's board failing (a site deleted, a read gone wrong)
                # leaves the other boards their minute.
                logger.exception("board clock: %s of site %s", key, site_id)
                continue
            if changed:
                live.publish_parts(site_id, {key: changed})
                sent[(site_id, key)] = len(changed)
    return sent


def changed_parts(site_id: int, key: str, board: Board, parts: list | None = None, quiet=None) -> list:
    """The board's clock parts (``parts``, else read now) whose render differs from the last one sent (all of them
    the first time). ``quiet``: called before each part's render (a tick's wait for the writes under way)."""
    parts = (board.clock_parts(site_id) if parts is None else parts) or []
    changed = []
    with translation.override(settings.LANGUAGE_CODE):
        for part_id, template, context in parts:
            if quiet is not None:
                quiet()
            html = render_parts([(template, context)])
            digest = hashlib.blake2b(html.encode(), digest_size=16).hexdigest()
            if _last.get((site_id, key, part_id)) != digest:
                _last[(site_id, key, part_id)] = digest
                changed.append((template, context))
    return changed


def baseline(site_id: int, key: str, parts=None) -> None:
    """Read a board's clock parts, as the tick does, before its first snapshot in this process.

    The snapshot runs it with its own reads (``live.snapshot``'s ``first``):
    what the board's snapshot reads through ``shared_by_renders`` is read
    once for both. A board whose whole read is dear (the control screen's
    thousand rooms, ``baseline_in_snapshot``) calls it from its snapshot's
    render instead, with ``parts`` made from that read: kept for the
    snapshot's other language, that read stayed alive seconds after a storm
    and slowed the first broadcast after it (bench/README.md, twenty-first part).

    Called before every snapshot (a set lookup once done): the first tick
    then sends only what changed since, and a part that changed after it (a
    task overdue at 10:04:37, a minute turning) differs from it, so it is
    sent, whichever side of the change a socket's snapshot was rendered on.
    Sockets opening at once wait for the one read of their board. Without the clock, or for
    a board time changes nothing on, it does nothing; a read that fails
    leaves the first tick to send every part, as it did before.
    """
    if (site_id, key) in _baselined or not settings.BOARD_CLOCK:
        return
    board = BOARDS.get(key)
    if board is None or type(board).clock_parts is Board.clock_parts:
        return
    if parts is None and board.baseline_in_snapshot:
        return  # its snapshot's render takes it
    with _baseline_locks.setdefault((site_id, key), threading.Lock()):
        if (site_id, key) in _baselined:
            return
        try:
            changed_parts(site_id, key, board, parts() if parts else None)
        except Exception:
            logger.exception("board clock: baseline of %s of site %s", key, site_id)
            return
        _baselined.add((site_id, key))


class BoardClock(threading.Thread):
    def __init__(self, period: float):
        super().__init__(name="site-ops-board-clock", daemon=True)
        self.period = period
        self.stopped = threading.Event()

    def next_delay(self) -> float:
        # Just after the minute turns (a quarter of a second in), when an
        # "overdue at 10:05" has become true.
        return self.period - time.time() % self.period + min(0.25, self.period / 4)

    def run(self):
        while not self.stopped.wait(self.next_delay()):
            try:
                close_old_connections()
                tick()
            except Exception:
                logger.exception("board clock tick failed")
            finally:
                connections.close_all()

    def stop(self):
        self.stopped.set()


_started: dict[int, BoardClock] = {}
_lock = threading.Lock()


def start() -> BoardClock | None:
    """Start this process's board clock once (a forked process starts its own), unless ``BOARD_CLOCK`` is off."""
    if not settings.BOARD_CLOCK:
        return None
    pid = os.getpid()
    if pid not in _started:
        with _lock:
            if pid not in _started:
                _started[pid] = BoardClock(settings.BOARD_CLOCK_SECONDS)
                _started[pid].start()
    return _started[pid]
