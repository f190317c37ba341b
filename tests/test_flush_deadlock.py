"""The clean-up after a live test survives another connection's deadlock (PostgreSQL only).

A browser test's server is another process: a request it is still finishing
can hold one table and wait for another while the test's flush (one TRUNCATE
of every table) holds the second and waits for the first. PostgreSQL aborts
one of the two; when it is the flush, the next test used to start on the last
one's rows. Here the deadlock is made for real, from another connection.
"""

import threading
import time
import unittest
from unittest import mock

from django.core.management.base import CommandError
from django.db import connection, connections
from django.test import TransactionTestCase

from tests.base import AuditFlushMixin, _is_deadlock
from tests.factories import make_site


@unittest.skipUnless(connection.vendor == "postgresql", "a TRUNCATE deadlock is PostgreSQL's")
class FlushDeadlockTests(AuditFlushMixin, TransactionTestCase):
    def _other_connection(self):
        other = connections.create_connection("default")
        other.ensure_connection()
        other.inc_thread_sharing()  # it is used from the blocking thread
        self.addCleanup(other.close)
        return other

    def _flush_blocked_by(self, flush_pid, tables):
        """Hold the last table the TRUNCATE locks until it waits for it, then ask for its first.

        Django's flush lists the tables in the order of a set (it varies from
        process to process): the test reads that same list, so that the flush
        holds the first table when it waits for the last.
        """
        quote = self.other.ops.quote_name
        cursor = self.other.cursor()
        cursor.execute("BEGIN")
        try:
            cursor.execute("SELECT count(*) FROM " + quote(tables[-1]))  # noqa: S608 (a table's name)
            self.holding.set()
            deadline = time.monotonic() + 10
            waiting = False
            while not waiting and time.monotonic() < deadline:
                cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted)", [flush_pid])
                waiting = cursor.fetchone()[0]
                time.sleep(0.02)
            if not waiting:
                self.other_outcome = "the flush never waited on the other connection"
                return
            try:
                # Waits for the flush, which waits for us: PostgreSQL's detector aborts one of the two.
                cursor.execute("SELECT count(*) FROM " + quote(tables[0]))  # noqa: S608 (a table's name)
                self.other_outcome = "read"
            except Exception as exc:  # the other side may be the one chosen
                self.other_outcome = "deadlock" if _is_deadlock(exc) else repr(exc)
        finally:
            cursor.execute("ROLLBACK")

    def test_flush_retried_after_a_deadlock(self):
        make_site()
        self.other = self._other_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            flush_pid = cursor.fetchone()[0]

        attempts = []
        flush = super(AuditFlushMixin, self)._fixture_teardown

        def counted():
            attempts.append(time.monotonic())
            return flush()

        tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
        self.assertGreater(len(tables), 2)
        self.holding = threading.Event()
        blocker = threading.Thread(target=self._flush_blocked_by, args=(flush_pid, tables))
        blocker.start()
        # The other connection takes its table before the flush starts.
        self.assertTrue(self.holding.wait(10))
        with connection.cursor() as cursor:
            # However it goes, the flush never waits for ever (the test fails instead).
            cursor.execute("SET lock_timeout = '20s'")
        try:
            with mock.patch.object(TransactionTestCase, "_fixture_teardown", lambda self_: counted()):
                self._fixture_teardown()
        finally:
            blocker.join(15)
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")

        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM rooms_site")
            self.assertEqual(cursor.fetchone()[0], 0)
        # Either the flush was aborted and tried again, or the other side was the one aborted.
        if self.other_outcome == "deadlock":
            self.assertEqual(len(attempts), 1)
        else:
            self.assertEqual(self.other_outcome, "read")
            self.assertGreaterEqual(len(attempts), 2)

    def test_other_failures_are_raised(self):
        failure = mock.Mock(side_effect=CommandError("not a deadlock"))
        with (
            mock.patch.object(TransactionTestCase, "_fixture_teardown", lambda self_: failure()),
            self.assertRaises(CommandError),
        ):
            self._fixture_teardown()
        self.assertEqual(failure.call_count, 1)
