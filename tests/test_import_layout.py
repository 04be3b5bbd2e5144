"""Real-style PWS workbooks (tests/realfiles.py) through pipeline.prepare, the function the Data page
and the command line call, with the expected numbers worked out by hand."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from phdt import dataset as ds
from phdt.imports import files, layout, pipeline
from tests.fixtures import realfiles as rf

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
KEDUNGBENDA, BOKOL, KARANGTENGAH = "33.03.01.2001", "33.03.01.2002", "33.03.01.2014"  # Kemangkon's Karangtengah
TODAY = date(2026, 12, 4)
# name, sasaran bumil, K1 month, K1 cum, K4 month, K4 cum, K6 month, K6 cum; None is a spacer row
JANUARY = [("Kedungbenda", 81, 7, 7, 2, 2, "-", "-"), None,
           ("Bokol", 60, 4, 4, 1, 1, 0, 0),
           ("Karangtengah", 50, 3, 3, "-", None, 1, 1), None]
# by hand: sasaran 81+60+50, K1 7+4+3, K4 2+1+0, K6 0+0+1
JANUARY_TOTAL = (191, 14, 14, 3, 3, 1, 1)


@pytest.fixture(scope="module")
def data() -> ds.Dataset:
    return ds.load()


def prepare(content: bytes, data: ds.Dataset, name: str = "pws.xlsx", **kwargs) -> pipeline.Prepared:
    return pipeline.prepare(content, name, pipeline.WIDE, data, today=TODAY, **kwargs)


def numbers(prepared: pipeline.Prepared, period: date, desa: str, slug: str) -> tuple:
    row = prepared.monthly.filter((pl.col("period") == period) & (pl.col("kode_desa") == desa)
                                  & (pl.col("indicator_code") == slug)).row(0, named=True)
    return row["numerator_month"], row["numerator_cum"], row["denominator"]


def rules(prepared: pipeline.Prepared) -> list[dict]:
    return prepared.validation.report.select("row", "rule", "message").to_dicts()


def january(total: tuple | None = JANUARY_TOTAL, title: list[str] | None = None, desa=JANUARY) -> bytes:
    rows, merges = rf.pws_rows(desa, total, rf.title_block() if title is None else title)
    return rf.workbook([("PWS KIA", rows, merges)])


def test_title_block_spacers_dashes_and_a_correct_total(data):
    prepared = prepare(january(), data)  # no period, no puskesmas: both from the title
    assert prepared.validation.errors == 0, rules(prepared)
    assert not [r for r in rules(prepared) if r["rule"] == "total_mismatch"]
    assert (prepared.puskesmas, prepared.periods) == ("Kemangkon", [JAN])
    assert numbers(prepared, JAN, KEDUNGBENDA, "anc_k1") == (7, 7, 81)
    assert numbers(prepared, JAN, KEDUNGBENDA, "anc_k6")[:2] == (0, 0)  # "-" is zero
    assert numbers(prepared, JAN, BOKOL, "anc_k4") == (1, 1, 60)
    assert numbers(prepared, JAN, KARANGTENGAH, "anc_k4")[:2] == (0, 0)  # "-" and an empty cell
    assert numbers(prepared, JAN, KARANGTENGAH, "anc_k6") == (1, 1, 50)  # the name two kecamatan share
    imported = prepared.monthly.filter(pl.col("indicator_code") == "anc_k1")
    assert sorted(imported["kode_desa"].to_list()) == [KEDUNGBENDA, BOKOL, KARANGTENGAH]  # no JUMLAH row
    assert imported["numerator_month"].sum() == 14


def test_a_wrong_total_is_a_warning_naming_both_numbers(data):
    wrong = (191, 15, 14, 3, 3, 1, 1)  # K1 this month says 15; the desa rows add up to 14
    prepared = prepare(january(total=wrong), data)
    mismatches = [r for r in rules(prepared) if r["rule"] == "total_mismatch"]
    assert len(mismatches) == 1
    assert mismatches[0]["row"] == 14  # 4 title rows, a blank, 2 header rows, numbering, 5 desa/spacer rows
    assert "anc_k1" in mismatches[0]["message"] and "15" in mismatches[0]["message"] and "14" in mismatches[0]["message"]
    assert prepared.validation.errors == 0 and not prepared.blocked
    assert numbers(prepared, JAN, KEDUNGBENDA, "anc_k1") == (7, 7, 81)


def test_text_in_a_count_cell_stays_an_error_on_its_sheet_row(data):
    desa = [("Kedungbenda", 81, 7, 7, "x", 2, 0, 0), ("Bokol", 60, 4, 4, 1, 1, 0, 0)]
    prepared = prepare(january(total=None, desa=desa), data)
    errors = [r for r in rules(prepared) if r["rule"] == "invalid_number"]
    assert [r["row"] for r in errors] == [9]
    assert prepared.blocked


def test_officer_choice_of_puskesmas_wins_over_the_title(data):
    title = rf.title_block(puskesmas="PUSKESMAS KARANGTENGAH")
    from_title = prepare(january(title=title), data)
    assert from_title.puskesmas == "Karangtengah"
    assert {r["row"] for r in rules(from_title) if r["rule"] == "outside_area"} == {9, 11}  # Kedungbenda, Bokol
    chosen = prepare(january(title=title), data, puskesmas="Puskesmas Kemangkon")
    assert chosen.puskesmas == "Kemangkon" and chosen.validation.errors == 0, rules(chosen)
    assert numbers(chosen, JAN, KARANGTENGAH, "anc_k1") == (3, 3, 50)


def test_without_a_puskesmas_a_shared_desa_name_is_ambiguous(data):
    prepared = prepare(january(title=rf.title_block(puskesmas=None)), data)
    assert prepared.puskesmas is None
    assert [r["row"] for r in rules(prepared) if r["rule"] == "ambiguous_name"] == [11] * 3  # Karangtengah (3 title rows), 3 indicators


def test_a_desa_of_another_puskesmas_is_named_as_outside_its_wilayah_kerja(data):
    desa = [("Kedungbenda", 81, 7, 7, 2, 2, 0, 0), ("Bojong", 70, 1, 1, 0, 0, 0, 0)]
    prepared = prepare(january(total=None, desa=desa), data)
    outside = [r for r in rules(prepared) if r["rule"] == "outside_area"]
    assert {r["row"] for r in outside} == {10}
    assert "bukan wilayah kerja Puskesmas Kemangkon" in outside[0]["message"]
    assert "Bojong" in outside[0]["message"]


def test_the_month_is_asked_for_when_neither_title_nor_sheet_names_it(data):
    title = rf.title_block(month=None)
    with pytest.raises(ValueError, match="Pilih bulan laporan"):
        prepare(january(title=title), data)
    assert prepare(january(title=title), data, period=FEB).periods == [FEB]


def test_l_p_split_with_a_three_row_header_reads_the_l_plus_p_columns(data):
    title = ["PWS IMUNISASI", "Puskesmas : Kemangkon", "Bulan : Januari", "Tahun 2026"]
    # BCG month L, P, L+P, cum L, P, L+P, then DPT-HB-Hib 1
    desa = [("Kedungbenda", 70, 2, 3, 5, 2, 3, 5, 1, 1, 2, 1, 1, 2),
            ("Bokol", 55, 1, "-", 1, 1, "-", 1, 0, 0, 0, 0, 0, 0)]
    rows, merges = rf.imm_sex_rows(desa, title)
    prepared = prepare(rf.workbook([("Imunisasi", rows, merges)]), data)
    assert prepared.validation.errors == 0, rules(prepared)
    assert prepared.periods == [JAN]
    assert numbers(prepared, JAN, KEDUNGBENDA, "imm_bcg") == (5, 5, 70)
    assert numbers(prepared, JAN, KEDUNGBENDA, "imm_dpt1") == (2, 2, 70)
    assert numbers(prepared, JAN, BOKOL, "imm_bcg") == (1, 1, 55)


def test_the_hidden_first_sheet_is_not_the_default(data):
    rows, merges = rf.pws_rows(JANUARY, JANUARY_TOTAL, rf.title_block())
    content = rf.workbook([("Lama", [["Desa", "K1"], ["Bojong", "x"]], []), ("PWS KIA", rows, merges)], hidden=("Lama",))
    assert [s.hidden for s in files.read_table(content, "pws.xlsx")] == [True, False]
    prepared = prepare(content, data)
    assert prepared.sheets == ["PWS KIA"]
    assert numbers(prepared, JAN, BOKOL, "anc_k1") == (4, 4, 60)


def months_workbook(feb_bokol_k1: object = 2) -> bytes:
    title = rf.title_block(month="TAHUN 2026")
    sheets = {
        "JAN": [("Kedungbenda", 81, 7, 7, 2, 2, 0, 0), ("Bokol", 60, 4, 4, 1, 1, 0, 0)],
        "FEB": [("Kedungbenda", 81, 5, 12, 3, 5, 1, 1), ("Bokol", 60, feb_bokol_k1, 6, "-", 1, "-", "-")],
        "MAR": [("Kedungbenda", 81, 6, 18, 4, 9, 2, 3), ("Bokol", 60, 3, 9, 2, 3, 1, 1)],
    }
    old = rf.pws_rows(sheets["JAN"], None, rf.title_block())
    return rf.workbook([("Rekap lama", *old), *[(name, *rf.pws_rows(desa, None, title)) for name, desa in sheets.items()]],
                       hidden=("Rekap lama",))


def test_one_sheet_per_month_imports_every_month(data):
    prepared = prepare(months_workbook(), data)
    assert prepared.sheets == ["JAN", "FEB", "MAR"]
    assert prepared.validation.errors == 0, rules(prepared)
    assert prepared.periods == [JAN, FEB, MAR]
    assert numbers(prepared, JAN, KEDUNGBENDA, "anc_k1") == (7, 7, 81)
    assert numbers(prepared, FEB, KEDUNGBENDA, "anc_k1") == (5, 12, 81)
    assert numbers(prepared, FEB, BOKOL, "anc_k4") == (0, 1, 60)
    assert numbers(prepared, MAR, BOKOL, "anc_k4") == (2, 3, 60)
    assert prepare(months_workbook(), data, sheet=2).periods == [FEB]


def test_a_month_sheet_error_names_its_sheet_and_row(data):
    prepared = prepare(months_workbook(feb_bokol_k1="x"), data)
    errors = [r for r in rules(prepared) if r["rule"] == "invalid_number"]
    assert [(r["row"], r["message"][:13]) for r in errors] == [(10, "Lembar 'FEB':")]


def test_html_table_saved_as_xls(data):
    content = rf.html_xls(["PWS KIA PUSKESMAS KEMANGKON", "BULAN MARET 2026"],
                          [("Kedungbenda", 81, 3, 10), ("Karangtengah", 50, 2, 5)])
    prepared = prepare(content, data, name="laporan.xls")
    assert prepared.validation.errors == 0, rules(prepared)
    assert prepared.periods == [MAR]
    assert numbers(prepared, MAR, KEDUNGBENDA, "anc_k1") == (3, 10, 81)
    assert numbers(prepared, MAR, KARANGTENGAH, "anc_k1") == (2, 5, 50)


def test_csv_with_blank_lines_imports(data):
    content = ("Kode Wilayah;Nama Desa;Periode;Indikator;Jumlah bulan ini;Sasaran\n"
               "\n"
               "3303012001;Kedungbenda;2026-01;imm_bcg;6;1.081\n"
               ";;;;;\n"
               "\n"
               "3303012002;Bokol;2026-01;imm_bcg;4;900\n").encode()
    prepared = pipeline.prepare(content, "bcg.csv", "aggregate_long", data, today=TODAY)
    assert prepared.validation.errors == 0, rules(prepared)
    assert numbers(prepared, JAN, KEDUNGBENDA, "imm_bcg")[::2] == (6, 1081)
    assert numbers(prepared, JAN, BOKOL, "imm_bcg")[::2] == (4, 900)


@pytest.mark.parametrize(("name", "title", "expected"), [
    ("Sheet1", ["PWS KIA", "BULAN : JANUARI 2026"], JAN),
    ("JAN", ["PWS KIA", "Tahun 2026"], JAN),
    ("Februari 2026", ["BULAN : JANUARI 2026"], FEB),  # the tab wins over a copied title
    ("PWS", ["Bulan : Maret", "Tahun 2026"], MAR),
    ("PWS", ["PEMANTAUAN WILAYAH SETEMPAT KIA", "Desa Siaga 2026"], None),
])
def test_find_period(name, title, expected):
    assert layout.find_period(name, title) == expected


def test_find_puskesmas_prefers_the_longest_name():
    names = ["Bojong", "Bojongsari", "Kemangkon"]
    assert layout.find_puskesmas(["UPTD PUSKESMAS BOJONGSARI"], names) == "Bojongsari"
    assert layout.find_puskesmas(["Puskesmas : Bojong"], names) == "Bojong"
    assert layout.find_puskesmas(["PWS KIA KABUPATEN"], names) is None
