"""Reading a lab's result sheet (CSV or Excel) into rows, each checked on its own.

Labs name their columns in Chinese or English and in many ways; a column is
recognised by its normalised header. A line that cannot be read gets an error
code and stays in the preview with the others, so the user sees what was not
understood and why.
"""

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from rooms.masking import validate_national_id
from rooms.services import ServiceError
from site_ops.inputs import FIRST_DAY, LAST_DAY, NOT_ALLOWED

MAX_LINES = 5000
# What an .xlsx (a zip archive) may unpack to before it is parsed at all: a
# sheet of 5,000 lines is well under a megabyte of XML, and a file of a few
# megabytes can unpack to gigabytes (its shared strings especially).
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_SHARED_STRINGS_BYTES = 20 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 200
MAX_COMPRESSION_RATIO = 200

HEADERS = {
    "barcode": {
        "barcode",
        "tubebarcode",
        "tube",
        "samplebarcode",
        "条码",
        "条形码",
        "样本条码",
        "试管条码",
        "采样管条码",
        "样本编号",
    },
    "national_id": {"nationalid", "id", "idnumber", "idno", "身份证", "身份证号", "身份证号码", "证件号码"},
    "name": {"name", "姓名", "受检者", "受检者姓名", "被检者姓名", "采样人姓名"},
    "result": {"result", "testresult", "结果", "检测结果", "核酸结果"},
    "ct_orf1ab": {"orf1ab", "ctorf1ab", "orf1abct", "orf1ab基因", "orf1abct值", "orf1ab基因ct值"},
    "ct_n": {"n", "ctn", "nct", "n基因", "nct值", "n基因ct值"},
    "reported_at": {"reporttime", "reportedat", "reported", "report", "报告时间", "报告日期"},
}
RESULTS = {
    "negative": {"negative", "neg", "-", "阴性", "阴"},
    "positive": {"positive", "pos", "+", "阳性", "阳"},
    "invalid": {"invalid", "无效", "不合格"},
}
NOT_DETECTED = {"", "-", "/", "n/a", "na", "undetected", "notdetected", "未检出", "无"}
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")


# A report time a few minutes ahead is the lab's clock, not the future.
CLOCK_SLACK = timedelta(minutes=5)


@dataclass
class SheetRow:
    line: int
    barcode: str = ""
    national_id: str = ""
    name: str = ""
    result: str = ""
    result_text: str = ""
    ct_orf1ab: str | None = None
    ct_n: str | None = None
    reported_at: datetime | None = None
    error: str = ""
    error_text: str = ""


