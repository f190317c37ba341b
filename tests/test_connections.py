"""What every request and board socket pays before its own work: the database
connection, the login with its site, the socket's session."""

import asyncio
import importlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from unittest import mock, skipUnless
from urllib.parse import urlencode

from asgiref.sync import SyncToAsync, async_to_sync, sync_to_async
from channels.testing import HttpCommunicator
from django.conf import settings
from django.contrib.auth.models import User
from django.core.signals import request_started
from django.db import IntegrityError, OperationalError, connection
from django.test import SimpleTestCase, TransactionTestCase

from rooms.backends import StaffBackend
from rooms.roles import site_of
from site_ops.asgi import SocketSessionMiddleware, application, django_asgi_app
from site_ops.speedups import asgi as speedups_asgi
from site_ops.speedups.sqlite import base as pool
from tests.base import LiveTestCase, SiteTestCase, SocketMixin

# A migration module's name starts with an underscore, not a digit, but it is
# still imported by path like the migrations beside it.
moves = importlib.import_module("rooms.migrations._moves")


class OwnDatabaseFile(TransactionTestCase):
    """Each test opens its own database file through the pool; the test database is not used."""

    def setUp(self):
        self.folder = tempfile.TemporaryDirectory()
        self.addCleanup(self.folder.cleanup)
        self.addCleanup(pool.close_pooled)
        self.path = str(Path(self.folder.name) / "pool.sqlite3")
        self.settings_dict = {**connection.settings_dict, "NAME": self.path}

    def wrapper(self):
        return pool.DatabaseWrapper(dict(self.settings_dict), alias="pool-test")


