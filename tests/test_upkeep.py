"""A site with no IT staff: backups while it runs, their restore, /healthz."""

import asyncio
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
from io import StringIO
from pathlib import Path
from unittest import mock

from django.core.management import CommandError, call_command
from django.db import OperationalError, connection
from django.test import SimpleTestCase, TestCase

from site_ops.upkeep import backups
from site_ops.upkeep.backups import BackupError
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
            self.assertLogs("site_ops.upkeep.health", "ERROR"),
        ):
            response = self.client.get(self.url)
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json(), {"status": "error", "database": "ok", "channel_layer": "error"})
        self.assertNotIn("Redis", response.content.decode())

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
