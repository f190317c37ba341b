"""Excel files written with openpyxl: what staff typed stays text.

openpyxl takes a string that begins with "=" as a formula. A request's
words or an address typed as ``=HYPERLINK("http://...", "...")`` would open
in the office's Excel as a live link or a calculation (formula injection).
``append_row`` writes a row as ``sheet.append`` does, with every such string
kept as the text it was typed as. (The large exports use XlsxWriter, told
the same with ``strings_to_formulas``: groups/control/exports.py.)
"""

from openpyxl.cell.cell import TYPE_FORMULA, TYPE_STRING


def append_row(sheet, values) -> None:
    """``sheet.append(values)``, no value of it read as a formula."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if cell.data_type == TYPE_FORMULA:
            cell.data_type = TYPE_STRING