@skipUnless(connection.vendor == "sqlite", "the pool is SQLite's")
class PooledSQLiteTests(OwnDatabaseFile):
    def test_a_closed_connection_serves_the_next_request(self):
        first = self.wrapper()
        first.ensure_connection()
        raw = first.connection
        first.close()
        second = self.wrapper()
        second.ensure_connection()
        self.assertIs(second.connection, raw)
        with second.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            self.assertEqual(cursor.fetchone()[0], "wal")
        second.close()

    def test_a_transaction_left_open_is_rolled_back_not_passed_on(self):
        first = self.wrapper()
        with first.cursor() as cursor:
            cursor.execute("CREATE TABLE kept (n INTEGER)")
        first.connection.execute("BEGIN IMMEDIATE")
        first.connection.execute("INSERT INTO kept VALUES (1)")
        raw = first.connection
        first.close()
        self.assertFalse(raw.in_transaction)
        # The next user of the connection finds the insert undone and takes
        # the write lock at once.
        second = self.wrapper()
        second.ensure_connection()
        self.assertIs(second.connection, raw)
        second.connection.execute("BEGIN IMMEDIATE")
        self.assertEqual(second.connection.execute("SELECT COUNT(*) FROM kept").fetchone()[0], 0)
        second.connection.rollback()
        second.close()

    def test_it_keeps_a_few_and_closes_the_rest(self):
        wrappers = [self.wrapper() for _ in range(pool.POOL_SIZE + 3)]
        for wrapper in wrappers:
            wrapper.ensure_connection()
        for wrapper in wrappers:
            wrapper.close()
        probe = self.wrapper()
        self.assertEqual(len(pool._pools[probe.pool_key(probe.get_connection_params())]), pool.POOL_SIZE)

    def test_other_options_get_their_own_connections(self):
        first = self.wrapper()
        first.ensure_connection()
        raw = first.connection
        first.close()
        options = {**self.settings_dict["OPTIONS"], "init_command": "PRAGMA synchronous=FULL;"}
        other = pool.DatabaseWrapper({**self.settings_dict, "OPTIONS": options}, "other")
        other.ensure_connection()
        self.assertIsNot(other.connection, raw)
        other.close()

    def test_another_database_file_gets_its_own_connections(self):
        first = self.wrapper()
        first.ensure_connection()
        raw = first.connection
        first.close()
        elsewhere = pool.DatabaseWrapper({**self.settings_dict, "NAME": self.settings_dict["NAME"] + "-2"}, "other")
        elsewhere.ensure_connection()
        self.assertIsNot(elsewhere.connection, raw)
        elsewhere.close()

    def test_a_transaction_waits_for_the_one_before_on_the_process_lock_and_sees_its_write(self):
        first = self.wrapper()
        with first.cursor() as cursor:
            cursor.execute("CREATE TABLE kept (n INTEGER)")
        queued, began, seen = threading.Event(), threading.Event(), []
        lock = first._write_lock()
        watched = WatchedLock(lock, queued)
        with mock.patch.dict(pool._write_locks, {self.settings_dict["NAME"]: watched}):
            begin(first)
            first.cursor().execute("INSERT INTO kept VALUES (1)")

            def second_writer():
                second = self.wrapper()
                begin(second)
                began.set()
                seen.append(second.connection.execute("SELECT COUNT(*) FROM kept").fetchone()[0])
                second.commit()
                second.close()

            thread = threading.Thread(target=second_writer)
            thread.start()
            # The second transaction asks the process's lock while the first
            # holds it, and does not begin until the first has committed.
            self.assertTrue(queued.wait(10))
            self.assertFalse(began.is_set())
            first.commit()
            thread.join(10)
        self.assertEqual(seen, [1])
        self.assertFalse(lock.locked())
        first.close()

    def test_the_lock_is_given_back_by_a_commit_a_rollback_a_close_and_a_failed_begin(self):
        wrapper = self.wrapper()
        lock = wrapper._write_lock()
        for end in (wrapper.commit, wrapper.rollback, wrapper.close):
            begin(wrapper)
            self.assertTrue(lock.locked())
            end()
            self.assertFalse(lock.locked(), end.__name__)
        sqlite_begin = mock.Mock(side_effect=OperationalError("disk I/O error"))
        failing = mock.patch.object(pool.base.DatabaseWrapper, "_start_transaction_under_autocommit", sqlite_begin)
        with failing, self.assertRaises(OperationalError):
            begin(wrapper)
        self.assertFalse(lock.locked())
        wrapper.close()

    def test_a_commit_that_fails_keeps_the_lock_until_the_rollback(self):
        wrapper = self.wrapper()
        with wrapper.cursor() as cursor:
            cursor.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
            cursor.execute(
                "CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"
            )
        lock = wrapper._write_lock()
        begin(wrapper)
        wrapper.cursor().execute("INSERT INTO child VALUES (7)")  # no parent 7: refused at the commit
        with self.assertRaises(IntegrityError):
            wrapper.commit()
        # SQLite's transaction, and its lock, are still open: so is the process's.
        self.assertTrue(wrapper.connection.in_transaction)
        self.assertTrue(lock.locked())
        wrapper.rollback()
        self.assertFalse(lock.locked())
        wrapper.close()

    def test_past_its_timeout_a_transaction_meets_sqlites_own_answer_and_takes_nothing(self):
        self.settings_dict["OPTIONS"] = {**self.settings_dict["OPTIONS"], "timeout": 0.05}
        first = self.wrapper()
        begin(first)
        lock = first._write_lock()
        errors = []

        def second_writer():
            second = self.wrapper()
            try:
                begin(second)
            except OperationalError as error:
                errors.append(str(error))
            second.close()

        thread = threading.Thread(target=second_writer)
        thread.start()
        thread.join(10)
        self.assertEqual(errors, ["database is locked"])
        self.assertTrue(lock.locked())  # still the first's
        first.commit()
        self.assertFalse(lock.locked())
        first.close()


def begin(wrapper) -> None:
    """What ``transaction.atomic`` does on entering its outermost block."""
    wrapper.ensure_connection()
    wrapper._start_transaction_under_autocommit()


