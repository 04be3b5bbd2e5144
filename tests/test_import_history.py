"""Line lists with their history, corrections that ripple into later months, and the dry run.

Every expected number is counted by hand from the small tables in tests/fixtures.py (two desa of
Kemangkon, 2025) and the uploads written here.
"""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest

from phdt import dataset as ds
from phdt import versions
from phdt.aggregate import monthly_indicators
from phdt.config import Settings
from phdt.imports import history, pipeline
from tests.fixtures import DESA_A, DESA_B, dose, doses, hand_tables, wilayah

HEADER = "NIK Anak;NIK Ibu;Nama Anak;Kode Desa;Tgl Lahir;Jenis Imunisasi;Tgl Imunisasi\n"
BORN = date(2025, 3, 1)
C3 = [dose("C3", a, d, born=BORN) for a, d in [  # everything but MR1 in 2025
    ("hb0", date(2025, 3, 1)), ("bcg", date(2025, 4, 2)), ("polio1", date(2025, 4, 2)),
    ("dpt1", date(2025, 5, 3)), ("polio2", date(2025, 5, 3)), ("dpt2", date(2025, 6, 3)),
    ("polio3", date(2025, 6, 3)), ("dpt3", date(2025, 7, 3)), ("polio4", date(2025, 7, 3))]]


def upload(*rows: tuple[str, str, str, str, str, str, str]) -> bytes:
    return (HEADER + "".join(";".join(r) + "\n" for r in rows)).encode()


def c3_dose(antigen: str, when: str) -> tuple[str, ...]:
    return ("C3", "3303010101900002", "Anak Uji", "3303012001", "01/03/2025", antigen, when)


@pytest.fixture
def root(tmp_path):
    """A version store whose first version is the hand tables plus child C3 (2025)."""
    tables = hand_tables()
    tables["imunisasi_dosis"] = pl.concat([tables["imunisasi_dosis"], doses(C3)])
    tables["fasilitas"] = pl.read_parquet(ds.ensure() / "fasilitas.parquet").head(0)
    folder = tmp_path / "data"
    folder.mkdir()
    tables["indikator_bulanan"] = monthly_indicators(tables, wilayah(), Settings())
    for name, frame in tables.items():
        frame.write_parquet(folder / f"{name}.parquet")
    wilayah().write_parquet(folder / ds.WILAYAH_FILE)
    (folder / "manifest.json").write_text(json.dumps({"version": "hand", "generated_by": "test"}))
    store = tmp_path / "versions"
    versions.bootstrap(store, data_dir=folder)
    return store


def current(root) -> ds.Dataset:
    return ds.load(versions.current(root))


def imported(root, content: bytes, family: str = "imunisasi_dosis", replace: bool = False) -> ds.Dataset:
    data = current(root)
    prepared = pipeline.prepare(content, "ekspor.csv", family, data, today=date(2026, 4, 15))
    assert prepared.validation.errors == 0, prepared.validation.report.to_dicts()
    pipeline.commit(prepared, data, "Petugas Data", replace=replace, root=root)
    return current(root)


def figure(data: ds.Dataset, slug: str, period: date, desa: str = DESA_A, column: str = "numerator_cum"):
    return data.monthly.filter((pl.col("indicator_code") == slug) & (pl.col("kode_desa") == desa)
                               & (pl.col("period") == period))[column].item()


def test_a_months_export_completes_children_from_earlier_months(root):
    data = imported(root, upload(c3_dose("MR", "10/01/2026")))
    # C3's other nine doses are in the stored 2025 list: the January MR1 completes IDL.
    assert figure(data, "imm_idl", date(2026, 1, 1), column="numerator_month") == 1
    assert figure(data, "imm_mr1", date(2026, 1, 1)) == 1
    desa_b = data.monthly.filter((pl.col("kode_desa") == DESA_B) & (pl.col("period") == date(2026, 1, 1)))
    assert desa_b.height == 0  # desa B is not in the export: no data, not zero
    assert data.line_list("imunisasi_dosis").filter(pl.col("id_anak") == "C3").height == 10


