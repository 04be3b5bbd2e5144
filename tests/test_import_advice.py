"""Validation advice that never loses data: L/P rows summed, Bulan + Tahun joined, a neighbour's
desa code named as such, and each suggested fix, once applied, keeps the hand-computed totals."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import polars as pl
import pytest

from phdt.imports.validate import RULES, outside_area, validate
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


GOOD = ["3303082013", None, None, "2025-03", None, "anc_k1", None, "5", "40"]  # 5 K1 in Serayu Larangan
SL_K1 = {("33.03.08.2013", "anc_k1"): 5}


def at(row: list, **cells: str | None) -> list:
    """`row` with some cells changed (by column name)."""
    return [cells.get(c, v) for c, v in zip(COLUMNS, row)]


def suggested(fix: str) -> str:
    return re.search(r"maksudnya: ([^(]+) \(", fix)[1]


# rule: (rows with the problem, the officer's edit following the fix, a word of the fix, true totals)
AGGREGATE_FIXES = {
    "missing_value": ([at(GOOD, indicator_code=None)], lambda r, f: [GOOD], "Isi kolom", SL_K1),
    "invalid_number": ([at(GOOD, numerator_month="5 orang")], lambda r, f: [GOOD], "bilangan bulat", SL_K1),
    "invalid_period": ([at(GOOD, period="Maretz 2025")], lambda r, f: [GOOD], "bulan dan tahun", SL_K1),
    "invalid_value": ([at(GOOD, indicator_code="K99")], lambda r, f: [at(GOOD, indicator_code="K1")],
                      "K1", SL_K1),
    "future_period": ([at(GOOD, period="2025-05")], lambda r, f: [GOOD], "salah ketik", SL_K1),
    "negative_value": ([at(GOOD, numerator_month="-5")], lambda r, f: [GOOD], "tanda minus", SL_K1),
    "derived_indicator": ([at(GOOD, indicator_code="imm_dpt1", denominator="100"),
                           at(GOOD, indicator_code="imm_do_dpt1_dpt3", numerator_month="5")],
                          lambda r, f: r[:1], "keluarkan baris", {("33.03.08.2013", "imm_dpt1"): 5}),
    "unknown_code": ([at(GOOD, kode_desa="3303089999", nama_desa="Serayu Larangan", kecamatan="Mrebet")],
                     lambda r, f: [at(r[0], kode_desa=None)], "kosongkan kode", SL_K1),
    "other_kabupaten": ([at(GOOD, kode_desa="3302082013")], lambda r, f: [GOOD], "tulis kode desa yang benar", SL_K1),
    "unknown_kecamatan": ([at(GOOD, kode_desa=None, nama_desa="Bojong", kecamatan="Mrebett")],
                          lambda r, f: [at(r[0], kecamatan="Mrebet")], "nama kecamatan",
                          {("33.03.08.2011", "anc_k1"): 5}),
    "ambiguous_name": ([at(GOOD, kode_desa=None, nama_desa="Bojong")], lambda r, f: [at(r[0], kecamatan="Mrebet")],
                       "kecamatan", {("33.03.08.2011", "anc_k1"): 5}),
    "unmatched_name": ([at(GOOD, kode_desa=None, nama_desa="Serayu Larangn")],
                       lambda r, f: [at(r[0], nama_desa=suggested(f))], "Mungkin maksudnya", SL_K1),
    # two posyandu of one desa: summed, never one of them kept
    "duplicate_conflict": ([at(GOOD, numerator_month="3"), at(GOOD, numerator_month="2")],
                           lambda r, f: [GOOD], "jumlahkan", SL_K1),
}


def sums(clean: pl.DataFrame, column: str = "numerator_month") -> dict[tuple[str, str], int]:
    return {(d, i): n for d, i, n in clean.group_by("kode_desa", "indicator_code").agg(pl.col(column).sum()).rows()}


def follow(rule: str, first, edit, word: str):
    """The error's fix, checked to say what the officer then does."""
    issue = first.report.filter(pl.col("rule") == rule)
    assert issue.height and (issue["severity"] == "error").all(), first.report.to_dicts()
    fix = issue["fix"][0]
    assert word in fix and "hapus baris" not in fix.lower()
    return edit, fix


