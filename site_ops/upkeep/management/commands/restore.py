"""Put a backup back: ``python manage.py restore <file>`` (SQLite; PostgreSQL: pg_restore, docs/deploy.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from site_ops.upkeep.backups import BackupError, sqlite_restore


class Command(BaseCommand):
    help = (
        "Restore a SQLite backup into the database (or into --to FILE). An existing database is replaced only "
        "with --force, once the server is stopped, and is backed up first."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="the backup file, e.g. backups/site-ops-20260101-030000.sqlite3")
        parser.add_argument("--to", type=Path, help="restore into this file instead of the configured database")
        parser.add_argument("--force", action="store_true", help="replace an existing database (stop the server first)")

    def handle(self, *args, backup, to=None, force=False, **options):
        db = connections["default"]
        if to is None and db.vendor != "sqlite":
            raise CommandError(
                "This database is PostgreSQL: restore a dump with "
                f"pg_restore --clean --if-exists --no-owner --dbname {db.settings_dict['NAME']} {backup} "
                "(docs/deploy.md, section Backups)."
            )
        target = to or Path(db.settings_dict["NAME"])
        # This process must not hold the database open while it is replaced.
        db.close()
        try:
            saved = sqlite_restore(backup, target, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if saved:
            self.stdout.write(f"The database it replaced is saved as {saved}.")
        self.stdout.write(f"Restored {backup} into {target}.")