def test_one_month_at_a_time_equals_the_months_at_once(root, tmp_path):
    january = [c3_dose("MR1", "10/01/2026"),
               ("C9", "3303010101900009", "Bayi", "3303012002", "20/12/2025", "BCG", "15/01/2026")]
    february = [("C9", "3303010101900009", "Bayi", "3303012002", "20/12/2025", "Polio 1", "12/02/2026"),
                ("C9", "3303010101900009", "Bayi", "3303012002", "20/12/2025", "DPT-HB-Hib 1", "12/02/2026")]
    imported(root, upload(*january))
    stepwise = imported(root, upload(*february))
    once_root = tmp_path / "once"
    versions.bootstrap(once_root, data_dir=tmp_path / "data")
    at_once = imported(once_root, upload(*january, *february))
    slugs = ["imm_idl", "imm_uci", "imm_dpt1", "imm_do_dpt1_dpt3", "imm_bcg"]
    since = pl.col("period") >= date(2026, 1, 1)
    pick = lambda d: d.monthly.filter(since & pl.col("indicator_code").is_in(slugs)).sort(  # noqa: E731
        "indicator_code", "kode_desa", "period").drop("source_system")
    assert pick(stepwise).equals(pick(at_once))
    assert figure(stepwise, "imm_dpt1", date(2026, 2, 1), DESA_B) == 1


def test_a_corrected_month_ripples_into_later_months(root):
    before = current(root)
    assert figure(before, "imm_idl", date(2025, 10, 1), column="numerator_month") == 1  # C1's MR1 in October
    # The corrected May export of desa A lists C1's and C3's May doses, but no longer C1's polio4.
    corrected = upload(("C1", "3303010101900002", "Anak Uji", "3303012001", "05/01/2025", "DPT3", "05/05/2025"),
                       c3_dose("DPT1", "03/05/2025"), c3_dose("Polio 2", "03/05/2025"))
    data = current(root)
    prepared = pipeline.prepare(corrected, "mei-koreksi.csv", "imunisasi_dosis", data, today=date(2026, 4, 15))
    assert prepared.loaded == [date(2025, 5, 1)]
    result = prepared.outcome(data, replace=True)
    assert result.later == [date(2025, m, 1) for m in range(6, 13)]  # polio4 cumulatives from June on
    after = result.monthly
    idl = after.filter((pl.col("indicator_code") == "imm_idl") & (pl.col("kode_desa") == DESA_A)
                       & (pl.col("period") >= date(2025, 10, 1)))
    assert idl["numerator_cum"].to_list() == [0, 0, 0]  # C1 is no longer complete
    assert result.changes.filter(pl.col("indicator_code") == "imm_polio4")["numerator_cum_after"].to_list()[0] == 0
    added = prepared.outcome(data, replace=False)  # adding instead of replacing keeps C1's polio4
    assert added.later == [] and added.cells_changed == 0


def test_a_corrected_aggregate_month_carries_into_later_cumulatives(root):
    data = current(root)
    assert [figure(data, "anc_k1", date(2025, m, 1)) for m in (9, 10, 12)] == [2, 2, 2]
    csv = b"Kode Desa;Bulan;Indikator;Jumlah bln ini;Sasaran\n3303012001;2025-09;K1;3;12\n"
    prepared = pipeline.prepare(csv, "k1-september.csv", "aggregate_long", data, today=date(2026, 1, 15))
    result = prepared.outcome(data, replace=True)
    k1 = result.monthly.filter((pl.col("indicator_code") == "anc_k1") & (pl.col("kode_desa") == DESA_A)
                               & (pl.col("period") >= date(2025, 9, 1)))
    assert k1["numerator_cum"].to_list() == [5, 5, 5, 5]  # 2 before September + 3, carried to December
    assert result.later == [date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1)]
    top = result.changes.row(0, named=True)
    assert (top["kode_desa"], top["indicator_code"], top["value_before"], top["value_after"]) == (
        DESA_A, "anc_k1", pytest.approx(100 * 2 / 12), pytest.approx(100 * 5 / 12))


