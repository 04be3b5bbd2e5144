"""Upload validation (one small hand-built fixture per rule) and normalisation to INDIKATOR_BULANAN."""

from __future__ import annotations

import csv
import io
from datetime import date

import polars as pl
import pytest
from openpyxl import load_workbook

from phdt.config import Settings
from phdt.imports import history, pipeline
from phdt.imports.normalise import to_monthly
from phdt.imports.validate import CLEAN_AGGREGATE, REPORT, RULES, report_bytes, validate
from phdt.schema import INDIKATOR_BULANAN, LAPORAN, PERSONAL_COLUMNS, SASARAN, conform
from phdt.wilayah import load_wilayah

TODAY = date(2025, 4, 15)
SL, SK = "33.03.08.2013", "33.03.08.2012"  # Serayu Larangan, Serayu Karanganyar (Kec. Mrebet)
BASE = {"kode_desa": "3303082013", "period": "2025-03", "indicator_code": "anc_k1", "numerator_month": "3",
        "numerator_cum": "9", "denominator": "40"}
VISIT = {"id_kehamilan": "A", "nik_ibu": "3303015501900001", "nama_ibu": "Ibu Uji", "nama_desa": "Serayu Larangan",
         "tgl_kunjungan": "10/01/2025", "kunjungan_ke": "1", "usia_kehamilan_minggu": "8", "pemeriksa": "Bidan",
         "usg": "Tidak"}


@pytest.fixture(scope="module")
def wilayah() -> pl.DataFrame:
    return load_wilayah()


def frame(rows: list[dict], columns: list[str] | None = None) -> pl.DataFrame:
    """Raw upload rows (text, as read from a sheet), numbered from sheet row 2."""
    columns = columns or list(dict.fromkeys(k for row in rows for k in row))
    data = {c: pl.Series(c, [row.get(c) for row in rows], dtype=pl.String) for c in columns}
    return pl.DataFrame(data).with_row_index("_row", offset=2).with_columns(pl.col("_row").cast(pl.Int64))


def agg(*overrides: dict, drop: tuple[str, ...] = ()) -> pl.DataFrame:
    rows = [{k: v for k, v in (BASE | o).items() if k not in drop} for o in overrides]
    return frame(rows)


def visits(*overrides: dict) -> pl.DataFrame:
    return frame([VISIT | o for o in overrides])


def check(wilayah, data: pl.DataFrame, family: str = "aggregate_long", **kw):
    return validate(data, family, wilayah, today=kw.pop("today", TODAY), **kw)


def rows(v, rule: str | None = None) -> list[tuple[int, str, str, str]]:
    r = v.report if rule is None else v.report.filter(pl.col("rule") == rule)
    return list(r.select("row", "column", "rule", "severity").iter_rows())


def message(v, rule: str) -> str:
    return v.report.filter(pl.col("rule") == rule)["message"].item()


def fix(v, rule: str) -> str:
    return v.report.filter(pl.col("rule") == rule)["fix"].item()


def current(*cells: tuple) -> pl.DataFrame:
    """A loaded INDIKATOR_BULANAN: (period, kode_desa, indicator, month, cum, denominator)."""
    df = pl.DataFrame(list(cells), schema=["period", "kode_desa", "indicator_code", "numerator_month",
                                           "numerator_cum", "denominator"], orient="row")
    return conform(df.with_columns(puskesmas=pl.lit("Serayu Larangan"), source_system=pl.lit("demo")),
                   INDIKATOR_BULANAN)


def sasaran(**groups: int) -> pl.DataFrame:
    df = pl.DataFrame({"tahun": [2025] * len(groups), "kode_desa": [SL] * len(groups), "kelompok": list(groups),
                       "jumlah": list(groups.values()), "metode": ["uji"] * len(groups)})
    return conform(df, SASARAN)


# --------------------------------------------------------------------------------------------
# Report shape, clean frame
# --------------------------------------------------------------------------------------------


def test_rules_have_a_known_severity():
    assert {rule.severity for rule in RULES.values()} == {"error", "warning"}


