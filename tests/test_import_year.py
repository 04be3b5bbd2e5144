"""A new year loaded the way a Dinkes loads it, checked against the numbers it must give.

The demo generator makes four years (2023–2026) of one puskesmas (Kemangkon, 19 desa). The
dataset starts as the demo does, at December 2025: the 2025 cut of those line lists. Then the
data officer loads the new year's sasaran, and January–March 2026 one month at a time: an ASIK
dose export and a bidan's PWS KIA workbook per month. Loading the three months' line lists at
once must give the same IDL, UCI, K6 and drop-out, and both must equal the generator's own
truth (the aggregation of the four years of line lists).
"""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest

from phdt import dataset as ds
from phdt import demo, versions
from phdt.aggregate import monthly_indicators
from phdt.config import Settings
from phdt.imports import pipeline
from phdt.wilayah import load_puskesmas, load_wilayah
from tests.fixtures import realfiles

PUSKESMAS = "Kemangkon"
MONTHS = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
BULAN = {1: "JANUARI", 2: "FEBRUARI", 3: "MARET"}
CUT, END = date(2025, 12, 31), date(2026, 3, 31)
SERVICE = {"anc_kunjungan": "tgl_kunjungan", "imunisasi_dosis": "tgl_imunisasi", "ptm_skrining": "tgl_skrining"}
COMPARED = ["imm_idl", "imm_uci", "imm_do_dpt1_dpt3", "imm_do_dpt1_mr1", "anc_k6"]
TODAY = date(2026, 4, 20)


@pytest.fixture(scope="module")
def world() -> dict[str, pl.DataFrame]:
    area = load_wilayah().filter(pl.col("puskesmas").cast(pl.String) == PUSKESMAS)
    return demo.generate(area, load_puskesmas(), Settings(), years=(2023, 2024, 2025, 2026))


@pytest.fixture(scope="module")
def names() -> dict[str, str]:
    return dict(load_wilayah().select(pl.col("kode_desa").cast(pl.String), "nama_desa").iter_rows())


def until(tables: dict[str, pl.DataFrame], last: date) -> dict[str, pl.DataFrame]:
    """The tables as a Dinkes would hold them on `last`."""
    out = {name: frame.filter(pl.col(SERVICE[name]) <= last) for name, frame in tables.items() if name in SERVICE}
    out["sasaran"] = tables["sasaran"].filter(pl.col("tahun") <= last.year)
    out["laporan"] = tables["laporan"].filter(pl.col("period") <= last)
    out["fasilitas"] = tables["fasilitas"]
    return out


@pytest.fixture(scope="module")
def truth(world) -> pl.DataFrame:
    return monthly_indicators(until(world, END), load_wilayah(), Settings()).filter(pl.col("period").is_in(MONTHS))


def store(tmp_path, world) -> tuple:
    """A version store holding the December 2025 dataset (the whole kabupaten's registry)."""
    folder = tmp_path / "data"
    folder.mkdir(parents=True)
    tables = until(world, CUT)
    tables["indikator_bulanan"] = monthly_indicators(tables, load_wilayah(), Settings())
    for name, frame in tables.items():
        frame.write_parquet(folder / f"{name}.parquet")
    (folder / "manifest.json").write_text(json.dumps({"version": "desember-2025", "synthetic": True}))
    root = tmp_path / "versions"
    versions.bootstrap(root, data_dir=folder)
    return root


def load(root, content: bytes, family: str, **options) -> None:
    data = ds.load(versions.current(root))
    prepared = pipeline.prepare(content, f"{family}.xlsx", family, data, today=TODAY, **options)
    errors = prepared.validation.report.filter(pl.col("severity") == "error")
    assert errors.is_empty(), errors.to_dicts()
    pipeline.commit(prepared, data, "Petugas Data Dinkes", replace=False, root=root)


def sasaran_2026(world, names) -> bytes:
    rows = world["sasaran"].filter(pl.col("tahun") == 2026)
    per_desa: dict[str, dict[str, int]] = {}
    for code, group, n in rows.select(pl.col("kode_desa").cast(pl.String), pl.col("kelompok").cast(pl.String),
                                      "jumlah").iter_rows():
        per_desa.setdefault(code, {})[group] = n
    return realfiles.sasaran_table(per_desa, names, 2026, "proyeksi Pusdatin")


