"""Read an uploaded file into raw tables without trusting it.

An HTML table saved as .xls (what many government web apps export) is read as one sheet per
``<table>``. Every check that can run on the bytes runs before a parser sees them: size, suffix, macros,
encryption, zip structure and uncompressed size. Row and cell limits are enforced while
streaming (a cheap scan of the raw sheet XML for xlsx), so an oversized sheet is refused before
the reader (python-calamine) builds a single cell. Whatever still goes wrong inside a parser becomes a
:class:`FileRejected` (a :class:`phdt.texts.UserError`: Bahasa Indonesia as ``str``, the reader's
language through ``render``): the caller never sees another error.

Cell values stay raw (str, int, float, bool, datetime, date or None): parsing numbers and dates
is :mod:`phdt.imports.parse`'s job, where a bad value is reported per row and column. Leading
empty rows and columns are kept so ``rows[i]`` is spreadsheet row ``i + 1``.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser
from pathlib import PurePosixPath
from xml.etree import ElementTree

import polars as pl
import xlrd
from openpyxl.utils.cell import range_boundaries
from python_calamine import CalamineWorkbook

from phdt.texts import Message, UserError

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and the container of every encrypted xlsx
ZIP_MAGIC = b"PK\x03\x04"
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SUPPORTED = (".xlsx", ".xls", ".csv")
MACRO_SUFFIXES = (".xlsm", ".xlsb", ".xltm")
DELIMITERS = (";", ",", "\t", "|")  # ";" first: Excel with Indonesian regional settings writes it
ENCODINGS = ("utf-8-sig", "cp1252")  # then latin-1, which decodes any byte
HEADER_AREA = 10  # top rows reported in Sheet.merged_header_rows
MAX_NAME = 120


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20_000_000
    max_rows: int = 200_000
    max_cells: int = 5_000_000  # rows x widest row, summed over sheets: what reading materialises
    max_uncompressed_ratio: float = 100.0


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: list[list[object]]
    formulas: int  # cells holding a formula (xlsx only: xlrd does not expose them); values are cached results
    merged_header_rows: int  # rows among the top HEADER_AREA that received a merged value
    hidden: bool = False  # hidden in the workbook: often an old copy or a lookup list, not the data


class FileRejected(UserError):
    """An upload that is refused as a whole; the message (a ``file_*`` text key and its values) tells
    the data officer how to fix it."""


def safe_name(original_name: str) -> str:
    """A basename safe to store and show: no directories, no control characters, ASCII only."""
    text = re.sub(r"[\x00-\x1f\x7f]", "", original_name or "").replace("\\", "/")
    base = text.rsplit("/", 1)[-1].strip()
    stem, dot, suffix = base.rpartition(".")
    if not dot or not re.fullmatch(r"[A-Za-z0-9]{1,10}", suffix):
        stem, suffix = base, ""
    stem = re.sub(r"[^A-Za-z0-9._\- ]", "_", stem).strip(" .") or "unggahan"
    suffix = f".{suffix.lower()}" if suffix else ""
    return stem[: MAX_NAME - len(suffix)].rstrip(" .") + suffix


def read_table(data: bytes, original_name: str, limits: Limits = Limits()) -> list[Sheet]:
    """The non-empty sheets of an uploaded .xlsx, .xls or .csv file, or FileRejected."""
    if not data:
        raise FileRejected("file_empty")
    if len(data) > limits.max_bytes:
        raise FileRejected("file_too_big", size=f"{len(data) / 1e6:.1f}", limit=f"{limits.max_bytes / 1e6:g}")
    name = safe_name(original_name)
    suffix = PurePosixPath(name).suffix
    if suffix in MACRO_SUFFIXES:
        raise FileRejected("file_macros")
    if suffix not in SUPPORTED:
        raise FileRejected("file_unsupported", suffix=suffix or Message("file_no_suffix"))
    reader = {".xlsx": _read_xlsx, ".xls": _read_xls, ".csv": _read_csv}[suffix]
    try:
        sheets = reader(data, name, limits)
    except FileRejected:
        raise
    except Exception as exc:  # a trust boundary: any parser failure on a hostile file is a refusal
        raise FileRejected("file_corrupt", kind=suffix) from exc
    sheets = [sheet for sheet in sheets if sheet.rows]
    if not sheets:
        raise FileRejected("file_no_data")
    return sheets



class _Budget:
    """Rows and cells read so far across the sheets of one file."""

    def __init__(self, limits: Limits) -> None:
        self.limits, self.rows, self.cells = limits, 0, 0

    def check(self, sheet: str, rows: int, width: int, done: bool = False) -> None:
        total_rows, total_cells = self.rows + rows, self.cells + rows * width
        if total_rows > self.limits.max_rows:
            raise FileRejected("file_too_many_rows", sheet=sheet, limit=_id(self.limits.max_rows))
        if total_cells > self.limits.max_cells:
            raise FileRejected("file_too_many_cells", sheet=sheet, limit=_id(self.limits.max_cells))
        if done:
            self.rows, self.cells = total_rows, total_cells


def _id(n: int) -> str:
    return f"{n:,}".replace(",", ".")


# --- xlsx -------------------------------------------------------------------------------------

def _read_xlsx(data: bytes, name: str, limits: Limits) -> list[Sheet]:
    if data.startswith(OLE2_MAGIC):
        raise FileRejected("file_encrypted_or_xls")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise FileRejected("file_corrupt", kind=".xlsx") from exc
    with archive:
        _check_archive(archive, len(data), limits)
        budget = _Budget(limits)
        parts = _sheet_parts(archive)
        scans = [(title, *_scan_sheet(archive, path, title, budget)) for title, path, _ in parts]
        values = CalamineWorkbook.from_filelike(io.BytesIO(data))  # cell values, ~10x faster than openpyxl
        try:
            return [_xlsx_sheet(values, *scan, hidden=hidden) for scan, (_, _, hidden) in zip(scans, parts, strict=True)]
        finally:
            values.close()


def _sheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str, bool]]:
    """(title, part path, hidden) of each worksheet, in workbook order, from workbook.xml and its relations."""
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError) as exc:
        raise FileRejected("file_corrupt", kind=".xlsx") from exc
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    parts = []
    for sheet in book.iter(f"{{{_MAIN_NS}}}sheet"):
        target = targets.get(sheet.get(f"{{{_REL_NS}}}id"), "")
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        if path not in archive.namelist():
            raise FileRejected("file_corrupt", kind=".xlsx")
        parts.append((sheet.get("name", ""), path, sheet.get("state", "visible") in ("hidden", "veryHidden")))
    if not parts:
        raise FileRejected("file_corrupt", kind=".xlsx")
    return parts


def _check_archive(archive: zipfile.ZipFile, size: int, limits: Limits) -> None:
    """Macros, encrypted members and zip bombs, from the central directory alone.

    The declared sizes can be trusted as a bound: zipfile never inflates a member past its
    declared size (it stops and fails the CRC check).
    """
    infos = archive.infolist()
    if any(PurePosixPath(info.filename).name.lower() == "vbaproject.bin" for info in infos):
        raise FileRejected("file_macros")
    if any(info.flag_bits & 0x1 for info in infos):
        raise FileRejected("file_encrypted")
    unpacked = sum(info.file_size for info in infos)
    if unpacked > limits.max_uncompressed_ratio * size or unpacked > 10 * limits.max_bytes:
        raise FileRejected("file_zip_bomb")


# Tags of the sheet XML, with or without a namespace prefix (x:c). Regular expressions over the raw
# bytes are ~5x faster than an expat callback per cell, and still run before any cell is built.
_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=\"(\d+)\"")
_CELL = re.compile(rb"<(?:\w+:)?c[\s/>]")
_PREFIXED_CELL = re.compile(rb"<\w+:c[\s/>]")
_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]{1,3})\d+\"")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s/>]")
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([^\"]*)\"")


def _scan_sheet(archive: zipfile.ZipFile, path: str, title: str, budget: _Budget) -> tuple[int, list[str]]:
    """Formulas and merged ranges of one sheet, enforcing the row and cell limits on its padded grid
    (last row x widest column) before the reader builds it. The XML's size is already bounded by
    the archive check. Cells without a reference count one column each within their row."""
    xml = archive.read(path)
    rows = max((int(m) for m in _ROW.findall(xml)), default=0)
    referenced = _CELL_REF.findall(xml)
    width = max((_column_number(ref.decode(), 0) for ref in set(referenced)), default=0)
    if len(referenced) < _cell_count(xml):  # unreferenced cells: fall back to the widest row
        width = max(width, max((len(_CELL.findall(row)) for row in xml.split(b"</row>")), default=0))
    budget.check(title, max(rows, xml.count(b"</row>")), width, done=True)
    return len(_FORMULA.findall(xml)), [m.decode() for m in _MERGE.findall(xml)]


def _cell_count(xml: bytes) -> int:
    """Cells of a sheet: counted as bytes where no tag has a namespace prefix (what Excel and
    openpyxl write), by the regular expression otherwise."""
    if _PREFIXED_CELL.search(xml):
        return len(_CELL.findall(xml))
    return xml.count(b"<c ") + xml.count(b"<c>") + xml.count(b"<c/>")


def _column_number(ref: str | None, default: int) -> int:
    letters = re.match(r"[A-Za-z]+", ref or "")
    if not letters:
        return default
    number = 0
    for char in letters.group().upper():
        number = number * 26 + ord(char) - 64
    return number


def _xlsx_sheet(book: CalamineWorkbook, title: str, formulas: int, merges: list[str], *, hidden: bool) -> Sheet:
    """Cached cell values from A1 on (so merged ranges and row numbers keep their coordinates);
    the limits were enforced by the scan before this reads anything."""
    rows = [[_clean(value) for value in row] for row in book.get_sheet_by_name(title).to_python(skip_empty_area=False)]
    return _finish(title, rows, formulas, [bounds for ref in merges if (bounds := _bounds(ref))], hidden)


def _bounds(ref: str) -> tuple[int, int, int, int] | None:
    """(min_col, min_row, max_col, max_row) of a merged range; None for whole rows/columns or junk."""
    try:
        bounds = range_boundaries(ref)
    except (ValueError, TypeError):
        return None
    return bounds if all(isinstance(b, int) for b in bounds) else None


# --- xls --------------------------------------------------------------------------------------

def _read_xls(data: bytes, name: str, limits: Limits) -> list[Sheet]:
    if data.startswith(ZIP_MAGIC):
        raise FileRejected("file_really_xlsx")
    if _is_html(data):
        return _read_html(data, name, limits)
    if not data.startswith(OLE2_MAGIC):
        raise FileRejected("file_corrupt", kind=".xls")
    book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True, logfile=io.StringIO())
    try:
        budget = _Budget(limits)
        sheets = []
        for index in range(book.nsheets):
            sh = book.sheet_by_index(index)
            budget.check(sh.name, sh.nrows, sh.ncols, done=True)
            rows = [[_xls_value(cell, book.datemode) for cell in sh.row(r)] for r in range(sh.nrows)]
            ranges = [(clo + 1, rlo + 1, chi, rhi) for rlo, rhi, clo, chi in sh.merged_cells]
            sheets.append(_finish(sh.name, rows, 0, ranges, sh.visibility != 0))
        return sheets
    finally:
        book.release_resources()


def _xls_value(cell: xlrd.sheet.Cell, datemode: int) -> object:
    kind, value = cell.ctype, cell.value
    if kind == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate_as_datetime(value, datemode)
        except (ValueError, OverflowError):
            return value  # left as a number: parse_date reports it
    if kind == xlrd.XL_CELL_NUMBER:
        return int(value) if float(value).is_integer() else value
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if kind == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(value, "#ERROR!")
    return _clean(value) if kind == xlrd.XL_CELL_TEXT else None


# --- HTML saved as .xls -------------------------------------------------------------------------

_HTML_START = re.compile(rb"(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|table)\b", re.I | re.S)


def _is_html(data: bytes) -> bool:
    """An HTML page behind an .xls name (after an optional BOM, whitespace or XML prolog)."""
    head = data[:4096].removeprefix(b"\xef\xbb\xbf").lstrip()
    return bool(_HTML_START.match(head))


class _Tables(HTMLParser):
    """Rows of cell texts per ``<table>``, with colspan/rowspan ranges recorded as merges."""

    def __init__(self, budget: _Budget) -> None:
        super().__init__(convert_charrefs=True)
        self.budget, self.tables, self.stack = budget, [], []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.stack.append({"rows": [], "merges": [], "cell": None, "taken": set()})
        elif not self.stack:
            return
        elif tag == "tr":
            self._close_cell()
            self.stack[-1]["rows"].append([])
            self.budget.check(Message("file_html_table", n=len(self.tables) + 1), len(self.stack[-1]["rows"]), 1)
        elif tag in ("td", "th"):
            self._open_cell(dict(attrs))
        elif tag == "br" and self.stack[-1]["cell"] is not None:
            self.stack[-1]["cell"].append(" ")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            return
        if tag in ("td", "th", "tr"):
            self._close_cell()
        elif tag == "table":
            self._close_cell()
            table = self.stack.pop()
            width = max((len(row) for row in table["rows"]), default=0)
            self.budget.check(Message("file_html_table", n=len(self.tables) + 1), len(table["rows"]), width, done=True)
            self.tables.append(table)

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1]["cell"] is not None:
            self.stack[-1]["cell"].append(data)

    def _open_cell(self, attrs: dict[str, str | None]) -> None:
        self._close_cell()
        table = self.stack[-1]
        if not table["rows"]:
            table["rows"].append([])
        r, row = len(table["rows"]) - 1, table["rows"][-1]
        while (r, len(row)) in table["taken"]:  # covered by a rowspan from above
            row.append(None)
        c = len(row)
        span_c, span_r = (max(1, min(_span(attrs.get(k)), 1000)) for k in ("colspan", "rowspan"))
        self.budget.check(Message("file_html_table", n=len(self.tables) + 1), r + span_r, c + span_c)  # before the span is filled
        if span_c > 1 or span_r > 1:
            table["merges"].append((c + 1, r + 1, c + span_c, r + span_r))
            table["taken"].update((r + i, c + j) for i in range(span_r) for j in range(span_c) if i or j)
        row.extend([None] * span_c)
        table["cell"], table["at"] = [], c

    def _close_cell(self) -> None:
        table = self.stack[-1] if self.stack else None
        if table and table["cell"] is not None:
            table["rows"][-1][table["at"]] = _clean(" ".join("".join(table["cell"]).split()))
            table["cell"] = None


def _span(value: str | None) -> int:
    return int(value) if value and value.strip().isdigit() else 1


def _read_html(data: bytes, name: str, limits: Limits) -> list[Sheet]:
    parser = _Tables(_Budget(limits))
    parser.feed(_decode(data))
    parser.close()
    title = PurePosixPath(name).stem
    tables = [t for t in parser.tables if t["rows"]]
    return [_finish(title if len(tables) == 1 else f"{title} ({i})", t["rows"], 0, t["merges"])
            for i, t in enumerate(tables, start=1)]


# --- csv --------------------------------------------------------------------------------------

def _read_csv(data: bytes, name: str, limits: Limits) -> list[Sheet]:
    """Rows and width are counted by the csv module (cells are not kept), then the cells are read
    by polars into text columns: a month's line list of a million rows stays within memory. Where
    the two readers would disagree (quoting polars reads otherwise), the csv module's rows are kept."""
    if b"\x00" in data:
        raise FileRejected("file_csv_binary")
    text = _decode(data)
    title, delimiter = PurePosixPath(name).stem, _sniff(text)
    budget = _Budget(limits)
    count = width = 0
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            count, width = count + 1, max(width, len(row))
            budget.check(title, count, width)
    except csv.Error as exc:
        raise FileRejected("file_csv_unreadable", error=str(exc)) from exc
    frame = _polars_csv(text, delimiter, width)
    if frame is None or frame.height != count:
        rows = [[_clean(value) for value in row] for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
        return [_finish(title, rows, 0, [])]
    return [Sheet(title, FrameRows(frame), 0, 0)]


def _polars_csv(text: str, delimiter: str, width: int) -> pl.DataFrame | None:
    """Every cell as text (blank as null), trailing empty rows and columns dropped; None when polars
    cannot read it. A first line of `width` empty fields makes polars take the widest row's width."""
    if width == 0:
        return None
    try:
        frame = pl.read_csv((delimiter * (width - 1) + "\n" + text).encode(), separator=delimiter, has_header=False,
                            infer_schema=False, quote_char='"', raise_if_empty=False).slice(1)
    except pl.exceptions.PolarsError:
        return None
    frame = frame.with_columns(pl.when(pl.all().str.strip_chars() != "").then(pl.all()))
    filled = frame.select(pl.any_horizontal(pl.all().is_not_null()).arg_true().max()).item()
    used = [c for c in frame.columns if frame[c].null_count() < frame.height]
    last = frame.columns.index(used[-1]) + 1 if used else 0
    return frame.head(0 if filled is None else filled + 1).select(frame.columns[:last])


class FrameRows(Sequence):
    """The rows of a large table kept as polars text columns: a row is built only when read
    (header detection reads a few), and :func:`phdt.imports.pipeline.raw_frame` takes the columns."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame

    def __len__(self) -> int:
        return self.frame.height

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [list(row) for row in self.frame[index].iter_rows()]
        if not -self.frame.height <= index < self.frame.height:
            raise IndexError(index)
        return list(self.frame.row(index % self.frame.height))

    def __iter__(self):
        return (list(row) for row in self.frame.iter_rows())

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented


def _decode(data: bytes) -> str:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _sniff(text: str) -> str:
    """The delimiter that splits most of the first lines into the same number (> 1) of fields.

    Ties go to the order of DELIMITERS: with decimal commas ("12,5;13,5") both ";" and "," split
    consistently, and ";" is the right answer.
    """
    lines = text[:65_536].splitlines()[:50]
    best, best_score = DELIMITERS[1], 0
    for delimiter in DELIMITERS:
        widths = [len(row) for row in csv.reader(lines, delimiter=delimiter) if row]
        if not widths:
            continue
        modal = max(set(widths), key=lambda w: (widths.count(w), w))
        score = widths.count(modal) if modal > 1 else 0
        if score > best_score:
            best, best_score = delimiter, score
    return best


# --- shared -----------------------------------------------------------------------------------

_PLAIN = (int, float, datetime, date, type(None))


def _clean(value: object) -> object:
    """Blank text becomes None; times become text (no caller expects them)."""
    if value.__class__ in _PLAIN:  # most cells: one lookup instead of the checks below
        return value
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, (time, timedelta)):
        return str(value)
    if value is None or isinstance(value, (int, float, datetime, date)):
        return value
    return str(value)


def _finish(name: str, rows: list[list[object]], formulas: int, merges: list[tuple[int, int, int, int]],
            hidden: bool = False) -> Sheet:
    """Rectangular rows with merged values filled in and trailing empty rows and columns dropped."""
    width = max((len(row) for row in rows), default=0)
    rows = [row + [None] * (width - len(row)) for row in rows]
    filled = _fill_merges(rows, merges)
    while rows and all(value is None for value in rows[-1]):
        rows.pop()
    used = max((_filled_width(row) for row in rows), default=0)
    if used < width:
        rows = [row[:used] for row in rows]
    return Sheet(str(name), rows, formulas, len({r for r in filled if r < HEADER_AREA}), hidden)


def _filled_width(row: list[object]) -> int:
    """Cells up to the last non-empty one (searched from the right: data rows end filled)."""
    width = len(row)
    while width and row[width - 1] is None:
        width -= 1
    return width


def _fill_merges(rows: list[list[object]], merges: list[tuple[int, int, int, int]]) -> set[int]:
    """Copy each merged range's top-left value over the range, as a reader of the sheet sees it.

    A merged number stays in its top-left cell only: copying it would count it twice. Returns
    the (0-based) rows that received a value. Ranges are clipped to the data read; real merges
    never overlap, so ranges covering more cells than the sheet has are refused (a hostile file
    could otherwise make this loop quadratic).
    """
    filled: set[int] = set()
    area = len(rows) * (len(rows[0]) if rows else 0)
    for min_col, min_row, max_col, max_row in merges:
        last_row, last_col = min(max_row, len(rows)), min(max_col, len(rows[0]) if rows else 0)
        if min_row < 1 or min_col < 1 or last_row < min_row or last_col < min_col:
            continue
        area -= (last_row - min_row + 1) * (last_col - min_col + 1)
        if area < 0:
            raise FileRejected("file_merges_overlap")
        value = rows[min_row - 1][min_col - 1]
        if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
            continue
        for r in range(min_row - 1, last_row):
            for c in range(min_col - 1, last_col):
                if (r, c) != (min_row - 1, min_col - 1):
                    rows[r][c] = value
                    filled.add(r)
    return filled