def test_a_clean_file(wilayah):
    v = check(wilayah, agg({}, {"indicator_code": "K4", "numerator_month": "1", "numerator_cum": "2"},
                           {"kode_desa": "33.03.08.2012", "numerator_month": "1.234", "numerator_cum": "1.240",
                            "denominator": "2.000"}))
    assert v.report.schema == REPORT and v.report.height == 0
    assert (v.errors, v.warnings, v.ok) == (0, 0, True)
    assert v.clean.schema == CLEAN_AGGREGATE
    assert v.clean.rows() == [
        (2, date(2025, 3, 1), SL, "anc_k1", 3, 9, 40),
        (3, date(2025, 3, 1), SL, "anc_k4", 1, 2, 40),
        (4, date(2025, 3, 1), SK, "anc_k1", 1234, 1240, 2000),
    ]


def test_report_is_sorted_by_row_and_counts(wilayah):
    v = check(wilayah, agg({"numerator_month": "-1"}, {"indicator_code": "anc_k4", "numerator_cum": "41"},
                           {"indicator_code": "anc_k6", "period": "2025-13"}))
    assert v.report["row"].to_list() == sorted(v.report["row"].to_list())
    assert (v.errors, v.warnings) == (2, 2)  # row 3: coverage over 100 % and K4 > K1
    assert v.clean["_row"].to_list() == [3]


# --------------------------------------------------------------------------------------------
# One fixture per rule
# --------------------------------------------------------------------------------------------


def test_missing_columns_stop_the_check(wilayah):
    v = check(wilayah, agg({}, drop=("period", "indicator_code", "kode_desa")))
    assert rows(v) == [(0, "period", "missing_column", "error"), (0, "indicator_code", "missing_column", "error"),
                       (0, "kode_desa", "missing_column", "error")]
    assert "'kode_desa' atau 'nama_desa'" in v.report["message"][2]
    assert v.clean.height == 0 and v.clean.schema == CLEAN_AGGREGATE


def test_a_file_without_rows(wilayah):
    v = check(wilayah, agg({}).head(0))
    assert rows(v) == [(0, "", "no_rows", "error")]


def test_denominator_column_may_come_from_sasaran(wilayah):
    data = agg({}, drop=("denominator",))
    assert rows(check(wilayah, data)) == [(0, "denominator", "missing_column", "error")]
    v = check(wilayah, data, sasaran=sasaran(ibu_hamil=40))
    assert rows(v) == []
    assert to_monthly(v.clean, "aggregate_long", wilayah, sasaran=sasaran(ibu_hamil=40))["denominator"].to_list() == [40]
    v = check(wilayah, agg({"denominator": ""}))
    assert rows(v) == [(2, "denominator", "missing_value", "error")]


def test_missing_values(wilayah):
    v = check(wilayah, agg({"indicator_code": " "}, {"numerator_month": "-", "numerator_cum": None}))
    assert rows(v) == [(2, "indicator_code", "missing_value", "error"), (3, "numerator_month", "missing_value", "error")]
    assert v.report["message"].to_list() == ["Kolom indicator_code kosong.",
                                             "Jumlah bulan ini dan jumlah kumulatif keduanya kosong."]


def test_numbers_that_do_not_parse(wilayah):
    v = check(wilayah, agg({"numerator_month": "12 orang"}, {"indicator_code": "anc_k4", "numerator_month": "1,5",
                                                             "numerator_cum": "2"}))
    assert rows(v) == [(2, "numerator_month", "invalid_number", "error"), (3, "numerator_month", "invalid_number", "error")]
    first, second = v.report["message"].to_list()
    assert "'12 orang' bukan angka" in first and "bilangan bulat" in second
    assert v.report["value"].to_list() == ["12 orang", "1,5"]
    assert v.clean.height == 0


def test_periods_that_do_not_parse_and_forms_that_do(wilayah):
    v = check(wilayah, agg({"period": "Maretz 2025"}, {"period": "Maret 2025", "indicator_code": "anc_k4"},
                           {"period": "03/2025", "indicator_code": "anc_k6"}, {"period": "202503", "indicator_code": "anc_usg_tm1"}))
    assert rows(v) == [(2, "period", "invalid_period", "error")]
    assert "Maretz 2025" in message(v, "invalid_period")
    assert v.clean["period"].to_list() == [date(2025, 3, 1)] * 3