@skipUnless(connection.vendor == "sqlite", "the checkpoints are SQLite's")
class CheckpointTests(OwnDatabaseFile):
    """The write-ahead log is checkpointed by the process's thread, not by a request's commit."""

    def setUp(self):
        super().setUp()
        fast = mock.patch.object(pool, "CHECKPOINT_SECONDS", 0.02)
        fast.start()
        self.addCleanup(fast.stop)

    def wait_for_rounds(self, checkpointer, rounds):
        start = checkpointer.rounds
        deadline = time.monotonic() + 5
        while checkpointer.rounds < start + rounds:
            self.assertLess(time.monotonic(), deadline, "the checkpoint thread never ran")
            time.sleep(0.01)

    def in_the_database_file_alone(self, query):
        """``query`` on a copy of the database file without its log: what a checkpoint has copied into it."""
        copy = Path(self.folder.name) / "copy.sqlite3"
        shutil.copy(self.path, copy)
        reader = sqlite3.connect(copy)
        try:
            return reader.execute(query).fetchall()
        except sqlite3.OperationalError:  # the table itself is still only in the log
            return None
        finally:
            reader.close()

    def test_a_new_connection_leaves_the_checkpoints_to_the_thread(self):
        wrapper = self.wrapper()
        with wrapper.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint")
            self.assertEqual(cursor.fetchone()[0], pool.WAL_AUTOCHECKPOINT_PAGES)
            cursor.execute("CREATE TABLE kept (n INTEGER)")
        checkpointer = pool._checkpointers[self.path]
        self.assertTrue(checkpointer.is_alive())
        self.wait_for_rounds(checkpointer, 2)
        # What is committed reaches the database file itself within a round or two.
        with wrapper.cursor() as cursor:
            cursor.executemany("INSERT INTO kept VALUES (%s)", [(n,) for n in range(500)])
        self.wait_for_rounds(checkpointer, 2)
        self.assertEqual(self.in_the_database_file_alone("SELECT count(*) FROM kept"), [(500,)])
        wrapper.close()
        # One thread per file, however many connections.
        again = self.wrapper()
        again.ensure_connection()
        self.assertIs(pool._checkpointers[self.path], checkpointer)
        again.close()

    def test_what_a_process_wrote_is_in_the_database_file_when_it_ends(self):
        """The last connection to close empties the log into the file: the thread's is never the one left open
        (the benchmark copies a database file that a process seeded and left; a copy of the file alone must
        hold what was written)."""
        script = (
            "import django, sys, time; django.setup()\n"
            "from django.db import connection\n"
            "from site_ops.speedups.sqlite import base as pool\n"
            "pool.CHECKPOINT_SECONDS = 0.05\n"
            "wrapper = pool.DatabaseWrapper({**connection.settings_dict, 'NAME': sys.argv[1]}, alias='exit-test')\n"
            "with wrapper.cursor() as cursor:\n"
            "    cursor.execute('CREATE TABLE kept (n INTEGER)')\n"
            "    cursor.executemany('INSERT INTO kept VALUES (%s)', [(n,) for n in range(100)])\n"
            # The thread has run a round or two (and checkpointed the first rows) when the last are written.
            "time.sleep(5 * pool.CHECKPOINT_SECONDS)\n"
            "with wrapper.cursor() as cursor:\n"
            "    cursor.executemany('INSERT INTO kept VALUES (%s)', [(n,) for n in range(100, 300)])\n"
            "wrapper.close()\n"
        )
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "site_ops.settings", "SPEEDUPS": "1"}
        env.pop("DATABASE_URL", None)  # the script's own SQLite file, whatever the suite runs on
        subprocess.run([sys.executable, "-c", script, self.path], check=True, env=env, cwd=settings.BASE_DIR)
        self.assertEqual(self.in_the_database_file_alone("SELECT count(*) FROM kept"), [(300,)])

    def test_closing_the_pool_stops_the_thread_and_a_removed_file_is_not_made_again(self):
        wrapper = self.wrapper()
        wrapper.ensure_connection()
        wrapper.close()
        checkpointer = pool._checkpointers[self.path]
        pool.close_pooled()
        self.assertFalse(checkpointer.is_alive())
        for suffix in ("", "-wal", "-shm"):
            Path(self.path + suffix).unlink(missing_ok=True)
        # A thread still running when its file goes skips its rounds and makes nothing.
        orphan = pool.Checkpointer(self.path)
        orphan.start()
        self.addCleanup(orphan.stop)
        time.sleep(0.1)
        self.assertFalse(Path(self.path).exists())


