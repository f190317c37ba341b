"""A site with no IT staff: backups while it runs, their restore, the scheduled jobs, /healthz, the upkeep page."""

import asyncio
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
from datetime import time as clock_time
from io import StringIO
from pathlib import Path
from unittest import mock

from django.core.management import CommandError, call_command
from django.db import OperationalError, connection, connections
from django.test import SimpleTestCase, TestCase, TransactionTestCase, override_settings
from django.urls import reverse

from site_ops.upkeep import backups, reads, scheduler
from site_ops.upkeep.backups import BackupError
from site_ops.upkeep.models import JobRun, ScheduledJob
from tests.base import AuditFlushMixin, SiteTestCase, ViewAccessMixin
from tests.clock import local

SQLITE_ONLY = "the test database is not SQLite"


class TempDirMixin:
    def setUp(self):
        super().setUp()
        self.tmp = Path(tempfile.mkdtemp(prefix="site-ops-upkeep-"))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)


def rows(path: Path, table: str) -> list[tuple]:
    db = sqlite3.connect(path)
    try:
        return db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()  # noqa: S608 (the tests' own names)
    finally:
        db.close()


class Writer(threading.Thread):
    """Another connection writing to the database, one committed row at a time, until stopped."""

    def __init__(self, path: Path):
        super().__init__(daemon=True)
        self.path = path
        self.stopped = threading.Event()
        self.written = 0

    def run(self):
        db = sqlite3.connect(self.path, timeout=20, isolation_level=None)
        try:
            while not self.stopped.is_set():
                db.execute("BEGIN IMMEDIATE")
                db.execute("INSERT INTO reading (note) VALUES (?)", (f"row {self.written + 1}" * 20,))
                db.execute("COMMIT")
                self.written += 1
        finally:
            db.close()


