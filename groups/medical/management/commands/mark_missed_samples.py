"""Samples not collected by the end of their day become missed.

The server runs this itself every night shortly after midnight (the
scheduled job ``mark_missed_samples``, site_ops/upkeep/scheduler.py); the
command is for running it by hand, at any time: it only touches samples due
before today. The boards show such samples as overdue even before this
runs; the command records the move in each sample's history.
"""

from django.core.management.base import BaseCommand

from groups.medical.jobs import mark_missed_everywhere


class Command(BaseCommand):
    help = "Mark the samples not collected on their day as missed, on every site."

    def handle(self, *args, **options):
        for site, count in mark_missed_everywhere():
            self.stdout.write(f"{site}: {count} samples missed")
