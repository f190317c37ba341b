"""Back up the database now, while the site runs (site_ops/upkeep/backups.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat

from site_ops.upkeep.backups import BackupError, database_backup


class Command(BaseCommand):
    help = "Write a consistent copy of the database into the backup directory and keep the newest BACKUP_KEEP."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", dest="directory", type=Path, help=f"where to write it (default BACKUP_DIR: {settings.BACKUP_DIR})"
        )
        parser.add_argument("--keep", type=int, help=f"backups to keep (default BACKUP_KEEP: {settings.BACKUP_KEEP})")

    def handle(self, *args, directory=None, keep=None, **options):
        try:
            path = database_backup(directory=directory, keep=keep)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{path} ({filesizeformat(path.stat().st_size)})")
