"""The heartbeats of a process's board sockets, answered together.

Every board socket's page sends a heartbeat every 10 s: 50 a second for
500 tablets. Each used to take its own hop to Django's thread, which closes
and reopens the database connection around it, and three statements of its
own: of an idle socket's cost, the hop and its connection were the greater
part (bench/README.md, round four, continued). Here the heartbeats that
arrive within ``WINDOW_SECONDS`` of each other are checked in one hop,
with one statement for their sessions, one for their boards' numbers and
one per account.

Waiting for the window holds nothing else back: a board socket handles its
heartbeat outside the lock that keeps its broadcasts in order, and takes the
lock only to send what must keep its place among them (a snapshot).
"""

import asyncio
import weakref

from channels.db import database_sync_to_async

# How long a heartbeat waits for others to be checked with. Its page does not
# wait for the answer (it calls a socket dead after three silent heartbeats,
# 30 s); a board that fell behind gets its snapshot this much later. Measured
# on 500 idle sockets: 13.1 % of a core checked one by one, 8.3 % with 0.05 s,
# 5.5 % with 0.25 s (bench/README.md, round four, continued); since, with the
# rest of round four, 2.4-3.3 % with 0.25 s, 2.1-2.3 with 0.5 and 2.0-2.6 with
# 1 s (twenty-first part): half a second halves the checks, and a second
# saves little more while it delays a fallen-behind board's snapshot.
WINDOW_SECONDS = 0.5

_batches: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Batch]" = weakref.WeakKeyDictionary()


class Batch:
    """The heartbeats waiting in one event loop, and the task that checks them."""

    def __init__(self, check_all):
        self.check_all = check_all
        self.waiting: list[tuple[object, asyncio.Future]] = []
        self.flushing: asyncio.Task | None = None
        self.checks = 0  # hops taken, for the tests and the benchmark

    async def state(self, consumer):
        loop = asyncio.get_running_loop()
        answer = loop.create_future()
        self.waiting.append((consumer, answer))
        if self.flushing is None:
            self.flushing = loop.create_task(self.flush())
        return await answer

    async def flush(self):
        try:
            await asyncio.sleep(WINDOW_SECONDS)
        finally:
            batch, self.waiting, self.flushing = self.waiting, [], None
        batch = [(consumer, answer) for consumer, answer in batch if not answer.done()]
        if not batch:
            return
        self.checks += 1
        try:
            outcomes = await database_sync_to_async(self.check_all)([consumer for consumer, _answer in batch])
        except BaseException as error:
            # The database failing fails every heartbeat of the batch, as it
            # would have failed each alone; a cancelled flush cancels them.
            for _consumer, answer in batch:
                if not answer.done():
                    answer.cancel() if isinstance(error, asyncio.CancelledError) else answer.set_exception(error)
            if isinstance(error, asyncio.CancelledError):
                raise
            return
        for (_consumer, answer), outcome in zip(batch, outcomes, strict=True):
            if answer.done():
                continue  # the socket went while it waited
            if isinstance(outcome, Exception):
                answer.set_exception(outcome)
            else:
                answer.set_result(outcome)


def batch_for(check_all) -> Batch:
    """This event loop's batch of heartbeats checked by ``check_all``."""
    loop = asyncio.get_running_loop()
    batch = _batches.get(loop)
    if batch is None:
        batch = _batches[loop] = Batch(check_all)
    return batch