def test_unknown_and_derived_indicators(wilayah):
    v = check(wilayah, agg({"indicator_code": "K99"}, {"indicator_code": "imm_do_dpt1_dpt3"},
                           {"indicator_code": "DPT-HB-Hib1", "denominator": "100"}))
    assert rows(v) == [(2, "indicator_code", "invalid_value", "error"), (3, "indicator_code", "derived_indicator", "error")]
    assert "dihitung otomatis" in message(v, "derived_indicator")
    assert v.clean["indicator_code"].to_list() == ["imm_dpt1"]


def test_unknown_desa_code(wilayah):
    v = check(wilayah, agg({"kode_desa": "33.03.99.2001"}))
    assert rows(v) == [(2, "kode_desa", "unknown_code", "error")]
    assert v.report["value"].item() == "33.03.99.2001"


def test_unknown_kecamatan(wilayah):
    v = check(wilayah, agg({"kode_desa": None, "nama_desa": "Bojong", "kecamatan": "Mrebett"}))
    assert rows(v) == [(2, "kecamatan", "unknown_kecamatan", "error")]
    assert "Kec. Mrebet (33.03.08)" in fix(v, "unknown_kecamatan")


def test_duplicated_desa_name_needs_the_kecamatan(wilayah):
    v = check(wilayah, agg({"kode_desa": None, "nama_desa": "Bojong"}))
    assert rows(v) == [(2, "nama_desa", "ambiguous_name", "error")]
    assert "Bojong (Kec. Purbalingga, 33.03.05.1001)" in fix(v, "ambiguous_name")
    assert "Bojong (Kec. Mrebet, 33.03.08.2011)" in fix(v, "ambiguous_name")
    v = check(wilayah, agg({"kode_desa": None, "nama_desa": "Bojong", "kecamatan": "Mrebet"}))
    assert rows(v) == [] and v.clean["kode_desa"].to_list() == ["33.03.08.2011"]


def test_typo_in_a_desa_name_is_suggested_not_accepted(wilayah):
    v = check(wilayah, agg({"kode_desa": None, "nama_desa": "Serayu Larangn"}))
    assert rows(v) == [(2, "nama_desa", "unmatched_name", "error")]
    assert "Mungkin maksudnya: Serayu Larangan (Kec. Mrebet, 33.03.08.2013)" in fix(v, "unmatched_name")
    assert v.clean.height == 0


def test_code_and_name_that_disagree(wilayah):
    v = check(wilayah, agg({"nama_desa": "Bokol", "kecamatan": "Mrebet"}))
    assert rows(v) == [(2, "nama_desa", "wilayah_mismatch", "warning")]
    assert "Serayu Larangan, bukan 'Bokol'" in message(v, "wilayah_mismatch")
    assert v.clean["kode_desa"].to_list() == [SL]


def test_duplicate_rows(wilayah):
    v = check(wilayah, agg({}, {}, {"indicator_code": "anc_k4", "numerator_cum": "5"},
                           {"indicator_code": "anc_k4", "numerator_cum": "6"}))
    assert rows(v) == [(3, "indicator_code", "duplicate_row", "warning"),
                       (4, "indicator_code", "duplicate_conflict", "error"),
                       (5, "indicator_code", "duplicate_conflict", "error")]
    assert "Salinan persis baris 2" in v.report["message"][0]
    assert "Baris 4, 5" in v.report["message"][1]
    assert v.clean["_row"].to_list() == [2] and v.dropped == (3,)


def test_negative_values(wilayah):
    v = check(wilayah, agg({"numerator_month": "-2"}))
    assert rows(v) == [(2, "numerator_month", "negative_value", "error")]


def test_coverage_over_100_is_a_warning(wilayah):
    v = check(wilayah, agg({"numerator_cum": "45"}))
    assert rows(v) == [(2, "numerator_cum", "coverage_over_100", "warning")]
    assert "45 melebihi sasaran 40 (112.5 %)" in message(v, "coverage_over_100")
    assert v.clean.height == 1


