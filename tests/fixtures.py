"""Tiny hand-built tables whose indicator values are computed by hand in the tests."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from phdt.schema import ANC_KUNJUNGAN, IMUNISASI_DOSIS, LAPORAN, PTM_SKRINING, SASARAN, WILAYAH, conform

DESA_A, DESA_B = "33.03.01.2001", "33.03.01.2002"


def wilayah() -> pl.DataFrame:
    return conform(pl.DataFrame({
        "kode_kecamatan": ["33.03.01", "33.03.01"], "nama_kecamatan": ["Kemangkon", "Kemangkon"],
        "kode_desa": [DESA_A, DESA_B], "nama_desa": ["Kedungbenda", "Bokol"], "jenis": ["desa", "desa"],
        "puskesmas": ["Kemangkon", "Kemangkon"], "lat": [-7.47, -7.48], "lon": [109.33, 109.35],
    }), WILAYAH)


def sasaran(ibu_hamil: int = 12, bayi: int = 12, lahir_hidup: int = 12, usia_produktif: int = 10,
            hipertensi: int = 4, dm: int = 2) -> pl.DataFrame:
    groups = {"ibu_hamil": ibu_hamil, "bayi": bayi, "lahir_hidup": lahir_hidup,
              "usia_produktif": usia_produktif, "hipertensi": hipertensi, "dm": dm}
    rows = [(2025, desa, group, n, "fixture") for desa in (DESA_A, DESA_B) for group, n in groups.items()]
    return conform(pl.DataFrame(rows, schema=["tahun", "kode_desa", "kelompok", "jumlah", "metode"], orient="row"),
                   SASARAN)


def visit(pregnancy: str, when: date, nth: int, weeks: int, provider: str = "bidan", usg: bool = False,
          desa: str = DESA_A) -> dict:
    return {"id_kehamilan": pregnancy, "nik_ibu": "3303010101900001", "nama_ibu": "Ibu Uji", "kode_desa": desa,
            "hpht": date(2024, 10, 1), "tgl_kunjungan": when, "kunjungan_ke": nth, "usia_kehamilan_minggu": weeks,
            "pemeriksa": provider, "usg": usg, "lila_cm": 25.0, "hb_g_dl": 12.0, "td_sistolik": 110,
            "td_diastolik": 70, "sumber": "demo"}


def anc(rows: list[dict]) -> pl.DataFrame:
    return conform(pl.DataFrame(rows), ANC_KUNJUNGAN)


def dose(child: str, antigen: str, when: date, born: date = date(2025, 1, 5), desa: str = DESA_A) -> dict:
    return {"id_anak": child, "nik_ibu": "3303010101900002", "nama_anak": "Anak Uji", "kode_desa": desa,
            "jenis_kelamin": "P", "tgl_lahir": born, "antigen": antigen, "tgl_imunisasi": when, "sumber": "demo"}


def doses(rows: list[dict]) -> pl.DataFrame:
    return conform(pl.DataFrame(rows), IMUNISASI_DOSIS)


def screening(nik: str, when: date, born: date, ht: bool = False, dm: bool = False, desa: str = DESA_A) -> dict:
    return {"nik": nik, "nama": "Warga Uji", "kode_desa": desa, "jenis_kelamin": "L", "tgl_lahir": born,
            "tgl_skrining": when, "td_sistolik": 150 if ht else 120, "td_diastolik": 95 if ht else 80,
            "gula_darah_mg_dl": 220 if dm else 100, "imt": 24.0, "hipertensi": ht, "dm": dm, "sumber": "demo"}


def screenings(rows: list[dict]) -> pl.DataFrame:
    return conform(pl.DataFrame(rows), PTM_SKRINING)


def laporan(months: list[tuple[str, date, date]]) -> pl.DataFrame:
    return conform(pl.DataFrame(months, schema=["kode_desa", "period", "tgl_diterima"], orient="row"), LAPORAN)


def hand_tables() -> dict[str, pl.DataFrame]:
    """Line lists for 2025 in desa A (desa B has none, and no December report)."""
    visits = [
        # P1: K1 murni in Jan; doctor USG in TM1 (Feb); 1-1-2 reached at the 5th visit (Jul); K6 at the 6th (Aug).
        visit("P1", date(2025, 1, 10), 1, 8), visit("P1", date(2025, 2, 10), 2, 12, "dokter", usg=True),
        visit("P1", date(2025, 4, 10), 3, 20), visit("P1", date(2025, 6, 10), 4, 29),
        visit("P1", date(2025, 7, 10), 5, 33, "dokter"), visit("P1", date(2025, 8, 1), 6, 36),
        # P2: first contact in trimester 2 -> K1 but not K1 murni.
        visit("P2", date(2025, 2, 3), 1, 16),
        # P3: first visit missing from the export -> K4 in Jun without a K1.
        visit("P3", date(2025, 1, 5), 2, 10), visit("P3", date(2025, 3, 5), 3, 18),
        visit("P3", date(2025, 5, 5), 4, 30), visit("P3", date(2025, 6, 5), 5, 34),
    ]
    c1 = [dose("C1", a, date(2025, m, 5)) for a, m in [
        ("hb0", 1), ("bcg", 2), ("polio1", 2), ("dpt1", 3), ("polio2", 3), ("dpt2", 4), ("polio3", 4),
        ("dpt3", 5), ("polio4", 5), ("mr1", 10)]]
    c2 = [dose("C2", "hb0", date(2025, 1, 5)), dose("C2", "dpt1", date(2025, 3, 10)),
          dose("C2", "dpt1", date(2025, 3, 20))]  # a re-entered dose counts once
    people = [
        screening("N1", date(2025, 3, 1), date(1980, 1, 1)), screening("N1", date(2025, 5, 1), date(1980, 1, 1)),
        screening("N2", date(2025, 4, 1), date(1950, 1, 1), ht=True),
        screening("N2", date(2025, 6, 1), date(1950, 1, 1), ht=True),
        screening("N3", date(2025, 4, 1), date(2015, 1, 1)),
        screening("N4", date(2025, 2, 1), date(1990, 1, 1), dm=True),
        screening("N5", date(2025, 12, 15), date(1985, 1, 1)),
    ]
    reports = [(d, date(2025, m, 1), date(2025, m, 28)) for d in (DESA_A, DESA_B) for m in range(1, 13)
               if not (d == DESA_B and m == 12)]
    return {"anc_kunjungan": anc(visits), "imunisasi_dosis": doses(c1 + c2),
            "ptm_skrining": screenings(people), "sasaran": sasaran(), "laporan": laporan(reports)}




def geo_dir_with(filename: str) -> Path:
    """The shared boundary folder from PHDT_GEO_DIR, failing (never skipping) when it is missing."""
    value = os.environ.get("PHDT_GEO_DIR")
    if not value:
        pytest.fail("PHDT_GEO_DIR is not set: run with PHDT_GEO_DIR=../shared/geo (the boundary files)", pytrace=False)
    path = Path(value)
    if not (path / filename).is_file():
        pytest.fail(f"PHDT_GEO_DIR={value} has no {filename}", pytrace=False)
    return path
