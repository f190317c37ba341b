"""Django's SQLite backend, with connections kept for the next request.

Under ASGI, Django runs each request's sync code in a thread of its own, and
its connections belong to the thread, so ``CONN_MAX_AGE`` cannot keep one:
every request, and every board socket's snapshot and heartbeat, opened a new
connection (registering Django's thirty-odd SQL functions and running the
PRAGMAs) and closed it again, 0.7 ms each time (bench/README.md). Here a
closed connection goes back to a small pool, rolled back if a transaction was
left open, and the next connection to the same database file takes it.

SQLite allows a connection to move between threads (Django opens them with
``check_same_thread=False``) as long as two threads never use it at once;
the pool hands each to one wrapper at a time. Connections are pooled by
everything they were opened with (the file, the options, the PRAGMAs). A
read left unfinished would hold an old snapshot for the next user: Django's
cursors, and ``raw()``'s, are closed when read, and nothing here iterates a
query lazily.

The write-ahead log is checkpointed by a thread of the process, once a
second, instead of by whichever request's commit found the log past SQLite's
1,000 pages: that commit copied the log into the database and synced both
files, 5-7 ms added to one change in a few dozen (bench/README.md, round
four, twenty-third part). A commit still checkpoints the log itself past
``WAL_AUTOCHECKPOINT_PAGES``, should the thread ever fall that far behind.
"""

import atexit
import datetime
import logging
import sqlite3
import threading
from urllib.parse import quote

from django.conf import settings
from django.core.signals import setting_changed
from django.db.backends.sqlite3 import base, creation
from django.dispatch import receiver
from django.utils.asyncio import async_unsafe

logger = logging.getLogger(__name__)

# Idle connections kept per database file; more than that are closed.
POOL_SIZE = 8
# How often the process's thread checkpoints the write-ahead log.
CHECKPOINT_SECONDS = 1.0
# Past this many pages of log, a commit checkpoints it itself (SQLite's own default: 1,000).
WAL_AUTOCHECKPOINT_PAGES = 10_000

_pools: dict[str, list] = {}
_lock = threading.Lock()
# One per database file: the transactions of this process queue here for
# SQLite's write lock (see DatabaseWrapper._start_transaction_under_autocommit).
_write_locks: dict[str, threading.Lock] = {}
# One per database file: the thread that checkpoints its write-ahead log.
_checkpointers: dict[str, "Checkpointer"] = {}


class Checkpointer(threading.Thread):
    """Checkpoints one database file's write-ahead log every ``CHECKPOINT_SECONDS``, on a connection of its own.

    PASSIVE: it copies what no reader still needs and waits for no one; what
    it leaves, the next round takes. A log fully copied is started over by
    the next write, so the log stays small and no commit meets the 1,000
    pages. The connection opens the file read-write without creating it (a
    test database removed meanwhile is not made again).
    """

    def __init__(self, path: str):
        super().__init__(name="sqlite-checkpoint", daemon=True)
        self.path = path
        self.stopping = threading.Event()
        self.rounds = 0  # for the tests

    def run(self) -> None:
        uri = f"file:{quote(self.path)}?mode=rw"
        while not self.stopping.wait(CHECKPOINT_SECONDS):
            # A connection of its own for each round, closed after it: one held
            # between rounds would outlive the process's other connections, and the
            # last connection to close is the one that empties the log into the
            # database file (a copy of the file alone would miss what the log held).
            try:
                conn = sqlite3.connect(uri, uri=True, timeout=0, isolation_level=None, check_same_thread=False)
            except sqlite3.Error as error:  # the file gone: nothing to do this round
                logger.debug("checkpoint of %s skipped: %s", self.path, error)
                continue
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                self.rounds += 1
            except sqlite3.Error as error:  # locked: the next round
                logger.debug("checkpoint of %s skipped: %s", self.path, error)
            finally:
                conn.close()

    def stop(self) -> None:
        self.stopping.set()
        if self is not threading.current_thread():
            self.join(5)


def start_checkpointer(path: str) -> None:
    with _lock:
        if path in _checkpointers and _checkpointers[path].is_alive():
            return
        checkpointer = _checkpointers[path] = Checkpointer(path)
    checkpointer.start()


@atexit.register
def stop_checkpointers() -> None:
    with _lock:
        stopping = list(_checkpointers.values())
        _checkpointers.clear()
    for checkpointer in stopping:
        checkpointer.stop()


