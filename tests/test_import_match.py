"""Wilayah matching of uploaded rows against the real Purbalingga registry."""

from __future__ import annotations

import polars as pl
import pytest

from phdt.imports.match import match_desa, normalise_code, normalise_name, suggest
from phdt.wilayah import load_wilayah

SERAYU_LARANGAN = "33.03.08.2013"  # Kec. Mrebet
# The eight desa names that occur in two kecamatan: (name, kecamatan, code) for both.
DUPLICATED = {
    "Bojong": [("Purbalingga", "33.03.05.1001"), ("Mrebet", "33.03.08.2011")],
    "Karangtengah": [("Kemangkon", "33.03.01.2014"), ("Kertanegara", "33.03.18.2009")],
}


@pytest.fixture(scope="module")
def wilayah() -> pl.DataFrame:
    return load_wilayah()


def match(wilayah: pl.DataFrame, **columns: list) -> pl.DataFrame:
    n = len(next(iter(columns.values())))
    frame = pl.DataFrame({"_row": list(range(2, n + 2)), **{k: pl.Series(v, dtype=pl.String) for k, v in columns.items()}})
    return match_desa(frame, wilayah)


def test_registry_facts_the_tests_rely_on(wilayah):
    names = wilayah.group_by("nama_desa").agg(pl.col("kode_desa").cast(pl.String).sort()).filter(
        pl.col("kode_desa").list.len() > 1)
    assert names.height == 8
    by_name = dict(zip(names["nama_desa"], names["kode_desa"].to_list()))
    for name, places in DUPLICATED.items():
        assert by_name[name] == sorted(code for _, code in places)
    row = wilayah.filter(pl.col("kode_desa") == SERAYU_LARANGAN)
    assert row["nama_desa"].item() == "Serayu Larangan" and row["nama_kecamatan"].item() == "Mrebet"


@pytest.mark.parametrize("value", [
    "33.03.08.2013", "3303082013", " 33 03 08 2013 ", "33-03-08-2013", "'3303082013", 3303082013, 3303082013.0,
    "3303082013.0", "3.303082013E+09",
])
def test_desa_code_forms(value):
    assert normalise_code(value) == SERAYU_LARANGAN


@pytest.mark.parametrize(("value", "expected"), [
    ("33.03.08", "33.03.08"), ("330308", "33.03.08"), (330308.0, "33.03.08"),
    ("abc", None), (None, None), (12.5, None), ("33.03.08.201", None), ("", None), (float("nan"), None),
])
def test_kecamatan_and_bad_codes(value, expected):
    assert normalise_code(value) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Ds. Serayu-Larangan", "serayu larangan"), ("KEL.  Bojong ", "bojong"), ("Desa Karang  Tengah", "karang tengah"),
    ("Kelurahan Purbalingga Wetan", "purbalingga wetan"), ("Kec. Mrebet", "mrebet"), ("Kelapa", "kelapa"),
    ("  ", None), (None, None),
])
def test_normalise_name(text, expected):
    assert normalise_name(text) == expected


def test_code_forms_match_and_keep_rows_in_order(wilayah):
    m = match(wilayah, kode_desa=["3303082013", "33.03.05.1001", "33 03 08 2013"])
    assert m["kode_desa_matched"].to_list() == [SERAYU_LARANGAN, "33.03.05.1001", SERAYU_LARANGAN]
    assert m["match_note"].to_list() == ["kode"] * 3
    assert m["_row"].to_list() == [2, 3, 4] and m.columns[:2] == ["_row", "kode_desa"]


def test_excel_number_codes_match(wilayah):
    frame = pl.DataFrame({"_row": [2], "kode_desa": [3303082013.0]})
    assert match_desa(frame, wilayah)["kode_desa_matched"].item() == SERAYU_LARANGAN


@pytest.mark.parametrize("name", ["Serayu Larangan", "SERAYULARANGAN", "Ds. Serayu Larangan", "desa serayu-larangan"])
def test_unique_names_match_whatever_the_spelling(wilayah, name):
    m = match(wilayah, nama_desa=[name])
    assert (m["kode_desa_matched"].item(), m["match_note"].item()) == (SERAYU_LARANGAN, "nama")


@pytest.mark.parametrize("name", ["Bojong", "Karangtengah", "Karangsari", "Karangreja", "Pagerandong",
                                  "Karanggedang", "Karangnangka", "Penaruban"])
def test_duplicated_names_are_refused_without_kecamatan(wilayah, name):
    m = match(wilayah, nama_desa=[name])
    assert m["kode_desa_matched"].item() is None
    assert m["match_note"].item() == "nama_ganda"
    assert len(m["match_suggestions"].item()) == 2  # both candidates, for the fix text


@pytest.mark.parametrize(("name", "kecamatan", "code"), [
    ("Bojong", "Purbalingga", "33.03.05.1001"), ("Bojong", "Kec. Mrebet", "33.03.08.2011"),
    ("Kel. Bojong", "33.03.05", "33.03.05.1001"), ("Karang Tengah", "330318", "33.03.18.2009"),
    ("karangtengah", "KEMANGKON", "33.03.01.2014"),
])
def test_duplicated_names_are_resolved_by_kecamatan(wilayah, name, kecamatan, code):
    m = match(wilayah, nama_desa=[name], kecamatan=[kecamatan])
    assert (m["kode_desa_matched"].item(), m["match_note"].item()) == (code, "nama_kecamatan")


def test_name_in_the_wrong_kecamatan_is_not_matched(wilayah):
    m = match(wilayah, nama_desa=["Serayu Larangan"], kecamatan=["Kemangkon"])
    assert m["kode_desa_matched"].item() is None and m["match_note"].item() == "nama_tidak_dikenal"


def test_typos_get_suggestions_but_are_not_accepted(wilayah):
    m = match(wilayah, nama_desa=["Serayu Larangn", "Serayu Larangn"], kecamatan=[None, "Mrebet"])
    assert m["kode_desa_matched"].to_list() == [None, None]
    assert m["match_note"].to_list() == ["nama_tidak_dikenal"] * 2
    first, within = m["match_suggestions"].to_list()
    assert first[0] == "Serayu Larangan (Kec. Mrebet, 33.03.08.2013)" and len(first) <= 3
    assert all("Kec. Mrebet" in s for s in within)


def test_suggest(wilayah):
    assert suggest("Serayu Larangn", wilayah)[0] == "Serayu Larangan"
    assert len(suggest("Serayu Larangn", wilayah)) == 3
    assert suggest("Karangtngah", wilayah, kecamatan="33.03.18") == suggest("Karangtngah", wilayah, "Kertanegara")
    assert suggest("Karangtngah", wilayah, kecamatan="Kertanegara")[0] == "Karangtengah"
    assert suggest("zzzzzz", wilayah) == []


def test_unknown_code_is_not_replaced_by_the_name(wilayah):
    m = match(wilayah, kode_desa=["33.03.99.2001", "12345"], nama_desa=["Serayu Larangan", None])
    assert m["kode_desa_matched"].to_list() == [None, None]
    assert m["match_note"].to_list() == ["kode_tidak_dikenal"] * 2
    assert m["match_suggestions"].to_list()[0] == ["Serayu Larangan (Kec. Mrebet, 33.03.08.2013)"]


def test_unknown_kecamatan_and_empty_rows(wilayah):
    m = match(wilayah, nama_desa=["Bojong", None], kecamatan=["Mrebett", None])
    assert m["match_note"].to_list() == ["kecamatan_tidak_dikenal", "kosong"]
    assert m["match_suggestions"].to_list()[0][0] == "Kec. Mrebet (33.03.08)"