def test_cumulative_lower_than_an_earlier_month_in_the_file(wilayah):
    v = check(wilayah, agg({"period": "2025-02", "numerator_cum": "12"}, {"numerator_cum": "9"}))
    assert rows(v) == [(3, "numerator_cum", "cumulative_decrease", "error")]
    assert "kumulatif 12 (Februari 2025, baris 2)" in message(v, "cumulative_decrease")


def test_cumulative_lower_than_the_loaded_month_before(wilayah):
    loaded = current((date(2025, 2, 1), SL, "anc_k1", 4, 12, 40))
    v = check(wilayah, agg({}), current_monthly=loaded)
    assert rows(v, "cumulative_below_loaded") == [(2, "numerator_cum", "cumulative_below_loaded", "warning")]
    # the file brings February itself: judged within the file instead
    v = check(wilayah, agg({"period": "2025-02", "numerator_cum": "8"}, {}), current_monthly=loaded)
    assert rows(v, "cumulative_below_loaded") == []


def test_future_periods(wilayah):
    v = check(wilayah, agg({"period": "2025-05"}, {"period": "2025-04", "indicator_code": "anc_k4"}))
    assert rows(v) == [(2, "period", "future_period", "error")]
    assert "Mei 2025 belum terjadi" in message(v, "future_period")


def test_periods_already_loaded_warn_once_per_period(wilayah):
    loaded = current((date(2025, 3, 1), SL, "anc_k1", 3, 9, 40), (date(2025, 3, 1), SL, "anc_k4", 1, 2, 40))
    v = check(wilayah, agg({}, {"indicator_code": "anc_k4", "numerator_cum": "2"},
                           {"period": "2025-04", "numerator_cum": "10"}), current_monthly=loaded)
    assert rows(v) == [(2, "period", "period_loaded", "warning")]
    assert "akan menggantikan data lama untuk 2 baris" in message(v, "period_loaded")
    assert v.report["value"].item() == "2025-03"
    assert v.clean.height == 3


def test_cascade_consistency_warnings(wilayah):
    v = check(wilayah, agg(
        {"numerator_cum": "10", "denominator": "20"},
        {"indicator_code": "anc_k4", "numerator_cum": "20", "denominator": "20"},  # 10 ahead > slack 5
        {"indicator_code": "anc_k6", "numerator_cum": "15", "denominator": "20"},
        {"indicator_code": "anc_k1_murni", "numerator_cum": "11", "denominator": "20"},  # no slack
        {"indicator_code": "imm_dpt1", "numerator_cum": "10", "denominator": "100"},
        {"indicator_code": "imm_dpt3", "numerator_cum": "12", "denominator": "100"},  # within slack 25
        {"indicator_code": "imm_mr1", "numerator_cum": "40", "denominator": "100"},
    ))
    assert rows(v) == [(3, "numerator_cum", "k4_gt_k1", "warning"), (5, "numerator_cum", "k1_murni_gt_k1", "warning"),
                       (8, "numerator_cum", "mr1_gt_dpt1", "warning")]
    assert "K4 kumulatif (20) melebihi K1 akses kumulatif (10, baris 2) lebih dari kelonggaran 5" in v.report["message"][0]
    assert v.clean.height == 7


# --------------------------------------------------------------------------------------------
# Line lists
# --------------------------------------------------------------------------------------------


def test_nik_format_warnings(wilayah):
    niks = ["3303015501900001", "330301550190001", "9903015501900001", "3303013201900001", "3303010113900001",
            "1111111111111111", "3303015501900000", "33030155O1900001", "3303 0155 0190 0002"]
    v = check(wilayah, visits(*[{"id_kehamilan": f"P{i}", "nik_ibu": n} for i, n in enumerate(niks)]),
              "anc_kunjungan")
    assert rows(v) == [(r, "nik_ibu", "nik_format", "warning") for r in range(3, 10)]
    expected = ["16 angka, terbaca 15", "(99) bukan kode provinsi", "(32) bukan tanggal lahir", "(13) bukan bulan lahir",
                "sama semua", "0000", "angka saja"]
    for text, got in zip(expected, v.report["message"].to_list()):
        assert text in got
    assert v.clean.height == len(niks)  # warnings keep the rows
    assert v.clean["nik_ibu"][-1] == "3303015501900002"


