"""English mode shows no Bahasa Indonesia: every page in English (AppTest, every element's text),
the validation report of a set of bad files rendered in English, and the errors of the domain code
shown when a form or an upload is refused in English (an empty Dojo note, a session with one
presenter, an invalid follow-up action, a theater script with a bad link, a macro workbook and an
oversized file on the Data page) are scanned for words that only Bahasa has. Text between single
quotes is a value quoted from the file and is not scanned."""

from __future__ import annotations

import re
from datetime import date

import polars as pl
import pytest

from streamlit.testing.v1 import AppTest

from phdt import critique, theater
from phdt.config import ROOT, settings
from phdt.imports import validate
from phdt.imports.files import FileRejected, read_table
from phdt.roles import Forbidden
from phdt.texts import render, text
from phdt.wilayah import load_wilayah
from tests.helpers import open_page, signed_in, user, validation_messages
from tests.test_data_page import data_dir  # noqa: F401  (fixture)

KASIE = user(name="Kasie")  # the signed-in author of the domain writes

BAHASA = ("wajib", "harus", "tidak", "belum", "desa yang", "periksa", "isi ", "kosong", "bukan", "sudah",
          "dengan", "baris", "berkas", "kumulatif", "lembar", "angka", "mungkin", "tampilan", "naskah", "ditemukan")
PAGES = ("ringkasan_page", "peta_page", "kesenjangan_page", "puskesmas_page", "dojo_page", "bupati_page",
         "teater_page", "data_page", "pengguna_page")
TODAY = date(2025, 4, 15)


def bahasa_words(texts: list[str]) -> list[tuple[str, str]]:
    """(word, text) for every text with a Bahasa-only word outside quoted values."""
    found = []
    for shown in texts:
        bare = re.sub(r"'[^']*'", "''", shown).lower()
        found += [(word, shown) for word in BAHASA if re.search(rf"\b{word}", bare)]
    return found


def test_the_scan_finds_bahasa():
    assert bahasa_words(["Masalah wajib diisi.", "Puskesmas penyaji harus 2 sampai 4"])
    assert bahasa_words([text("id", "val_no_rows")])
    assert not bahasa_words(["Village 'Desa Tidak Ada' is not in the list.", text("en", "val_no_rows")])


def element_texts(at) -> list[str]:
    """The text of every element the page shows (values, labels, captions, help, options)."""
    out: list[str] = []
    stack = [at._tree]
    while stack:
        node = stack.pop()
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            stack.extend(children.values())
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        for attr in ("body", "value", "label", "help", "caption", "placeholder", "text"):
            value = getattr(proto, attr, None)
            if isinstance(value, str) and value:
                out.append(value)
        for attr in ("options", "default"):
            value = getattr(proto, attr, None)
            if value is not None and not isinstance(value, str | int | float | bool):
                out += [v for v in value if isinstance(v, str)]
    return out


@pytest.mark.parametrize("page", PAGES)
def test_every_page_in_english_speaks_english(page):
    at = open_page(page, role="admin" if page == "pengguna_page" else "staf", bahasa="en")
    shown = element_texts(at)
    assert shown, "nothing read from the page"
    assert bahasa_words(shown) == []


@pytest.fixture(scope="module")
def wilayah() -> pl.DataFrame:
    return load_wilayah()


def _frame(rows: list[dict]) -> pl.DataFrame:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    data = {c: pl.Series(c, [row.get(c) for row in rows], dtype=pl.String) for c in columns}
    return pl.DataFrame(data).with_row_index("_row", offset=2).with_columns(pl.col("_row").cast(pl.Int64))


