"""Table downloads (CSV, XLSX) that a spreadsheet opens as data, never as formulas.

Cells carry text typed by other people (a village name, a value from an uploaded sheet). A cell
such as ``=HYPERLINK(...)`` or ``+62 812 ...`` would be run by Excel as a formula when the file is
opened (CSV/formula injection). CSV has no cell types, so such text gets a leading apostrophe;
XLSX cells are typed, so text is stored as text, which Excel never evaluates, and keeps its value.
"""

from __future__ import annotations

import csv
import io
import math
import re
from datetime import date, datetime, time, timedelta
from numbers import Number

import polars as pl

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_WIDTH = 60  # characters; longer text stays readable in the cell, the column stops growing
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")  # as openpyxl's: XML 1.0 forbids them


def safe_cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv_cell(value: object) -> str:
    """Numbers as written by Python; anything else is text, escaped (``str`` of a negative
    duration starts with "-" too)."""
    if value is None:
        return ""
    if isinstance(value, Number):
        return str(value)
    return safe_cell(str(value))


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """UTF-8 with BOM (so Excel reads the accents), CRLF, a header row of the column names."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([_csv_cell(name) for name in frame.columns])
    writer.writerows([_csv_cell(value) for value in row] for row in frame.iter_rows())
    return buf.getvalue().encode("utf-8-sig")


def _xlsx_value(value: object) -> object:
    """What openpyxl can store as a typed cell; the rest (lists, structs, NaN, ...) as its text.
    Excel has no time zones: an aware datetime keeps its wall-clock time."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if value is None or isinstance(value, (bool, int, date, time, timedelta)):
        return value
    if isinstance(value, Number) and math.isfinite(value):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def _sheet_title(name: str) -> str:
    """A title Excel accepts: none of []:*?/\\, no apostrophe at either end, 1 to 31 characters."""
    return SHEET_FORBIDDEN.sub("", name).strip("'")[:31] or "Data"


def _write_row(ws, r: int, values: list) -> None:
    for c, value in enumerate(values, start=1):
        cell = ws.cell(row=r, column=c, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # a leading "=" stays text, not a formula


def _width(value: object) -> int:
    return len(str(value)) if value is not None else 0


def xlsx_bytes(frame: pl.DataFrame, sheet: str = "Data") -> bytes:
    """One sheet: bold, frozen header row; text stored as text; column widths from the content.
    openpyxl is imported here, not at start: every page shows tables, few tables are downloaded."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_title(sheet)
    header = [_xlsx_value(name) for name in frame.columns]
    _write_row(ws, 1, header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    widths = [_width(name) for name in header]
    for r, row in enumerate(frame.iter_rows(), start=2):
        values = [_xlsx_value(value) for value in row]
        _write_row(ws, r, values)
        widths = [max(w, _width(v)) for w, v in zip(widths, values, strict=True)]
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = min(width + 2, MAX_WIDTH)
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
