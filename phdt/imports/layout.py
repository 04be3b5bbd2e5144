"""Where the data is in a PWS workbook as a bidan keeps it (pure functions, no I/O).

A real sheet has a title block above its header ("PEMANTAUAN WILAYAH SETEMPAT KIA",
"PUSKESMAS KEMANGKON", "BULAN : JANUARI 2026", "Bidan Koordinator : Siti"), a header of one to
four merged rows, a numbering row, spacer rows between desa, and a JUMLAH/TOTAL row under the
desa. :func:`read` separates these; :func:`find_period` and :func:`find_puskesmas` read the
month and the puskesmas from the title block and the sheet's name, so the officer only confirms
them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from phdt.imports import parse

PLACE = ("kode_desa", "nama_desa")
KINDS = {"month": "numerator_month", "cum": "numerator_cum", "denominator": "denominator"}  # totals checked
_TOTAL = re.compile(r"(?:sub ?)?(?:jumlah|total|jml)\b")
_YEAR = re.compile(r"\b((?:19|20)[0-9]{2})\b")
_MONTHS = "|".join(sorted(parse.MONTHS, key=len, reverse=True))
_MONTH_YEAR = re.compile(rf"\b({_MONTHS})\b[\s.:/,'-]*((?:19|20)[0-9]{{2}})\b")
_BULAN = re.compile(rf"\bbulan\s*:?\s*({_MONTHS})\b")
_PKM = re.compile(r"^(?:(?:uptd|upt|puskesmas|pkm)\s+)+")


@dataclass(frozen=True)
class Layout:
    headers: list[str]  # one label per column (parse.flatten_header)
    title: list[str]  # the title block's lines, above the header
    data: list[int]  # 0-based indexes of desa rows
    totals: list[int]  # 0-based indexes of JUMLAH/TOTAL rows: checked, never imported
    groups: dict[str, dict[str, list[int]]]  # parse.wide_groups, without "_sasaran"
    place: dict[int, str]  # column → kode_desa / nama_desa / kecamatan / puskesmas


def title_lines(rows: list[list[object]]) -> list[str]:
    """The text of title rows, one line each (a merged title repeats its text: said once)."""
    return [" ".join(dict.fromkeys(parse.cell_text(v) for v in row if parse.cell_text(v))) for row in rows]


def title(rows: list[list[object]]) -> list[str]:
    """The title block of any sheet: the lines above its header."""
    return title_lines(rows[:parse.header_start(rows)])


def read(rows: list[list[object]]) -> Layout:
    """The parts of a wide PWS sheet. Empty and numbering rows are skipped wherever they are. A
    total row says JUMLAH/TOTAL/JML in a text cell, or has counts but no desa after the desa rows.
    Under the first total only rows with a count are data: the rest is the signature block."""
    headers, start = parse.flatten_header(rows)
    top = parse.header_start(rows)
    title = title_lines(rows[:top])
    place = {i: f for i, f in parse.recognise(headers, "aggregate_long").items()
             if f in (*PLACE, "kecamatan", "puskesmas")}
    groups = {slug: kinds for slug, kinds in parse.wide_groups(headers).items() if not slug.startswith("_")}
    counts = sorted({i for kinds in groups.values() for cols in kinds.values() for i in cols})
    data: list[int] = []
    totals: list[int] = []
    for index in range(start, len(rows)):
        row = rows[index]
        if not any(parse.cell_text(v) for v in row) or parse.numbering_row(row):
            continue
        named = any(parse.cell_text(_at(row, i)) for i, f in place.items() if f in PLACE)
        counted = any(parse.cell_text(_at(row, i)) for i in counts)
        if _total_label(row) or (counted and not named and data):
            totals.append(index)
        elif named and (counted or not totals):
            data.append(index)
    return Layout(headers, title, data, totals, groups, place)


def _at(row: list[object], column: int) -> object:
    return row[column] if column < len(row) else None


def _total_label(row: list[object]) -> bool:
    return any(isinstance(v, str) and _TOTAL.match(parse.normalise_header(v)) for v in row)


def count(row: list[object], columns: list[int]) -> float | None:
    """The sum of a row's cells (L + P where there is no total); None when all are blank.
    Raises ValueError (parse.parse_number's message) on a cell that is not a number."""
    values = [parse.parse_number(_at(row, i)) for i in columns]
    present = [v for v in values if v is not None]
    return float(sum(present)) if present else None


def total_checks(rows: list[list[object]], layout: Layout) -> list[dict]:
    """Each total row's counts beside the sum of the desa rows above it (blank and "-" are 0).
    Columns with a cell that is not a number are left out: that cell is reported on its own."""
    checks = []
    for total in layout.totals:
        above = [i for i in layout.data if i < total]
        for slug, kinds in layout.groups.items():
            for kind, field in KINDS.items():
                if kind not in kinds:
                    continue
                try:
                    stated = count(rows[total], kinds[kind])
                    summed = sum(count(rows[i], kinds[kind]) or 0.0 for i in above)
                except ValueError:
                    continue
                if stated is not None:
                    checks.append({"_row": total + 1, "indicator_code": slug, "column": field,
                                   "total": stated, "sum": summed})
    return checks


def find_period(sheet_name: str, title: list[str]) -> date | None:
    """The reporting month from the sheet's tab ("JAN", "Januari 2026", "Feb-26" with the year in
    the title) or else the title ("BULAN : JANUARI 2026", "Bulan : Januari" and "Tahun 2026").
    The tab wins: in a workbook of one sheet per month it is the tab that gets renamed, while a
    copied title often keeps last month's text."""
    name, text = sheet_name.lower(), " | ".join(title).lower()
    tab_month = next((parse.MONTHS[w] for w in re.findall(r"[a-z]+", name) if w in parse.MONTHS), None)
    if tab_month:
        year = _YEAR.search(name) or _YEAR.search(text)
        return date(int(year.group(1)), tab_month, 1) if year else None
    if pair := _MONTH_YEAR.search(text):
        return date(int(pair.group(2)), parse.MONTHS[pair.group(1)], 1)
    bulan, year = _BULAN.search(text), _YEAR.search(text)
    return date(int(year.group(1)), parse.MONTHS[bulan.group(1)], 1) if bulan and year else None


def puskesmas_key(name: object) -> str:
    """Comparable puskesmas name: ``"UPTD Puskesmas  KEMANGKON"`` → ``"kemangkon"``."""
    return _PKM.sub("", " ".join(str(name or "").lower().replace(":", " ").split()))


def match_puskesmas(name: object, names: list[str]) -> str | None:
    """The wilayah table's spelling of a puskesmas name, or None."""
    key = puskesmas_key(name)
    return next((n for n in names if puskesmas_key(n) == key), None) if key else None


def find_puskesmas(title: list[str], names: list[str]) -> str | None:
    """The puskesmas a title line names after "Puskesmas"/"PKM" (the longest name that fits:
    "Bojongsari" before "Bojong")."""
    text = " ".join(" | ".join(title).lower().replace(":", " ").split())
    found = [n for n in names if re.search(rf"\b(?:puskesmas|pkm)\s+{re.escape(puskesmas_key(n))}\b", text)]
    return max(found, key=len, default=None)
