"""Uploaded files become raw tables, or a clear refusal: never a crash, never a half-read.

Every fixture is built here in memory: openpyxl writes the xlsx files, zipfile the hostile
archives, and, since no installed package writes .xls, :func:`biff8` and :func:`ole2` write a
minimal BIFF8 workbook (the records xlrd needs: fonts, XFs, one sheet, labels, numbers, a date
and a merged range) inside a minimal compound document.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phdt.imports import files
from phdt.imports.files import FileRejected, Limits, read_table, safe_name
from phdt.imports.parse import flatten_header, wide_groups


def xlsx(build) -> bytes:
    """An xlsx written by openpyxl after `build(workbook)`."""
    book = openpyxl.Workbook()
    build(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rezip(data: bytes, change=lambda name, body: body, extra: dict[str, bytes] | None = None) -> bytes:
    """`data` (a zip) with members rewritten by `change` and `extra` members added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            target.writestr(name, change(name, source.read(name)))
        for name, body in (extra or {}).items():
            target.writestr(name, body)
    return out.getvalue()


def pws(book) -> None:
    """A PWS KIA sheet as puskesmas send it: title, two merged header rows, a formula, stray formatting."""
    ws = book.active
    ws.title = "PWS K1"
    ws["A1"] = "LAPORAN PWS KIA PUSKESMAS BOJONGSARI BULAN MARET 2025"
    ws.append([])
    ws.append(["No", "Desa", "Sasaran Bumil", "K1", None, "K4", None])
    ws.append([None, None, None, "bln ini", "s.d. bln ini", "bln ini", "s.d. bln ini"])
    for cells in ("A3:A4", "B3:B4", "C3:C4", "D3:E3", "F3:G3"):
        ws.merge_cells(cells)
    ws.append([1, "Bojong", 120, 3, 10, 2, "=F5+3"])
    ws.append([2, "Karangtengah", 90, 1, 8, 0, 4])
    ws.append([None, "Tanggal lapor", datetime(2025, 4, 5)])
    ws["K40"].font = openpyxl.styles.Font(bold=True)  # formatted but empty: trimmed
    book.create_sheet("Kosong")


def test_xlsx_pws_sheet_keeps_values_fills_merged_headers_and_counts_formulas():
    sheets = read_table(xlsx(pws), "PWS Maret.xlsx")
    assert [s.name for s in sheets] == ["PWS K1"]  # the empty sheet is dropped
    sheet = sheets[0]
    assert sheet.rows == [
        ["LAPORAN PWS KIA PUSKESMAS BOJONGSARI BULAN MARET 2025", None, None, None, None, None, None],
        [None] * 7,
        ["No", "Desa", "Sasaran Bumil", "K1", "K1", "K4", "K4"],
        ["No", "Desa", "Sasaran Bumil", "bln ini", "s.d. bln ini", "bln ini", "s.d. bln ini"],
        [1, "Bojong", 120, 3, 10, 2, None],  # openpyxl stores no cached value: the formula reads as empty
        [2, "Karangtengah", 90, 1, 8, 0, 4],
        [None, "Tanggal lapor", date(2025, 4, 5), None, None, None, None],
    ]
    assert sheet.formulas == 1
    assert sheet.merged_header_rows == 2


def test_the_pws_sheet_flattens_into_indicator_columns():
    rows = read_table(xlsx(pws), "pws.xlsx")[0].rows
    headers, first = flatten_header(rows)
    assert headers[:5] == ["No", "Desa", "Sasaran Bumil", "K1 | bln ini", "K1 | s.d. bln ini"] and first == 4
    assert wide_groups(headers) == {"anc_k1": {"month": [3], "cum": [4], "denominator": [2]},
                                    "anc_k4": {"month": [5], "cum": [6], "denominator": [2]}, "_sasaran": {"value": [2]}}


def test_a_formula_reads_as_its_cached_value():
    # openpyxl writes an empty value as "<v />" with its own XML writer, "<v></v>" with lxml.
    data = rezip(xlsx(pws), lambda name, body: re.sub(rb"<f>F5\+3</f>(<v ?/>|<v></v>)", b"<f>F5+3</f><v>5</v>", body))
    sheet = read_table(data, "pws.xlsx")[0]
    assert sheet.rows[4][6] == 5 and sheet.formulas == 1


