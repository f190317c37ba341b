import hashlib
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from groups.medical.lab_sheets import CLOCK_SLACK, SheetRow, read_sheet, same_name
from groups.medical.models import (
    Alert,
    LabImport,
    Sample,
    SampleResult,
    TestProtocol,
)
from groups.medical.services.common import MEDICAL_ROLES, Touched, _publish
from groups.medical.services.results import _apply_result, _record_negatives, plain_negative
from rooms.masking import mask_national_id
from rooms.models import Person, Site, Stay
from rooms.roles import display_name, require_role
from rooms.services import (
    ServiceError,
    audit,
    claim_form,
)
from rooms.words import site_language
from site_ops import live


def _match_rows(site: Site, rows: list[SheetRow]) -> list[dict]:
    """What each line of a sheet would do: apply, skip (already recorded) or error, and why."""
    barcodes = {row.barcode for row in rows if row.barcode}
    # Tubes are stored as one code (tube_code; migration medical 0012 made the older ones so).
    by_barcode = {
        sample.tube_barcode: sample
        for sample in Sample.objects.filter(site=site, tube_barcode__in=barcodes).select_related("person", "stay__room")
    }
    by_national_id = _samples_by_national_id(site, {row.national_id for row in rows if not row.barcode})
    protocol = TestProtocol.numbers_for(site.pk)
    seen: dict[int, int] = {}
    lines = []
    for row in rows:
        line = {
            "line": row.line,
            "barcode": row.barcode,
            "national_id": mask_national_id(row.national_id),
            "result": row.result,
            "result_text": row.result_text,
            "ct_orf1ab": row.ct_orf1ab,
            "ct_n": row.ct_n,
            "reported_at": row.reported_at.isoformat() if row.reported_at else None,
            "sample": None,
            "person": "",
            "room": "",
            "action": "error",
            "code": row.error,
            "params": {"text": row.error_text},
        }
        lines.append(line)
        if row.error:
            continue
        sample, code, params = _find_sample(row, by_barcode, by_national_id)
        if sample is None:
            line.update(code=code, params=params)
            continue
        line.update(sample=sample.pk, person=sample.person.name, room=sample.stay.room.number)
        if not same_name(row.name, sample.person.name):
            # The tube is someone else's by the lab's name: a result is never put on the wrong person.
            line.update(code="name_differs", params={"name": row.name})
        elif sample.pk in seen:
            line.update(code="duplicate", params={"line": seen[sample.pk]})
        elif row.reported_at and sample.collected_at and row.reported_at < sample.collected_at - CLOCK_SLACK:
            line.update(
                code="before_collection",
                params={"reported": _local(row.reported_at), "collected": _local(sample.collected_at)},
            )
        elif sample.kind != Sample.Kind.PCR and (row.ct_orf1ab or row.ct_n):
            # Ct values are a PCR's: a line that has them and matched an antigen tube is the wrong tube.
            line.update(code="ct_for_antigen", params={"kind": sample.get_kind_display()})
        elif sample.kind == Sample.Kind.PCR and _ct_disagrees(protocol, row):
            reading = protocol.read_ct(row.ct_orf1ab, row.ct_n)
            line.update(code="ct_disagrees", params={"reading": reading, "threshold": str(protocol.ct_negative_from)})
        elif sample.status == Sample.Status.COLLECTED:
            line.update(action="apply", code="apply")
        elif sample.status == Sample.Status.RESULTED and sample.result == row.result:
            line.update(action="skip", code="already")
        elif sample.status == Sample.Status.RESULTED:
            line.update(code="differs", params={"result": sample.result})
        elif sample.status == Sample.Status.CANCELLED:
            line.update(code="cancelled")
        else:
            line.update(code="not_collected")
        seen.setdefault(sample.pk, row.line)
    _refuse_conflicts(lines, rows)
    return lines


def _refuse_conflicts(lines: list[dict], rows: list[SheetRow]) -> None:
    """Two lines of one sample that disagree (negative on one, positive on the other, or other Ct values):
    neither is applied, and each says so. The same line twice stays "the same sample as line N"."""
    by_sample: dict[int, list[tuple[dict, SheetRow]]] = {}
    for line, row in zip(lines, rows, strict=True):
        if line["sample"] is not None:
            by_sample.setdefault(line["sample"], []).append((line, row))
    for pairs in by_sample.values():
        readings = {(row.result, row.ct_orf1ab, row.ct_n) for _line, row in pairs}
        if len(pairs) > 1 and len(readings) > 1:
            numbers = "、".join(str(row.line) for _line, row in pairs)
            for line, _row in pairs:
                line.update(action="error", code="conflicting", params={"lines": numbers})


