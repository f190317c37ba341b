"""The release notice (解除隔离告知书): whether a person may have one, and what it says.

A person released at the end of their quarantine has one; so does a person
who left by a closed-loop transfer home or to another site, since they too
leave this site's isolation for someone else's care. A transfer to a hospital
is not a release: the hospital's papers follow it, not this notice.

The notice states the days of home health monitoring the site's protocol
asks after release and the street and community that take the person over.
"""

import math
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from groups.medical.models import Sample, TestProtocol
from groups.medical.reads import attach_eligibility
from groups.transfers.models import Transfer
from rooms.models import Person, Stay

# The tests one column of the certificate's table holds on its one page, and
# how many columns fit side by side (a date, a kind and a result each).
TESTS_PER_COLUMN = 12
MOST_COLUMNS = 4

# The transfers after which the person is handed over like a release.
HANDED_OVER = (Transfer.Destination.HOME, Transfer.Destination.OTHER_SITE)


@dataclass
class Notice:
    person: Person
    stay: Stay | None
    refusal: str | None = None
    # The transfer the person left by, when they did not leave by release.
    transfer: Transfer | None = None
    left_on: date | None = None
    samples: list[Sample] = field(default_factory=list)
    monitoring_days: int = 0
    monitoring_until: date | None = None

    @property
    def arrived_on(self) -> date | None:
        return timezone.localdate(self.stay.started_at) if self.stay else None

    @property
    def sample_columns(self) -> list[list[Sample]]:
        """The tests in columns side by side, oldest first down each column:
        a long stay's tests (daily ones after a contact, say) stay on the
        certificate's one page beside the signatures. Past what four columns
        hold, the columns grow longer and the table goes on to a second page."""
        if not self.samples:
            return []
        columns = min(MOST_COLUMNS, math.ceil(len(self.samples) / TESTS_PER_COLUMN))
        rows = math.ceil(len(self.samples) / columns)
        return [self.samples[start : start + rows] for start in range(0, len(self.samples), rows)]

    @property
    def to_other_site(self) -> bool:
        return self.transfer is not None and self.transfer.destination_type == Transfer.Destination.OTHER_SITE

    @property
    def quarantine_continues_at_home(self) -> bool:
        """Gone home before the quarantine's end: it goes on at home until then."""
        return self.transfer is not None and not self.to_other_site and self.left_on < self.stay.ends_on


def release_notice(person: Person) -> Notice:
    """The notice of a person's latest stay, or why there is none yet (five queries at most)."""
    stay = (
        Stay.objects.filter(person=person)
        .select_related("room", "site", "sampling_plan")
        .order_by("-started_at")
        .first()
    )
    notice = Notice(person=person, stay=stay)
    if stay is None:
        notice.refusal = _("%(name)s has no stay on this site.") % {"name": person.name}
        return notice
    if stay.is_open:
        attach_eligibility([stay])
        if not stay.eligibility.ok:
            notice.refusal = " ".join(map(str, stay.eligibility.reasons))
        elif stay.ends_on > timezone.localdate():
            notice.refusal = _("The quarantine ends on %(date)s.") % {"date": stay.ends_on.isoformat()}
        notice.left_on = timezone.localdate()
    else:
        notice.left_on = timezone.localdate(stay.ended_at)
        if stay.end_reason == Stay.EndReason.TRANSFERRED:
            notice.transfer = _transfer_out(stay)
            notice.refusal = _transfer_refusal(person, notice.transfer)
    if notice.refusal:
        return notice
    resulted = Sample.objects.filter(stay=stay, status=Sample.Status.RESULTED)
    notice.samples = list(resulted.order_by("collected_at", "pk"))
    if not notice.to_other_site:
        # Home monitoring follows the quarantine: a person who went home
        # early first ends the quarantine there.
        protocol = TestProtocol.numbers_for(stay.site_id)
        notice.monitoring_days = protocol.home_monitoring_days
        notice.monitoring_until = protocol.home_monitoring_until(max(notice.left_on, stay.ends_on))
    return notice


def _transfer_out(stay: Stay) -> Transfer | None:
    """The transfer that ended a stay: the person's last one that left during it."""
    return (
        Transfer.objects.filter(
            person_id=stay.person_id,
            state__in=[Transfer.State.DEPARTED, Transfer.State.COMPLETED],
            created_at__gte=stay.started_at,
        )
        .order_by("-departed_at", "-pk")
        .first()
    )


def _transfer_refusal(person: Person, transfer: Transfer | None) -> str | None:
    if transfer is None:
        return _("%(name)s left by transfer, not by release.") % {"name": person.name}
    if transfer.destination_type in HANDED_OVER:
        return None
    return _(
        "%(name)s was transferred to %(destination)s on %(date)s: that is not a release, so there is no release "
        "notice. The hospital's papers follow that transfer."
    ) % {
        "name": person.name,
        "destination": transfer.destination_name or transfer.get_destination_type_display(),
        "date": date_format(timezone.localdate(transfer.departed_at or transfer.updated_at), "Y-m-d"),
    }
