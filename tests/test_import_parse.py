"""Cell parsers and header recognition: Indonesian formats in, a value or a Bahasa ValueError out."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phdt.imports.parse import (
    FAMILIES,
    flatten_header,
    list_profiles,
    load_profile,
    normalise_header,
    parse_date,
    parse_number,
    parse_period,
    recognise,
    save_profile,
    unmapped,
    wide_groups,
)
from phdt.indicators import INDICATORS
from phdt.schema import LINE_LISTS


@pytest.mark.parametrize(("text", "expected"), [
    ("1.234,5", 1234.5), ("1.234", 1234), ("1.234.567", 1234567), ("12,5", 12.5), ("1,234.5", 1234.5),
    ("1,234,567", 1234567), ("12.5", 12.5), ("0.500", 0.5), ("1234.567", 1234.567), ("85%", 85), ("85,5 %", 85.5),
    ("\u00a01 234\u00a0", 1234), ("-3", -3), ("−1.000", -1000), ("+7", 7), (" 0 ", 0),
    (12, 12), (12.25, 12.25), ("", None), ("  ", None), ("-", None), ("–", None), (None, None),
])
def test_parse_number(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["12a", "1.2,3", "1,2,3", "1..2", ",5", "5,", "%", "1e5", "(12)", "--1", "١٢",
                                  True, float("nan"), float("inf"), 10**400, date(2025, 1, 1)])
def test_parse_number_refuses_with_a_bahasa_message(text):
    with pytest.raises(ValueError, match="bukan angka"):
        parse_number(text)


@pytest.mark.parametrize(("value", "expected"), [
    ("2025-03-14", date(2025, 3, 14)), ("2025/3/4", date(2025, 3, 4)), ("14/03/2025", date(2025, 3, 14)),
    ("14-03-2025", date(2025, 3, 14)), ("14.03.2025", date(2025, 3, 14)), ("4/3/2025", date(2025, 3, 4)),
    ("14 Maret 2025", date(2025, 3, 14)), ("14 Mar 2025", date(2025, 3, 14)), ("14-Agt-2025", date(2025, 8, 14)),
    ("1 Desember 2024", date(2024, 12, 1)), ("14 March 2025", date(2025, 3, 14)), ("March 14, 2025", date(2025, 3, 14)),
    ("20250314", date(2025, 3, 14)), ("45730", date(2025, 3, 14)), ("2025-03-14 08:30:00", date(2025, 3, 14)),
    ("2025-03-14T08:30", date(2025, 3, 14)), ("14/03/2025 8:30", date(2025, 3, 14)),
    (datetime(2025, 3, 14, 9), date(2025, 3, 14)), (date(2025, 3, 14), date(2025, 3, 14)),
    (45730, date(2025, 3, 14)), (45730.75, date(2025, 3, 14)), (1, date(1900, 1, 1)), (59, date(1900, 2, 28)),
    (60, date(1900, 2, 28)), (61, date(1900, 3, 1)), (2958465, date(9999, 12, 31)), ("", None), ("-", None),
])
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(("value", "message"), [
    ("03/14/2025", "hari/bulan/tahun"), ("31/02/2025", "kalender"), ("14/03/25", "tahun 2 digit"),
    ("14 Foo 2025", "tidak dikenali"), ("kemarin", "tidak dikenali"), (0, "tanggal Excel"),
    (2958466, "tanggal Excel"), (-5, "tanggal Excel"), (True, "tidak dikenali"),
])
def test_parse_date_refuses_with_a_bahasa_message(value, message):
    with pytest.raises(ValueError, match=message):
        parse_date(value)


@pytest.mark.parametrize(("value", "expected"), [
    ("2025-03", date(2025, 3, 1)), ("2025/3", date(2025, 3, 1)), ("03/2025", date(2025, 3, 1)),
    ("3-2025", date(2025, 3, 1)), ("202503", date(2025, 3, 1)), (202503, date(2025, 3, 1)),
    ("Maret 2025", date(2025, 3, 1)), ("MARET 2025", date(2025, 3, 1)), ("Mar-25", date(2025, 3, 1)),
    ("Mar 2025", date(2025, 3, 1)), ("Pebruari 2024", date(2024, 2, 1)), ("2025 Maret", date(2025, 3, 1)),
    ("14/03/2025", date(2025, 3, 1)), ("45730", date(2025, 3, 1)), (45730, date(2025, 3, 1)),
    (datetime(2025, 3, 14), date(2025, 3, 1)), (date(2025, 3, 31), date(2025, 3, 1)), (None, None),
])
def test_parse_period(value, expected):
    assert parse_period(value) == expected


@pytest.mark.parametrize("value", ["2025-13", "13/2025", "Marmalade 2025", "Maret", "2025", 3, 2025, 202513, "Q1 2025"])
def test_parse_period_refuses_with_a_bahasa_message(value):
    with pytest.raises(ValueError, match="Periode"):
        parse_period(value)


@given(st.text(max_size=40))
def test_parsers_return_a_value_or_raise_value_error(text):
    for parser in (parse_number, parse_date, parse_period):
        try:
            parser(text)
        except ValueError as exc:
            assert str(exc)


@given(st.one_of(st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none(),
                 st.dates(), st.datetimes()))
def test_parsers_accept_any_cell_type(value):
    for parser in (parse_number, parse_date, parse_period):
        try:
            parser(value)
        except ValueError:
            pass


@given(st.integers(min_value=-10**15, max_value=10**15))
def test_indonesian_thousands_round_trip(n):
    assert parse_number(f"{n:,}".replace(",", ".")) == n


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=99))
def test_indonesian_decimal_round_trip(whole, cents):
    text = f"{whole:,}".replace(",", ".") + f",{cents:02d}"
    assert parse_number(text) == pytest.approx(whole + cents / 100)


BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
         "November", "Desember")


@given(st.dates(min_value=date(1000, 1, 1)))
def test_dates_round_trip(day):
    assert parse_date(day.strftime("%d/%m/%Y")) == day
    assert parse_date(day.isoformat()) == day
    assert parse_date(f"{day.day} {BULAN[day.month - 1]} {day.year}") == day


@given(st.dates(min_value=date(1900, 1, 1)))
def test_periods_round_trip(day):
    assert parse_period(f"{day.year}-{day.month:02d}") == day.replace(day=1)
    assert parse_period(f"{day.month:02d}/{day.year}") == day.replace(day=1)


@pytest.mark.parametrize(("text", "expected"), [
    ("K1 (s.d. Bln ini)", "k1 sd bulan ini"), ("s/d bln ini", "sd bulan ini"), ("S.D BLN", "sd bulan"),
    ("Kumulatif sampai dengan bulan ini", "kumulatif sd bulan ini"), ("  Kode   Desa: ", "kode desa"),
    ("Desa/Kelurahan", "desa/kelurahan"), ("Kunjungan Ke-", "kunjungan ke"),
    ("Usia Kehamilan (mgg)", "usia kehamilan mgg"),
    ("DPT-HB-Hib1", "dpt-hb-hib1"), ("% K1", "% k1"), ("Tgl\nKunjungan", "tgl kunjungan"), ("L+P", "l+p"),
    ("kode_desa", "kode desa"), ("K1|bln ini", "k1 | bulan ini"), ("Penduduk 15–59 (L,P)", "penduduk 15-59 l p"),
    ("Usaha", "usaha"), (None, ""), (12, "12"),
])
def test_normalise_header(text, expected):
    assert normalise_header(text) == expected


PWS = [
    ["LAPORAN PWS KIA PUSKESMAS BOJONGSARI", None, None, None, None, None, None],
    [None] * 7,
    ["No", "Desa", "Sasaran Bumil", "K1", None, "K4", None],
    [None, None, None, "bln ini", "s.d. bln ini", "bln ini", "s.d."],
    [1, 2, 3, 4, 5, 6, 7],
    [1, "Bojong", 120, 3, 10, 2, 5],
    [2, "Karangtengah", 90, 1, "8", 0, 4],
]


def test_flatten_header_skips_title_and_numbering_rows_and_spreads_groups():
    headers, first = flatten_header(PWS)
    assert headers == ["No", "Desa", "Sasaran Bumil", "K1 | bln ini", "K1 | s.d. bln ini", "K4 | bln ini", "K4 | s.d."]
    assert first == 5


def test_flatten_header_with_merges_already_filled_does_not_repeat_labels():
    rows = [["No", "Desa", "K1", "K1"], ["No", "Desa", "bln ini", "s.d. bln ini"], [1, "Bojong", 3, 10]]
    assert flatten_header(rows) == (["No", "Desa", "K1 | bln ini", "K1 | s.d. bln ini"], 2)


def test_flatten_header_of_a_line_list_and_of_a_text_only_table():
    rows = [["NIK Ibu", "Nama Ibu", "Tgl Kunjungan"], ["3303014101900001", "Siti", datetime(2025, 3, 14)]]
    assert flatten_header(rows) == (["NIK Ibu", "Nama Ibu", "Tgl Kunjungan"], 1)
    text_only = [["Desa", "Kecamatan"], ["Bojong", "Mrebet"], ["Bojong", "Purbalingga"]]
    assert flatten_header(text_only) == (["Desa", "Kecamatan"], 1)
    assert flatten_header([]) == ([], 0)


def test_flatten_header_three_rows_with_sex_split():
    rows = [["Desa", "BCG", None, None], [None, "bln ini", None, None], [None, "L", "P", "L+P"], ["Bojong", 1, 2, 3]]
    assert flatten_header(rows)[0] == ["Desa", "BCG | bln ini | L", "BCG | bln ini | P", "BCG | bln ini | L+P"]


def test_families_cover_the_schema_and_synonyms_are_normalised_and_unambiguous():
    assert set(FAMILIES) == {"aggregate_long", *LINE_LISTS, "sasaran"}
    for family, schema in LINE_LISTS.items():
        assert set(FAMILIES[family]) == {*schema, "nama_desa", "kecamatan"}
    for family, fields in FAMILIES.items():
        synonyms = [s for names in fields.values() for s in names]
        assert all(s == normalise_header(s) for s in synonyms), family
        assert len(synonyms) == len(set(synonyms)), family  # one synonym, one field


HEADERS = {  # family: (header as exported, canonical field)
    "aggregate_long": [
        ("Kode Desa", "kode_desa"), ("Kode Wilayah", "kode_desa"), ("Kd. Desa", "kode_desa"),
        ("Desa/Kelurahan", "nama_desa"), ("Kelurahan", "nama_desa"), ("Nama Desa", "nama_desa"),
        ("Kec.", "kecamatan"), ("PKM", "puskesmas"), ("Periode", "period"), ("Bulan", "period"), ("Tahun", "tahun"),
        ("Bln ini", "numerator_month"), ("s.d. bln ini", "numerator_cum"), ("Kumulatif", "numerator_cum"),
        ("Sasaran Bumil", "denominator"), ("Jumlah", "numerator_month"),
    ],
    "anc_kunjungan": [
        ("NIK Ibu", "nik_ibu"), ("NIK", "nik_ibu"), ("Nama Ibu", "nama_ibu"), ("Tanggal Kunjungan", "tgl_kunjungan"),
        ("HPHT", "hpht"), ("Kunjungan Ke-", "kunjungan_ke"), ("Usia Kehamilan (mgg)", "usia_kehamilan_minggu"),
        ("Pemeriksa", "pemeriksa"), ("USG", "usg"), ("LILA (cm)", "lila_cm"), ("Hb", "hb_g_dl"),
        ("TD Sistolik", "td_sistolik"), ("Tekanan Darah | Diastolik", "td_diastolik"), ("Desa", "nama_desa"),
    ],
    "imunisasi_dosis": [
        ("Tgl Lahir", "tgl_lahir"), ("Jenis Kelamin", "jenis_kelamin"), ("JK", "jenis_kelamin"),
        ("L/P", "jenis_kelamin"), ("Antigen", "antigen"), ("Jenis Imunisasi", "antigen"),
        ("Tgl Imunisasi", "tgl_imunisasi"), ("NIK Anak", "id_anak"),
    ],
    "ptm_skrining": [
        ("Tgl Skrining", "tgl_skrining"), ("Gula Darah", "gula_darah_mg_dl"), ("GDS", "gula_darah_mg_dl"),
        ("IMT", "imt"), ("Hipertensi", "hipertensi"), ("DM", "dm"), ("NIK", "nik"), ("Tgl Skrinning", "tgl_skrining"),
    ],
}


@pytest.mark.parametrize(("family", "header", "field"),
                         [(family, h, f) for family, pairs in HEADERS.items() for h, f in pairs])
def test_recognise_common_indonesian_headers(family, header, field):
    assert recognise(["No", header], family) == {1: field}


def test_recognise_never_maps_two_columns_to_one_field_and_reports_the_rest():
    headers = ["No", "NIK Ibu", "NIK", "Tgl Kunjung", "Tanggal", "Catatan bidan", ""]
    mapping = recognise(headers, "anc_kunjungan")
    assert mapping == {1: "nik_ibu", 4: "tgl_kunjungan"}  # leftmost of equals; a synonym beats a fuzzy match
    assert unmapped(headers, mapping) == ["No", "NIK", "Tgl Kunjung", "Catatan bidan"]
    assert recognise(["Tgl Kunjung"], "anc_kunjungan") == {0: "tgl_kunjungan"}  # fuzzy alone is enough


def test_a_saved_profile_wins_and_can_ignore_a_column():
    headers = ["Desa", "Angka 1", "Angka 2", "Jumlah"]
    profile = {"ANGKA 1": "numerator_month", "angka 2": "numerator_cum", "jumlah": "", "desa": "not_a_field"}
    assert recognise(headers, "aggregate_long", profile) == {0: "nama_desa", 1: "numerator_month", 2: "numerator_cum"}
    with pytest.raises(ValueError, match="tidak dikenal"):
        recognise(headers, "kohort_bayi")


def test_wide_groups_of_a_pws_kia_sheet():
    headers, _ = flatten_header(PWS)
    assert wide_groups(headers + ["% K1", "K6 (bln ini)", "K6 (s.d.)", "K1 murni"]) == {
        "anc_k1": {"month": [3], "cum": [4], "denominator": [2]},
        "anc_k4": {"month": [5], "cum": [6], "denominator": [2]},
        "anc_k6": {"month": [8], "cum": [9], "denominator": [2]},
        "anc_k1_murni": {"value": [10], "denominator": [2]},
        "_sasaran": {"value": [2]},
    }


def test_wide_groups_of_an_immunisation_report_with_sex_splits():
    headers = ["Desa", "Sasaran Bayi (SI) | L", "Sasaran Bayi (SI) | P", "Sasaran Bayi (SI) | L+P",
               "Sasaran Lahir Hidup", "HB0 <24jam | L", "HB0 <24jam | P", "HB0 1-7 hr | L", "HB0 1-7 hr | P",
               "BCG | L", "BCG | P", "BCG | L+P", "BCG | %", "DPT-HB-Hib1 | bln ini", "DPT-HB-Hib 3 | s.d. bln ini",
               "DPT-HB-Hib4", "Polio 4 | L", "MR1 | s.d. bulan lalu", "MR1 | bulan ini", "MR1 | s.d. bulan ini",
               "IDL | Laki-laki", "IDL | Perempuan"]
    groups = wide_groups(headers)
    assert groups["imm_hb0"] == {"value": [5, 7, 6, 8], "denominator": [4]}  # both windows, L and P: the caller sums
    assert groups["imm_bcg"] == {"value": [11], "denominator": [3]}  # L+P preferred over L and P
    assert groups["imm_dpt1"] == {"month": [13], "denominator": [3]}
    assert groups["imm_dpt3"] == {"cum": [14], "denominator": [3]}
    assert groups["imm_mr1"] == {"prev": [17], "month": [18], "cum": [19], "denominator": [3]}
    assert groups["imm_idl"] == {"value": [20, 21], "denominator": [3]}
    assert "imm_polio4" not in groups  # L without P would undercount
    assert groups["_sasaran"] == {"value": [3]}
    assert set(groups) <= {*INDICATORS, "_sasaran"}


def test_profiles_round_trip_atomically_with_safe_names(tmp_path):
    folder = tmp_path / "profil"
    assert list_profiles(folder) == []
    path = save_profile(folder, "PWS KIA Bojongsari", {"Bln ini": "numerator_month", "S.D. bln ini": "numerator_cum"})
    assert path == folder / "PWS KIA Bojongsari.json"
    assert load_profile(folder, "PWS KIA Bojongsari") == {
        "bulan ini": "numerator_month", "sd bulan ini": "numerator_cum"}  # keys normalised
    save_profile(folder, "asik-ptm_2025", {"GDS": "gula_darah_mg_dl"})
    assert list_profiles(folder) == ["PWS KIA Bojongsari", "asik-ptm_2025"]
    assert sorted(p.name for p in folder.iterdir()) == ["PWS KIA Bojongsari.json", "asik-ptm_2025.json"]  # no tmp left
    (folder / "rusak.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="rusak"):
        load_profile(folder, "rusak")
    with pytest.raises(ValueError, match="tidak ditemukan"):
        load_profile(folder, "lain")
    assert json.loads(path.read_text(encoding="utf-8"))["bulan ini"] == "numerator_month"


@pytest.mark.parametrize("name", ["../x", "a/b", "..", ".hidden", "", "a.json", "x" * 65, "nama ", "C:\\x", "a\x00"])
def test_profile_names_are_checked(tmp_path, name):
    with pytest.raises(ValueError, match="Nama profil"):
        save_profile(tmp_path, name, {})
    with pytest.raises(ValueError, match="Nama profil"):
        load_profile(tmp_path, name)


def test_wide_groups_of_a_ptm_recap_match_each_indicator_to_its_own_sasaran():
    headers = ["Puskesmas", "Penduduk 15–59 (L,P) | L", "Penduduk 15–59 (L,P) | P", "Mendapat skrining | L",
               "Mendapat skrining | P", "Mendapat skrining | %", "Estimasi penderita HT ≥15 | L",
               "Estimasi penderita HT ≥15 | P", "HT mendapat pelayanan | L", "HT mendapat pelayanan | P", "Jumlah Penduduk"]
    assert wide_groups(headers) == {
        "ptm_usia_produktif": {"value": [3, 4], "denominator": [1, 2]},
        "ptm_hipertensi": {"value": [8, 9], "denominator": [6, 7]},
        "_sasaran": {"value": [1, 2]},
    }