def test_nik_read_as_an_excel_number(wilayah):
    data = visits({}).with_columns(pl.lit(3303015501900001.0).alias("nik_ibu"))
    v = check(wilayah, data, "anc_kunjungan")
    assert rows(v) == [(2, "nik_ibu", "nik_numeric", "warning")]  # kept, but Excel may have rounded others
    assert v.clean["nik_ibu"].item() == "3303015501900001"


def test_niks_that_excel_stored_as_numbers(wilayah):
    header = ["NIK", "Nama", "Kode Desa", "Tgl Lahir", "Tgl Skrining", "Hipertensi", "DM"]
    person = ["3303082013", date(1980, 1, 15), date(2025, 1, 10), "Tidak", "Tidak"]
    sheet = [header, [3303011501800000.0, "Budi", *person], ["3303011501800012", "Ana", *person],
             [3303011501800000, "Joko", "3303082013", date(1981, 2, 1), *person[2:]], ["3.30301E+15", "Ani", *person],
             ["3303011501800120", "Ida", *person], [3303011501800000, "Budi", *person[:2], date(2025, 1, 20), "Ya", "Tidak"]]
    mapping = dict(enumerate(["nik", "nama", "kode_desa", "tgl_lahir", "tgl_skrining", "hipertensi", "dm"]))
    v = check(wilayah, pipeline.raw_frame(sheet, header, 1, mapping), "ptm_skrining")
    assert rows(v, "nik_numeric") == [(2, "nik", "nik_numeric", "warning")]
    assert "5 nilai nik" in message(v, "nik_numeric")  # numbers, 3.30301E+15, and a text ...0 among numbers
    assert "Teks" in fix(v, "nik_numeric")
    assert rows(v, "nik_merged") == [(2, "nik", "nik_merged", "warning")]  # Budi twice is one person: not named
    assert message(v, "nik_merged").startswith("Baris 2, 4 dan 7 memakai nik yang sama (330301********00)")
    text = v.report.select(pl.concat_str(pl.all().cast(pl.String).fill_null(""))).to_series().str.join("")
    assert "3303011501800000" not in text and "3303011501800012" not in text
    siblings = frame([{"id_anak": None, "nik_ibu": "3303015501900010", "nama_anak": name, "kode_desa": SL,
                       "tgl_lahir": born, "antigen": "HB0", "tgl_imunisasi": born}
                      for name, born in [("Kakak", "2024-01-05"), ("Adik", "2025-03-01")]]
                     ).with_columns(_num_nik_ibu=pl.lit(True))
    v = check(wilayah, siblings, "imunisasi_dosis")
    assert [r[2] for r in rows(v)] == ["nik_numeric"]  # a mother's NIK is shared by her children rightly


def test_line_list_duplicates(wilayah):
    v = check(wilayah, visits({}, {}, {"usia_kehamilan_minggu": "9"}), "anc_kunjungan")
    assert rows(v) == [(3, "id_kehamilan", "duplicate_row", "warning"), (4, "id_kehamilan", "duplicate_event", "warning")]
    assert "sama persis dengan baris 2" in v.report["message"][0]
    assert v.clean["_row"].to_list() == [2, 4] and v.dropped == (3,)


def test_line_list_values(wilayah):
    v = check(wilayah, visits(
        {"usia_kehamilan_minggu": "60"},
        {"id_kehamilan": "B", "tgl_kunjungan": "31/02/2025"},
        {"id_kehamilan": "C", "pemeriksa": "perawat"},
        {"id_kehamilan": "D", "tgl_kunjungan": "01/05/2025"},
        {"id_kehamilan": "E", "hpht": "2025-01-20"},
        {"id_kehamilan": "F", "usg": "mungkin"},
        {"id_kehamilan": "G", "kunjungan_ke": "200"},
    ), "anc_kunjungan")
    assert rows(v) == [
        (2, "usia_kehamilan_minggu", "out_of_range", "warning"),
        (3, "tgl_kunjungan", "invalid_date", "error"),
        (4, "pemeriksa", "invalid_value", "error"),
        (5, "tgl_kunjungan", "future_date", "error"),
        (6, "tgl_kunjungan", "date_order", "error"),
        (7, "usg", "invalid_value", "error"),
        (8, "kunjungan_ke", "invalid_number", "error"),
    ]
    assert "tidak ada di kalender" in v.report["message"][1]
    assert v.clean["_row"].to_list() == [2]