def test_merge_keeps_every_record_and_lets_the_upload_correct_one():
    stored = doses([dose("C1", "hb0", date(2025, 1, 5)), dose("C1", "bcg", date(2025, 2, 5))])
    upload_ = doses([dose("C1", "bcg", date(2025, 2, 7)), dose("C2", "hb0", date(2025, 2, 1))])
    added = history.merge(stored, upload_, "imunisasi_dosis", replace=False).sort("id_anak", "antigen")
    assert added.select("id_anak", "antigen", "tgl_imunisasi").rows() == [
        ("C1", "hb0", date(2025, 1, 5)), ("C1", "bcg", date(2025, 2, 7)), ("C2", "hb0", date(2025, 2, 1))]
    replaced = history.merge(stored, doses([dose("C2", "hb0", date(2025, 2, 1))]), "imunisasi_dosis", replace=True)
    # February of desa A is now the upload alone: C1's February BCG is gone, January stays.
    assert sorted(replaced.select("id_anak", "antigen").rows()) == [("C1", "hb0"), ("C2", "hb0")]


def test_a_newborn_without_identifier_joins_its_later_records():
    born = date(2026, 1, 2)
    rows = doses([dose("ibu:3303010101900002:2026-01-02", "hb0", born, born=born),
                  dose("3303010201260001", "bcg", date(2026, 2, 3), born=born)])
    assert history.link_children(rows)["id_anak"].to_list() == ["3303010201260001"] * 2
    twins = pl.concat([rows, doses([dose("3303010201260002", "bcg", date(2026, 2, 3), born=born)])])
    assert history.link_children(twins)["id_anak"].to_list()[0].startswith("ibu:")  # two children: no guess


NEWBORNS = [  # HB0 at birth, before any child NIK: two with the mother's NIK, one with a name only
    ("", "3303014101950011", "Bayi Satu", "3303012001", "02/01/2026", "HB0", "02/01/2026"),
    ("", "3303014101950012", "", "3303012001", "05/01/2026", "HB-0", "05/01/2026"),
    ("", "", "Bayi Tiga", "3303012001", "09/01/2026", "HB0", "09/01/2026"),
]


def test_newborns_without_a_child_nik_are_counted_once_and_linked_later(root):
    data = current(root)
    prepared = pipeline.prepare(upload(*NEWBORNS), "hb0-januari.csv", "imunisasi_dosis", data, today=date(2026, 4, 15))
    assert prepared.validation.errors == 0 and prepared.validation.warnings == 0
    assert figure(prepared.outcome(data, replace=False), "imm_hb0", date(2026, 1, 1)) == 3
    pipeline.commit(prepared, data, "Petugas Data", replace=False, root=root)
    again = imported(root, upload(*NEWBORNS))  # the same month imported twice counts each newborn once
    assert figure(again, "imm_hb0", date(2026, 1, 1)) == 3
    # March: the first newborn's other IDL doses under the NIK it now has
    later = [("3303010201260001", "3303014101950011", "Bayi Satu", "3303012001", "02/01/2026", antigen, "10/03/2026")
             for antigen in ("BCG", "Polio 1", "Polio 2", "Polio 3", "Polio 4", "DPT1", "DPT2", "DPT3", "MR")]
    after = imported(root, upload(*later))
    assert figure(after, "imm_idl", date(2026, 3, 1), column="numerator_month") == 1  # HB0 joined: one child
    assert figure(after, "imm_hb0", date(2026, 3, 1)) == 3


def test_a_later_month_is_not_partial_when_january_is_stored(root, tmp_path):
    may = upload(("C7", "3303010101900007", "Anak Mei", "3303012001", "01/03/2025", "BCG", "05/05/2025"))
    rules = lambda data: pipeline.prepare(may, "mei.csv", "imunisasi_dosis", data,  # noqa: E731
                                          today=date(2026, 4, 15)).validation.report["rule"].to_list()
    assert "partial_year" not in rules(current(root))  # the stored list holds January 2025
    empty_root = tmp_path / "empty"
    folder = tmp_path / "data"
    pl.read_parquet(folder / "imunisasi_dosis.parquet").head(0).write_parquet(folder / "imunisasi_dosis.parquet")
    versions.bootstrap(empty_root, data_dir=folder)
    assert "partial_year" in rules(current(empty_root))


def test_a_file_of_a_new_year_announces_no_month_as_already_loaded(root):
    data = current(root)
    prepared = pipeline.prepare(upload(c3_dose("MR1", "10/01/2026")), "januari.csv", "imunisasi_dosis", data,
                                today=date(2026, 4, 15))
    assert prepared.loaded == []
    assert "period_loaded" not in prepared.validation.report["rule"].to_list()