def in_months(frame: pl.DataFrame, column: str, months: list[date]) -> list[dict]:
    month = pl.col(column).dt.truncate("1mo")
    return frame.filter(month.is_in(months)).sort(column).to_dicts()


def pws_workbook(truth: pl.DataFrame, sasaran: pl.DataFrame, names: dict[str, str], month: date) -> bytes:
    """The bidan's PWS KIA sheet of `month`: K1, K4, K6 per desa by name, "-" for no contact."""
    cells = truth.filter(pl.col("period") == month)
    value = {(c, s): (m, cum) for c, s, m, cum in cells.select(
        pl.col("kode_desa").cast(pl.String), pl.col("indicator_code").cast(pl.String), "numerator_month",
        "numerator_cum").iter_rows()}
    bumil = dict(sasaran.filter((pl.col("tahun") == 2026) & (pl.col("kelompok") == "ibu_hamil")).select(
        pl.col("kode_desa").cast(pl.String), "jumlah").iter_rows())
    desa, total = [], [0] * 7
    for code in sorted(bumil):
        numbers = [bumil[code]]
        for slug in ("anc_k1", "anc_k4", "anc_k6"):
            numbers += list(value[(code, slug)])
        total = [a + b for a, b in zip(total, numbers, strict=True)]
        desa.append((names[code], numbers[0], *[n or "-" for n in numbers[1:]]))
    title = realfiles.title_block(f"PUSKESMAS {PUSKESMAS.upper()}", f"BULAN : {BULAN[month.month]} {month.year}")
    rows, merges = realfiles.pws_rows(desa, tuple(total), title)
    return realfiles.workbook([(f"{BULAN[month.month][:3]} {month.year}", rows, merges)])


def compared(root) -> pl.DataFrame:
    data = ds.load(versions.current(root))
    return shown(data.monthly)


def shown(monthly: pl.DataFrame) -> pl.DataFrame:
    kemangkon = load_wilayah().filter(pl.col("puskesmas").cast(pl.String) == PUSKESMAS)["kode_desa"].cast(pl.String)
    return (monthly.with_columns(pl.col("kode_desa", "indicator_code").cast(pl.String))
            .filter(pl.col("period").is_in(MONTHS) & pl.col("indicator_code").is_in(COMPARED)
                    & pl.col("kode_desa").is_in(kemangkon.implode()))
            .select("period", "kode_desa", "indicator_code", "numerator_month", "numerator_cum", "denominator")
            .sort("indicator_code", "kode_desa", "period"))


def test_a_new_year_month_by_month_equals_the_months_at_once_and_the_truth(tmp_path, world, names, truth):
    doses, visits = world["imunisasi_dosis"], world["anc_kunjungan"]
    monthly_root = store(tmp_path / "monthly", world)
    load(monthly_root, sasaran_2026(world, names), "sasaran")
    for month in MONTHS:
        title = f"PUSKESMAS {PUSKESMAS.upper()} {BULAN[month.month]} {month.year}"
        load(monthly_root, realfiles.asik_doses(in_months(doses, "tgl_imunisasi", [month]), names, title),
             "imunisasi_dosis", puskesmas=PUSKESMAS)
        load(monthly_root, pws_workbook(truth, world["sasaran"], names, month), pipeline.WIDE)

    once_root = store(tmp_path / "once", world)
    load(once_root, sasaran_2026(world, names), "sasaran")
    title = f"PUSKESMAS {PUSKESMAS.upper()} JANUARI - MARET 2026"
    load(once_root, realfiles.asik_doses(in_months(doses, "tgl_imunisasi", MONTHS), names, title),
         "imunisasi_dosis", puskesmas=PUSKESMAS)
    load(once_root, realfiles.ekohort_visits(in_months(visits, "tgl_kunjungan", MONTHS), names, title),
         "anc_kunjungan", puskesmas=PUSKESMAS)

    expected = shown(truth)
    assert expected.filter(pl.col("indicator_code") == "imm_idl")["numerator_month"].sum() > 0  # not vacuous
    assert expected["denominator"].null_count() == 0
    assert compared(monthly_root).equals(expected)
    assert compared(once_root).equals(expected)