def test_line_list_that_starts_after_january(wilayah):
    v = check(wilayah, visits({"tgl_kunjungan": "10/03/2025"}, {"id_kehamilan": "B", "tgl_kunjungan": "02/02/2025"}),
              "anc_kunjungan")
    assert rows(v) == [(3, "tgl_kunjungan", "partial_year", "warning")]
    assert "Februari 2025" in message(v, "partial_year")


def test_a_later_month_is_not_partial_when_the_stored_history_holds_january(wilayah):
    march = visits({"tgl_kunjungan": "10/03/2025"})
    assert rows(check(wilayah, march, "anc_kunjungan", history_from=date(2025, 1, 10)), "partial_year") == []
    v = check(wilayah, march, "anc_kunjungan", history_from=date(2025, 2, 3))  # stored list starts in February
    assert rows(v) == [(2, "tgl_kunjungan", "partial_year", "warning")]
    assert "Februari 2025" in message(v, "partial_year") and "tersimpan" in message(v, "partial_year")


def test_line_list_period_already_loaded(wilayah):
    loaded = current((date(2025, 1, 1), SL, "anc_k1", 1, 1, 40))
    v = check(wilayah, visits({}, {"id_kehamilan": "B"}), "anc_kunjungan", current_monthly=loaded)
    assert rows(v) == [(2, "period", "period_loaded", "warning")]
    assert "Januari 2025" in message(v, "period_loaded") and "akan menggantikan" in message(v, "period_loaded")


def test_line_list_missing_column_and_value(wilayah):
    v = check(wilayah, visits({}).drop("pemeriksa"), "anc_kunjungan")
    assert rows(v) == [(0, "pemeriksa", "missing_column", "error")]
    v = check(wilayah, visits({"id_kehamilan": ""}), "anc_kunjungan")
    assert rows(v) == [(2, "id_kehamilan", "missing_value", "error")]


def test_immunization_antigens(wilayah):
    dose = {"id_anak": "X", "nama_anak": "Anak Uji", "kode_desa": SL, "tgl_lahir": "2025-01-05",
            "tgl_imunisasi": "2025-01-20"}
    v = check(wilayah, frame([dose | {"antigen": "DPT-HB-Hib 1"}, dose | {"antigen": "PCV1"},
                              dose | {"antigen": "PCV 1", "id_anak": "Y"}, dose | {"antigen": "vaksin x"}]),
              "imunisasi_dosis")
    assert rows(v) == [(3, "antigen", "antigen_not_tracked", "warning"), (5, "antigen", "invalid_value", "error")]
    assert "2 baris" in message(v, "antigen_not_tracked")
    assert v.clean["antigen"].cast(pl.String).to_list() == ["dpt1"]
    assert v.dropped == (3, 4)


# --------------------------------------------------------------------------------------------
# Downloadable report
# --------------------------------------------------------------------------------------------


@pytest.fixture()
def hostile(wilayah):
    return check(wilayah, agg({"kode_desa": None, "nama_desa": '=HYPERLINK("http://x","klik")'},
                              {"kode_desa": None, "nama_desa": "@SUM(A1)", "indicator_code": "anc_k4"},
                              {"numerator_month": "-2", "indicator_code": "anc_k6"}))


def test_csv_report_escapes_formulas(hostile):
    data = report_bytes(hostile.report, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0] == ["Baris", "Kolom", "Aturan", "Tingkat", "Nilai di berkas", "Masalah", "Cara memperbaiki"]
    values = [row[4] for row in table[1:]]
    assert values == ["'=HYPERLINK(\"http://x\",\"klik\")", "'@SUM(A1)", "'-2"]
    assert {row[3] for row in table[1:]} == {"Kesalahan"}
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in table for cell in row)