def _norm(header) -> str:
    text = str(header or "").strip().lower()
    for ch in " _-()（）:：":
        text = text.replace(ch, "")
    return text


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _check_archive(content: bytes) -> None:
    """Refuse an .xlsx whose archive would unpack beyond a sane size, before
    anything is unpacked (a zip bomb, or a shared-strings table of hundreds
    of megabytes): what the archive says of itself is all that is read."""
    try:
        members = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, ValueError):
        raise ServiceError(_("The Excel file could not be read; save it again as .xlsx or .csv.")) from None
    unpacked = sum(member.file_size for member in members)
    shared = sum(member.file_size for member in members if member.filename.endswith("sharedStrings.xml"))
    ratio = max((member.file_size / max(member.compress_size, 1) for member in members), default=0)
    if (
        len(members) > MAX_ARCHIVE_MEMBERS
        or unpacked > MAX_UNPACKED_BYTES
        or shared > MAX_SHARED_STRINGS_BYTES
        or ratio > MAX_COMPRESSION_RATIO
    ):
        raise ServiceError(
            _(
                "This Excel file unpacks to far more than a lab's sheet (%(size)s MB): it was not read. "
                "Save the results alone as .xlsx or .csv."
            )
            % {"size": unpacked // (1024 * 1024)}
        )


def _table(filename: str, content: bytes) -> Iterator[list]:
    """The sheet's rows, read one at a time (a file is never read whole into rows)."""
    name = filename.lower()
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ServiceError(_("The CSV file is neither UTF-8 nor GB18030 text."))
        try:
            yield from csv.reader(io.StringIO(text))
        except csv.Error:  # a field longer than the csv module takes (128 KB): no lab writes one
            raise ServiceError(_("The CSV file could not be read; save it again as .xlsx or .csv.")) from None
        return
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        _check_archive(content)
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            rows = book.worksheets[0].iter_rows(values_only=True)
        except Exception:  # openpyxl raises many kinds for a damaged file
            raise ServiceError(_("The Excel file could not be read; save it again as .xlsx or .csv.")) from None
        try:
            for row in rows:
                yield list(row)
        except Exception:
            raise ServiceError(_("The Excel file could not be read; save it again as .xlsx or .csv.")) from None
        finally:
            book.close()
        return
    raise ServiceError(_("Upload the lab's sheet as a .csv or .xlsx file."))


def read_sheet(filename: str, content: bytes) -> list[SheetRow]:
    """The sheet's lines, read as a stream: reading stops at the line limit."""
    table = enumerate(_table(filename, content))
    start, header_row = next(((i, row) for i, row in table if any(_text(cell) for cell in row)), (None, None))
    if start is None:
        return []
    columns = {}
    for index, header in enumerate(header_row):
        key = next((key for key, names in HEADERS.items() if _norm(header) in names), None)
        if key and key not in columns:
            columns[key] = index
    if "result" not in columns or not ({"barcode", "national_id"} & set(columns)):
        # Which headings are read, in the sheet's own words: the lab's file is renamed, not guessed at.
        raise ServiceError(
            _(
                "The sheet needs a result column and a tube barcode or national ID column. Headings read: "
                "result: %(result)s; tube barcode: %(barcode)s; national ID: %(id)s."
            )
            % {
                "result": "、".join(sorted(h for h in HEADERS["result"] if not h.isascii())),
                "barcode": "、".join(sorted(h for h in HEADERS["barcode"] if not h.isascii())),
                "id": "、".join(sorted(h for h in HEADERS["national_id"] if not h.isascii())),
            }
        )
    rows = []
    for position, cells in table:
        # Blank lines count too, up to a point: a sheet of a million empty rows
        # is not read to its end.
        too_many = _("A sheet may have at most %(count)s lines.") % {"count": MAX_LINES}
        if position - start > 2 * MAX_LINES:
            raise ServiceError(too_many)
        if not any(_text(cell) for cell in cells):
            continue
        if len(rows) >= MAX_LINES:
            raise ServiceError(too_many)
        values = {key: cells[index] if index < len(cells) else None for key, index in columns.items()}
        if any(NOT_ALLOWED.search(_text(value)) for value in values.values()):
            raise ServiceError(
                _(
                    "Line %(line)s of the sheet has a character no field takes (a control character or a "
                    "direction mark): correct the sheet and upload it again."
                )
                % {"line": position + 1}
            )
        rows.append(_row(position + 1, values))
    return rows


def tube_code(text) -> str:
    """A tube's barcode as stored and compared: scanned, typed in lower case or in full-width
    characters, "hxs 1207-0005" and "HXS1207-0005" are one tube."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or ""))).upper()[:40]


MASKS = "*＊×?？"


def same_name(on_sheet: str, name: str) -> bool:
    """The sheet's name is the person's: spaces, full-width letters and a lab's masked characters ("张*明") aside."""

    def plain(text):
        return re.sub(r"[\s·•.]", "", unicodedata.normalize("NFKC", text)).casefold()

    on_sheet, name = plain(on_sheet), plain(name)
    if not on_sheet or on_sheet == name:
        return True
    return len(on_sheet) == len(name) and all(a == b or a in MASKS for a, b in zip(on_sheet, name, strict=True))


def _row(number: int, values: dict) -> SheetRow:
    row = SheetRow(line=number, barcode=tube_code(_text(values.get("barcode"))))
    row.result_text = _text(values.get("result"))
    row.name = _text(values.get("name"))[:50]
    raw_id = _text(values.get("national_id"))

    def fail(code: str, text: str = "") -> SheetRow:
        row.error, row.error_text = code, text
        return row

    if raw_id:
        try:
            row.national_id = validate_national_id(raw_id)
        except ValidationError:
            row.national_id = raw_id
            if not row.barcode:
                return fail("bad_id")
    if not row.barcode and not row.national_id:
        return fail("no_key")
    # "阴性（-）", "Negative (NEG)": the word with the lab's sign after it.
    key = re.sub(r"[（(][^）)]*[）)]$", "", unicodedata.normalize("NFKC", row.result_text).lower().replace(" ", ""))
    row.result = next((result for result, words in RESULTS.items() if key in words), "")
    if not row.result:
        return fail("bad_result", row.result_text)
    for name in ("ct_orf1ab", "ct_n"):
        value = values.get(name)
        # ">40", "≥40": past the cycles the lab ran, not detected.
        if _norm(value) in NOT_DETECTED or re.fullmatch(r"[>≥]\s*\d+(\.\d+)?", _text(value)):
            continue
        try:
            ct = Decimal(_text(value)).quantize(Decimal("0.1"))
        except InvalidOperation:
            return fail("bad_ct", _text(value))
        if not ct.is_finite():  # NaN quantizes, then refuses every comparison
            return fail("bad_ct", _text(value))
        if not Decimal(0) < ct < Decimal(60):
            return fail("bad_ct", _text(value))
        setattr(row, name, str(ct))
    reported = values.get("reported_at")
    if isinstance(reported, datetime):
        row.reported_at = reported
    elif isinstance(reported, date):
        row.reported_at = datetime.combine(reported, datetime.min.time())
    elif _text(reported):
        for pattern in TIME_FORMATS:
            try:
                row.reported_at = datetime.strptime(_text(reported), pattern)
                break
            except ValueError:
                continue
        else:
            return fail("bad_time", _text(reported))
    if row.reported_at and not FIRST_DAY <= row.reported_at.date() <= LAST_DAY:
        return fail("bad_time", _text(reported))  # 0001-01-01 would overflow the site's time zone
    if row.reported_at and timezone.is_naive(row.reported_at):
        row.reported_at = timezone.make_aware(row.reported_at)
    if row.reported_at and row.reported_at > timezone.now() + CLOCK_SLACK:
        return fail("future_time", _text(reported))
    return row
