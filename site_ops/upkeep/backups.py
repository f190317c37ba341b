"""Backups of the database, taken while the site runs, and their restore.

SQLite (the embedded default): SQLite's online backup API (``sqlite3``'s
``Connection.backup``) copies the database in one step inside a read
transaction, so the copy is the database as it was at one moment, whatever
the server writes meanwhile (WAL lets it go on writing). PostgreSQL:
``pg_dump --format=custom``, which reads one snapshot too; restore it with
``pg_restore`` (docs/deploy.md).

A backup is written under a temporary name and renamed when complete, so a
file named ``site-ops-<date>-<time>.*`` is always a whole backup; only the
newest ``BACKUP_KEEP`` such files are kept. The files hold personal data:
they are readable by their owner only.
"""

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

PREFIX = "site-ops-"
SUFFIXES = (".sqlite3", ".dump")
PG_DUMP_TIMEOUT_SECONDS = 3600


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason in plain words."""


@dataclass(frozen=True)
class BackupFile:
    path: Path
    size: int
    modified: datetime

    @property
    def name(self) -> str:
        return self.path.name


def database_backup(*, directory: Path | None = None, keep: int | None = None, now: datetime | None = None) -> Path:
    """Back up the default database into ``directory`` and keep the newest ``keep``; returns the new file."""
    directory = Path(directory or settings.BACKUP_DIR)
    keep = settings.BACKUP_KEEP if keep is None else keep
    db = connections["default"]
    stamp = timezone.localtime(now or timezone.now()).strftime("%Y%m%d-%H%M%S")
    _make_directory(directory)
    if db.vendor == "sqlite":
        target = directory / f"{PREFIX}{stamp}.sqlite3"
        sqlite_backup(Path(db.settings_dict["NAME"]), target)
    elif db.vendor == "postgresql":
        target = directory / f"{PREFIX}{stamp}.dump"
        pg_dump(db.settings_dict, target)
    else:
        raise BackupError(f"No backup for a {db.vendor} database.")
    prune(directory, keep)
    return target


def nightly_backup() -> str:
    """The scheduled job: a backup, summed up for the upkeep page."""
    path = database_backup()
    return f"{path.name} ({filesizeformat(path.stat().st_size)})"


def sqlite_backup(source: Path, target: Path) -> None:
    """Copy the SQLite database ``source`` into the new file ``target`` while others may write to it."""
    if not source.is_file():
        raise BackupError(f"There is no database at {source}.")
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)
    try:
        _copy_sqlite(source, partial)
        _check_sqlite(partial)
        partial.chmod(0o600)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def _copy_sqlite(source: Path, target: Path) -> None:
    # uri=True with mode=rw: never create an empty database where one is missing.
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True, timeout=20)
    try:
        dst = sqlite3.connect(target, timeout=20)
        try:
            src.backup(dst)
            # The copy is one self-contained file, not a WAL database with its side files.
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    except sqlite3.Error as error:
        raise BackupError(f"Could not copy {source}: {error}.") from error
    finally:
        src.close()


def _check_sqlite(path: Path) -> None:
    """Refuse a file that is not a whole SQLite database."""
    if not path.is_file():
        raise BackupError(f"There is no file at {path}.")
    try:
        check = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            result = check.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            check.close()
    except sqlite3.Error as error:
        raise BackupError(f"{path} is not a SQLite database ({error}).") from error
    if result != "ok":
        raise BackupError(f"{path} is damaged: {result}.")


def _has_tables(path: Path) -> bool:
    """Whether a SQLite file holds any table (an empty file is a valid, empty database)."""
    check = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return check.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] > 0
    finally:
        check.close()


def pg_dump(db: dict, target: Path) -> None:
    executable = shutil.which("pg_dump")
    if executable is None:
        raise BackupError("pg_dump is not installed (Debian: apt-get install postgresql-client).")
    partial = target.with_name(target.name + ".part")
    env = {**os.environ, **_pg_environment(db)}
    try:
        result = subprocess.run(  # noqa: S603 (a fixed program, the database's own name)
            [executable, "--format=custom", "--no-owner", f"--file={partial}", "--", db["NAME"]],
            env=env,
            capture_output=True,
            text=True,
            timeout=PG_DUMP_TIMEOUT_SECONDS,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip() or result.returncode}")
        partial.chmod(0o600)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def _pg_environment(db: dict) -> dict[str, str]:
    """The connection settings as libpq's variables (a password never on the command line)."""
    names = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD"}
    return {variable: str(db[key]) for key, variable in names.items() if db.get(key)}


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups (never fewer than one); returns what went."""
    old = [backup.path for backup in list_backups(directory)][max(keep, 1) :]
    for path in old:
        path.unlink(missing_ok=True)
    return old


def list_backups(directory: Path | None = None) -> list[BackupFile]:
    """The backups in ``directory``, newest first (their names sort by time)."""
    directory = Path(directory or settings.BACKUP_DIR)
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        if path.name.startswith(PREFIX) and path.suffix in SUFFIXES and path.is_file():
            stat = path.stat()
            modified = datetime.fromtimestamp(stat.st_mtime, tz=timezone.get_current_timezone())
            found.append(BackupFile(path=path, size=stat.st_size, modified=modified))
    return sorted(found, key=lambda backup: backup.name, reverse=True)


def sqlite_restore(source: Path, target: Path, *, force: bool = False, directory: Path | None = None) -> Path | None:
    """Copy the backup ``source`` into the database ``target``.

    An existing ``target`` is only replaced with ``force`` (the server must be
    stopped: a running server would go on with what it had read), and is
    itself backed up first; returns that backup. The copy goes through
    SQLite's backup API, not a file copy, so a ``-wal`` file beside the
    target is written through, never left to replay over the restored data.
    """
    source, target = Path(source), Path(target)
    _check_sqlite(source)
    if target.exists() and source.resolve() == target.resolve():
        raise BackupError(f"{source} is the database itself: name a backup to restore from.")
    if not _has_tables(source):
        raise BackupError(f"{source} holds no tables: it is not a backup of a database.")
    saved = None
    if target.exists():
        if not force:
            in_use = " and looks in use (its -wal file is there)" if _wal(target).exists() else ""
            raise BackupError(
                f"{target} exists{in_use}. Stop the server, then run again with --force: "
                "the current database is backed up first."
            )
        _make_directory(Path(directory or settings.BACKUP_DIR))
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        saved = Path(directory or settings.BACKUP_DIR) / f"{PREFIX}{stamp}-before-restore.sqlite3"
        sqlite_backup(target, saved)
    elif not target.parent.is_dir():
        raise BackupError(f"There is no directory {target.parent}.")
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target, timeout=20)
        try:
            src.backup(dst)
        finally:
            dst.close()
    except sqlite3.Error as error:
        raise BackupError(f"Could not restore into {target}: {error}.") from error
    finally:
        src.close()
    return saved


def _wal(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def _make_directory(directory: Path) -> None:
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(f"Cannot use the backup directory {directory}: {error.strerror}.") from error
    if not os.access(directory, os.W_OK):
        raise BackupError(f"Cannot write to the backup directory {directory}.")