class SqliteBackupTests(TempDirMixin, SimpleTestCase):
    def make_database(self) -> Path:
        path = self.tmp / "db.sqlite3"
        db = sqlite3.connect(path)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE reading (id INTEGER PRIMARY KEY, note TEXT NOT NULL)")
        db.commit()
        db.close()
        return path

    def test_it_backs_up_a_database_while_another_connection_writes_to_it(self):
        source = self.make_database()
        writer = Writer(source)
        writer.start()
        self.addCleanup(writer.join, 10)
        self.addCleanup(writer.stopped.set)
        while writer.written < 200:
            time.sleep(0.01)
        before = writer.written
        backups.sqlite_backup(source, self.tmp / "during.sqlite3")
        self.assertGreater(writer.written, before, "the writer went on writing during the backup")

        # The copy is the database at one moment: whole rows, numbered without a gap.
        restored = self.tmp / "restored-during.sqlite3"
        backups.sqlite_restore(self.tmp / "during.sqlite3", restored)
        ids = [row[0] for row in rows(restored, "reading")]
        self.assertGreaterEqual(len(ids), before)
        self.assertEqual(ids, list(range(1, len(ids) + 1)))

        # Once the writer stops, a backup restored into a new file has every row.
        writer.stopped.set()
        writer.join(10)
        backups.sqlite_backup(source, self.tmp / "after.sqlite3")
        backups.sqlite_restore(self.tmp / "after.sqlite3", self.tmp / "restored.sqlite3")
        self.assertEqual(rows(self.tmp / "restored.sqlite3", "reading"), rows(source, "reading"))
        self.assertEqual(len(rows(source, "reading")), writer.written)

    def test_the_copy_is_one_file_readable_by_its_owner_only(self):
        source = self.make_database()
        target = self.tmp / "copy.sqlite3"
        backups.sqlite_backup(source, target)
        self.assertEqual(target.stat().st_mode & 0o777, 0o600)
        self.assertEqual(sqlite3.connect(target).execute("PRAGMA journal_mode").fetchone()[0], "delete")
        self.assertFalse((self.tmp / "copy.sqlite3.part").exists())

    def test_restore_refuses_to_overwrite_a_database_without_force(self):
        source = self.make_database()
        backups.sqlite_backup(source, self.tmp / "backup.sqlite3")
        with self.assertRaisesMessage(BackupError, "Stop the server, then run again with --force"):
            backups.sqlite_restore(self.tmp / "backup.sqlite3", source, directory=self.tmp / "kept")
        self.assertFalse((self.tmp / "kept").exists())

    def test_restore_with_force_saves_the_database_it_replaces_first(self):
        source = self.make_database()
        backups.sqlite_backup(source, self.tmp / "backup.sqlite3")
        db = sqlite3.connect(source)
        db.execute("INSERT INTO reading (note) VALUES ('after the backup')")
        db.commit()
        db.close()

        saved = backups.sqlite_restore(self.tmp / "backup.sqlite3", source, force=True, directory=self.tmp / "kept")
        self.assertEqual(rows(source, "reading"), [])
        self.assertEqual(rows(saved, "reading"), [(1, "after the backup")])
        self.assertTrue(saved.name.startswith("site-ops-") and saved.name.endswith("-before-restore.sqlite3"))

    def test_bad_paths_give_a_clear_error(self):
        with self.assertRaisesMessage(BackupError, "There is no database at"):
            backups.sqlite_backup(self.tmp / "missing.sqlite3", self.tmp / "copy.sqlite3")
        self.assertFalse((self.tmp / "missing.sqlite3").exists(), "no empty database was created")
        with self.assertRaisesMessage(BackupError, "There is no file at"):
            backups.sqlite_restore(self.tmp / "missing.sqlite3", self.tmp / "new.sqlite3")
        not_a_database = self.tmp / "notes.txt"
        not_a_database.write_text("not a database\n" * 200)
        with self.assertRaisesMessage(BackupError, "is not a SQLite database"):
            backups.sqlite_restore(not_a_database, self.tmp / "new.sqlite3")
        with self.assertRaisesMessage(BackupError, "There is no directory"):
            backups.sqlite_restore(self.make_database(), self.tmp / "nowhere" / "new.sqlite3")
        with self.assertRaisesMessage(BackupError, "Cannot use the backup directory"):
            backups._make_directory(not_a_database / "backups")

    def test_restore_refuses_the_database_itself_and_a_file_with_no_tables(self):
        database = self.make_database()
        with self.assertRaisesMessage(BackupError, "is the database itself"):
            backups.sqlite_restore(database, database, force=True, directory=self.tmp / "kept")
        empty = self.tmp / "empty.sqlite3"
        empty.write_bytes(b"")
        with self.assertRaisesMessage(BackupError, "holds no tables"):
            backups.sqlite_restore(empty, database, force=True, directory=self.tmp / "kept")
        # Nothing was replaced, nothing saved aside.
        self.assertEqual(rows(database, "reading"), [])
        self.assertFalse((self.tmp / "kept").exists())

    def test_it_keeps_the_newest_backups_and_nothing_else(self):
        names = [f"site-ops-2026010{day}-030000.sqlite3" for day in range(1, 6)]
        for name in [*names, "notes.txt", "site-ops-20260106-030000.sqlite3.part"]:
            (self.tmp / name).write_text("x")
        removed = backups.prune(self.tmp, keep=2)
        self.assertEqual(sorted(path.name for path in removed), names[:3])
        self.assertEqual([backup.name for backup in backups.list_backups(self.tmp)], names[:2:-1])
        self.assertTrue((self.tmp / "notes.txt").exists())
        # Never fewer than one, whatever the setting says.
        backups.prune(self.tmp, keep=0)
        self.assertEqual([backup.name for backup in backups.list_backups(self.tmp)], [names[-1]])


