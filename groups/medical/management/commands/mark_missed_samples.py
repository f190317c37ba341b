"""Samples not collected by the end of their day become missed.

Run it shortly after midnight (and at any time: it only touches samples due
before today), for example from cron: ``5 0 * * * python manage.py
mark_missed_samples``. The boards show such samples as overdue even before
this runs; the command records the move in each sample's history.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from groups.medical import services as medical
from rooms.models import Site


class Command(BaseCommand):
    help = "Mark the samples not collected on their day as missed, on every site."

    def handle(self, *args, **options):
        # Audit entries name the actor "system" in the site's language.
        with translation.override(settings.LANGUAGE_CODE):
            for site in Site.objects.order_by("pk"):
                count = medical.samples_mark_missed(site=site)
                self.stdout.write(f"{site}: {count} samples missed")
