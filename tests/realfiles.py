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


ANTIGEN_NAMES = {"hb0": "HB0 (<24 Jam)", "bcg": "BCG", "polio1": "Polio 1", "polio2": "Polio 2", "polio3": "Polio 3",
                 "polio4": "Polio 4", "dpt1": "DPT-HB-Hib 1", "dpt2": "DPT-HB-Hib 2", "dpt3": "DPT-HB-Hib 3",
                 "ipv1": "IPV", "mr1": "Campak Rubela (MR)"}


def asik_doses(doses: list[dict], desa_names: dict[str, str], title: str) -> bytes:
    """An ASIK immunization export: a two-line title, then one row per dose with the desa by name,
    dates as Excel dates and the antigen as the app writes it ("DPT-HB-Hib 1"). `doses` are rows
    of the IMUNISASI_DOSIS schema."""
    rows: list[list[object]] = [["LAPORAN HASIL IMUNISASI RUTIN"], [title], []]
    rows.append(["No", "NIK Anak", "Nama Anak", "Jenis Kelamin", "Tanggal Lahir", "NIK Ibu", "Desa/Kelurahan",
                 "Jenis Imunisasi", "Tanggal Imunisasi"])
    for n, d in enumerate(doses, start=1):
        rows.append([n, d["id_anak"], d["nama_anak"], d["jenis_kelamin"], d["tgl_lahir"], d["nik_ibu"],
                     desa_names[d["kode_desa"]], ANTIGEN_NAMES[d["antigen"]], d["tgl_imunisasi"]])
    return workbook([("Data", rows, ["A1:I1", "A2:I2"])])


def ekohort_visits(visits: list[dict], desa_names: dict[str, str], title: str) -> bytes:
    """An e-Kohort ANC export: a title, then one row per contact (register number, mother, desa by
    name, HPHT, visit date, visit number, gestational age, examiner, USG Ya/Tidak, LILA, Hb, BP)."""
    rows: list[list[object]] = [["REGISTER KOHORT IBU"], [title], []]
    rows.append(["No Register Kohort", "NIK Ibu", "Nama Ibu", "Desa", "HPHT", "Tgl Kunjungan", "Kunjungan Ke",
                 "Usia Kehamilan (mgg)", "Pemeriksa", "USG", "LILA", "Hb", "TD Sistolik", "TD Diastolik"])
    for v in visits:
        rows.append([v["id_kehamilan"], v["nik_ibu"], v["nama_ibu"], desa_names[v["kode_desa"]], v["hpht"],
                     v["tgl_kunjungan"], v["kunjungan_ke"], v["usia_kehamilan_minggu"],
                     "Dokter" if v["pemeriksa"] == "dokter" else "Bidan", "Ya" if v["usg"] else "Tidak",
                     v["lila_cm"], v["hb_g_dl"], v["td_sistolik"], v["td_diastolik"]])
    return workbook([("Kohort", rows, ["A1:N1", "A2:N2"])])


SASARAN_COLUMNS = {"penduduk": "Jumlah Penduduk", "ibu_hamil": "Ibu Hamil", "ibu_bersalin": "Ibu Bersalin",
                   "lahir_hidup": "Lahir Hidup", "bayi": "Bayi (Surviving Infant)", "baduta": "Baduta",
                   "usia_produktif": "Usia Produktif 15-59", "hipertensi": "Estimasi Penderita Hipertensi",
                   "dm": "Estimasi Penderita DM"}


def sasaran_table(per_desa: dict[str, dict[str, int]], desa_names: dict[str, str], year: int, metode: str) -> bytes:
    """A Dinkes sasaran table: title with the year, Kode Desa and Desa, one column per target group."""
    rows: list[list[object]] = [["DATA SASARAN PROGRAM KESEHATAN"], [f"KABUPATEN PURBALINGGA TAHUN {year}"], []]
    rows.append(["No", "Kode Desa", "Desa", "Tahun", *SASARAN_COLUMNS.values(), "Metode"])
    for n, (code, groups) in enumerate(sorted(per_desa.items()), start=1):
        rows.append([n, code, desa_names[code], year, *[groups.get(g) for g in SASARAN_COLUMNS], metode])
    return workbook([("Sasaran", rows, ["A1:N1", "A2:N2"])])
