"""The medical part of the demo site: the protocol, every stay's samples and
results, health rounds, medicines and the alerts of the day.

The day it tells: most results came back negative this morning; three of
yesterday's samples are still at the lab (one of them holds up a release due
today); two were missed and one came back invalid (re-test today); the lower
floors were sampled this morning and the upper ones are still due; a man on
an upper floor who had a fever last night tested positive an hour ago, so
his room is sealed and the site head has an open alert.

Written directly, like the rest of the demo: the medical services check the
acting user's group, publish to the live boards and stamp "now", while this
day is back-dated. Their invariants are kept.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from groups.control.management.demo import Demo
from groups.medical.models import (
    Alert,
    HealthCheck,
    MedicineNeed,
    ProtocolDay,
    Sample,
    SampleResult,
    SamplingPlan,
    TestProtocol,
)
from groups.transfers.models import Transfer
from rooms.models import AuditEvent, Person, Room, Stay

LENGTH = 7
REQUIRED_NEGATIVES = 2
DAYS = [(1, "pcr"), (2, "pcr"), (3, "antigen"), (5, "pcr"), (7, "pcr")]
MORNING_SAMPLED_FLOORS = 4  # floors 1-4 were sampled this morning
REGULAR = {
    "diabetic": ("二甲双胍片", "0.5g 每日三次 随餐"),
    "chronic": ("硝苯地平缓释片", "10mg 每日一次"),
}


def create_protocol(site) -> TestProtocol:
    protocol = TestProtocol.objects.create(site=site, length_days=LENGTH, required_negatives=REQUIRED_NEGATIVES)
    ProtocolDay.objects.bulk_create([ProtocolDay(protocol=protocol, day=day, kind=kind) for day, kind in DAYS])
    return protocol


class MedicalDemo:
    def __init__(self, demo: Demo, stays: list[Stay]):
        self.demo = demo
        self.rng = demo.rng
        self.site = demo.site
        self.now = demo.now
        self.today = demo.today
        self.yesterday = self.today - timedelta(days=1)
        self.nurses = [demo.users["liuyan"], demo.users["huangmin"]]
        self.head = demo.users["zhouning"]
        self.stays = stays
        self.open = [stay for stay in stays if stay.ended_at is None]
        self.samples: list[Sample] = []
        self.results: list[tuple[Sample, str, datetime, str | None]] = []
        self.events: list[AuditEvent] = []
        self.barcodes = 0

    def nurse(self):
        return self.rng.choice(self.nurses)

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return self.demo.at(day, hour, minute)

    def event(self, at, actor, action, obj, *, room=None, person=None, before=None, after=None, note=""):
        self.events.append(
            self.demo.audit_event(
                at, actor, action, str(obj), obj._meta.model_name, obj.pk, room, person, before, after, note
            )
        )

    # --- who gets which story ---------------------------------------------

    def day_of(self, stay: Stay, on: date) -> int:
        return (on - timezone.localdate(stay.started_at)).days + 1

    def choose(self) -> None:
        sampled_yesterday = [
            stay for stay in self.open if self.day_of(stay, self.yesterday) in {day for day, _kind in DAYS}
        ]
        self.rng.shuffle(sampled_yesterday)
        singles = [stay for stay in sampled_yesterday if stay.room.capacity == 1 and stay.room.floor >= 5]
        self.positive = singles[0] if singles else None
        rest = [stay for stay in sampled_yesterday if stay is not self.positive]
        due_today = [stay for stay in rest if stay.ends_on <= self.today]
        # One release due today waits for yesterday's result.
        self.pending = set(due_today[:1] + [stay for stay in rest if stay not in due_today][:2])
        others = [stay for stay in rest if stay not in self.pending and stay not in due_today]
        self.missed = set(others[:2])
        self.invalid = set(others[2:3])

    # --- samples ----------------------------------------------------------

    def sample(self, stay: Stay, day: int, kind: str, reason: str = Sample.Reason.PROTOCOL) -> Sample:
        on = timezone.localdate(stay.started_at) + timedelta(days=day - 1)
        sample = Sample(
            site=self.site,
            person=stay.person,
            stay=stay,
            kind=kind,
            reason=reason,
            day=day,
            scheduled_on=on,
            created_at=stay.started_at,
            updated_at=stay.started_at,
            updated_by=stay.updated_by,
        )
        self.samples.append(sample)
        return sample

    def collect(self, sample: Sample, at: datetime) -> None:
        self.barcodes += 1
        sample.status = Sample.Status.COLLECTED
        sample.collected_at = at
        sample.collected_by = self.nurse()
        sample.tube_barcode = f"HXS{sample.scheduled_on:%m%d}{self.barcodes:04d}"
        sample.updated_at = at
        sample.updated_by = sample.collected_by
        sample.version = 2

    def result(self, sample: Sample, result: str, at: datetime, ct: str | None = None) -> None:
        sample.status = Sample.Status.RESULTED
        sample.result = result
        sample.resulted_at = at
        sample.updated_at = at
        sample.version = 3
        self.results.append((sample, result, at, ct))

    def schedule(self, stay: Stay) -> None:
        left = timezone.localdate(stay.ended_at) if stay.ended_at else None
        for day, kind in DAYS:
            sample = self.sample(stay, day, kind)
            on = sample.scheduled_on
            if left and on >= left:
                sample.status = Sample.Status.CANCELLED
                sample.note = gettext("The person left the site.")
                continue
            if on < self.today:
                if on == self.yesterday and stay in self.missed:
                    sample.status = Sample.Status.MISSED
                    continue
                self.collect(sample, self.at(on, 8, self.rng.randint(30, 59)))
                if on == self.yesterday and stay in self.pending:
                    continue
                reported = self.at(on + timedelta(days=1), 7, self.rng.randint(0, 40))
                if on == self.yesterday and stay is self.positive:
                    reported = self.now - timedelta(minutes=50)
                    self.result(sample, Sample.Result.POSITIVE, reported, "26.4")
                elif on == self.yesterday and stay in self.invalid:
                    self.result(sample, Sample.Result.INVALID, reported)
                    retest = self.sample(stay, self.day_of(stay, self.today), kind, Sample.Reason.RETEST)
                    self.maybe_collected_today(retest)
                else:
                    self.result(sample, Sample.Result.NEGATIVE, reported)
            elif on == self.today and stay.ended_at is None:
                self.maybe_collected_today(sample)
        SamplingPlan.objects.create(
            stay=stay,
            days=[[day, kind] for day, kind in DAYS],
            required_negatives=REQUIRED_NEGATIVES,
            planned_at=stay.started_at,
            planned_by=stay.updated_by,
        )

    def maybe_collected_today(self, sample: Sample) -> None:
        late_enough = self.now - self.demo.day_start(self.today) >= timedelta(hours=10, minutes=30)
        if late_enough and sample.stay.room.floor <= MORNING_SAMPLED_FLOORS:
            self.collect(sample, self.at(self.today, 9, self.rng.randint(0, 50)))

    # --- health rounds ----------------------------------------------------

    def rounds(self) -> list[tuple[date, str]]:
        done = [(self.yesterday, "am"), (self.yesterday, "pm")]
        if self.now - self.demo.day_start(self.today) >= timedelta(hours=10):
            done.append((self.today, "am"))
        return done

    def health(self) -> list[HealthCheck]:
        checks = []
        rounds = self.rounds()
        unwell = [stay for stay in self.open if stay is not self.positive]
        self.rng.shuffle(unwell)
        fevers, distressed, anxious = unwell[:2], unwell[2:3], set(unwell[3:9])
        for stay in self.open:
            arrived = timezone.localdate(stay.started_at)
            for day, round_ in rounds:
                if day < arrived:
                    continue
                hour = 8 if round_ == "am" else 15
                at = self.at(day, hour, self.rng.randint(10, 59))
                check = HealthCheck(
                    site=self.site,
                    person=stay.person,
                    stay=stay,
                    day=day,
                    round=round_,
                    temperature=Decimal(str(round(min(max(self.rng.gauss(36.5, 0.2), 35.9), 37.1), 1))),
                    mood=HealthCheck.Mood.ANXIOUS if stay in anxious else HealthCheck.Mood.STABLE,
                    recorded_at=at,
                    recorded_by=self.nurse(),
                    updated_at=at,
                )
                check.updated_by = check.recorded_by
                latest = (day, round_) == rounds[-1]
                if stay is self.positive and (day, round_) == (self.yesterday, "pm"):
                    check.temperature = Decimal("37.8")
                    check.symptoms = ["cough", "fatigue"]
                elif latest and stay in fevers:
                    check.temperature = Decimal("38.2") if stay is fevers[0] else Decimal("37.6")
                    check.symptoms = ["sore_throat"] if stay is fevers[0] else []
                elif latest and stay in distressed:
                    check.mood = HealthCheck.Mood.DISTRESSED
                elif self.rng.random() < 0.01:
                    check.outcome = HealthCheck.Outcome.REFUSED
                    check.temperature = None
                    check.mood = ""
                checks.append(check)
        return HealthCheck.objects.bulk_create(checks)

    # --- writing ----------------------------------------------------------

    def write(self) -> dict:
        # Notes are written in the site's language, as the services write them.
        with translation.override(settings.LANGUAGE_CODE):
            return self._write()

    def _write(self) -> dict:
        create_protocol(self.site)
        self.choose()
        for stay in self.stays:
            self.schedule(stay)
        Sample.objects.bulk_create(self.samples)
        SampleResult.objects.bulk_create(
            [
                SampleResult(
                    sample=sample,
                    result=result,
                    ct_orf1ab=Decimal(ct) if ct else None,
                    ct_n=Decimal(ct) - Decimal("1.8") if ct else None,
                    reported_at=at - timedelta(hours=1),
                    entered_at=at,
                    entered_by=self.nurse(),
                )
                for sample, result, at, ct in self.results
            ]
        )
        for sample in self.samples:
            if sample.status == Sample.Status.COLLECTED and sample.scheduled_on == self.today:
                self.event(
                    sample.collected_at,
                    sample.collected_by,
                    "sample.collect",
                    sample,
                    room=sample.stay.room,
                    person=sample.person,
                    before={"status": "scheduled"},
                    after={"status": "collected", "tube_barcode": sample.tube_barcode},
                )
        checks = self.health()
        alerts = self.alerts(checks)
        self.medicines()
        AuditEvent.objects.bulk_create(sorted(self.events, key=lambda event: event.at))
        return {
            "samples": len(self.samples),
            "checks": len(checks),
            "alerts": len(alerts),
            "positive": self.positive.room.number if self.positive else "-",
        }

    def alerts(self, checks: list[HealthCheck]) -> list[Alert]:
        alerts = []
        for check in checks:
            concerns = check.concerns
            if not concerns:
                continue
            kind = {"fever": Alert.Kind.FEVER, "symptoms": Alert.Kind.SYMPTOMS, "distressed": Alert.Kind.DISTRESSED}
            alert = Alert(
                site=self.site,
                kind=kind[concerns[0]],
                person=check.person,
                room=check.stay.room,
                health_check=check,
                created_at=check.recorded_at,
            )
            if check.day < self.today or check.stay is self.positive:
                alert.acknowledged_at = check.recorded_at + timedelta(minutes=self.rng.randint(3, 12))
                alert.acknowledged_by = self.nurses[1]
            alerts.append(alert)
        if self.positive:
            stay = self.positive
            sample = next(s for s in self.samples if s.stay is stay and s.result == Sample.Result.POSITIVE)
            room = stay.room
            Room.objects.filter(pk=room.pk).update(
                status=Room.Status.SEALED,
                status_changed_at=sample.resulted_at,
                version=room.version + 1,
                updated_at=sample.resulted_at,
                updated_by=self.nurses[0],
            )
            alerts.append(
                Alert(
                    site=self.site,
                    kind=Alert.Kind.POSITIVE,
                    urgent=True,
                    for_site_head=True,
                    person=stay.person,
                    room=room,
                    sample=sample,
                    created_at=sample.resulted_at,
                )
            )
            common = {"room": room, "person": stay.person}
            self.event(
                sample.resulted_at, self.nurses[0], "sample.result", sample, after={"result": "positive"}, **common
            )
            self.event(
                sample.resulted_at,
                self.nurses[0],
                "room.move",
                room,
                before={"status": "occupied"},
                after={"status": "sealed"},
                note=gettext("Positive result of %(name)s.") % {"name": stay.person.name},
                **common,
            )
            self.draft_transfer(stay, sample, common)
        return Alert.objects.bulk_create(alerts)

    def draft_transfer(self, stay: Stay, sample: Sample, common: dict) -> None:
        """The urgent transfer a positive result drafts (as the result service does), awaiting approval."""
        person = stay.person
        if Transfer.objects.filter(person=person, state__in=Transfer.OPEN_STATES).exists():
            return
        transfer = Transfer.objects.create(
            site=self.site,
            person=person,
            room=stay.room,
            state=Transfer.State.REQUESTED,
            urgency=Transfer.Urgency.URGENT,
            destination_type=Transfer.Destination.DESIGNATED_HOSPITAL,
            destination_name=self.site.designated_hospital,
            reason=gettext("Positive result: transfer to the designated hospital."),
            created_at=sample.resulted_at,
            requested_by=self.nurses[0],
            updated_at=sample.resulted_at,
            updated_by=self.nurses[0],
        )
        self.event(
            sample.resulted_at,
            self.nurses[0],
            "transfer.requested",
            transfer,
            after={"state": Transfer.State.REQUESTED},
            note=gettext("Drafted on a positive result."),
            **common,
        )

    def medicines(self) -> None:
        needs = []
        for stay in self.open:
            person = stay.person
            if Person.Need.CHRONIC in person.special_needs:
                name, dose = REGULAR["diabetic" if person.diet == Person.Diet.DIABETIC else "chronic"]
                needs.append(
                    MedicineNeed(
                        person=person, name=name, dose=dose, created_by=self.nurse(), created_at=stay.started_at
                    )
                )
        MedicineNeed.objects.bulk_create(needs)