@skipUnless(connection.vendor == "sqlite", "the SQLite backend's converter")
class DatetimeConverterTests(SimpleTestCase):
    """A datetime column's value, read back: the same as Django's own converter gives, whatever came."""

    def test_the_same_values_as_djangos_converter(self):
        import datetime

        from django.db.backends.sqlite3.operations import DatabaseOperations
        from django.test import override_settings

        self.assertIsInstance(connection.ops, pool.DatabaseOperations)
        naive = datetime.datetime(2026, 12, 7, 23, 11, 49, 123456)
        values = [
            None,
            naive,
            naive.replace(tzinfo=datetime.UTC),
            naive.replace(tzinfo=datetime.timezone(datetime.timedelta(hours=8))),
            "2026-12-07 23:11:49.123456",  # a value the sqlite3 module left as text
        ]
        plain = DatabaseOperations(connection)
        for use_tz in (True, False):
            with override_settings(USE_TZ=use_tz):
                for value in values:
                    with self.subTest(use_tz=use_tz, value=value):
                        ours = connection.ops.convert_datetimefield_value(value, None, connection)
                        theirs = plain.convert_datetimefield_value(value, None, connection)
                        self.assertEqual(ours, theirs)
                        self.assertEqual(getattr(ours, "tzinfo", None), getattr(theirs, "tzinfo", None))


class WatchedLock:
    """A lock that says when someone has to wait for it."""

    def __init__(self, lock, queued: threading.Event):
        self.lock, self.queued = lock, queued

    def acquire(self, blocking=True, timeout=-1):
        if self.lock.locked():
            self.queued.set()
        return self.lock.acquire(blocking, timeout)

    def release(self):
        self.lock.release()

    def locked(self):
        return self.lock.locked()


class StaffBackendTests(SiteTestCase):
    def test_the_user_comes_with_their_site_in_one_query(self):
        with self.assertNumQueries(1):
            user = StaffBackend().get_user(self.clerk.pk)
            self.assertEqual(site_of(user), self.site)

    def test_a_login_without_a_site_has_none(self):
        loner = User.objects.create_user("loner", password="x")
        with self.assertNumQueries(1):
            self.assertIsNone(site_of(StaffBackend().get_user(loner.pk)))

    def test_an_inactive_or_missing_user_gets_nobody(self):
        User.objects.filter(pk=self.clerk.pk).update(is_active=False)
        self.assertIsNone(StaffBackend().get_user(self.clerk.pk))
        self.assertIsNone(StaffBackend().get_user(10**9))


class SocketSessionTests(SimpleTestCase):
    def test_the_session_comes_from_the_cookie_and_sends_pass_through_untouched(self):
        seen = {}

        async def inner(scope, receive, send):
            seen["session_key"] = scope["session"].session_key
            seen["send"] = send

        async def server_send(message):
            pass

        key = "a" * 32
        scope = {"type": "websocket", "cookies": {"sessionid": key}}
        async_to_sync(SocketSessionMiddleware(inner))(scope, None, server_send)
        self.assertEqual(seen["session_key"], key)
        self.assertIs(seen["send"], server_send)
        self.assertNotIn("session", scope)  # the caller's scope is not changed


