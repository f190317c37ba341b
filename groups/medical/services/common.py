"""What the medical group's writes share: the roles, the sample's moves, the
steps every write of a sample takes."""

from dataclasses import dataclass, field
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from groups.medical.models import (
    Sample,
    stay_date,
    stay_day,
)
from rooms.models import Site, Stay
from rooms.roles import Role
from rooms.services import (
    ServiceError,
    audit,
    audit_all,
    audit_event,
    check_version,
    lock_row,
)
from site_ops import live

MEDICAL_ROLES = (Role.MEDICAL, Role.SITE_HEAD)
# Who may print a release certificate: those who release people, and the medical group.
CERTIFICATE_ROLES = (Role.GENERAL, Role.SITE_HEAD, Role.MEDICAL)
TOPICS = ("medical",)

S = Sample.Status
# The moves a sample makes. Results are entered from collected; a resulted
# sample only "moves" to resulted again through a correction.
SAMPLE_MOVES = frozenset(
    {
        (S.SCHEDULED, S.COLLECTED),
        (S.MISSED, S.COLLECTED),  # collected late: the missed sample is handled
        (S.SCHEDULED, S.MISSED),
        (S.SCHEDULED, S.CANCELLED),
        (S.MISSED, S.CANCELLED),
        (S.COLLECTED, S.RESULTED),
        # A collection recorded by mistake (the floor's button over a refusal), taken back before a result.
        (S.COLLECTED, S.SCHEDULED),
        (S.COLLECTED, S.MISSED),
        (S.RESULTED, S.RESULTED),
    }
)
del S

SAMPLE_FIELDS = [
    "status",
    "collected_at",
    "collected_by",
    "tube_barcode",
    "note",
    "version",
    "updated_at",
    "updated_by",
]


@dataclass
class Touched:
    """The rooms and people a change shows on."""

    rooms: set[int] = field(default_factory=set)
    persons: set[int] = field(default_factory=set)
    # Topics beyond the medical group's own (a sealed room is the disinfection group's).
    topics: set[str] = field(default_factory=set)
    # The rooms sealed (each also in ``rooms``).
    sealed: set[int] = field(default_factory=set)

    def add(self, other: "Touched") -> None:
        self.rooms |= other.rooms
        self.persons |= other.persons
        self.topics |= other.topics
        self.sealed |= other.sealed


def _reason(reason: str, missing: str) -> str:
    """The reason a user gave, or a refusal saying what it is needed for."""
    reason = reason.strip()
    if len(reason) < 2:
        raise ServiceError(missing)
    return reason


def _publish(site: Site, touched: Touched) -> None:
    live.publish(
        site=site,
        rooms=sorted(touched.rooms),
        persons=sorted(touched.persons),
        topics=[*TOPICS, *touched.topics],
        sealed=sorted(touched.sealed),
    )


def _move(sample: Sample, to: str) -> None:
    if (sample.status, to) not in SAMPLE_MOVES:
        raise ServiceError(
            _("The sample of %(name)s due %(day)s is %(from)s; it cannot become %(to)s.")
            % {
                "name": sample.person.name,
                "day": date_format(sample.scheduled_on, "m-d"),
                "from": sample.get_status_display(),
                "to": Sample.Status(to).label,
            }
        )


def _lock_sample(sample: Sample, version: int | None) -> Sample:
    sample = lock_row(Sample, sample.pk)
    check_version(sample, version)
    return sample


def _stay_of(sample: Sample) -> Stay:
    return Stay.objects.select_related("room", "person", "site").get(pk=sample.stay_id)


def _new_sample(stay: Stay, *, day: int, kind: str, reason: str, by) -> Sample:
    return Sample(
        site_id=stay.site_id,
        person_id=stay.person_id,
        stay=stay,
        kind=kind,
        reason=reason,
        day=day,
        scheduled_on=stay_date(stay, day),
        updated_by=by,
    )


def _schedule_extra(stay: Stay, *, kind: str, reason: str, on: date, by) -> Sample | None:
    """One more sample for a stay on a day, unless one is already waiting that day.

    A room-mate of a positive case is tested on top of any sample due that
    day; only a second positive in the room the same day adds nothing more.
    So is the PCR re-test of an antigen positive.
    """
    waiting = Sample.objects.filter(stay=stay, scheduled_on=on, status=Sample.Status.SCHEDULED)
    if reason in (Sample.Reason.CONTACT, Sample.Reason.CONFIRM):
        waiting = waiting.filter(reason=reason)
    if waiting.exists():
        return None
    sample = _new_sample(stay, day=stay_day(stay, on), kind=kind, reason=reason, by=by)
    sample.save()
    audit(
        site=stay.site,
        by=by,
        action="sample.extra",
        obj=sample,
        room=stay.room,
        person=stay.person,
        after={"due": on, "kind": kind, "reason": reason},
    )
    return sample


def _audit_moves(site: Site, samples: list[Sample], *, by, action: str, was: str, note: str = "") -> Touched:
    """One audit event per sample a batch moved (with its stay, room and person loaded), saved together."""
    touched = Touched()
    events = []
    for sample in samples:
        events.append(
            audit_event(
                site=site,
                by=by,
                action=action,
                obj=sample,
                room=sample.stay.room,
                person=sample.person,
                before={"status": was},
                after={"status": sample.status},
                note=note,
            )
        )
        touched.rooms.add(sample.stay.room_id)
        touched.persons.add(sample.person_id)
    audit_all(events)
    return touched


"""Alerts for the medical group, raised by other groups' services."""
