"""Full garbage collections between broadcasts rather than in the middle of one.

CPython starts a full collection when enough objects have been allocated,
and nothing allocates like a broadcast: every socket's message, task step
and frame. So the full collection (10-60 ms with a few hundred sockets
open, everything made since ``gc.freeze()`` walked once) nearly always
came in the middle of a broadcast, and every socket still to be sent
waited for it (bench/README.md, round four, sixth part).

Here a full collection that is due is made just after a broadcast has been
handed to the sockets, behind its sends in the sockets' event loop, where
the next change is rarely waiting. CPython is left to make one by itself
only at twice its own cadence, for a process that goes on allocating with
no broadcast (pages, sockets opening); nothing is collected less often
than that. (At three times, the cyclic garbage of sockets opening stayed
long enough to add 3 KB to each socket's share of the memory.) The young
generations are collected by CPython as always: those pauses are well
under a millisecond.
"""

import asyncio
import gc

from site_ops.speedups.layers import after_woken_steps

# A full collection is due after this many collections of the middle
# generation since the last one: CPython's own default threshold.
DUE = 10
# CPython collects by itself after this many (no broadcast came in time).
AUTOMATIC = 2 * DUE

serving_loop: asyncio.AbstractEventLoop | None = None
installed = False


def install() -> None:
    """Collect this way from now on (the server's process, after ``gc.freeze()``)."""
    global installed
    young, middle, _full = gc.get_threshold()
    gc.set_threshold(young, middle, AUTOMATIC)
    installed = True


def serve_in(loop: asyncio.AbstractEventLoop) -> None:
    """The event loop the board sockets are served in (a socket calls this as it opens)."""
    global serving_loop
    serving_loop = loop


def due() -> bool:
    return gc.get_count()[2] >= DUE


def after_broadcast() -> None:
    """Make the full collection that is due once the broadcast just handed over is sent.

    Called from the thread that made the broadcast, whose sends are queued
    in the sockets' loop already: the collection runs behind them.
    """
    if not installed or not due():
        return
    loop = serving_loop
    if loop is None or loop.is_closed() or not loop.is_running():
        collect()
        return
    try:
        after_woken_steps(loop, collect)
    except RuntimeError:  # the loop closed meanwhile
        collect()


def collect() -> None:
    # Another broadcast may have collected since this one was queued.
    if due():
        gc.collect()