def _local(moment) -> str:
    return date_format(timezone.localtime(moment), "m-d H:i")


def _ct_disagrees(protocol: TestProtocol, row: SheetRow) -> bool:
    """The line's Ct values read otherwise than its result, by the site's protocol."""
    if row.result == Sample.Result.INVALID:
        return False
    reading = protocol.read_ct(row.ct_orf1ab, row.ct_n)
    return bool(reading) and reading != row.result


def _samples_by_national_id(site: Site, national_ids: set) -> dict[str, tuple[Person, list[Sample]]]:
    """For lines that name a person rather than a tube: each ID number's person on the site (the latest
    registered, if two) and their samples collected or resulted, newest first, with their results. Three
    queries for the sheet, not two or three a line (a morning's sheet has a hundred lines)."""
    people: dict[str, Person] = {}
    for person in Person.objects.filter(site=site, national_id__in=national_ids - {""}).order_by("-created_at"):
        people.setdefault(person.national_id, person)
    samples: dict[int, list[Sample]] = {person.pk: [] for person in people.values()}
    for sample in (
        Sample.objects.filter(
            person__in=list(people.values()), status__in=[Sample.Status.COLLECTED, Sample.Status.RESULTED]
        )
        .select_related("person", "stay__room")
        .prefetch_related("results")
        .order_by("-collected_at")
    ):
        samples[sample.person_id].append(sample)
    return {national_id: (person, samples[person.pk]) for national_id, person in people.items()}


def _find_sample(row: SheetRow, by_barcode: dict, by_national_id: dict) -> tuple[Sample | None, str, dict]:
    if row.barcode:
        sample = by_barcode.get(row.barcode)
        return (sample, "", {}) if sample else (None, "no_barcode", {"barcode": row.barcode})
    if row.national_id not in by_national_id:
        return None, "no_person", {}
    person, samples = by_national_id[row.national_id]
    waiting = [sample for sample in samples if sample.status == Sample.Status.COLLECTED]
    if len(waiting) == 1:
        return waiting[0], "", {}
    if len(waiting) > 1:
        return None, "ambiguous", {"count": len(waiting)}
    # Nothing waits: a sheet imported again finds its own results here.
    for sample in samples:
        reported = {entry.reported_at for entry in sample.results.all()}
        if sample.result == row.result and row.reported_at in reported:
            return sample, "", {}
    return None, "no_sample", {"name": person.name}


def lab_import_preview(*, site: Site, by, filename: str, content: bytes) -> LabImport:
    """Read a lab's sheet and keep what each line would do; nothing is applied yet."""
    require_role(by, *MEDICAL_ROLES)
    rows = read_sheet(filename, content)
    if not rows:
        raise ServiceError(_("The sheet has no result lines."))
    with transaction.atomic():
        lab_import = LabImport.objects.create(
            site=site,
            filename=filename[:200],
            digest=hashlib.sha256(content).hexdigest(),
            rows=_match_rows(site, rows),
            uploaded_by=by,
        )
        if _alert_unrecorded_positives(lab_import, by=by):
            _publish(site, Touched())
    return lab_import


def _alert_unrecorded_positives(lab_import: LabImport, *, by) -> int:
    """A positive line the sheet cannot record is an urgent alert to the medical group and the site head at
    once, whether or not anything else in the sheet is recorded: a mistyped barcode must not leave a case
    unknown. The same line of the same file previewed again raises no second alert while the first is open."""
    raised = 0
    with site_language():
        lines = [line for line in lab_import.lines() if line["result"] == Sample.Result.POSITIVE]
        for line in lines:
            if line["action"] != "error":
                continue
            note = str(
                _(
                    "Lab sheet %(file)s, line %(line)s: a positive (%(key)s) was not recorded: %(why)s. "
                    "Check it with the lab now."
                )
                % {
                    "file": lab_import.filename,
                    "line": line["line"],
                    "key": line["barcode"] or line["national_id"],
                    "why": line["message"],
                }
            )[:300]
            open_alert = Alert.objects.filter(
                site=lab_import.site, kind=Alert.Kind.UNRECORDED_POSITIVE, note=note, acknowledged_at=None
            )
            if open_alert.exists():
                continue
            Alert.objects.create(
                site=lab_import.site,
                kind=Alert.Kind.UNRECORDED_POSITIVE,
                urgent=True,
                for_site_head=True,
                note=note,
                raised_by=by,
            )
            raised += 1
    return raised


