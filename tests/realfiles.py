"""Builders of real-style upload files, written at test time (no binaries in the repository).

They copy what a bidan's PWS KIA workbook looks like: a merged title block, a "Bidan Koordinator"
line, two or three merged header rows, a numbering row, desa names without codes, spacer rows,
"-" for zero, and a JUMLAH row. Numbers are passed in by the test, which states the expected
totals by hand.
"""

from __future__ import annotations

import io

import openpyxl
from openpyxl.utils import get_column_letter

KEMANGKON = "Puskesmas Kemangkon"
INDICATORS = ("K1", "K4", "K6")
SUB = ("bln ini", "s.d. bln ini", "%")


def title_block(puskesmas: str | None = "PUSKESMAS KEMANGKON", month: str | None = "BULAN : JANUARI 2026",
                coordinator: str = "Bidan Koordinator : Siti Aminah") -> list[str]:
    return [line for line in ("PEMANTAUAN WILAYAH SETEMPAT KIA", puskesmas, month, coordinator) if line]


def pws_rows(desa: list[tuple], total: tuple | None, title: list[str]) -> tuple[list[list[object]], list[str]]:
    """Rows and merged ranges of a PWS KIA sheet: No | Desa | Sasaran Bumil | K1, K4, K6 each over
    bln ini / s.d. bln ini / %. A `desa` item is (name, sasaran, k1 month, k1 cum, k4 month, k4 cum,
    k6 month, k6 cum), or None for a spacer row; `total` is the JUMLAH row's numbers (same order)."""
    width = 3 + 3 * len(INDICATORS)
    last = get_column_letter(width)
    rows: list[list[object]] = [[line] for line in title] + [[]]
    merges = [f"A{i}:{last}{i}" for i in range(1, len(title))]  # the coordinator line stays one cell
    top = len(rows) + 1
    rows.append(["No", "Desa", "Sasaran Bumil", *[x for name in INDICATORS for x in (name, None, None)]])
    rows.append([None, None, None, *SUB * len(INDICATORS)])
    merges += [f"A{top}:A{top + 1}", f"B{top}:B{top + 1}", f"C{top}:C{top + 1}"]
    merges += [f"{get_column_letter(4 + 3 * i)}{top}:{get_column_letter(6 + 3 * i)}{top}" for i in range(len(INDICATORS))]
    rows.append(list(range(1, width + 1)))
    number = 0
    for item in desa:
        if item is None:
            rows.append([])
            continue
        number += 1
        rows.append([number, *_counts(item)])
    if total is not None:
        rows.append(["JUMLAH", None, *_counts(("", *total))[1:]])
        merges.append(f"A{len(rows)}:B{len(rows)}")
    return rows, merges


def _counts(item: tuple) -> list[object]:
    name, sasaran, *pairs = item
    out: list[object] = [name, sasaran]
    for month, cum in zip(pairs[::2], pairs[1::2], strict=True):
        pct = round(100 * float(cum) / sasaran, 1) if isinstance(cum, int) and isinstance(sasaran, int) else "-"
        out += [month, cum, pct]
    return out


def imm_sex_rows(desa: list[tuple], title: list[str]) -> tuple[list[list[object]], list[str]]:
    """A three-row header: BCG and DPT-HB-Hib 1 each over bln ini / s.d. bln ini, each over
    L | P | L+P, beside "Sasaran Bayi". A `desa` item is (name, sasaran, then 12 numbers: BCG month
    L, P, L+P, BCG cum L, P, L+P, then the same for DPT-HB-Hib 1)."""
    rows: list[list[object]] = [[line] for line in title]
    merges = [f"A{i}:N{i}" for i in range(1, len(title) + 1)]
    top = len(rows) + 1
    rows.append(["Desa", "Sasaran Bayi", "BCG", *[None] * 5, "DPT-HB-Hib 1", *[None] * 5])
    rows.append([None, None, *["bln ini", None, None, "s.d. bln ini", None, None] * 2])
    rows.append([None, None, *["L", "P", "L+P"] * 4])
    merges += [f"{c}{top}:{c}{top + 2}" for c in "AB"] + [f"C{top}:H{top}", f"I{top}:N{top}"]
    merges += [f"{get_column_letter(c)}{top + 1}:{get_column_letter(c + 2)}{top + 1}" for c in (3, 6, 9, 12)]
    rows += [[name, sasaran, *numbers] for name, sasaran, *numbers in desa]
    return rows, merges


def workbook(sheets: list[tuple[str, list[list[object]], list[str]]], hidden: tuple[str, ...] = ()) -> bytes:
    """An .xlsx of (name, rows, merged ranges) sheets; `hidden` names the hidden ones."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows, merges in sheets:
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cells in merges:
            sheet.merge_cells(cells)
        if name in hidden:
            sheet.sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def html_xls(title: list[str], desa: list[tuple[str, int, int, int]]) -> bytes:
    """An HTML table saved as .xls (what e-PPGBM-style web apps export): the title in colspan
    rows, Desa and Sasaran with rowspan, K1 over bln ini / s.d. bln ini. `desa`: (name, sasaran,
    k1 month, k1 cum)."""
    head = "".join(f'<tr><td colspan="4"><b>{line}</b></td></tr>' for line in title)
    body = "".join(f"<tr><td> {name} </td><td>{s}</td><td>{m}</td><td>{c}</td></tr>" for name, s, m, c in desa)
    return ('\ufeff<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta charset="utf-8"></head><body>'
            f"<table border=1>{head}"
            '<tr><th rowspan="2">Desa</th><th rowspan="2">Sasaran Bumil</th><th colspan="2">K1</th></tr>'
            f"<tr><th>bln ini</th><th>s.d. bln ini</th></tr>{body}</table></body></html>").encode()