class SyncChainTests(SocketMixin, LiveTestCase):
    """HTTP through the real ASGI application: the middleware and view in one thread hop."""

    def test_the_middleware_runs_in_sync_mode(self):
        self.assertFalse(asyncio.iscoroutinefunction(django_asgi_app._middleware_chain))

    async def test_a_tablet_post_goes_through_the_whole_chain(self):
        key = await sync_to_async(self.session_cookie)(self.head)
        page = HttpCommunicator(
            application, "GET", "/control/", headers=[(b"host", b"127.0.0.1"), (b"cookie", f"sessionid={key}".encode())]
        )
        response = await page.get_response()
        self.assertEqual(response["status"], 200)
        headers = {name.lower(): value for name, value in response["headers"]}
        self.assertEqual(headers[b"x-frame-options"], b"DENY")  # the middleware below WhiteNoise ran
        token = next(
            value.decode().split(";")[0].split("=", 1)[1]
            for name, value in response["headers"]
            if name.lower() == b"set-cookie" and value.startswith(b"csrftoken=")
        )
        body = urlencode({"to": "out_of_service", "version": self.room.version, "note": ""}).encode()

        def move(*headers):
            path = f"/rooms/{self.room.pk}/move/"
            headers = [(b"host", b"127.0.0.1"), (b"content-type", b"application/x-www-form-urlencoded"), *headers]
            return HttpCommunicator(application, "POST", path, body=body, headers=headers).get_response()

        forged = await move((b"cookie", f"sessionid={key}".encode()))
        self.assertEqual(forged["status"], 403)  # CSRF still checked
        response = await move(
            (b"cookie", f"sessionid={key}; csrftoken={token}".encode()),
            (b"x-csrftoken", token.encode()),
            (b"hx-request", b"true"),
        )
        self.assertEqual(response["status"], 200)
        await self.room.arefresh_from_db()
        self.assertEqual(self.room.status, "out_of_service")

    def login_page(self):
        return HttpCommunicator(application, "GET", "/login/", headers=[(b"host", b"127.0.0.1")]).get_response()

    async def test_requests_one_after_another_reuse_one_thread_not_the_loops(self):
        threads = []

        def record(**kwargs):
            threads.append(threading.current_thread())

        request_started.connect(record)
        self.addCleanup(request_started.disconnect, record)
        for _ in range(3):
            self.assertEqual((await self.login_page())["status"], 200)
        self.assertEqual(len(set(threads)), 1)
        self.assertIsNot(threads[0], threading.current_thread())
        self.assertLessEqual(len(django_asgi_app.idle_threads), speedups_asgi.IDLE_REQUEST_THREADS)

    async def test_request_started_goes_in_the_requests_own_thread_hop(self):
        # Django's handler sends the signal from the event loop, a thread hop
        # of its own for its sync receivers; here it rides with the view.
        hops, started = [], []
        real_call = SyncToAsync.__call__

        async def counted(wrapper, *args, **kwargs):
            hops.append(getattr(wrapper.func, "__name__", repr(wrapper.func)))
            return await real_call(wrapper, *args, **kwargs)

        def record(**kwargs):
            started.append(threading.current_thread())

        request_started.connect(record)
        self.addCleanup(request_started.disconnect, record)
        with mock.patch.object(SyncToAsync, "__call__", counted):
            self.assertEqual((await self.login_page())["status"], 200)
        # (The response's close may follow, after the answer is sent.)
        self.assertEqual([hop for hop in hops if hop != "close"], ["started_and_response"])
        self.assertEqual(len(started), 1)
        self.assertIsNot(started[0], threading.current_thread())

    async def test_a_request_refused_before_the_view_is_still_a_started_request(self):
        # A query string that is not UTF-8: Django answers 400 without a view.
        started = []

        def record(**kwargs):
            started.append(kwargs["scope"]["path"])

        request_started.connect(record)
        self.addCleanup(request_started.disconnect, record)
        bad = HttpCommunicator(application, "GET", "/login/", headers=[(b"host", b"127.0.0.1")])
        bad.scope["query_string"] = bytes([0x6E, 0x3D, 0xFF])
        self.assertEqual((await bad.get_response())["status"], 400)
        self.assertEqual(started, ["/login/"])

    async def test_requests_at_once_each_have_a_thread_of_their_own(self):
        # Each request waits in its thread for the other: in one shared
        # thread the second would never start and the barrier would break.
        both = threading.Barrier(2, timeout=5)
        threads = []

        def meet(**kwargs):
            threads.append(threading.current_thread())
            both.wait()

        request_started.connect(meet)
        self.addCleanup(request_started.disconnect, meet)
        answers = await asyncio.gather(self.login_page(), self.login_page())
        self.assertEqual([answer["status"] for answer in answers], [200, 200])
        self.assertEqual(len(set(threads)), 2)


class SessionsBeforeStaffBackendTests(SiteTestCase):
    def test_a_session_made_with_a_former_backend_stays_logged_in(self):
        for former in moves.FORMER_BACKENDS:
            with self.subTest(backend=former):
                self.assert_kept_logged_in(former)

    def assert_kept_logged_in(self, former):
        from django.apps import apps
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user
        from django.contrib.sessions.backends.db import SessionStore
        from django.test import RequestFactory

        old = SessionStore()
        old.update(
            {
                SESSION_KEY: str(self.clerk.pk),
                BACKEND_SESSION_KEY: former,
                HASH_SESSION_KEY: self.clerk.get_session_auth_hash(),
            }
        )
        old.create()

        def user_of(key):
            request = RequestFactory().get("/")
            request.session = SessionStore(key)
            return get_user(request)

        self.assertFalse(user_of(old.session_key).is_authenticated)  # what the upgrade alone would do
        moves.rename_session_backend(apps, mock.Mock(connection=connection))
        self.assertEqual(user_of(old.session_key), self.clerk)
