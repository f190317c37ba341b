"""The medical group's scheduled jobs (site_ops/upkeep/scheduler.py runs them; apps.py registers them)."""

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from groups.medical import services as medical
from rooms.models import Site


def mark_missed_everywhere() -> list[tuple[Site, int]]:
    """Samples not collected on their day become missed, on every site: how many per site."""
    # Audit entries name the actor "system" in the site's language.
    with translation.override(settings.LANGUAGE_CODE):
        return [(site, medical.samples_mark_missed(site=site)) for site in Site.objects.order_by("pk")]


def mark_missed_samples() -> str:
    """The scheduled job; what it did, in the site's language, for the site head's upkeep page."""
    return "; ".join(
        _("%(site)s: %(count)s samples marked missed") % {"site": site, "count": count}
        for site, count in mark_missed_everywhere()
    )


def request_hospital_visits() -> str:
    """The scheduled job: today's planned hospital visits become round-trip requests, on every site.

    Running it twice asks for each trip once (care_models.HospitalVisitTrip).
    """
    today = timezone.localdate()
    parts = []
    for site in Site.objects.order_by("pk"):
        trips = medical.hospital_visits_request(site=site, day=today)
        asked = sum(trip.transfer_id is not None for trip in trips)
        parts.append(
            _("%(site)s: %(asked)s hospital visits requested, %(skipped)s not")
            % {"site": site, "asked": asked, "skipped": len(trips) - asked}
        )
    return "; ".join(parts)