def test_xlsx_report_writes_text_not_formulas(hostile):
    ws = load_workbook(io.BytesIO(report_bytes(hostile.report, "xlsx"))).active
    assert [c.value for c in ws[1]] == ["Baris", "Kolom", "Aturan", "Tingkat", "Nilai di berkas", "Masalah",
                                        "Cara memperbaiki"]
    cell = ws.cell(row=2, column=5)
    assert cell.value == '=HYPERLINK("http://x","klik")' and cell.data_type == "s"
    assert ws.max_row == 4


def test_report_format_is_checked(hostile):
    with pytest.raises(ValueError, match="format laporan"):
        report_bytes(hostile.report, "pdf")


# --------------------------------------------------------------------------------------------
# Normalisation to INDIKATOR_BULANAN
# --------------------------------------------------------------------------------------------


def values(monthly: pl.DataFrame, slug: str, column: str) -> list:
    return monthly.filter(pl.col("indicator_code") == slug).sort("period")[column].to_list()


def test_aggregate_months_give_cumulatives(wilayah):
    v = check(wilayah, agg({"period": "2025-01", "numerator_month": "3"}, {"period": "2025-02", "numerator_month": "2"},
                           {"period": "2025-03", "numerator_month": "4"}, drop=("numerator_cum",)))
    assert rows(v) == []
    m = to_monthly(v.clean, "aggregate_long", wilayah, source_system="pws_kia")
    assert m.schema == INDIKATOR_BULANAN
    assert values(m, "anc_k1", "numerator_cum") == [3, 5, 9]
    assert values(m, "anc_k1", "denominator") == [40, 40, 40]
    assert set(m["puskesmas"].cast(pl.String)) == {"Serayu Larangan"}
    assert set(m["source_system"].cast(pl.String)) == {"pws_kia"}


def test_aggregate_month_continues_the_loaded_cumulative(wilayah):
    loaded = current((date(2025, 1, 1), SL, "anc_k1", 3, 3, 40), (date(2025, 2, 1), SL, "anc_k1", 2, 5, 40))
    only_month = check(wilayah, agg({"numerator_month": "4"}, drop=("numerator_cum",)), current_monthly=loaded)
    m = to_monthly(only_month.clean, "aggregate_long", wilayah, current_monthly=loaded)
    assert (values(m, "anc_k1", "numerator_month"), values(m, "anc_k1", "numerator_cum")) == ([4], [9])
    only_cum = check(wilayah, agg({"numerator_cum": "9"}, drop=("numerator_month",)), current_monthly=loaded)
    m = to_monthly(only_cum.clean, "aggregate_long", wilayah, current_monthly=loaded)
    assert (values(m, "anc_k1", "numerator_month"), values(m, "anc_k1", "numerator_cum")) == ([4], [9])


def test_aggregate_derived_indicators_use_the_demo_code(wilayah):
    v = check(wilayah, agg({"indicator_code": "imm_dpt1", "numerator_month": "4", "numerator_cum": "10", "denominator": "100"},
                           {"indicator_code": "imm_dpt3", "numerator_month": "3", "numerator_cum": "8", "denominator": "100"}))
    m = to_monthly(v.clean, "aggregate_long", wilayah)
    assert sorted(m["indicator_code"].cast(pl.String)) == ["imm_do_dpt1_dpt3", "imm_dpt1", "imm_dpt3", "imm_zero_dose"]
    assert (values(m, "imm_do_dpt1_dpt3", "numerator_cum"), values(m, "imm_do_dpt1_dpt3", "denominator")) == ([2], [10])
    # zero-dose in March: expected infants 100 × 3/12 = 25, minus 10 reached
    assert (values(m, "imm_zero_dose", "numerator_cum"), values(m, "imm_zero_dose", "denominator")) == ([15], [25])


