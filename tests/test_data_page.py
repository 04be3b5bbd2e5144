"""The Data page and the command-line importer: upload -> report -> confirm -> new version -> restore,
on a copy of the demo dataset (the real one is never touched)."""

from __future__ import annotations

import shutil
from datetime import date

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from phdt import dataset as ds
from phdt import versions
from phdt.config import ROOT, settings
from phdt.imports import pipeline
from tests.helpers import account, shown_table, signed_in

GOOD = (
    "Kode Desa;Desa;Bulan;Indikator;Jumlah bln ini;Sasaran\n"
    "3303012001;Kedungbenda;2026-01;anc_k1;7;81\n"
    "3303012002;Bokol;2026-01;anc_k1;4;60\n"
    "33.03.01.2003;Pelumutan;2026-01;anc_k1;5;70\n"
).encode()
UNKNOWN_CODE = GOOD.replace(b"3303012002;Bokol", b"3303999999;Entah")


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A private copy of the demo dataset, the app pointed at it, caches cleared around the test."""
    import streamlit as st

    copy = tmp_path / "data"
    shutil.copytree(ds.ensure(), copy)
    monkeypatch.setenv("PHDT_DATA_DIR", str(copy))
    monkeypatch.setenv("PHDT_ACTIONS_DB", str(tmp_path / "actions.sqlite"))  # its accounts and sessions

    def reset():
        settings.cache_clear()
        st.cache_resource.clear()
        st.cache_data.clear()

    reset()
    yield copy
    monkeypatch.undo()
    reset()


def data_page(role: str = "staf") -> AppTest:
    """The Data page, signed in as an account of `role` (staf and admin may import and restore)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    signed_in(at, role)
    at.run()
    at.switch_page("pages/data_page.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_page_needs_a_staf_or_admin_account(data_dir):
    assert data_page("admin").get("file_uploader")
    nobody = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not nobody.exception and not nobody.get("file_uploader")
    assert nobody.text_input[1].proto.type == nobody.text_input[1].proto.PASSWORD  # the sign-in form instead
    for role, puskesmas in (("viewer", None), ("puskesmas", "Kemangkon")):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        signed_in(at, role, puskesmas)
        at.run()
        with pytest.raises(ValueError, match="data_page"):  # not in their navigation at all
            at.switch_page("pages/data_page.py")
        assert not at.exception and not at.get("file_uploader")


def test_upload_report_confirm_and_restore(data_dir):
    at = data_page()
    at.get("file_uploader")[0].set_value(("k1-januari.csv", GOOD, "text/csv")).run()
    assert any("**3 baris valid**, **0 kesalahan**" in md.value for md in at.markdown)
    dry = next(shown_table(df) for df in at.dataframe if "Orang sesudah impor" in df.value.columns)
    k1 = dry[(dry["Indikator"] == "K1 akses") & (dry["Bulan"] == "2026-01")].set_index("Desa/Kelurahan")
    # The file's counts over its sasaran, nothing there before: Kedungbenda 7 of 81 = 8,6 %.
    assert k1.loc["Kedungbenda", ["Orang sekarang", "Orang sesudah impor", "Capaian sesudah impor"]].tolist() == [
        "–", "7", "8,6 %"]
    assert sorted(k1.index) == ["Bokol", "Kedungbenda", "Pelumutan"]
    assert not [w for w in at.text_input if "who" in str(w.key)]  # no typed author: the signed-in account is
    next(b for b in at.button if b.label == "Impor sebagai versi baru").click().run()
    assert any("aktif (bulan 2026-01)" in s.value for s in at.success)
    assert at.get("file_uploader")[0].value is None  # the imported file is not offered again
    current = ds.load(versions.current())
    january = current.monthly.filter((pl.col("period") == date(2026, 1, 1)) & (pl.col("indicator_code") == "anc_k1"))
    assert sorted(january["numerator_month"].to_list()) == [4, 5, 7]
    history = next(shown_table(df) for df in at.dataframe if "Aktif" in df.value.columns)
    assert list(history["Berkas"]) == ["k1-januari.csv", "–"] and list(history["Aktif"]) == ["✓", ""]
    assert versions.log()[-1]["who"] == account("staf").author
    kept = versions.current() / "original" / "k1-januari.csv"
    assert kept.read_bytes() == GOOD  # the original upload is kept with the version
    first = history["ID"].iloc[1]
    next(b for b in at.button if b.label == "Kembalikan").click().run()
    assert versions.current_id() == first
    assert (versions.log()[-1]["action"], versions.log()[-1]["who"]) == ("restore", account("staf").author)
    assert date(2026, 1, 1) not in ds.load(versions.current()).periods


def test_errors_block_and_nothing_changes(data_dir):
    at = data_page()
    before = versions.current_id()
    at.get("file_uploader")[0].set_value(("salah.csv", UNKNOWN_CODE, "text/csv")).run()
    report = next(shown_table(df) for df in at.dataframe if "Cara memperbaiki" in df.value.columns)
    assert list(report["Baris"]) == [3] and report["Tingkat"].iloc[0] == "Kesalahan"
    assert any("Impor diblokir" in e.value for e in at.error)
    assert not any(b.label == "Impor sebagai versi baru" for b in at.button)
    assert versions.current_id() == before


def test_macro_workbook_is_refused(data_dir):
    at = data_page()
    at.get("file_uploader")[0].set_value(("rekap.xlsm", b"PK\x03\x04 not really", "application/octet-stream")).run()
    assert any("makro" in e.value for e in at.error)


def test_command_line_import(data_dir, tmp_path, capsys):
    upload = tmp_path / "k1.csv"
    upload.write_bytes(GOOD)
    assert pipeline.main([str(upload), "--family", "aggregate_long", "--who", "Skrip bulanan"]) == 0
    assert "Versi baru:" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(UNKNOWN_CODE)
    report = tmp_path / "laporan.csv"
    assert pipeline.main([str(bad), "--family", "aggregate_long", "--who", "Skrip", "--report", str(report)]) == 1
    rows = pl.read_csv(report, encoding="utf8-lossy")
    # January 2026 was loaded by the first import: a warning; the unknown code: the error that blocks.
    assert rows.select("Baris", "Aturan", "Tingkat").rows() == [
        (2, "period_loaded", "Peringatan"), (3, "unknown_code", "Kesalahan")]


def test_pws_month_workbook_offers_its_puskesmas_and_every_month_sheet(data_dir):
    from tests.test_import_layout import months_workbook

    at = data_page()
    at.get("file_uploader")[0].set_value(("pws-2026.xlsx", months_workbook(), "application/octet-stream")).run()
    at.selectbox(key="data_family").set_value(pipeline.WIDE).run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.multiselect(key="data_sheets").value == [1, 2, 3]  # the hidden "Rekap lama" is not offered
    assert at.selectbox(key="data_puskesmas_aggregate_wide_Kemangkon").value == "Kemangkon"
    assert any("JAN (2026-01), FEB (2026-02), MAR (2026-03)" in c.value for c in at.caption)
    assert any("**0 kesalahan**" in md.value and "2026-01, 2026-02, 2026-03" in md.value for md in at.markdown)


def test_a_puskesmas_line_list_export_covers_every_desa_of_its_wilayah_kerja(data_dir):
    from tests.fixtures import realfiles

    dose = {"id_anak": "3303014101260001", "nama_anak": "Bayi Uji", "jenis_kelamin": "P",
            "tgl_lahir": date(2026, 1, 2), "nik_ibu": "3303015501900001", "kode_desa": "33.03.01.2001",
            "antigen": "hb0", "tgl_imunisasi": date(2026, 1, 2)}
    content = realfiles.asik_doses([dose, dose | {"antigen": "bcg", "tgl_imunisasi": date(2026, 1, 20)}],
                                   {"33.03.01.2001": "Kedungbenda"}, "PUSKESMAS KEMANGKON JANUARI 2026")
    at = data_page()
    at.get("file_uploader")[0].set_value(("asik-januari.xlsx", content, "application/octet-stream")).run()
    at.selectbox(key="data_family").set_value("imunisasi_dosis").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.selectbox(key="data_puskesmas_imunisasi_dosis_Kemangkon").value == "Kemangkon"  # from the title
    dry = next(shown_table(df) for df in at.dataframe if "Orang sesudah impor" in df.value.columns)
    hb0 = dry[dry["Indikator"] == "HB0"].set_index("Desa/Kelurahan")["Orang sesudah impor"]
    # Kemangkon has 19 desa: Kedungbenda's newborn is counted, the 18 others reported none.
    assert len(hb0) == 19 and hb0["Kedungbenda"] == "1" and (hb0.drop("Kedungbenda") == "0").all()