class BackupCommandTests(TempDirMixin, TestCase):
    def test_the_command_backs_up_the_database_and_keeps_the_last_n(self):
        if connection.vendor != "sqlite":
            self.skipTest(SQLITE_ONLY)
        for hour in (1, 2, 3):
            with mock.patch("django.utils.timezone.now", return_value=local(hour)):
                call_command("backup", "--dir", str(self.tmp), "--keep", "2", stdout=StringIO())
        kept = backups.list_backups(self.tmp)
        self.assertEqual(len(kept), 2)
        self.assertTrue(kept[0].name.endswith("-030000.sqlite3"), kept[0].name)

        # Restored into a new file, the copy has every row of every table the
        # database holds (as another connection sees it: committed).
        new = self.tmp / "restored.sqlite3"
        out = StringIO()
        call_command("restore", str(kept[0].path), "--to", str(new), stdout=out)
        self.assertIn("Restored", out.getvalue())
        source = Path(connection.settings_dict["NAME"])
        tables = [
            name for (name,) in sqlite3.connect(source).execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        self.assertIn("rooms_site", tables)
        for table in tables:
            with self.subTest(table=table):
                self.assertEqual(rows(new, table), rows(source, table))
        self.assertIn(("site_head",), [row[1:] for row in rows(new, "auth_group")])

    def test_the_restore_command_refuses_a_bad_file_and_a_live_database(self):
        with self.assertRaisesMessage(CommandError, "There is no file at"):
            call_command("restore", str(self.tmp / "missing.sqlite3"), "--to", str(self.tmp / "new.sqlite3"))
        if connection.vendor == "sqlite":
            call_command("backup", "--dir", str(self.tmp), stdout=StringIO())
            with self.assertRaisesMessage(CommandError, "--force"):
                call_command("restore", str(backups.list_backups(self.tmp)[0].path), stdout=StringIO())
        else:
            with self.assertRaisesMessage(CommandError, "pg_restore"):
                call_command("restore", str(self.tmp / "site-ops-x.dump"), stdout=StringIO())

    def test_the_backup_command_refuses_to_keep_none_and_an_empty_directory(self):
        for arguments, message in [
            (["--keep", "0"], "keep at least 1"),
            (["--keep", "-1"], "keep at least 1"),
            (["--keep", "abc"], "is not a whole number"),
            (["--dir", ""], "give a directory"),
        ]:
            with self.subTest(arguments), self.assertRaisesMessage(CommandError, message):
                call_command("backup", *arguments, stdout=StringIO())
        self.assertEqual(backups.list_backups(Path.cwd()), [])

    def test_an_unwritable_backup_directory_gives_a_clear_error(self):
        blocker = self.tmp / "a-file"
        blocker.write_text("")
        with self.assertRaisesMessage(CommandError, "Cannot use the backup directory"):
            call_command("backup", "--dir", str(blocker / "backups"), stdout=StringIO())

    def test_postgresql_is_dumped_with_pg_dump(self):
        if connection.vendor != "postgresql" or not shutil.which("pg_restore"):
            self.skipTest("needs PostgreSQL and its client tools")
        call_command("backup", "--dir", str(self.tmp), stdout=StringIO())
        (dump,) = backups.list_backups(self.tmp)
        self.assertTrue(dump.name.endswith(".dump"))
        listing = subprocess.run(["pg_restore", "--list", str(dump.path)], capture_output=True, text=True, check=True)
        self.assertIn("rooms_site", listing.stdout)


def job(name: str, run, at=clock_time(3, 0)) -> scheduler.Job:
    return scheduler.Job(name=name, label=name, at=at, run=run)


class SchedulerTests(TestCase):
    def test_the_jobs_are_registered(self):
        self.assertEqual(set(scheduler.JOBS), {"backup", "mark_missed_samples", "request_hospital_visits"})
        self.assertEqual(scheduler.JOBS["mark_missed_samples"].at, clock_time(0, 5))
        self.assertEqual(scheduler.JOBS["backup"].at, clock_time(3, 0))

    def test_a_job_runs_once_a_day_and_not_again_before_it_is_due(self):
        calls = []
        nightly = job("nightly", lambda: calls.append(1) or "done")
        with mock.patch.dict(scheduler.JOBS, {"nightly": nightly}, clear=True):
            # Never run: it runs at once (a night the server was off is caught up).
            self.assertEqual(len(scheduler.run_due(local(10))), 1)
            for moment in (local(10, 1), local(23, 59), local(2, 59, days=1)):
                with self.subTest(moment=moment):
                    self.assertEqual(scheduler.run_due(moment), [])
            (run,) = scheduler.run_due(local(3, 0, days=1))
        self.assertEqual(len(calls), 2)
        self.assertTrue(run.ok)
        self.assertEqual(run.message, "done")
        self.assertIsNotNone(run.finished_at)
        self.assertEqual(ScheduledJob.objects.get(name="nightly").last_run_at, local(3, 0, days=1))

    def test_a_failing_job_records_its_error_and_the_others_still_run(self):
        def broken():
            raise RuntimeError("disk full")

        jobs = {"broken": job("broken", broken, at=clock_time(1, 0)), "fine": job("fine", lambda: None)}
        with mock.patch.dict(scheduler.JOBS, jobs, clear=True), self.assertLogs("site_ops.upkeep.scheduler", "ERROR"):
            runs = scheduler.run_due(local(4))
        self.assertEqual(
            [(run.job, run.ok, run.message) for run in runs],
            [("broken", False, "RuntimeError: disk full"), ("fine", True, "")],
        )
        # Not retried every minute: its next chance is its next due time.
        with mock.patch.dict(scheduler.JOBS, jobs, clear=True):
            self.assertEqual(scheduler.run_due(local(4, 1)), [])

    def test_the_scheduler_thread_goes_on_after_a_failing_tick(self):
        ticks = []

        def tick():
            ticks.append(1)
            if len(ticks) == 1:
                raise OperationalError("database is locked")

        thread = scheduler.Scheduler(tick=0.01, first=0.01)
        with mock.patch.object(scheduler, "run_due", side_effect=tick), self.assertLogs("site_ops.upkeep.scheduler"):
            thread.start()
            deadline = time.monotonic() + 5
            while len(ticks) < 3 and time.monotonic() < deadline:
                time.sleep(0.01)
            thread.stop()
            thread.join(5)
        self.assertGreaterEqual(len(ticks), 3)
        self.assertFalse(thread.is_alive())

    def test_start_does_nothing_when_switched_off(self):
        with override_settings(SCHEDULED_JOBS=False):
            self.assertIsNone(scheduler.start())

    def test_the_backup_job_writes_a_backup(self):
        with tempfile.TemporaryDirectory() as tmp, override_settings(BACKUP_DIR=Path(tmp)):
            run = scheduler.run_job(scheduler.JOBS["backup"])
            self.assertTrue(run.ok, run.message)
            (backup,) = backups.list_backups()
        self.assertIn(backup.name, run.message)

    def test_the_missed_samples_job_runs_on_every_site(self):
        from tests.factories import make_site

        make_site(name="一号隔离点")
        run = scheduler.run_job(scheduler.JOBS["mark_missed_samples"])
        self.assertTrue(run.ok, run.message)
        self.assertIn("一号隔离点: 0 samples marked missed", run.message)


class SchedulerRaceTests(AuditFlushMixin, TransactionTestCase):
    def test_two_processes_racing_for_a_due_job_run_it_once(self):
        calls = []
        start = threading.Barrier(2)

        def slow():
            calls.append(threading.get_ident())
            time.sleep(0.2)
            return "ran"

        def process():
            # A thread has its own database connection, as a process would.
            try:
                start.wait(5)
                scheduler.run_due(local(4))
            finally:
                connections.close_all()

        with mock.patch.dict(scheduler.JOBS, {"nightly": job("nightly", slow)}, clear=True):
            threads = [threading.Thread(target=process) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
        self.assertEqual(len(calls), 1)
        self.assertEqual(JobRun.objects.filter(job="nightly", ok=True).count(), 1)


class HealthzTests(TestCase):
    url = "/healthz"

    def test_a_healthy_site_answers_200_without_a_login(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ok", "database": "ok", "channel_layer": "ok"})
        self.assertEqual(response["Cache-Control"], "no-store")
        self.assertNotIn("sessionid", response.cookies)

    def test_a_failing_channel_layer_gives_503_and_says_so(self):
        layer = mock.Mock()
        layer.new_channel = mock.AsyncMock(return_value="healthz.x")
        layer.send = mock.AsyncMock(side_effect=ConnectionError("Redis refused the connection"))
        with (
            mock.patch("site_ops.upkeep.health.get_channel_layer", return_value=layer),
            self.assertLogs("site_ops.upkeep.health", "ERROR") as logs,
        ):
            response = self.client.get(self.url)
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json(), {"status": "error", "database": "ok", "channel_layer": "error"})
        self.assertNotIn("Redis", response.content.decode())
        # Unreachable: one line in the log, not a traceback.
        self.assertIn("unreachable (ConnectionError: Redis refused the connection)", logs.output[-1])
        self.assertIsNone(logs.records[-1].exc_info)

    def test_a_hung_channel_layer_times_out(self):
        async def never(channel):
            await asyncio.sleep(60)

        layer = mock.Mock()
        layer.new_channel = mock.AsyncMock(return_value="healthz.x")
        layer.send = mock.AsyncMock()
        layer.receive = never
        with (
            mock.patch("site_ops.upkeep.health.get_channel_layer", return_value=layer),
            mock.patch("site_ops.upkeep.health.CHANNEL_LAYER_TIMEOUT_SECONDS", 0.05),
            self.assertLogs("site_ops.upkeep.health", "ERROR"),
        ):
            response = self.client.get(self.url)
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json()["channel_layer"], "timeout")

    def test_a_failing_database_gives_503_and_says_so(self):
        broken = mock.Mock()
        broken.cursor.side_effect = OperationalError("unable to open database file")
        with (
            mock.patch("site_ops.upkeep.health.connection", broken),
            self.assertLogs("site_ops.upkeep.health", "ERROR"),
        ):
            response = self.client.get(self.url)
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json(), {"status": "error", "database": "error", "channel_layer": "ok"})

    def test_only_get(self):
        self.assertEqual(self.client.post(self.url).status_code, 405)


