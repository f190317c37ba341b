"""Excel files: what staff typed stays text, and a large file is sent as it is read.

openpyxl takes a string that begins with "=" as a formula. A request's
words or an address typed as ``=HYPERLINK("http://...", "...")`` would open
in the office's Excel as a live link or a calculation (formula injection).
``append_row`` writes a row as ``sheet.append`` does, with every such string
kept as the text it was typed as. (The large exports use XlsxWriter, told
the same with ``strings_to_formulas``: groups/control/exports.py.)
"""

import asyncio

from django.core.handlers.asgi import ASGIRequest
from django.http import FileResponse
from openpyxl.cell.cell import TYPE_FORMULA, TYPE_STRING


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
