"""Sasaran as an import: wide and long files, decimals, the new version's sasaran and monthly
denominators, and the blocking notice of a year without sasaran (on a copy of the demo dataset)."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import polars as pl
from streamlit.testing.v1 import AppTest

from phdt import dataset as ds
from phdt import versions
from phdt.config import ROOT
from phdt.imports import pipeline
from phdt.sasaran import missing_years
from tests.helpers import signed_in
from tests.test_data_page import data_dir  # noqa: F401  (fixture)

SL, SK = "33.03.08.2013", "33.03.08.2012"  # Serayu Larangan, Serayu Karanganyar (Kec. Mrebet)


def xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_wide_workbook_with_decimals_keeps_the_true_total():
    data = ds.load()
    content = xlsx([
        ["Kode Desa", "Desa", "Sasaran Bumil", "Bulin", "Surviving Infant", "Estimasi HT", "Metode"],
        ["3303082013", "Serayu Larangan", "60,49", 57.3, 50, "1.234,6", "proyeksi Pusdatin"],
        ["33.03.08.2012", "Serayu Karanganyar", "39,21", 37.3, 51, "765,4", "proyeksi Pusdatin"],
        ["3303082011", "Bojong", 20.3, 19.4, 18, "500", "proyeksi Pusdatin"],
    ])
    prepared = pipeline.prepare(content, "sasaran.xlsx", "sasaran", data, period=date(2026, 1, 1),
                                today=date(2026, 2, 1))
    report = prepared.validation.report
    assert prepared.validation.errors == 0, report
    assert report.filter(pl.col("rule") == "rounded")["message"].str.contains("sisa terbesar").all()
    clean = prepared.validation.clean
    totals = dict(clean.group_by("kelompok").agg(pl.col("jumlah").sum()).iter_rows())
    # 60.49 + 39.21 + 20.3 = 120.0; 57.3 + 37.3 + 19.4 = 114.0; 1234.6 + 765.4 + 500 = 2500.0
    assert totals == {"ibu_hamil": 120, "ibu_bersalin": 114, "bayi": 119, "hipertensi": 2500}
    bumil = dict(clean.filter(pl.col("kelompok") == "ibu_hamil").select(
        pl.col("kode_desa").cast(pl.String), "jumlah").iter_rows())
    # floors 60 + 39 + 20 = 119: the one unit lost goes to the largest remainder (.49)
    assert bumil == {SL: 61, SK: 39, "33.03.08.2011": 20}
    assert set(clean["tahun"].to_list()) == {2026} and set(clean["metode"].to_list()) == {"proyeksi Pusdatin"}
    assert not prepared.blocked  # no monthly data yet for 2026: still loadable


def test_long_file_with_unknown_group_is_refused():
    data = ds.load()
    content = "Tahun;Kode Desa;Kelompok;Jumlah\n2026;3303082013;Ibu Hamil;60\n2026;3303082013;Lansia;80\n".encode()
    prepared = pipeline.prepare(content, "s.csv", "sasaran", data, today=date(2026, 2, 1))
    errors = prepared.validation.report.filter(pl.col("severity") == "error")
    assert errors.select("row", "column", "rule").rows() == [(3, "kelompok", "invalid_value")]
    assert prepared.blocked


def _monthly_2026_without_sasaran() -> None:
    """A version with January–March 2026 (2025's counts moved a year on, no denominators)."""
    current = ds.load(versions.ensure_current())
    rows = current.monthly.filter(pl.col("period").is_between(date(2025, 1, 1), date(2025, 3, 1))).with_columns(
        pl.col("period").dt.offset_by("1y"), denominator=pl.lit(None, pl.Int32))
    monthly = pl.concat([current.monthly, rows])
    versions.new_version_from(versions.current(), {"indikator_bulanan": monthly}, None, {"who": "test"})


def test_year_without_sasaran_blocks_coverage_until_its_sasaran_is_loaded(data_dir, tmp_path):  # noqa: F811
    _monthly_2026_without_sasaran()
    current = ds.load(versions.current())
    assert list(missing_years(current.monthly, current.sasaran)) == [2026]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    signed_in(at)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("Sasaran 2026 belum dimuat" in e.value and "Januari–Maret 2026" in e.value for e in at.error)
    assert not at.metric  # Ringkasan's coverage cards are not shown without their denominator
    at.switch_page("pages/data_page.py").run()
    assert [x.value for x in at.title] == ["Impor data bulanan"]  # the Data page, where sasaran is loaded, still works

    # The 2025 sasaran, as a long CSV for 2026 with a Tahun column, through the command line.
    s25 = current.sasaran.filter(pl.col("tahun") == 2025)
    lines = ["Tahun;Kode Desa;Kelompok;Jumlah;Metode"] + [
        f"2026;{r['kode_desa']};{r['kelompok']};{r['jumlah']};proyeksi Pusdatin" for r in s25.iter_rows(named=True)]
    upload = tmp_path / "sasaran-2026.csv"
    upload.write_text("\n".join(lines), encoding="utf-8")
    assert pipeline.main([str(upload), "--family", "sasaran", "--who", "Petugas", "--yes"]) == 0
    after = ds.load(versions.current())
    assert missing_years(after.monthly, after.sasaran) == {}
    assert "proyeksi Pusdatin" in after.manifest["source"]
    bayi = s25.filter((pl.col("kode_desa") == SL) & (pl.col("kelompok") == "bayi"))["jumlah"].item()
    jan = after.monthly.filter((pl.col("period") == date(2026, 1, 1)) & (pl.col("kode_desa") == SL))
    dens = dict(jan.select(pl.col("indicator_code").cast(pl.String), "denominator").iter_rows())
    assert dens["imm_dpt1"] == bayi
    assert dens["imm_uci"] == 1 and dens["imm_zero_dose"] is not None  # derived indicators recomputed
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    signed_in(at)
    at.run()
    assert not any("belum dimuat" in e.value for e in at.error)
    assert len(at.metric) == 3