def alone(clean: pl.DataFrame, family: str, wilayah, sasaran=None) -> pl.DataFrame:
    """A line list aggregated with no stored history, for the desa and months it covers."""
    covered = history.cells(clean, family)
    reports = covered.with_columns(tgl_diterima=pl.col("period")).pipe(conform, LAPORAN)
    fresh = history.recompute(clean, family, wilayah, SASARAN.to_frame() if sasaran is None else sasaran, reports,
                              Settings(), since=covered["period"].min())
    return fresh.filter(pl.col("period") <= covered["period"].max()).join(
        covered.select(pl.col("kode_desa").cast(pl.Categorical)).unique(), on="kode_desa", how="semi")


def test_anc_line_list_to_monthly(wilayah):
    v = check(wilayah, visits(
        {},  # A: K1 in January at 8 weeks (K1 murni)
        {"tgl_kunjungan": "10/02/2025", "kunjungan_ke": "2", "usia_kehamilan_minggu": "12", "pemeriksa": "dr. Ani",
         "usg": "Ya"},  # doctor ultrasound in trimester 1
        {"tgl_kunjungan": "10/03/2025", "kunjungan_ke": "3", "usia_kehamilan_minggu": "20"},
        {"tgl_kunjungan": "10/04/2025", "kunjungan_ke": "4", "usia_kehamilan_minggu": "30"},
        {"tgl_kunjungan": "10/05/2025", "kunjungan_ke": "5", "usia_kehamilan_minggu": "33"},  # 1-1-2 reached: K4
        {"id_kehamilan": "B", "nik_ibu": "3303014101950002", "tgl_kunjungan": "05/02/2025",
         "usia_kehamilan_minggu": "16", "usg": ""},  # B: K1 in February, trimester 2
    ), "anc_kunjungan", today=date(2025, 7, 15))
    assert rows(v) == []
    m = alone(v.clean, "anc_kunjungan", wilayah, sasaran=sasaran(ibu_hamil=40))
    assert m.schema == INDIKATOR_BULANAN
    assert m.height == 5 * 5  # five ANC indicators x January..May, desa Serayu Larangan only
    assert set(m["kode_desa"].cast(pl.String)) == {SL}
    assert values(m, "anc_k1", "numerator_month") == [1, 1, 0, 0, 0]
    assert values(m, "anc_k1", "numerator_cum") == [1, 2, 2, 2, 2]
    assert values(m, "anc_k1_murni", "numerator_cum") == [1, 1, 1, 1, 1]
    assert values(m, "anc_k4", "numerator_month") == [0, 0, 0, 0, 1]
    assert values(m, "anc_k6", "numerator_cum") == [0] * 5
    assert values(m, "anc_usg_tm1", "numerator_month") == [0, 1, 0, 0, 0]
    assert set(values(m, "anc_k1", "denominator")) == {40}


def test_no_personal_column_survives(wilayah):
    v = check(wilayah, visits({}), "anc_kunjungan")
    assert {"nik_ibu", "nama_ibu"} <= set(v.clean.columns)  # needed to aggregate, staged only
    m = alone(v.clean, "anc_kunjungan", wilayah)
    assert not set(PERSONAL_COLUMNS) & set(m.columns)
    assert m.columns == list(INDIKATOR_BULANAN)
    text = m.cast({c: pl.String for c in m.columns}).write_csv()
    assert "3303015501900001" not in text and "Ibu Uji" not in text


def test_ptm_screenings_without_nik_count_as_separate_people(wilayah):
    person = {"nama": "Warga", "kode_desa": SL, "tgl_lahir": "1990-05-01", "tgl_skrining": "2025-01-20",
              "hipertensi": "Tidak", "dm": "Tidak"}
    v = check(wilayah, frame([person | {"nik": None}, person | {"nik": "", "hipertensi": "Ya"},
                              person | {"nik": "3303014101900003"}]), "ptm_skrining")
    assert rows(v) == [(2, "nik", "nik_missing", "warning"), (3, "nik", "nik_missing", "warning")]
    m = alone(v.clean, "ptm_skrining", wilayah)
    assert values(m, "ptm_usia_produktif", "numerator_month") == [3]
    assert values(m, "ptm_hipertensi", "numerator_month") == [1]
    assert set(m["indicator_code"].cast(pl.String)) == {"ptm_usia_produktif", "ptm_hipertensi", "ptm_dm"}