def test_a_merged_number_is_not_copied():
    def build(book):
        ws = book.active
        ws.append(["Desa", "Sasaran L", "Sasaran P"])
        ws.append(["Bojong", 60, None])
        ws.merge_cells("B2:C2")
    assert read_table(xlsx(build), "x.xlsx")[0].rows[1] == ["Bojong", 60, None]


def test_csv_with_semicolons_and_indonesian_numbers_in_cp1252():
    text = "Laporan Imunisasi – Maret 2025\nDesa;Sasaran;BCG\nBojong;1.234;12,5\nKarang Tengah;;7\n\n"
    sheet = read_table(text.encode("cp1252"), "imunisasi.CSV")[0]
    assert sheet.name == "imunisasi"
    assert sheet.rows == [["Laporan Imunisasi – Maret 2025", None, None], ["Desa", "Sasaran", "BCG"],
                          ["Bojong", "1.234", "12,5"], ["Karang Tengah", None, "7"]]


@pytest.mark.parametrize("delimiter", [",", "\t", "|", ";"])
def test_csv_delimiter_is_sniffed(delimiter):
    text = delimiter.join(["Desa", "K1", "K4"]) + "\r\n" + delimiter.join(["Bojong", "3", "2"]) + "\r\n"
    rows = read_table(("\ufeff" + text).encode("utf-8"), "a.csv")[0].rows
    assert rows == [["Desa", "K1", "K4"], ["Bojong", "3", "2"]]


def _record(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def biff8(rows: list[list[object]], merges: list[tuple[int, int, int, int]]) -> bytes:
    """A one-sheet BIFF8 workbook stream: text, numbers and ("date", serial) cells; merges as (r0, r1, c0, c1)."""
    font = _record(0x31, struct.pack("<HHHHHBBBBBB", 200, 0, 0x7FFF, 400, 0, 0, 0, 0, 0, 5, 0) + b"Arial")
    xfs = b"".join(_record(0xE0, struct.pack("<HHHBBBBIIH", 0, fmt, kind, 0x20, 0, 0, 0, 0, 0, 0x20C0))
                   for fmt, kind in [(0, 0xFFF5)] * 16 + [(0, 1), (14, 1)])  # 16 style XFs, general (16), date (17)
    cells = b""
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str):
                cells += _record(0x204, struct.pack("<HHHHB", r, c, 16, len(value), 0) + value.encode("latin-1"))
            elif value is not None:
                xf, number = (17, value[1]) if isinstance(value, tuple) else (16, value)
                cells += _record(0x203, struct.pack("<HHHd", r, c, xf, number))
    sheet = (_record(0x809, struct.pack("<HHHHII", 0x600, 0x10, 0, 0, 0, 6))
             + _record(0x200, struct.pack("<IIHHH", 0, len(rows), 0, max(map(len, rows)), 0)) + cells
             + _record(0xE5, struct.pack("<H", len(merges)) + b"".join(struct.pack("<HHHH", *m) for m in merges))
             + _record(0x0A, b""))

    def book(sheet_at: int) -> bytes:
        return (_record(0x809, struct.pack("<HHHHII", 0x600, 0x5, 0, 0, 0, 6)) + _record(0x42, struct.pack("<H", 1200))
                + font * 5 + xfs + _record(0x85, struct.pack("<IBBBB", sheet_at, 0, 0, 9, 0) + b"Imunisasi")
                + _record(0x0A, b""))
    return book(len(book(0))) + sheet


