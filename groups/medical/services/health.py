from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.medical.models import (
    Alert,
    HealthCheck,
    TestProtocol,
    concerns_of,
)
from groups.medical.services.common import MEDICAL_ROLES, Touched, _publish
from rooms.models import Person, Site, Stay
from rooms.roles import display_name, require_role
from rooms.services import (
    ServiceError,
    audit_all,
    audit_event,
    check_version,
    claim_form,
    touch,
)
from rooms.words import site_language

ALERT_FOR_CONCERN = {"fever": Alert.Kind.FEVER, "symptoms": Alert.Kind.SYMPTOMS, "distressed": Alert.Kind.DISTRESSED}


TEMPERATURE_RANGE = (Decimal("34.0"), Decimal("43.0"))


def _health_values(person: Person, entry: dict) -> dict:
    outcome = entry.get("outcome") or HealthCheck.Outcome.CHECKED
    if outcome not in HealthCheck.Outcome.values:
        raise ServiceError(_("Unknown outcome for %(name)s.") % {"name": person.name})
    if outcome != HealthCheck.Outcome.CHECKED:
        return {"outcome": outcome, "temperature": None, "symptoms": [], "mood": "", "note": entry.get("note", "")}
    temperature = entry.get("temperature")
    if temperature is None:
        raise ServiceError(_("The temperature of %(name)s is missing.") % {"name": person.name})
    temperature = Decimal(temperature).quantize(Decimal("0.1"))
    low, high = TEMPERATURE_RANGE
    if not low <= temperature <= high:
        raise ServiceError(
            _("%(value)s °C for %(name)s cannot be right: check the reading.")
            % {"value": temperature, "name": person.name}
        )
    symptoms = sorted(set(entry.get("symptoms") or []))
    unknown = set(symptoms) - set(HealthCheck.Symptom.values)
    mood = entry.get("mood") or HealthCheck.Mood.STABLE
    if unknown or mood not in HealthCheck.Mood.values:
        raise ServiceError(_("Unknown symptom or mood for %(name)s.") % {"name": person.name})
    return {
        "outcome": outcome,
        "temperature": temperature,
        "symptoms": symptoms,
        "mood": mood,
        "note": entry.get("note", ""),
    }


