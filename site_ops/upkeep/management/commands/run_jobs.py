"""Run the scheduled jobs that are due, once: for a systemd timer when SCHEDULED_JOBS=0 (docs/deploy.md)."""

from django.core.management.base import BaseCommand, CommandError

from site_ops.upkeep import scheduler


class Command(BaseCommand):
    help = "Run the scheduled jobs that are due now (the server runs them itself unless SCHEDULED_JOBS=0)."

    def add_arguments(self, parser):
        parser.add_argument("--list", dest="show", action="store_true", help="list the jobs, run nothing")

    def handle(self, *args, show=False, **options):
        if show:
            for job in scheduler.JOBS.values():
                self.stdout.write(f"{job.name}: every day at {job.at:%H:%M}")
            return
        runs = scheduler.run_due()
        for run in runs:
            self.stdout.write(f"{run.job}: {'ok' if run.ok else 'error'} {run.message}".rstrip())
        if any(not run.ok for run in runs):
            raise CommandError("a scheduled job failed")