def _apply_lines(lab_import: LabImport, samples: dict, stays: dict, *, by) -> tuple[int, Touched, list[tuple]]:
    """Record the sheet's lines on their locked samples but its plain negatives, which are returned to be
    written together (``_record_negatives``): how many lines apply, what the others changed, the negatives."""
    applied, escalated, negatives = 0, Touched(), []
    for line in lab_import.rows:
        if line["action"] != "apply":
            continue
        sample = samples.get(line["sample"])
        if sample is None or sample.status != Sample.Status.COLLECTED:
            line.update(action="skip", code="changed")
            continue
        stay = stays[sample.stay_id]
        sample.person = stay.person  # the same row: its name labels the audit event
        reported = datetime.fromisoformat(line["reported_at"]) if line["reported_at"] else None
        if plain_negative(sample, line["result"]):
            negatives.append((sample, stay, line["ct_orf1ab"], line["ct_n"], reported))
        else:
            escalated.add(
                _apply_result(
                    sample,
                    stay,
                    result=line["result"],
                    by=by,
                    ct_orf1ab=line["ct_orf1ab"],
                    ct_n=line["ct_n"],
                    reported_at=reported,
                    source=SampleResult.Source.IMPORT,
                    lab_import=lab_import,
                )
            )
        line["applied"] = True
        applied += 1
    return applied, escalated, negatives


def lab_import_apply(*, lab_import: LabImport, by, token=None) -> int:
    """Apply the lines of a previewed sheet that match a sample awaiting its result.

    Each line is checked again: a result entered since the preview is not
    entered twice, and a sheet applied once cannot be applied again.
    """
    require_role(by, *MEDICAL_ROLES)
    with transaction.atomic():
        claim_form(token, by)
        lab_import = LabImport.objects.select_for_update(of=("self",)).select_related("site").get(pk=lab_import.pk)
        if lab_import.status == LabImport.Status.APPLIED:
            raise ServiceError(
                _("This sheet was already applied by %(who)s at %(when)s.")
                % {
                    "who": display_name(lab_import.applied_by),
                    "when": date_format(timezone.localtime(lab_import.applied_at), "m-d H:i"),
                }
            )
        # The sheet's samples locked, and their stays read, in two statements
        # rather than two a line (a morning's sheet has a hundred lines).
        wanted = [line["sample"] for line in lab_import.rows if line["action"] == "apply"]
        samples = Sample.objects.select_for_update(of=("self",)).in_bulk(wanted)
        stay_ids = {sample.stay_id for sample in samples.values()}
        stays = Stay.objects.select_related("room", "person").in_bulk(stay_ids)
        # Every one is the sheet's site's (its lines were matched there): the site read with the sheet is
        # theirs, not a copy of it made for each of two hundred rows.
        for record in (*samples.values(), *stays.values()):
            if record.site_id == lab_import.site_id:
                record.site = lab_import.site
        # A positive goes out first, in one message with its seal and its drafted transfer, and the sheet's
        # hundred negatives after it: each board gets both in turn (the medical tablets first, then the
        # control screen) before the next board gets either.
        with live.in_turn():
            with live.one_broadcast():
                applied, escalated, negatives = _apply_lines(lab_import, samples, stays, by=by)
                first = bool(escalated.rooms or escalated.persons)
                if first:
                    _publish(lab_import.site, escalated)
            touched = _record_negatives(negatives, by=by, lab_import=lab_import)
            lab_import.status = LabImport.Status.APPLIED
            lab_import.applied_at = timezone.now()
            lab_import.applied_by = by
            lab_import.applied_count = applied
            lab_import.save(update_fields=["rows", "status", "applied_at", "applied_by", "applied_count"])
            audit(
                site=lab_import.site,
                by=by,
                action="lab_import.apply",
                obj=lab_import,
                after={"lines": len(lab_import.rows), "applied": applied},
            )
            if touched.rooms or not first:
                _publish(lab_import.site, touched)
    return applied
