"""Reading a lab's result sheet (CSV or Excel) into rows, each checked on its own.

Labs name their columns in Chinese or English and in many ways; a column is
recognised by its normalised header. A line that cannot be read gets an error
code and stays in the preview with the others, so the user sees what was not
understood and why.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from rooms.masking import validate_national_id
from rooms.services import ServiceError

MAX_LINES = 5000

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


@dataclass
class SheetRow:
    line: int
    barcode: str = ""
    national_id: str = ""
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


def _table(filename: str, content: bytes) -> list[list]:
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
        return list(csv.reader(io.StringIO(text)))
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for a damaged file
            raise ServiceError(_("The Excel file could not be read; save it again as .xlsx or .csv.")) from None
        try:
            return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    raise ServiceError(_("Upload the lab's sheet as a .csv or .xlsx file."))


def read_sheet(filename: str, content: bytes) -> list[SheetRow]:
    table = _table(filename, content)
    start = next((i for i, row in enumerate(table) if any(_text(cell) for cell in row)), None)
    if start is None:
        return []
    columns = {}
    for index, header in enumerate(table[start]):
        key = next((key for key, names in HEADERS.items() if _norm(header) in names), None)
        if key and key not in columns:
            columns[key] = index
    if "result" not in columns or not ({"barcode", "national_id"} & set(columns)):
        raise ServiceError(_("The sheet needs a result column and a tube barcode or national ID column."))
    rows = []
    for number, cells in enumerate(table[start + 1 :], start=start + 2):
        if not any(_text(cell) for cell in cells):
            continue
        if len(rows) >= MAX_LINES:
            raise ServiceError(_("A sheet may have at most %(count)s lines.") % {"count": MAX_LINES})
        values = {key: cells[index] if index < len(cells) else None for key, index in columns.items()}
        rows.append(_row(number, values))
    return rows


def _row(number: int, values: dict) -> SheetRow:
    row = SheetRow(line=number, barcode=_text(values.get("barcode")))
    row.result_text = _text(values.get("result"))
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
    key = row.result_text.lower().replace(" ", "")
    row.result = next((result for result, words in RESULTS.items() if key in words), "")
    if not row.result:
        return fail("bad_result", row.result_text)
    for name in ("ct_orf1ab", "ct_n"):
        value = values.get(name)
        if _norm(value) in NOT_DETECTED:
            continue
        try:
            ct = Decimal(_text(value)).quantize(Decimal("0.1"))
        except InvalidOperation:
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
    if row.reported_at and timezone.is_naive(row.reported_at):
        row.reported_at = timezone.make_aware(row.reported_at)
    return row
