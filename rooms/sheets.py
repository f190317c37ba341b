"""Excel files: what staff typed stays text, and a large file is sent as it is read.

openpyxl takes a string that begins with "=" as a formula. A request's
words or an address typed as ``=HYPERLINK("http://...", "...")`` would open
in the office's Excel as a live link or a calculation (formula injection).
``append_row`` writes a row as ``sheet.append`` does, with every such string
kept as the text it was typed as. (The large exports use XlsxWriter, told
the same with ``strings_to_formulas``: groups/control/exports.py.)

Every sheet's columns are as wide as what they hold (``ColumnWidths``):
Excel's default width shows a date and time as "########".
"""

import asyncio
import re
import unicodedata
from datetime import date, datetime

from django.core.handlers.asgi import ASGIRequest
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header
from openpyxl.cell.cell import TYPE_FORMULA, TYPE_STRING
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What a file name cannot hold on the office's computers.
_NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\s]+')


def sheet_name(title, *days) -> str:
    """An Excel file's name in the reader's language: its title and its days
    (人员登记及入住记录-20261201-20261206.xlsx)."""
    words = _NOT_IN_FILE_NAMES.sub("_", str(title)).strip("_")
    return "-".join([words, *(f"{day:%Y%m%d}" for day in days)]) + ".xlsx"


def sheet_download(content: bytes, filename: str) -> HttpResponse:
    """A workbook made in memory, as an attachment under ``filename`` (any script: RFC 6266)."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def append_row(sheet, values) -> None:
    """``sheet.append(values)``, no value of it read as a formula."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if cell.data_type == TYPE_FORMULA:
            cell.data_type = TYPE_STRING


def file_download(request, file, *, filename: str, content_type: str) -> FileResponse:
    """``file`` (open, at its start) as an attachment, read in blocks as it is sent.

    Under ASGI (the server) Django reads a plain ``FileResponse``'s blocks
    all into memory before it sends the first (it cannot iterate a file from
    the event loop): a large export would sit whole in the server's memory.
    There the blocks are read by an asynchronous iterator instead, each in a
    worker thread. The response still closes the file when it is done.
    """
    response = FileResponse(file, as_attachment=True, filename=filename, content_type=content_type)
    if isinstance(request, ASGIRequest):
        response.streaming_content = _blocks(file, response.block_size)
    return response


async def _blocks(file, size: int):
    while block := await asyncio.to_thread(file.read, size):
        yield block


# Excel's width is in characters of its default font: a Chinese character takes two.
NARROWEST, WIDEST = 6, 60


def text_width(value) -> int:
    """How many of Excel's characters a cell's value takes as shown."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return len("2026-12-06 08:00")
    if isinstance(value, date):
        return len("2026-12-06")
    text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class ColumnWidths:
    """The widest value seen in each column, as the rows are written."""

    def __init__(self):
        self.widths: dict[int, int] = {}

    def see(self, values) -> None:
        for column, value in enumerate(values):
            width = text_width(value)
            if width > self.widths.get(column, 0):
                self.widths[column] = width

    def sized(self) -> dict[int, int]:
        """Each column's width (counted from 0), with a margin, kept readable."""
        return {column: min(max(width + 2, NARROWEST), WIDEST) for column, width in self.widths.items()}


def fit_columns(sheet) -> None:
    """An openpyxl sheet's columns as wide as what they hold."""
    widths = ColumnWidths()
    for row in sheet.iter_rows(values_only=True):
        widths.see(row)
    for column, width in widths.sized().items():
        sheet.column_dimensions[get_column_letter(column + 1)].width = width