@pytest.mark.parametrize("rule", AGGREGATE_FIXES)
def test_each_error_fix_keeps_the_true_totals(wilayah, rule):
    rows, edit, word, expected = AGGREGATE_FIXES[rule]
    _, fix = follow(rule, check(rows, wilayah), edit, word)
    second = check(edit(rows, fix), wilayah)
    assert second.errors == 0, second.report.to_dicts()
    assert sums(second.clean) == expected


def test_fixes_of_columns_cumulatives_and_the_puskesmas_keep_the_true_totals(wilayah):
    columns = ["kode_desa", "period", "indicator_code", "numerator_month", "numerator_cum", "denominator"]
    no_column = check([["3303082013", "2025-03", "5", "40"]], wilayah,
                      ["kode_desa", "period", "numerator_month", "denominator"])
    follow("missing_column", no_column, None, "Tambahkan kolom")
    assert sums(check([GOOD], wilayah).clean) == SL_K1  # the column added
    swapped = [["3303082013", "2025-02", "anc_k1", "4", "4", "40"], ["3303082013", "2025-03", "anc_k1", "7", "3", "40"]]
    follow("cumulative_decrease", check(swapped, wilayah, columns), None, "tertukar")
    fixed = check([swapped[0], ["3303082013", "2025-03", "anc_k1", "3", "7", "40"]], wilayah, columns)
    assert fixed.errors == 0 and sums(fixed.clean) == {("33.03.08.2013", "anc_k1"): 7}
    assert sums(fixed.clean, "numerator_cum") == {("33.03.08.2013", "anc_k1"): 11}  # 4 + 7
    other = wilayah.filter(pl.col("kode_desa").cast(pl.String) == "33.03.08.2013")["puskesmas"].cast(pl.String)[0]
    mine = next(p for p in wilayah["puskesmas"].cast(pl.String).unique().sort() if p != other)
    area = wilayah.filter(pl.col("puskesmas").cast(pl.String) == mine)
    first = validate(pl.DataFrame([GOOD], schema={c: pl.String for c in COLUMNS}, orient="row"), "aggregate_long",
                     area, today=TODAY)
    report = outside_area(first.report, wilayah, mine)
    follow("outside_area", dataclasses.replace(first, report=report), None, "seluruh kabupaten")
    assert sums(check([GOOD], wilayah).clean) == SL_K1  # imported for the whole kabupaten


@pytest.mark.parametrize(("rule", "column", "bad", "word"), [
    ("invalid_date", "tgl_imunisasi", "35/02/2025", "hari/bulan/tahun"),
    ("future_date", "tgl_imunisasi", "03/02/2026", "tahun salah ketik"),
    ("date_order", "tgl_lahir", "02/03/2025", "hari dan bulan tertukar"),  # born 3 February, typed as 2 March
])
def test_line_list_date_fixes_keep_the_dose(wilayah, rule, column, bad, word):
    dose = ["X1", "Anak Uji", "3303082013", "03/02/2025", "HB0", "03/02/2025"]
    columns = ["id_anak", "nama_anak", "kode_desa", "tgl_lahir", "antigen", "tgl_imunisasi"]
    wrong = [bad if c == column else v for c, v in zip(columns, dose)]
    first = validate(pl.DataFrame([wrong], schema=columns, orient="row"), "imunisasi_dosis", wilayah, today=TODAY)
    follow(rule, first, None, word)
    second = validate(pl.DataFrame([dose], schema=columns, orient="row"), "imunisasi_dosis", wilayah, today=TODAY)
    assert second.errors == 0 and second.clean["antigen"].cast(pl.String).to_list() == ["hb0"]


def test_every_error_rule_with_a_data_fix_is_followed():
    followed = {*AGGREGATE_FIXES, "missing_column", "cumulative_decrease", "outside_area", "invalid_date",
                "future_date", "date_order"}
    errors = {rule for rule, spec in RULES.items() if spec.severity == "error"}
    assert errors - followed == {"no_rows"}  # nothing to fix in the data: choose the right sheet
