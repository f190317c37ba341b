"""Back up the database now, while the site runs (site_ops/upkeep/backups.py)."""

from argparse import ArgumentTypeError
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat

from site_ops.upkeep.backups import BackupError, database_backup


def directory(value: str) -> Path:
    if not value.strip():
        raise ArgumentTypeError("give a directory (an empty name would write into the current one)")
    return Path(value)


def at_least_one(value: str) -> int:
    try:
        keep = int(value)
    except ValueError:
        raise ArgumentTypeError(f"{value!r} is not a whole number") from None
    if keep < 1:
        raise ArgumentTypeError("keep at least 1 (the backup just written)")
    return keep


class Command(BaseCommand):
    help = "Write a consistent copy of the database into the backup directory and keep the newest BACKUP_KEEP."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            dest="directory",
            type=directory,
            help=f"where to write it (default BACKUP_DIR: {settings.BACKUP_DIR})",
        )
        parser.add_argument(
            "--keep", type=at_least_one, help=f"backups to keep (default BACKUP_KEEP: {settings.BACKUP_KEEP})"
        )

    def handle(self, *args, directory=None, keep=None, **options):
        try:
            path = database_backup(directory=directory, keep=keep)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{path} ({filesizeformat(path.stat().st_size)})")