BAD_FILES = {
    "aggregate_long": [
        {"kode_desa": "3303082013", "period": "2025-03", "indicator_code": "anc_k1", "numerator_month": "3",
         "numerator_cum": "9", "denominator": "40"},
        {"kode_desa": "3303082013", "period": "2025-03", "indicator_code": "anc_k1", "numerator_month": "4",
         "numerator_cum": "9", "denominator": "40"},  # conflicting duplicate
        {"kode_desa": "3303999999", "period": "2025-03", "indicator_code": "anc_k4", "numerator_month": "x"},
        {"kode_desa": "3401010001", "period": "2026-09", "indicator_code": "imm_uci", "numerator_month": "-1"},
        {"nama_desa": "Serayu Larangaan", "period": "bulan", "indicator_code": "k7", "numerator_month": "2,5"},
        {"nama_desa": "Karanganyar", "kecamatan": "Antah", "period": "2025-02", "indicator_code": "anc_k4",
         "numerator_month": "", "numerator_cum": ""},
        {"kode_desa": "3303082013", "nama_desa": "Bojong", "period": "2025-02", "indicator_code": "anc_k4",
         "numerator_cum": "80", "denominator": "40"},
        {"kode_desa": "3303082013", "period": "2025-01", "indicator_code": "anc_k4", "numerator_cum": "90",
         "denominator": "12,5"},
    ],
    "anc_kunjungan": [
        {"id_kehamilan": "A", "nik_ibu": "1234", "nama_ibu": "Ibu Uji", "nama_desa": "Serayu Larangan",
         "hpht": "01/03/2025", "tgl_kunjungan": "10/01/2025", "kunjungan_ke": "99", "usia_kehamilan_minggu": "8",
         "pemeriksa": "dukun", "usg": "mungkin"},
        {"id_kehamilan": "A", "nik_ibu": "1234", "nama_ibu": "Ibu Uji", "nama_desa": "Serayu Larangan",
         "hpht": "01/03/2025", "tgl_kunjungan": "10/01/2025", "kunjungan_ke": "99", "usia_kehamilan_minggu": "8",
         "pemeriksa": "dukun", "usg": "mungkin"},
        {"id_kehamilan": "", "nik_ibu": "9903015501900000", "nama_desa": "Serayu Larangan",
         "tgl_kunjungan": "10/12/2030", "kunjungan_ke": "1", "usia_kehamilan_minggu": "", "pemeriksa": "Bidan"},
    ],
    "imunisasi_dosis": [
        {"nama_anak": "Anak", "nik_ibu": "3303015501900001", "nama_desa": "Serayu Larangan", "jenis_kelamin": "X",
         "tgl_lahir": "01/01/2025", "antigen": "PCV1", "tgl_imunisasi": "01/02/2025", "sumber": "kertas"},
        {"nama_anak": "Anak", "nik_ibu": "3303015501900001", "nama_desa": "Serayu Larangan", "jenis_kelamin": "L",
         "tgl_lahir": "01/01/2025", "antigen": "DPT1", "tgl_imunisasi": "01/02/2025"},
        {"nama_anak": "Anak", "nik_ibu": "3303015501900001", "nama_desa": "Serayu Larangan", "jenis_kelamin": "L",
         "tgl_lahir": "01/01/2025", "antigen": "vaksin", "tgl_imunisasi": "01/02/2024"},
    ],
    "ptm_skrining": [
        {"nik": "", "nama_desa": "Serayu Larangan", "tgl_lahir": "01/01/1970", "tgl_skrining": "01/03/2025",
         "td_sistolik": "900", "hipertensi": "ya", "dm": "tidak"},
        {"nik": "3.30301E+15", "nama_desa": "Serayu Larangan", "tgl_lahir": "01/01/1970",
         "tgl_skrining": "01/03/2025", "hipertensi": "ya", "dm": "tidak"},
    ],
    "sasaran": [
        {"kode_desa": "3303082013", "tahun": "20255", "kelompok": "bumil", "jumlah": "60,5"},
        {"kode_desa": "3303082013", "tahun": "2025", "kelompok": "alien", "jumlah": "60"},
        {"kode_desa": "3303082013", "tahun": "2025", "kelompok": "ibu_hamil", "jumlah": "60,49"},
        {"kode_desa": "3303082013", "tahun": "2025", "kelompok": "ibu_hamil", "jumlah": "61"},
    ],
    "missing_columns": [{"catatan": "x"}],
}


@pytest.mark.parametrize("family", list(BAD_FILES))
def test_the_validation_report_of_bad_files_reads_in_english(wilayah, family):
    rows = _frame(BAD_FILES[family])
    kind = "aggregate_long" if family == "missing_columns" else family
    english = validate.validate(rows, kind, wilayah, today=TODAY, language="en").report
    bahasa = validate.validate(rows, kind, wilayah, today=TODAY).report
    assert english.height == bahasa.height >= 2
    assert english["rule"].to_list() == bahasa["rule"].to_list()
    assert bahasa_words(bahasa["message"].to_list() + bahasa["fix"].to_list())  # the scan can fail
    assert bahasa_words(english["message"].to_list() + english["fix"].to_list()) == []
    download = validate.report_bytes(english, "csv", "en").decode("utf-8-sig")
    assert "How to fix" in download and "Cara memperbaiki" not in download


# --- errors of the domain code, raised when a form or an upload is refused ------------------------------


def shown_errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error] + [w.value for w in at.warning]


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    return at.run()


