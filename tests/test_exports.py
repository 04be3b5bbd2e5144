"""Table downloads: formula-like text escaped in CSV and stored as text in XLSX; types kept otherwise."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import polars as pl
import pytest
from openpyxl import load_workbook

from phdt.exports import csv_bytes, safe_cell, xlsx_bytes

HOSTILE = ["=1+1", "+62", "-5", "@SUM(A1)", "\t=x"]


@pytest.fixture()
def frame() -> pl.DataFrame:
    return pl.DataFrame({
        "desa": [*HOSTILE, "Kutasari"],
        "capaian": [95.5, -2.0, None, 0.0, 1e-05, 100.0],
        "sasaran": [40, -3, 7, None, 0, 12],
        "tanggal": [date(2025, 12, 31)] * 6,
    })


def load(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_safe_cell_prefixes_formula_text_only():
    assert [safe_cell(v) for v in HOSTILE] == ["'=1+1", "'+62", "'-5", "'@SUM(A1)", "'\t=x"]
    assert [safe_cell(v) for v in ("Kutasari", "", -5, None, 2.5)] == ["Kutasari", "", -5, None, 2.5]


def test_csv_escapes_formulas_keeps_numbers(frame):
    data = csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbfdesa,capaian,sasaran,tanggal\r\n")
    table = rows(data)
    assert [r[0] for r in table[1:]] == ["'=1+1", "'+62", "'-5", "'@SUM(A1)", "'\t=x", "Kutasari"]
    assert table[1] == ["'=1+1", "95.5", "40", "2025-12-31"]
    assert table[2][1:3] == ["-2.0", "-3"]  # numbers are numbers, not text to escape
    assert table[3][1] == "" and table[4][2] == "" and table[5][1] == "1e-05"
    assert len(table) == 7


def test_csv_escapes_header_and_non_numeric_values():
    data = csv_bytes(pl.DataFrame({"=cmd": [[1, 2]], "lama": [pl.Series([-1], dtype=pl.Duration("us")).item()]}))
    assert rows(data) == [["'=cmd", "lama"], ["[1, 2]", "'-1 day, 23:59:59.999999"]]


def test_xlsx_stores_formula_text_as_text(frame):
    ws = load(xlsx_bytes(frame))
    cells = [ws.cell(row=r, column=1) for r in range(2, 8)]
    assert [c.value for c in cells] == [*HOSTILE, "Kutasari"]
    assert {c.data_type for c in cells} == {"s"}
    assert [c.value for c in ws[1]] == ["desa", "capaian", "sasaran", "tanggal"]
    assert all(c.font.b for c in ws[1]) and ws.freeze_panes == "A2"


def test_xlsx_keeps_numbers_dates_and_blanks(frame):
    ws = load(xlsx_bytes(frame))
    assert [ws.cell(row=r, column=2).value for r in range(2, 8)] == [95.5, -2, None, 0, 1e-05, 100]
    assert [ws.cell(row=r, column=3).value for r in range(2, 5)] == [40, -3, 7]
    assert ws["B2"].data_type == "n" and ws["C3"].data_type == "n"
    assert ws["D2"].is_date and ws["D2"].value == datetime(2025, 12, 31)


def test_xlsx_writes_odd_values_as_text():
    wib = pl.Series([datetime(2025, 12, 31, 8, 30)]).dt.replace_time_zone("Asia/Jakarta")  # keeps 08:30
    frame = pl.DataFrame({"daftar": [["a", "b"]], "rec": [{"x": 1}], "rasio": [float("nan")], "waktu": wib})
    ws = load(xlsx_bytes(frame))
    assert [c.value for c in ws[2]] == ["['a', 'b']", "{'x': 1}", "nan", datetime(2025, 12, 31, 8, 30)]
    assert [c.data_type for c in ws[2]][:3] == ["s", "s", "s"]


def test_xlsx_strips_illegal_characters():
    ws = load(xlsx_bytes(pl.DataFrame({"nama\x01": ["Desa\x00 Bukit\x1f", "=A1\x0b"]})))
    assert [c.value for c in ws["A"]] == ["nama", "Desa Bukit", "=A1"]
    assert ws["A3"].data_type == "s"


@pytest.mark.parametrize(("name", "title"), [
    ("Data", "Data"),
    ("Laporan [validasi]: 2025/12?*\\", "Laporan validasi 202512"),
    ("Capaian imunisasi dasar lengkap per desa 2025", "Capaian imunisasi dasar lengkap"),
    ("'kutip'", "kutip"),
    ("[]:*?/\\", "Data"),
])
def test_xlsx_sheet_title_is_valid(name, title):
    ws = load(xlsx_bytes(pl.DataFrame({"a": [1]}), sheet=name))
    assert ws.title == title and len(ws.title) <= 31


def test_xlsx_column_widths_follow_content():
    frame = pl.DataFrame({"id": ["a"], "nama_panjang": ["x" * 20], "catatan": ["y" * 500]})
    ws = load(xlsx_bytes(frame))
    assert [ws.column_dimensions[c].width for c in "ABC"] == [4, 22, 60]


def test_empty_frame_gives_header_only():
    frame = pl.DataFrame(schema={"desa": pl.String, "n": pl.Int64})
    assert rows(csv_bytes(frame)) == [["desa", "n"]]
    assert [[c.value for c in r] for r in load(xlsx_bytes(frame)).iter_rows()] == [["desa", "n"]]
