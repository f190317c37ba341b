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
"""

import threading

from django.db.backends.sqlite3 import base, creation
from django.utils.asyncio import async_unsafe

# Idle connections kept per database file; more than that are closed.
POOL_SIZE = 8

_pools: dict[str, list] = {}
_lock = threading.Lock()


class DatabaseCreation(creation.DatabaseCreation):
    """The test database's file is removed and made anew: no pooled connection may outlive it."""

    def _create_test_db(self, *args, **kwargs):
        close_pooled()
        return super()._create_test_db(*args, **kwargs)

    def _destroy_test_db(self, *args, **kwargs):
        close_pooled()
        return super()._destroy_test_db(*args, **kwargs)


class DatabaseWrapper(base.DatabaseWrapper):
    creation_class = DatabaseCreation

    def pool_key(self, conn_params) -> tuple:
        return (*sorted((name, repr(value)) for name, value in conn_params.items()), *self.init_commands)

    @async_unsafe
    def get_new_connection(self, conn_params):
        key = self._pool_key = self.pool_key(conn_params)
        with _lock:
            pool = _pools.get(key)
            if pool:
                return pool.pop()
        return super().get_new_connection(conn_params)

    def _close(self):
        conn = self.connection
        if conn is None or self.is_in_memory_db():
            return super()._close()
        with self.wrap_database_errors:
            if conn.in_transaction:
                conn.rollback()
        key = self._pool_key
        with _lock:
            pool = _pools.setdefault(key, [])
            if len(pool) < POOL_SIZE:
                pool.append(conn)
                return
        conn.close()


def close_pooled() -> None:
    """Close every idle connection (for a database file about to be removed)."""
    with _lock:
        conns = [conn for pool in _pools.values() for conn in pool]
        _pools.clear()
    for conn in conns:
        conn.close()