def ole2(stream: bytes) -> bytes:
    """A compound document holding one "Workbook" stream, padded past the 4096-byte mini-stream cutoff."""
    stream = stream.ljust(max(4096, -(-len(stream) // 512) * 512), b"\0")
    free, end, none = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFF
    sectors = len(stream) // 512
    fat = [0xFFFFFFFD, end, *range(3, 2 + sectors), end]  # FAT, directory, then the stream's chain
    header = (files.OLE2_MAGIC + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<9I", 0, 1, 1, 0, 4096, end, 0, end, 0) + struct.pack("<109I", 0, *[free] * 108))

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0" if name else b""
        return (raw.ljust(64, b"\0") + struct.pack("<HBB3I", len(raw), kind, 1, none, none, child) + bytes(36)
                + struct.pack("<3I", start, size, 0))
    directory = entry("Root Entry", 5, 1, end, 0) + entry("Workbook", 2, none, 2, len(stream)) + entry("", 0, none, 0, 0) * 2
    return header + struct.pack("<128I", *fat, *[free] * (128 - len(fat))) + directory + stream


def test_xls_through_xlrd_with_dates_and_merged_headers():
    rows = [["Desa", "BCG", None], [None, "L", "P"], ["Bojong", 3, ("date", 45730.0)], ["Karangtengah", 2.5, 1]]
    sheet = read_table(ole2(biff8(rows, merges=[(0, 0, 1, 2)])), "Imunisasi Maret.XLS")[0]
    assert sheet.name == "Imunisasi"
    assert sheet.rows == [["Desa", "BCG", "BCG"], [None, "L", "P"], ["Bojong", 3, datetime(2025, 3, 14)],
                          ["Karangtengah", 2.5, 1]]
    assert sheet.merged_header_rows == 1 and sheet.formulas == 0  # xlrd does not expose formulas
    with pytest.raises(FileRejected, match="Terlalu banyak sel"):
        read_table(ole2(biff8(rows, [])), "a.xls", Limits(max_cells=11))
    with pytest.raises(FileRejected, match="rusak"):
        read_table(files.OLE2_MAGIC + bytes(4000), "a.xls")


@pytest.mark.parametrize(("name", "expected"), [
    ("../../etc/passwd", "passwd"),
    ("/var/lib/phdt/data.XLSX", "data.xlsx"),
    ("C:\\Users\\bidan\\Desktop\\PWS Maret.xlsx", "PWS Maret.xlsx"),
    ("..\\..\\boot.ini", "boot.ini"),
    ("lap\x00oran.csv", "laporan.csv"),
    ("lap\noran\t.csv", "laporan.csv"),
    ("laporan<img src=x onerror=alert(1)>.csv", "laporan_img src_x onerror_alert_1__.csv"),
    ("<script>alert(1)</script>.csv", "script_.csv"),  # "/" ends a directory name
    ("..", "unggahan"),
    ("", "unggahan"),
    (".xlsx", "unggahan.xlsx"),
    ("   data.xls   ", "data.xls"),
    ("a" * 300 + ".csv", "a" * 116 + ".csv"),
])
def test_safe_name_strips_paths_and_tricks(name, expected):
    assert safe_name(name) == expected


@given(st.text(max_size=300))
def test_safe_name_is_always_a_plain_short_basename(name):
    safe = safe_name(name)
    assert re.fullmatch(r"[A-Za-z0-9._\- ]{1,120}", safe) and safe not in (".", "..") and not safe.startswith(".")


def test_rejects_an_empty_file():
    with pytest.raises(FileRejected, match="kosong"):
        read_table(b"", "a.xlsx")


def test_rejects_an_oversized_file_before_parsing(monkeypatch):
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("parsed an oversized file"))
    with pytest.raises(FileRejected, match="terlalu besar"):
        read_table(xlsx(pws), "a.xlsx", Limits(max_bytes=1000))


@pytest.mark.parametrize("name", ["pws.xlsm", "pws.XLSB", "template.xltm"])
def test_rejects_macro_suffixes(name):
    with pytest.raises(FileRejected, match="makro"):
        read_table(xlsx(pws), name)


def test_rejects_an_xlsx_carrying_a_vba_project():
    with pytest.raises(FileRejected, match="makro"):
        read_table(rezip(xlsx(pws), extra={"xl/vbaProject.bin": b"\0" * 64}), "pws.xlsx")


def test_rejects_an_encrypted_xlsx_or_renamed_ole2_file():
    with pytest.raises(FileRejected, match="terenkripsi atau bukan xlsx"):
        read_table(files.OLE2_MAGIC + b"\0" * 4000, "pws.xlsx")


def test_rejects_a_zip_with_encrypted_members():
    data = bytearray(xlsx(pws))
    for match in re.finditer(rb"PK\x01\x02", bytes(data)):  # set the "encrypted" flag in the central directory
        data[match.start() + 8] |= 0x1
    with pytest.raises(FileRejected, match="terenkripsi"):
        read_table(bytes(data), "pws.xlsx")


def test_rejects_a_corrupt_zip():
    data = xlsx(pws)
    with pytest.raises(FileRejected, match="rusak"):
        read_table(data[: len(data) // 2], "pws.xlsx")


def test_rejects_an_xlsx_whose_parts_are_not_a_workbook():
    with pytest.raises(FileRejected, match="rusak"):
        read_table(rezip(xlsx(pws), lambda name, body: b"<oops" if name == "xl/workbook.xml" else body), "a.xlsx")


def test_rejects_a_zip_bomb():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 30_000_000)
    bomb = out.getvalue()
    assert len(bomb) < 100_000
    with pytest.raises(FileRejected, match="rasio kompresi"):
        read_table(bomb, "bom.xlsx")
    with pytest.raises(FileRejected, match="rasio kompresi"):  # the absolute bound (10 x max_bytes), whatever the ratio
        read_table(bomb, "bom.xlsx", Limits(max_uncompressed_ratio=1e6, max_bytes=2_000_000))


def test_rejects_entity_expansion():
    entities = "".join(f'<!ENTITY {n} "{("&" + p + ";") * 10}">' for p, n in zip("abcdefgh", "bcdefghi", strict=True))
    laughs = f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">{entities}]>'  # "&i;" is 10^9 characters
    data = rezip(xlsx(pws), lambda name, body: (laughs + body.decode().replace("Bojong", "&i;")).encode()
                 if name == "xl/worksheets/sheet1.xml" else body)
    with pytest.raises(FileRejected, match="rusak"):
        read_table(data, "pws.xlsx")


def test_rejects_too_many_rows():
    def build(book):
        for n in range(11):
            book.active.append(["Bojong", n])
    with pytest.raises(FileRejected, match="Terlalu banyak baris"):
        read_table(xlsx(build), "a.xlsx", Limits(max_rows=10))
    with pytest.raises(FileRejected, match="Terlalu banyak baris"):
        read_table(b"desa;n\n" + b"Bojong;1\n" * 10, "a.csv", Limits(max_rows=10))


def test_rejects_too_many_cells_even_when_announced_by_a_lone_far_cell():
    def build(book):
        book.active["A1"] = "Desa"
        book.active["XFD1048576"] = 1  # one value, but a 17-billion-cell grid
    with pytest.raises(FileRejected, match="Terlalu banyak"):
        read_table(xlsx(build), "a.xlsx")
    with pytest.raises(FileRejected, match="Terlalu banyak sel"):
        read_table(b"a;b;c\n1;2;3\n", "a.csv", Limits(max_cells=5))


def test_rejects_overlapping_merges():
    def build(book):
        book.active.append(["Desa", "K1", "K4"])
        book.active.merge_cells("A1:C1")
    merge = rb'<mergeCell ref="A1:C1" ?/>'  # openpyxl would deduplicate them; lxml drops the space
    data = rezip(xlsx(build), lambda name, body: re.sub(merge, lambda m: m.group(0) * 3, body))
    with pytest.raises(FileRejected, match="tumpang tindih"):
        read_table(data, "a.xlsx")


@pytest.mark.parametrize("name", ["laporan.pdf", "laporan", "laporan.xlsx.exe", "laporan.ods"])
def test_rejects_unknown_suffixes(name):
    with pytest.raises(FileRejected, match="tidak didukung"):
        read_table(b"Desa;K1\n", name)


def test_rejects_binary_posing_as_csv_and_zip_posing_as_xls():
    with pytest.raises(FileRejected, match="bukan teks"):
        read_table(xlsx(pws), "pws.csv")
    with pytest.raises(FileRejected, match="sebenarnya .xlsx"):
        read_table(xlsx(pws), "pws.xls")


def test_rejects_a_file_without_any_data():
    with pytest.raises(FileRejected, match="tidak berisi data"):
        read_table(b" \r\n;;\r\n", "kosong.csv")


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from([".csv", ".xlsx", ".xls"]))
def test_arbitrary_bytes_give_sheets_or_a_refusal(data, suffix):
    _read_or_refuse(data, "x" + suffix)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["x.xlsx", "x.xls"]), st.data())
def test_damaged_workbooks_give_sheets_or_a_refusal(name, data):
    rows = [["Desa", "BCG", None], [None, "L", "P"], ["Bojong", 3, ("date", 45730.0)]]
    damaged = bytearray(xlsx(pws) if name.endswith("xlsx") else ole2(biff8(rows, [(0, 0, 1, 2)])))
    for position, byte in data.draw(st.lists(st.tuples(st.integers(0, 2**20), st.integers(0, 255)), min_size=1, max_size=8)):
        damaged[position % len(damaged)] = byte  # xlsx length varies with its timestamps: draw independently of it
    _read_or_refuse(bytes(damaged), name)


def _read_or_refuse(data: bytes, name: str) -> None:
    try:
        sheets = read_table(data, name)
    except FileRejected as exc:
        assert str(exc)
        return
    assert sheets and all(sheet.rows for sheet in sheets)
    assert all(len({len(row) for row in sheet.rows}) == 1 for sheet in sheets)  # rectangular