def health_round_record(*, site: Site, day: date, round: str, entries: list[dict], by, token=None) -> list[HealthCheck]:
    """Record a health round, a row per person (a floor at a time from the tablet).

    Each entry: person, outcome, temperature, symptoms, mood, note and the
    version of the check it corrects (None for a new one). A fever (at the
    protocol's threshold), a symptom or distress raises an alert for the
    medical group; so do checks missed or refused in a row (the protocol's
    ``welfare_after_missed``): nobody answering the door is a welfare warning.
    """
    require_role(by, *MEDICAL_ROLES)
    if round not in HealthCheck.Round.values:
        raise ServiceError(_("Choose the morning or the afternoon round."))
    if day > timezone.localdate():
        raise ServiceError(_("A round cannot be recorded for a day still to come."))
    if not entries:
        raise ServiceError(_("Nothing to record: enter at least one person's check."))
    with transaction.atomic():
        claim_form(token, by)
        ids = [entry["person"].pk for entry in entries]
        stays = {
            stay.person_id: stay
            for stay in Stay.objects.open().filter(site=site, person_id__in=ids).select_related("room", "person")
        }
        existing = {
            check.person_id: check
            for check in HealthCheck.objects.select_for_update(of=("self",))
            .filter(person_id__in=ids, day=day, round=round)
            .select_related("updated_by")
        }
        protocol = TestProtocol.numbers_for(site.pk)
        touched = Touched()
        saved = []
        not_done = []
        recorded = []  # (check, person, stay, values, before, old concerns, was done), in the round's order
        for entry in entries:
            person = entry["person"]
            stay = stays.get(person.pk)
            if stay is None:
                raise ServiceError(_("%(name)s is not in isolation on this site.") % {"name": person.name})
            values = _health_values(person, entry)
            check = existing.get(person.pk)
            before = {}
            if check is None:
                check = HealthCheck(site=site, person=person, stay=stay, day=day, round=round, recorded_by=by)
                old_concerns = []
                was_done = True
            else:
                check_version(check, entry.get("version"))
                if all(getattr(check, key) == value for key, value in values.items()):
                    continue
                old_concerns = concerns_of(check.temperature, check.symptoms, check.mood, protocol.fever_from)
                was_done = check.outcome == HealthCheck.Outcome.CHECKED
                before = {key: getattr(check, key) for key in values}
            for key, value in values.items():
                setattr(check, key, value)
            check.recorded_at = timezone.now()
            check.recorded_by = by
            if check.pk:
                touch(check, by)
                check.save()
            else:
                check.updated_by = by
            recorded.append((check, person, stay, values, before, old_concerns, was_done))
        # A floor's new checks in one statement (their ids come back with it).
        HealthCheck.objects.bulk_create([check for check, *_rest in recorded if check.pk is None])
        events = []  # the round's audit events, saved together
        for check, person, stay, values, before, old_concerns, was_done in recorded:
            concerns = concerns_of(check.temperature, check.symptoms, check.mood, protocol.fever_from)
            new = [concern for concern in concerns if concern not in old_concerns]
            gone = [ALERT_FOR_CONCERN[concern] for concern in old_concerns if concern not in concerns]
            if gone:
                # A reading corrected (38.2 typed for 36.2): its alert is closed, saying what it was.
                with site_language():
                    note = _("corrected by %(who)s: was %(was)s") % {
                        "who": display_name(by),
                        "was": f"{before.get('temperature')} °C" if before.get("temperature") else "",
                    }
                Alert.objects.filter(health_check=check, kind__in=gone, acknowledged_at__isnull=True).update(
                    acknowledged_at=timezone.now(), acknowledged_by=by, note=note[:300]
                )
            if new:
                Alert.objects.create(
                    site=site,
                    kind=ALERT_FOR_CONCERN[new[0]],
                    person=person,
                    room=stay.room,
                    health_check=check,
                )
            events.append(
                audit_event(
                    site=site,
                    by=by,
                    action="health.record",
                    obj=check,
                    room=stay.room,
                    person=person,
                    before={key: str(value) if isinstance(value, Decimal) else value for key, value in before.items()},
                    after={
                        key: str(value) if isinstance(value, Decimal) else value
                        for key, value in values.items()
                        if value not in ("", None, [])
                    },
                )
            )
            touched.rooms.add(stay.room_id)
            touched.persons.add(person.pk)
            saved.append(check)
            if was_done and check.outcome != HealthCheck.Outcome.CHECKED:
                not_done.append(check)
        audit_all(events)
        if not_done:
            _welfare_alerts(site, not_done, stays=stays, after=protocol.welfare_after_missed)
        if saved:
            _publish(site, touched)
    return saved


def rounds_before(day: date, round: str, count: int) -> list[tuple[date, str]]:
    """The ``count`` rounds before this one, the latest first."""
    rounds = []
    for _step in range(count):
        if round == HealthCheck.Round.AFTERNOON:
            round = HealthCheck.Round.MORNING
        else:
            day, round = day - timedelta(days=1), HealthCheck.Round.AFTERNOON
        rounds.append((day, round))
    return rounds


def _welfare_alerts(site: Site, checks: list[HealthCheck], *, stays: dict, after: int) -> None:
    """A welfare alert for each person whose check just made ``after`` rounds in a row
    missed or refused, unless one is still open for them: two queries.

    The checks are of one round of one day.
    """
    earlier = rounds_before(checks[0].day, checks[0].round, after - 1)
    people = [check.person_id for check in checks]
    not_done = set()
    if earlier:
        rows = (
            HealthCheck.objects.filter(stay__in=[stays[person] for person in people], day__gte=earlier[-1][0])
            .exclude(outcome=HealthCheck.Outcome.CHECKED)
            .values_list("person_id", "day", "round")
        )
        not_done = set(rows)
    still_open = set(
        Alert.objects.filter(
            site=site, kind=Alert.Kind.WELFARE, person_id__in=people, acknowledged_at__isnull=True
        ).values_list("person_id", flat=True)
    )
    for check in checks:
        in_a_row = all((check.person_id, day, round) in not_done for day, round in earlier)
        if in_a_row and check.person_id not in still_open:
            Alert.objects.create(
                site=site,
                kind=Alert.Kind.WELFARE,
                person_id=check.person_id,
                room=stays[check.person_id].room,
                health_check=check,
            )
