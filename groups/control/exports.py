"""Excel exports for those who ask for them: the CDC, the district office, the contractor, the police.

Each export is a table over a date range, for the site head and the group
whose records it holds. National IDs and phone numbers are masked unless the
user may reveal personal data and asks for them; every export is one audit
row (which, the range, how many rows, full IDs or not). Rows are read with
an iterator and written by XlsxWriter in its constant-memory mode (each row
goes to disk as the next begins, strings inline, no shared-string table) to a temporary
file that is streamed back: a large export does not build in memory.
"""

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from groups.disinfection.models import DisinfectionTask, WasteCollection
from groups.medical.models import SampleResult
from groups.security.models import CheckpointEntry
from groups.transfers.models import Transfer
from rooms.models import Site, Stay
from rooms.reads import day_start
from rooms.roles import Role, display_name, has_role, require_role
from rooms.services import ServiceError, audit, require_reveal
from rooms.sheets import ColumnWidths, sheet_name

# A range longer than this is refused: a year of a site's records at the most.
MAX_DAYS = 366
CHUNK = 2000
# The columns are sized by the first rows: a year's export is not measured cell by cell.
WIDTH_ROWS = 500


@dataclass(frozen=True)
class Export:
    key: str
    title: str
    roles: tuple[str, ...]
    columns: tuple[str, ...]
    # rows(site, start, end, full_id) -> an iterator of lists of cell values
    rows: Callable[[Site, datetime, datetime, bool], Iterator[list]]
    # Whether it holds national IDs or phone numbers (masked unless asked for).
    personal: bool = False