class UpkeepPageTests(TempDirMixin, ViewAccessMixin, SiteTestCase):
    def setUp(self):
        super().setUp()
        self.enterContext(override_settings(BACKUP_DIR=self.tmp))

    def urls(self):
        return {"upkeep": (reverse("upkeep"), "get", [self.head])}

    def everyone(self):
        return [self.head, self.clerk, self.nurse, self.guard, self.cleaner, self.cook, self.outsider]

    def test_it_shows_the_last_backup_and_each_jobs_last_run(self):
        (self.tmp / "site-ops-20260101-030000.sqlite3").write_bytes(b"x" * 2048)
        (self.tmp / "site-ops-20260102-030000.sqlite3").write_bytes(b"x" * 4096)
        JobRun.objects.create(job="backup", started_at=local(3), finished_at=local(3), ok=True, message="fine")
        JobRun.objects.create(
            job="mark_missed_samples", started_at=local(0, 5), finished_at=local(0, 5), ok=False, message="boom"
        )
        self.client.force_login(self.head)
        response = self.client.get(reverse("upkeep"))
        self.assertContains(response, "site-ops-20260102-030000.sqlite3")
        self.assertContains(response, "4.0\xa0KB")
        self.assertContains(response, 'id="job-backup" class="row" data-state="ok"')
        self.assertContains(response, 'id="job-mark_missed_samples" class="row" data-state="error"')
        self.assertContains(response, "boom")
        self.assertEqual(response["Cache-Control"], "no-store")

    def test_with_no_backup_yet_it_says_so(self):
        self.client.force_login(self.head)
        response = self.client.get(reverse("upkeep"))
        self.assertContains(response, "No backup has been made yet.")
        self.assertContains(response, "No backup in the last 24 hours")
        self.assertContains(response, 'data-state="never"')

    def test_the_site_head_reaches_it_from_the_control_screen(self):
        self.client.force_login(self.head)
        self.assertContains(self.client.get(reverse("control-screen")), f'href="{reverse("upkeep")}"')
        self.client.force_login(self.clerk)
        self.assertNotContains(self.client.get(reverse("general-board")), f'href="{reverse("upkeep")}"')

    def test_a_job_that_did_not_run_at_its_time_is_flagged(self):
        def late(now) -> bool:
            return {status.job.name: status.late for status in reads.job_statuses(now)}["backup"]

        JobRun.objects.create(job="backup", started_at=local(3, days=-1), finished_at=local(3, days=-1), ok=True)
        self.assertFalse(late(local(3, 10)), "a few minutes after its time it may still start")
        self.assertTrue(late(local(4)))
        JobRun.objects.create(job="backup", started_at=local(3, 1), finished_at=local(3, 2), ok=True)
        self.assertFalse(late(local(4)))