def test_the_domain_errors_speak_bahasa_as_str_and_english_when_rendered(store):
    """The same errors as the pages below, without a page: str() stays Bahasa (logs, the command
    line, old callers), render() gives English."""
    session_id = critique.create_session(store, "Dojo", "2025-12", ["anc_k6"], ["Rembang", "Bukateja"], KASIE)
    refused = [
        validation_messages(critique.add_note, store, session_id, "Rembang", "", KASIE, "", ""),
        validation_messages(critique.create_session, store, "", "2025-12", ["anc_k6"], ["Rembang"], KASIE),
        validation_messages(store.add, {"puskesmas": "Kemangkon", "period": "2025-13", "status": "x"}, KASIE),
        validation_messages(theater.save, store, "", [theater.View("", "")], KASIE, lambda link: None),
    ]
    with pytest.raises(FileRejected) as caught:
        read_table(b"PK\x03\x04", "rekap.xlsm")
    with pytest.raises(Forbidden) as signed_out:  # a write with nobody signed in
        theater.save(store, "Naskah", [theater.View("/bupati", "Satu")], None, lambda link: None)
    bahasa = [str(m) for messages in refused for m in messages] + [str(caught.value), str(signed_out.value)]
    english = [render(m, "en") for messages in refused for m in messages] + [render(caught.value, "en"),
                                                                             render(signed_out.value, "en")]
    assert len(english) >= 12
    assert bahasa_words(bahasa)  # the scan can fail
    assert bahasa_words(english) == []


def test_dojo_forms_refuse_in_english(store):
    at = open_page("dojo_page", dojo="sesi", indikator="anc_k6", periode="2025-12", bahasa="en")
    at.text_input(key="session_new_title").input("Dojo KIA")
    at.multiselect(key="session_new_presenters").set_value(["Rembang"])
    click(at, text("en", "session_start"))
    assert not at.exception
    errors = shown_errors(at)
    assert any("2 to 4" in e for e in errors), errors
    assert bahasa_words(errors) == []
    assert critique.sessions(store) == []

    session_id = critique.create_session(store, "Dojo", "2025-12", ["anc_k6"], ["Rembang", "Bukateja"], KASIE)
    at = open_page("dojo_page", dojo="sesi", indikator="anc_k6", periode="2025-12", sesi=str(session_id), bahasa="en")
    click(at, text("en", "note_save"))  # an empty note
    assert not at.exception
    errors = shown_errors(at)
    assert any("is required" in e for e in errors), errors
    assert bahasa_words(errors) == []
    assert critique.notes(store, session_id) == []


def test_an_invalid_follow_up_action_is_refused_in_english(store):
    at = open_page("puskesmas_page", puskesmas="Kemangkon", bagian="rtl", periode="2024-09", bahasa="en")
    next(b for b in at.button if b.proto.form_id == "rtl_add_form").click()
    at.run()
    assert not at.exception
    errors = shown_errors(at)
    assert any("Problem is required" in e for e in errors), errors
    assert bahasa_words(errors) == []


def test_a_script_with_a_bad_link_is_refused_in_english(store):
    bad = [theater.View("https://contoh.example/peta", "Luar"), theater.View("/peta?indikator=xyz", "Dua")]
    script_id = theater.save(store, "Lama", bad, KASIE, lambda link: None)  # stored before links were checked
    at = open_page("teater_page", periode="2025-12", bahasa="en")
    at.selectbox(key="script_pick").set_value(script_id).run()
    click(at, text("en", "script_save"))  # a foreign link, an unknown value
    assert not at.exception
    errors = shown_errors(at)
    assert any("View 1" in e and "View 2" in e for e in errors), errors
    assert bahasa_words(errors) == []


@pytest.fixture
def data_page_en(data_dir, tmp_path, monkeypatch):  # noqa: F811
    """The Data page in English on a copy of the demo data, with a 1 MB upload limit."""
    config = tmp_path / "phdt.toml"
    config.write_text("max_upload_mb = 1\n", encoding="utf-8")
    monkeypatch.setenv("PHDT_CONFIG", str(config))
    settings.cache_clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["bahasa"] = "en"
    signed_in(at)  # a staf account may import
    at.run()
    at.switch_page("pages/data_page.py")
    at.run()
    assert not at.exception and at.title[0].value == text("en", "data_title") and at.get("file_uploader")
    return at


@pytest.mark.parametrize(("upload", "expected"), [
    (("rekap.xlsm", b"PK\x03\x04 not really"), "macros"),
    (("besar.csv", b"a;b\n" + b"1;2\n" * 300_000), "too big"),  # 1.2 MB, over the 1 MB limit
    (("rekap.docx", b"not a table"), "not supported"),
], ids=["macros", "too big", "unsupported"])
def test_a_refused_upload_is_explained_in_english(data_page_en, upload, expected):
    at = data_page_en
    at.get("file_uploader")[0].set_value((*upload, "application/octet-stream")).run()
    assert not at.exception
    errors = shown_errors(at)
    assert any(expected in e for e in errors), errors
    assert bahasa_words(errors) == []