def _local(moment):
    """A datetime as Excel keeps it: local, without a zone."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def _id(person, full: bool) -> str:
    return person.national_id if full else person.national_id_masked


def _people(site, start, end, full) -> Iterator[list]:
    stays = (
        Stay.objects.filter(site=site, started_at__gte=start, started_at__lt=end)
        .select_related("person", "room")
        .order_by("started_at", "pk")
    )
    for stay in stays.iterator(chunk_size=CHUNK):
        person = stay.person
        yield [
            person.name,
            str(person.get_sex_display()),
            person.birth_date,
            _id(person, full),
            person.phone if full else person.phone_masked,
            str(person.get_category_display()),
            person.household,
            stay.room.number,
            _local(stay.started_at),
            stay.ends_on,
            _local(stay.ended_at),
            str(stay.get_end_reason_display()) if stay.end_reason else "",
        ]


def _results(site, start, end, full) -> Iterator[list]:
    results = (
        SampleResult.objects.filter(sample__site=site, entered_at__gte=start, entered_at__lt=end)
        .select_related("sample__person", "sample__stay__room")
        .order_by("entered_at", "pk")
    )
    for result in results.iterator(chunk_size=CHUNK):
        sample, person = result.sample, result.sample.person
        yield [
            person.name,
            _id(person, full),
            sample.stay.room.number,
            str(sample.get_kind_display()),
            sample.tube_barcode,
            sample.scheduled_on,
            _local(sample.collected_at),
            str(result.get_result_display()),
            result.ct_orf1ab,
            result.ct_n,
            _local(result.reported_at),
            _local(result.entered_at),
            str(_("yes")) if result.corrects_id else "",
        ]


def _transfers(site, start, end, full) -> Iterator[list]:
    transfers = (
        Transfer.objects.filter(site=site, created_at__gte=start, created_at__lt=end)
        .select_related("person", "room")
        .order_by("created_at", "pk")
    )
    for t in transfers.iterator(chunk_size=CHUNK):
        yield [
            t.person.name,
            _id(t.person, full),
            t.room.number,
            str(t.get_destination_type_display()),
            t.destination_name,
            str(t.get_urgency_display()),
            str(t.get_state_display()),
            _local(t.created_at),
            t.vehicle_plate,
            t.escort,
            _local(t.departed_at),
            t.handed_over_to,
            _local(t.received_at),
            t.received_by,
            _local(t.closed_at),
        ]


def _disinfection(site, start, end, full) -> Iterator[list]:
    tasks = (
        DisinfectionTask.objects.filter(site=site, done_at__gte=start, done_at__lt=end)
        .select_related("room", "schedule", "disinfectant", "done_by")
        .order_by("done_at", "pk")
    )
    for task in tasks.iterator(chunk_size=CHUNK):
        where = task.room.number if task.room_id else (task.where or (task.schedule.area if task.schedule_id else ""))
        yield [
            str(task.get_kind_display()),
            where,
            task.floor,
            str(task.disinfectant) if task.disinfectant_id else task.agent,
            str(task.get_method_display()) if task.method else "",
            task.concentration_mg_l,
            task.contact_minutes,
            _local(task.done_at),
            display_name(task.done_by) if task.done_by_id else "",
        ]


def _waste(site, start, end, full) -> Iterator[list]:
    collections = (
        WasteCollection.objects.filter(site=site, collected_at__gte=start, collected_at__lt=end)
        .select_related("room", "handover", "collected_by")
        .order_by("collected_at", "pk")
    )
    for c in collections.iterator(chunk_size=CHUNK):
        h = c.handover
        yield [
            _local(c.collected_at),
            c.floor,
            c.room.number if c.room_id else "",
            str(_("yes")) if c.positive else str(_("no")),
            c.bags,
            c.weight_kg,
            display_name(c.collected_by),
            _local(h.handed_at) if h else None,
            h.manifest_number if h else "",
            h.contractor if h else "",
            h.handed_over_name if h else "",
            h.receiver if h else "",
        ]


def _checkpoint(site, start, end, full) -> Iterator[list]:
    entries = CheckpointEntry.objects.filter(site=site, entered_at__gte=start, entered_at__lt=end).order_by(
        "entered_at", "pk"
    )
    for entry in entries.iterator(chunk_size=CHUNK):
        yield [
            str(entry.get_kind_display()),
            entry.name,
            entry.purpose,
            _local(entry.entered_at),
            _local(entry.left_at),
        ]


EXPORTS = {
    export.key: export
    for export in (
        Export(
            "people",
            _("Person register with stays"),
            (Role.SITE_HEAD, Role.GENERAL),
            (
                pgettext_lazy("export column", "name"),
                pgettext_lazy("export column", "sex"),
                pgettext_lazy("export column", "birth date"),
                pgettext_lazy("export column", "national ID"),
                pgettext_lazy("export column", "phone"),
                pgettext_lazy("export column", "category"),
                pgettext_lazy("export column", "household"),
                pgettext_lazy("export column", "room"),
                pgettext_lazy("export column", "checked in"),
                pgettext_lazy("export column", "quarantine ends"),
                pgettext_lazy("export column", "checked out"),
                pgettext_lazy("export column", "how they left"),
            ),
            _people,
            personal=True,
        ),
        Export(
            "results",
            _("Sample results (for the CDC)"),
            (Role.SITE_HEAD, Role.MEDICAL),
            (
                pgettext_lazy("export column", "name"),
                pgettext_lazy("export column", "national ID"),
                pgettext_lazy("export column", "room"),
                pgettext_lazy("export column", "test"),
                pgettext_lazy("export column", "tube barcode"),
                pgettext_lazy("export column", "due"),
                pgettext_lazy("export column", "collected"),
                pgettext_lazy("export column", "result"),
                pgettext_lazy("export column", "Ct ORF1ab"),
                pgettext_lazy("export column", "Ct N"),
                pgettext_lazy("export column", "lab report time"),
                pgettext_lazy("export column", "entered"),
                pgettext_lazy("export column", "correction"),
            ),
            _results,
            personal=True,
        ),
        Export(
            "transfers",
            _("Transfer log"),
            (Role.SITE_HEAD, Role.GENERAL),
            (
                pgettext_lazy("export column", "name"),
                pgettext_lazy("export column", "national ID"),
                pgettext_lazy("export column", "room"),
                pgettext_lazy("export column", "destination type"),
                pgettext_lazy("export column", "destination"),
                pgettext_lazy("export column", "urgency"),
                pgettext_lazy("export column", "state"),
                pgettext_lazy("export column", "requested"),
                pgettext_lazy("export column", "vehicle plate"),
                pgettext_lazy("export column", "escort"),
                pgettext_lazy("export column", "departed"),
                pgettext_lazy("export column", "handed over to"),
                pgettext_lazy("export column", "checked in at the receiving site"),
                pgettext_lazy("export column", "received by at the receiving site"),
                pgettext_lazy("export column", "closed"),
            ),
            _transfers,
            personal=True,
        ),
        Export(
            "disinfection",
            _("Disinfection log"),
            (Role.SITE_HEAD, Role.DISINFECTION),
            (
                pgettext_lazy("export column", "task"),
                pgettext_lazy("export column", "where"),
                pgettext_lazy("export column", "floor"),
                pgettext_lazy("export column", "disinfectant"),
                pgettext_lazy("export column", "method"),
                pgettext_lazy("export column", "concentration (mg/L)"),
                pgettext_lazy("export column", "contact time (minutes)"),
                pgettext_lazy("export column", "done"),
                pgettext_lazy("export column", "by"),
            ),
            _disinfection,
        ),
        Export(
            "waste",
            _("Medical waste chain"),
            (Role.SITE_HEAD, Role.DISINFECTION),
            (
                # Waste collected, not a sample: a word of its own.
                pgettext_lazy("waste export column", "collected"),
                pgettext_lazy("export column", "floor"),
                pgettext_lazy("export column", "room"),
                pgettext_lazy("export column", "from a positive case's room"),
                pgettext_lazy("export column", "bags"),
                pgettext_lazy("export column", "weight (kg)"),
                pgettext_lazy("export column", "collected by"),
                pgettext_lazy("export column", "handed over"),
                pgettext_lazy("export column", "transfer manifest number"),
                pgettext_lazy("export column", "contractor"),
                pgettext_lazy("export column", "handed over by"),
                pgettext_lazy("export column", "received by"),
            ),
            _waste,
        ),
        Export(
            "checkpoint",
            _("Checkpoint log"),
            (Role.SITE_HEAD, Role.SECURITY),
            (
                pgettext_lazy("export column", "kind"),
                pgettext_lazy("export column", "who or which vehicle"),
                pgettext_lazy("export column", "purpose"),
                pgettext_lazy("export column", "in"),
                pgettext_lazy("export column", "out"),
            ),
            _checkpoint,
        ),
    )
}


def exports_for(user) -> list[Export]:
    return [export for export in EXPORTS.values() if has_role(user, *export.roles)]


def export_file(*, site: Site, key: str, first: date, last: date, by, full_id: bool = False):
    """Write an export to a temporary file; returns (the open file, its name, the rows written). Audited."""
    export = EXPORTS.get(key)
    if export is None:
        raise ServiceError(_("There is no such export."))
    require_role(by, *export.roles)
    if full_id:
        if not export.personal:
            full_id = False
        else:
            require_reveal(by)
    if last < first:
        raise ServiceError(_("The range ends before it starts."))
    if (last - first).days >= MAX_DAYS:
        raise ServiceError(_("Export at most %(days)s days at a time.") % {"days": MAX_DAYS})

    start, end = day_start(first), day_start(date.fromordinal(last.toordinal() + 1))
    out = tempfile.TemporaryFile()  # noqa: SIM115 (streamed back, then closed by the response)
    book = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            # What staff typed stays text: no formulas, links or numbers read into it.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    sheet = book.add_worksheet(str(export.title)[:31])
    formats = {
        "bold": book.add_format({"bold": True}),
        "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
    }
    header = [str(column) for column in export.columns]
    sheet.write_row(0, 0, header, formats["bold"])
    widths = ColumnWidths()
    widths.see(header)
    count = 0
    for count, row in enumerate(export.rows(site, start, end, full_id), start=1):  # noqa: B007 (the count is used)
        if count <= WIDTH_ROWS:
            widths.see(row)
        for column, value in enumerate(row):
            _write(sheet, count, column, value, formats)
    for column, width in widths.sized().items():
        sheet.set_column(column, column, width)
    sheet.freeze_panes(1, 0)
    book.close()
    out.seek(0)
    audit(
        site=site,
        by=by,
        action="export",
        obj=site,
        label=export.title,
        after={"export": key, "from": first, "to": last, "rows": count, "id_printed": "full" if full_id else "masked"},
    )
    name = sheet_name(export.title, first, last)
    return out, name, count


def _write(sheet, row: int, column: int, value, formats: dict) -> None:
    """Dates and times as Excel dates, numbers as numbers, everything else as text."""
    if value is None or value == "":
        return
    if isinstance(value, datetime):
        sheet.write_datetime(row, column, value, formats["datetime"])
    elif isinstance(value, date):
        sheet.write_datetime(row, column, value, formats["date"])
    elif isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, (int, float, Decimal)):
        sheet.write_number(row, column, value)
    else:
        sheet.write_string(row, column, str(value))
