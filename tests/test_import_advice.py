"""Validation advice that never loses data: L/P rows summed, Bulan + Tahun joined, a neighbour's
desa code named as such, and each suggested fix, once applied, keeps the hand-computed totals."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from phdt.imports.validate import validate
from phdt.wilayah import load_wilayah

TODAY = date(2025, 4, 15)
COLUMNS = ["kode_desa", "nama_desa", "kecamatan", "period", "tahun", "indicator_code", "sex", "numerator_month",
           "denominator"]


@pytest.fixture(scope="module")
def wilayah() -> pl.DataFrame:
    return load_wilayah()


def check(rows: list[list[str | None]], wilayah: pl.DataFrame, columns: list[str] = COLUMNS):
    frame = pl.DataFrame(rows, schema={c: pl.String for c in columns}, orient="row")
    return validate(frame, "aggregate_long", wilayah, today=TODAY)


def totals(clean: pl.DataFrame) -> dict[tuple[str, str], int]:
    return {(d, i): n for d, i, n in clean.select("kode_desa", "indicator_code", "numerator_month").iter_rows()}


def test_l_and_p_rows_are_summed_and_a_disagreeing_total_is_named(wilayah):
    checked = check([
        ["3303082013", None, None, "2025-03", None, "anc_k1", "L", "3", "40"],
        ["3303082013", None, None, "2025-03", None, "anc_k1", "P", "4", "40"],
        ["3303082012", None, None, "2025-03", None, "anc_k1", "Laki-laki", "2", "30"],
        ["3303082012", None, None, "2025-03", None, "anc_k1", "Perempuan", "5", "30"],
        ["3303082012", None, None, "2025-03", None, "anc_k1", "L+P", "8", "30"],
    ], wilayah)
    assert checked.errors == 0
    assert totals(checked.clean) == {("33.03.08.2013", "anc_k1"): 7, ("33.03.08.2012", "anc_k1"): 8}
    warning = checked.report.filter(pl.col("rule") == "split_mismatch")
    assert warning["row"].to_list() == [6] and "(8 bulan ini" in warning["message"][0] and "(7 bulan ini" in \
        warning["message"][0]


def test_month_only_bulan_takes_the_tahun_column(wilayah):
    checked = check([
        ["3303082013", None, None, "Januari", "2025", "anc_k1", None, "3", "40"],
        ["3303082012", None, None, "2", "2025", "anc_k1", None, "4", "40"],
        ["3303082011", None, None, "Mar", "2025", "anc_k1", None, "5", "40"],
    ], wilayah)
    assert checked.errors == 0
    assert checked.clean["period"].to_list() == [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]


def test_code_of_a_neighbouring_kabupaten_suggests_no_local_desa(wilayah):
    checked = check([["3302082013", "Serayu Larangan", None, "2025-03", None, "anc_k1", None, "3", "40"]], wilayah)
    issue = checked.report.row(0, named=True)
    assert issue["rule"] == "other_kabupaten" and "33.02" in issue["message"]
    assert "Dinkes" in issue["fix"] and "Serayu" not in issue["fix"]


def test_following_the_suggested_fixes_keeps_the_true_totals(wilayah):
    """An ambiguous desa name (fix: add the kecamatan), decimal sasaran (fix: none, keep them) and
    L/P rows (fix: none, they are summed): the re-imported file gives the hand-computed totals."""
    ambiguous = next(n for n, k in wilayah.group_by("nama_desa").agg(pl.len()).iter_rows() if k > 1)
    places = wilayah.filter(pl.col("nama_desa") == ambiguous).sort("kode_desa")
    kec1 = places["nama_kecamatan"][0]
    rows = [
        [None, ambiguous, None, "2025-03", None, "anc_k1", "L", "3", "40,4"],
        [None, ambiguous, None, "2025-03", None, "anc_k1", "P", "6", "40,4"],
        ["3303082013", None, None, "2025-03", None, "anc_k1", None, "5", "59,6"],
    ]
    first = check(rows, wilayah)
    fix = first.report.filter(pl.col("rule") == "ambiguous_name")["fix"][0]
    assert "kecamatan" in fix
    fixed = [[r[0], r[1], kec1 if r[1] else None, *r[3:]] for r in rows]  # the officer adds the kecamatan
    second = check(fixed, wilayah)
    assert second.errors == 0
    code = str(places["kode_desa"][0])
    assert totals(second.clean) == {(code, "anc_k1"): 9, ("33.03.08.2013", "anc_k1"): 5}
    # sasaran 40.4 + 59.6 = 100: the file's total stays 100 after rounding
    assert second.clean["denominator"].sum() == 100