class DatabaseCreation(creation.DatabaseCreation):
    """The test database's file is removed and made anew: no pooled connection may outlive it."""

    def _create_test_db(self, *args, **kwargs):
        close_pooled()
        return super()._create_test_db(*args, **kwargs)

    def _destroy_test_db(self, *args, **kwargs):
        close_pooled()
        return super()._destroy_test_db(*args, **kwargs)


class DatabaseOperations(base.DatabaseOperations):
    def convert_datetimefield_value(self, value, expression, connection):
        """Django's, for what SQLite's converter made a naive datetime of already (every value the ORM
        wrote): the connection's zone is put on it, as ``make_aware`` does, without reading
        ``settings.USE_TZ`` through the settings' lazy object for each value. A board's read of a hundred
        rooms converts about a thousand (bench/README.md, round four, twenty-ninth part)."""
        if value.__class__ is datetime.datetime and value.tzinfo is None and _USE_TZ[0]:
            return value.replace(tzinfo=self.connection.timezone)
        return super().convert_datetimefield_value(value, expression, connection)


# settings.USE_TZ, read again when a test changes it.
_USE_TZ = [settings.USE_TZ]


@receiver(setting_changed)
def _use_tz_changed(*, setting, **kwargs):
    if setting == "USE_TZ":
        _USE_TZ[0] = settings.USE_TZ


class DatabaseWrapper(base.DatabaseWrapper):
    creation_class = DatabaseCreation
    ops_class = DatabaseOperations
    # The process's write lock while this connection's transaction holds it.
    _holding = None

    def pool_key(self, conn_params) -> tuple:
        return (*sorted((name, repr(value)) for name, value in conn_params.items()), *self.init_commands)

    @async_unsafe
    def get_new_connection(self, conn_params):
        key = self._pool_key = self.pool_key(conn_params)
        with _lock:
            pool = _pools.get(key)
            if pool:
                return pool.pop()
        conn = super().get_new_connection(conn_params)
        if not self.is_in_memory_db():
            conn.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
            start_checkpointer(str(self.settings_dict["NAME"]))
        return conn

    # SQLite's write lock, taken by BEGIN IMMEDIATE, is waited for by
    # polling: a transaction that finds it held sleeps 1, 2, 5, 10, 15, 20,
    # 25... ms and tries again, so under a burst of writes each one waited
    # for the one before it in those steps, long after it had committed. The
    # transactions of this process queue for it on a lock of their own
    # instead, which hands it to the next one the moment it is released;
    # other processes on the same file still meet SQLite's own wait.

    def _start_transaction_under_autocommit(self):
        if self.is_in_memory_db():  # a database of its own: nobody to queue with
            return super()._start_transaction_under_autocommit()
        write_lock = self._write_lock()
        # Past the connection's own timeout, BEGIN is tried anyway and SQLite's
        # wait (or its "database is locked") decides, as without this lock.
        self._holding = write_lock if write_lock.acquire(timeout=self._timeout()) else None
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_write_lock()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_write_lock_when_done()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_write_lock_when_done()

    def _write_lock(self) -> threading.Lock:
        name = str(self.settings_dict["NAME"])
        with _lock:
            return _write_locks.setdefault(name, threading.Lock())

    def _timeout(self) -> float:
        return float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))

    def _release_write_lock(self) -> None:
        held, self._holding = self._holding, None
        if held is not None:
            held.release()

    def _release_write_lock_when_done(self) -> None:
        # A COMMIT that fails (a deferred constraint) leaves the transaction
        # open, and SQLite's lock with it, until the rollback that follows.
        if self.connection is None or not self.connection.in_transaction:
            self._release_write_lock()

    def _close(self):
        conn = self.connection
        if conn is None or self.is_in_memory_db():  # neither holds the process's lock
            return super()._close()
        with self.wrap_database_errors:
            try:
                if conn.in_transaction:
                    conn.rollback()
            finally:
                self._release_write_lock()
        key = self._pool_key
        with _lock:
            pool = _pools.setdefault(key, [])
            if len(pool) < POOL_SIZE:
                pool.append(conn)
                return
        conn.close()


def close_pooled() -> None:
    """Close every idle connection, and stop the checkpoints (for a database file about to be removed)."""
    stop_checkpointers()
    with _lock:
        conns = [conn for pool in _pools.values() for conn in pool]
        _pools.clear()
    for conn in conns:
        conn.close()
