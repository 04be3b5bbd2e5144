"""One fixture file per supported layout through the whole import (read, map, validate, normalise),
with the resulting monthly numbers checked by hand."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import polars as pl
import pytest

from phdt import dataset as ds
from phdt.imports import pipeline

JANUARY = date(2026, 1, 1)


@pytest.fixture(scope="module")
def data() -> ds.Dataset:
    return ds.load()


def xlsx(rows: list[list[object]], merges: tuple[str, ...] = ()) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def cell(monthly: pl.DataFrame, desa: str, slug: str) -> dict:
    return monthly.filter((pl.col("kode_desa") == desa) & (pl.col("indicator_code") == slug)).row(0, named=True)


def test_wide_pws_workbook_with_merged_headers_and_l_p_split(data):
    content = xlsx([
        ["LAPORAN PWS KIA PUSKESMAS KEMANGKON"],
        ["No", "Desa/Kelurahan", "Sasaran Bumil", "K1", None, None, "K4", None],
        [None, None, None, "bln ini L+P", "s.d. bln ini L+P", "% K1", "bln ini", "s.d. bln ini"],
        [1, "Kedungbenda", 81, 7, 7, 8.6, 2, 2],
        [2, "Ds. Bokol", "60", "4", "4", "6,7", 1, 1],
    ], merges=("D2:F2", "G2:H2"))
    prepared = pipeline.prepare(content, "pws-januari.xlsx", pipeline.WIDE, data, period=JANUARY)
    assert prepared.validation.errors == 0
    monthly = prepared.monthly.filter(pl.col("period") == JANUARY)
    k1 = cell(monthly, "33.03.01.2001", "anc_k1")
    assert (k1["numerator_month"], k1["numerator_cum"], k1["denominator"]) == (7, 7, 81)
    assert cell(monthly, "33.03.01.2002", "anc_k4")["numerator_cum"] == 1  # "Ds. Bokol" matched by name


def test_long_workbook_with_excel_dates_and_indonesian_numbers(data):
    content = xlsx([
        ["Kode Wilayah", "Nama Desa", "Periode", "Indikator", "Jumlah bulan ini", "Sasaran"],
        ["3303012001", "Kedungbenda", date(2026, 1, 15), "imm_bcg", "6", "1.081"],
    ])
    prepared = pipeline.prepare(content, "bcg.xlsx", "aggregate_long", data)
    bcg = cell(prepared.monthly, "33.03.01.2001", "imm_bcg")
    assert (bcg["period"], bcg["numerator_month"], bcg["denominator"]) == (JANUARY, 6, 1081)


def test_anc_line_list_goes_through_the_same_aggregation(data):
    csv = (
        "id_kehamilan;NIK Ibu;Nama Ibu;Kode Desa;HPHT;Tgl Kunjungan;Kunjungan Ke;Usia Kehamilan (mgg);Pemeriksa;USG;"
        "LILA;Hb;TD Sistolik;TD Diastolik;Sumber\n"
        "P1;3303014101900001;Sri;3303012001;01/11/2025;05/01/2026;1;9;bidan;tidak;25;12;110;70;ekohort\n"
        "P2;3303014202910002;Ani;3303012001;15/12/2025;20/01/2026;1;5;dokter;ya;24,5;11,5;120;80;ekohort\n"
    ).encode()
    prepared = pipeline.prepare(csv, "kohort.csv", "anc_kunjungan", data)
    assert prepared.validation.errors == 0, prepared.validation.report.to_dicts()
    monthly = prepared.outcome(data, replace=False).monthly
    k1 = cell(monthly.filter(pl.col("period") == JANUARY), "33.03.01.2001", "anc_k1")
    assert k1["numerator_month"] == 2  # two first contacts in January
    assert not set(monthly.columns) & {"nik_ibu", "nama_ibu"}  # nothing personal leaves the line list
